using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Firmware.Contracts.Uplink;
using Microsoft.AspNetCore.Http.Features;

namespace AnchorNode.Endpoints;

/// <summary>RFC 9457 responses and bounded JSON bodies.</summary>
internal static class Problems
{
    /// <summary>The problem as a result.</summary>
    public static IResult Result(NodeProblem problem) =>
        TypedResults.Problem(detail: problem.Detail, statusCode: problem.Status, title: problem.Title, type: ProblemTypes.For(problem.Code),
            extensions: problem.Extensions);

    /// <summary>Writes the problem as the response.</summary>
    public static Task WriteAsync(HttpContext context, NodeProblem problem) => Result(problem).ExecuteAsync(context);

    /// <summary>A problem for a failure code with the status it implies.</summary>
    public static IResult Of(string code, string detail) => Result(new NodeProblem(code, NodeProblem.StatusOf(code), detail));

    /// <summary>
    /// Reads a JSON body of at most <paramref name="maxBytes"/>: a larger body is a too-large problem,
    /// and anything that is not the expected JSON a malformed-request problem, before any work is done.
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> type, long maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        var (body, problem) = await ReadBodyAsync(request, maxBytes, cancellationToken);
        return problem is not null ? (null, problem) : Deserialize(body!.Value, type);
    }

    /// <summary>Deserializes <paramref name="body"/>, or says why it is not the expected JSON.</summary>
    public static (T? Value, IResult? Problem) Deserialize<T>(ReadOnlyMemory<byte> body, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize(body.Span, type);
            return value is null
                ? (null, Of(ProblemTypes.MalformedRequest, "the body is JSON null; send a JSON object"))
                : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Of(ProblemTypes.MalformedRequest, $"the body is not the expected JSON: {e.Message}"));
        }
    }

    /// <summary>Reads a body of at most <paramref name="maxBytes"/>, or a too-large problem.</summary>
    public static async Task<(ReadOnlyMemory<byte>? Body, IResult? Problem)> ReadBodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, Of(ProblemTypes.TooLarge, $"the body is {request.ContentLength} bytes; at most {maxBytes} are accepted"));
        }
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes + 1;
        }
        try
        {
            using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 64 * 1024);
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return (null, Of(ProblemTypes.TooLarge, $"the body exceeds {maxBytes} bytes"));
                }
                buffer.Write(chunk, 0, read);
            }
            return (buffer.GetBuffer().AsMemory(0, (int)buffer.Length), null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Of(ProblemTypes.TooLarge, $"the body exceeds {maxBytes} bytes"));
        }
    }
}
