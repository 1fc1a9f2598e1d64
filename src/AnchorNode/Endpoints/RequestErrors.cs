using Firmware.Contracts.Uplink;
using Microsoft.AspNetCore.Diagnostics;

namespace AnchorNode.Endpoints;

/// <summary>
/// What the server itself refuses while a request is read (a body over the limit, broken chunked
/// framing, a client that stops sending): the client's fault, so a 4xx problem, never a 500.
/// </summary>
internal static class RequestErrors
{
    /// <summary>
    /// The problem for a status the server set without a body (no route, a method or Content-Type
    /// the route does not take, a parameter that does not bind): always <c>application/problem+json</c>,
    /// whatever the client's Accept header says, like every other refusal of the API.
    /// </summary>
    public static Task WriteStatusAsync(StatusCodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var problem = status switch
        {
            StatusCodes.Status400BadRequest => new NodeProblem(ProblemTypes.MalformedRequest, status, "a route or query parameter does not have the form the endpoint needs (see /openapi/v1.json)"),
            StatusCodes.Status404NotFound => new NodeProblem(ProblemTypes.NotFound, status, "no such route; the API is described at /openapi/v1.json"),
            StatusCodes.Status405MethodNotAllowed => new NodeProblem("method-not-allowed", status, $"this route does not take {LogText.Escape(http.Request.Method, 16)}; see /openapi/v1.json"),
            StatusCodes.Status415UnsupportedMediaType => new NodeProblem(RequestProblemTypes.UnsupportedMediaType, status,
                $"the request's Content-Type {LogText.Escape(http.Request.ContentType)} is not what this endpoint takes: JSON bodies are '{LotEndpoints.JsonBody}', signed notes '{LotEndpoints.TextBody}'"),
            _ => new NodeProblem("request-refused", status, $"the request was refused with HTTP {status}"),
        };
        return Problems.WriteAsync(http, problem);
    }

    /// <summary>The problem type when the ordering service cannot append now.</summary>
    public const string LedgerUnavailable = "ledger-unavailable";

    /// <summary>The status of an exception that reached the exception handler.</summary>
    public static int StatusOf(Exception exception) =>
        exception is BadHttpRequestException bad ? bad.StatusCode
        : exception is Ledger.LedgerUnavailableException ? StatusCodes.Status503ServiceUnavailable
        : StatusCodes.Status500InternalServerError;

    /// <summary>Gives such a problem its type and a detail that says what to do.</summary>
    public static void Describe(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Exception is Ledger.LedgerUnavailableException unavailable)
        {
            // The consortium's ordering has no quorum or cannot be reached: nothing was appended, and
            // the same request may succeed shortly (a gateway moves to another member meanwhile).
            context.ProblemDetails.Type = ProblemTypes.For(LedgerUnavailable);
            context.ProblemDetails.Detail = unavailable.Message;
            context.HttpContext.Response.Headers.RetryAfter = "2";
            return;
        }
        if (context.Exception is not BadHttpRequestException bad)
        {
            return;
        }
        var tooLarge = bad.StatusCode == StatusCodes.Status413PayloadTooLarge;
        context.ProblemDetails.Type = ProblemTypes.For(tooLarge ? ProblemTypes.TooLarge : ProblemTypes.MalformedRequest);
        context.ProblemDetails.Detail = tooLarge
            ? $"the body exceeds {RequestLimits.BodyLimitOf(context.HttpContext)} bytes, the most this endpoint reads"
            : $"the request could not be read: {LogText.Escape(bad.Message, 200)}";
    }
}
