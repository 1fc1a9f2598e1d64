using Firmware.Contracts.Uplink;
using Microsoft.AspNetCore.Http.Features;

namespace AnchorNode.Endpoints;

/// <summary>The most bytes an endpoint reads from a request body (endpoint metadata).</summary>
/// <param name="Bytes">The limit.</param>
public sealed record BodyLimit(long Bytes);

/// <summary>
/// Body size limits that hold before anything is read, whatever the framing: a declared
/// Content-Length over the endpoint's limit is answered 413 at once, without reading the body, and
/// otherwise the server's own limit is lowered to the endpoint's, so that a chunked body stops
/// being read where it passes it (413 too).
/// </summary>
public static class RequestLimits
{
    /// <summary>The limit of endpoints that declare none (most take no body, or a small one).</summary>
    public const long DefaultBodyBytes = 64 * 1024;

    /// <summary>Declares the endpoint's body limit.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodyLimit(bytes));

    /// <summary>The body limit of the endpoint the request was routed to.</summary>
    public static long BodyLimitOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetEndpoint()?.Metadata.GetMetadata<BodyLimit>()?.Bytes ?? DefaultBodyBytes;
    }

    /// <summary>Applies the endpoint's limit before the request reaches authentication or the handler.</summary>
    public static IApplicationBuilder UseBodyLimits(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var limit = BodyLimitOf(context);
            if (context.Request.ContentLength > limit)
            {
                // Answered from the header; the server's own limit still bounds what it drains
                // afterwards (so that a client still sending sees the answer), and past it closes.
                await Problems.WriteAsync(context, new NodeProblem(ProblemTypes.TooLarge, 413,
                    $"the body is {context.Request.ContentLength} bytes; this endpoint reads at most {limit}"));
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = limit;
            }
            await next(context);
        });
}
