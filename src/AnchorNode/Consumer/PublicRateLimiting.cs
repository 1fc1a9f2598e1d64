using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using AnchorNode.Configuration;
using AnchorNode.Consumer.Pages;
using Microsoft.AspNetCore.RateLimiting;

namespace AnchorNode.Consumer;

/// <summary>
/// The request budget of the public routes: a token bucket per client, answered beyond it with
/// 429, a Retry-After header and a friendly page in the client's language.
/// </summary>
public static class PublicRateLimiting
{
    /// <summary>The policy name the public routes require.</summary>
    public const string Policy = "public";

    /// <summary>Adds the policy to <paramref name="options"/>.</summary>
    public static void Configure(RateLimiterOptions options, PublicRateLimit limit)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(limit);
        var bucket = Bucket(limit);
        options.AddPolicy(Policy, http => RateLimitPartition.GetTokenBucketLimiter(ClientKey(http.Connection.RemoteIpAddress), _ => bucket));
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = async (context, cancellationToken) =>
        {
            var http = context.HttpContext;
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
            var seconds = (long)Math.Ceiling(retryAfter.TotalSeconds);
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            http.Response.Headers.CacheControl = "no-store";
            var site = http.RequestServices.GetRequiredService<PublicSite>();
            var page = MessagePages.TooManyRequests(TimeSpan.FromSeconds(seconds), site.Begin(http));
            http.Response.ContentType = "text/html; charset=utf-8";
            await http.Response.WriteAsync(page, cancellationToken);
        };
    }

    /// <summary>
    /// The bucket: <see cref="PublicRateLimit.Burst"/> tokens, refilled to give
    /// <see cref="PublicRateLimit.RequestsPerMinute"/>. Refills come at least a second apart (the
    /// partitioned limiter's timer ticks every 100 ms, so finer periods would be rounded anyway).
    /// </summary>
    public static TokenBucketRateLimiterOptions Bucket(PublicRateLimit limit)
    {
        ArgumentNullException.ThrowIfNull(limit);
        var (period, tokens) = limit.RequestsPerMinute <= 60
            ? (TimeSpan.FromMinutes(1) / limit.RequestsPerMinute, 1)
            : (TimeSpan.FromSeconds(1), (int)Math.Ceiling(limit.RequestsPerMinute / 60.0));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    /// <summary>
    /// The partition of a client address: an IPv4 address (IPv4-mapped IPv6 included) as itself, an
    /// IPv6 address by its /64 prefix, since one device can take any address of its /64 at will.
    /// </summary>
    public static string ClientKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes).ToString() + "/64";
        }
        return address.ToString();
    }
}
