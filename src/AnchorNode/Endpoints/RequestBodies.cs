using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Firmware.Contracts.Uplink;
using Microsoft.Net.Http.Headers;

namespace AnchorNode.Endpoints;

/// <summary>
/// Request bodies read strictly, before any work is done: the media type must be the endpoint's
/// with <c>charset=utf-8</c>; the body is read up to the endpoint's <see cref="BodyLimit"/>; the
/// bytes must be UTF-8; a JSON body must be one object whose members are exactly the request type's
/// (no unknown member, no duplicate, no other letter case). Each refusal is a problem that names the
/// member and the rule (docs/anchor-node.md, "Strict requests").
/// </summary>
internal static class RequestBodies
{
    private const string Json = "application/json";
    private const string Text = "text/plain";
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>A JSON body as <paramref name="type"/>, or the problem that refuses it.</summary>
    /// <param name="charsetOptional">True where a client predating the charset rule sends <c>application/json</c> alone (the gateway's uplink).</param>
    public static async Task<(T? Value, IResult? Problem)> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken cancellationToken, bool charsetOptional = false)
        where T : class
    {
        if (MediaTypeProblem(request, Json, charsetOptional) is { } wrongType)
        {
            return (null, Problems.Result(wrongType));
        }
        var (body, problem) = await ReadAsync(request, cancellationToken);
        return problem is not null ? (null, problem) : Deserialize(body!.Value, type);
    }

    /// <summary>A JSON body checked strictly as <paramref name="type"/> but not deserialized (see <see cref="Parse"/>), or the problem that refuses it.</summary>
    public static async Task<(ReadOnlyMemory<byte>? Body, IResult? Problem)> ReadJsonBytesAsync(HttpRequest request, JsonTypeInfo type, CancellationToken cancellationToken, bool charsetOptional = false)
    {
        if (MediaTypeProblem(request, Json, charsetOptional) is { } wrongType)
        {
            return (null, Problems.Result(wrongType));
        }
        var (body, problem) = await ReadAsync(request, cancellationToken);
        if (problem is not null)
        {
            return (null, problem);
        }
        return StrictJson.Check(body!.Value.Span, type) is { } refused ? (null, Problems.Result(refused)) : (body, null);
    }

    /// <summary>A <c>text/plain; charset=utf-8</c> body (a signed note) as a string, or the problem that refuses it.</summary>
    public static async Task<(string? Text, IResult? Problem)> ReadTextAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (MediaTypeProblem(request, Text, charsetOptional: false) is { } wrongType)
        {
            return (null, Problems.Result(wrongType));
        }
        var (body, problem) = await ReadAsync(request, cancellationToken);
        if (problem is not null)
        {
            return (null, problem);
        }
        try
        {
            return (StrictUtf8.GetString(body!.Value.Span), null);
        }
        catch (DecoderFallbackException e)
        {
            return (null, Problems.Of(ProblemTypes.MalformedRequest, $"the body is not UTF-8 (invalid bytes at offset {e.Index}); send the note's UTF-8 text"));
        }
    }

    /// <summary>
    /// Checks strictly and deserializes <paramref name="body"/>, or says why it is refused.
    /// </summary>
    public static (T? Value, IResult? Problem) Deserialize<T>(ReadOnlyMemory<byte> body, JsonTypeInfo<T> type)
        where T : class
    {
        return StrictJson.Check(body.Span, type) is { } refused ? (null, Problems.Result(refused)) : Parse(body, type);
    }

    /// <summary>Deserializes a body <see cref="StrictJson.Check"/> accepted, or says which member has the wrong type.</summary>
    public static (T? Value, IResult? Problem) Parse<T>(ReadOnlyMemory<byte> body, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize(body.Span, type);
            return value is null
                ? (null, Problems.Of(ProblemTypes.MalformedRequest, "the body is JSON null; send a JSON object"))
                : (value, null);
        }
        catch (JsonException e)
        {
            var field = StrictJson.FieldOf(e.Path);
            var detail = $"'{field}' does not have the type the request needs (see /openapi/v1.json)";
            return (null, Problems.Result(field.Length == 0
                ? new NodeProblem(ProblemTypes.MalformedRequest, 400, "the body is not the expected JSON object (see /openapi/v1.json)")
                : Problems.Field(ProblemTypes.MalformedRequest, field, detail)));
        }
    }

    /// <summary>The body, at most the endpoint's <see cref="BodyLimit"/> bytes, or a too-large problem.</summary>
    public static async Task<(ReadOnlyMemory<byte>? Body, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var maxBytes = RequestLimits.BodyLimitOf(request.HttpContext);
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }
        try
        {
            using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 16 * 1024);
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return (null, TooLarge(maxBytes));
                }
                buffer.Write(chunk, 0, read);
            }
            return (buffer.GetBuffer().AsMemory(0, (int)buffer.Length), null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(maxBytes));
        }
    }

    private static IResult TooLarge(long maxBytes) => Problems.Of(ProblemTypes.TooLarge, $"the body exceeds {maxBytes} bytes, the most this endpoint reads");

    private static NodeProblem? MediaTypeProblem(HttpRequest request, string expected, bool charsetOptional)
    {
        var wanted = $"'{expected}; charset=utf-8'";
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var header))
        {
            return new NodeProblem(RequestProblemTypes.UnsupportedMediaType, 415,
                $"the request has {(request.ContentType is null ? "no Content-Type" : $"Content-Type {LogText.Escape(request.ContentType)}")}; send {wanted}");
        }
        if (!header.MediaType.Equals(expected, StringComparison.OrdinalIgnoreCase))
        {
            return new NodeProblem(RequestProblemTypes.UnsupportedMediaType, 415, $"the body is {LogText.Escape(header.MediaType.Value)}; this endpoint takes {wanted}");
        }
        var charset = header.Charset.HasValue ? HeaderUtilities.RemoveQuotes(header.Charset).Value : null;
        if (charset is null ? !charsetOptional : !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return new NodeProblem(RequestProblemTypes.UnsupportedMediaType, 415,
                $"the body's charset is {(charset is null ? "missing" : LogText.Escape(charset))}; send {wanted} (the text is read as UTF-8, byte for byte)");
        }
        if (header.Parameters.Any(p => !p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)))
        {
            return new NodeProblem(RequestProblemTypes.UnsupportedMediaType, 415, $"the Content-Type has parameters other than charset; send {wanted}");
        }
        return null;
    }
}
