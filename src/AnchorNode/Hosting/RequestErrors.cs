using AnchorNode.Endpoints;
using Firmware.Contracts.Uplink;
using Microsoft.AspNetCore.Diagnostics;

namespace AnchorNode.Hosting;

/// <summary>
/// What the server itself refuses while a request is read (a body over the limit, broken chunked
/// framing, a client that stops sending): the client's fault, so a 4xx problem, never a 500.
/// </summary>
internal static class RequestErrors
{
    /// <summary>The status of an exception that reached the exception handler.</summary>
    public static int StatusOf(Exception exception) =>
        exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;

    /// <summary>Gives such a problem its type and a detail that says what to do.</summary>
    public static void Describe(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails.Type is null or "https://tools.ietf.org/html/rfc9110#section-15.5.16")
        {
            // The router refuses a Content-Type no endpoint of the path accepts before a handler runs.
            context.ProblemDetails.Type = ProblemTypes.For(RequestProblemTypes.UnsupportedMediaType);
            context.ProblemDetails.Detail = $"the request's Content-Type {LogText.Escape(context.HttpContext.Request.ContentType)} is not what this endpoint takes: "
                + $"JSON bodies are '{LotEndpoints.JsonBody}', signed notes '{LotEndpoints.TextBody}' (see /openapi/v1.json)";
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
