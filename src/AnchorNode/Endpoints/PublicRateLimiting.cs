using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using AnchorNode.Configuration;
using AnchorNode.Consumer;
using AnchorNode.Consumer.Pages;
using Microsoft.AspNetCore.RateLimiting;

namespace AnchorNode.Endpoints;

/// <summary>
/// The request budget of the public routes (consumer pages, QR codes, labels, proofs and the public
/// lot API): a token bucket per client address, answered beyond it with 429 and a Retry-After header:
/// a friendly page in the client's language on the consumer routes, an RFC 9457 problem
/// (<c>urn:edgetrace:problem:rate-limited</c>) on the API and to clients that ask for JSON. A request
/// with a valid API key (an operator's, lender's or auditor's integration) is not counted.
/// </summary>
public static class PublicRateLimiting
{
    /// <summary>The policy name the public routes require.</summary>
    public const string Policy = "public";

    /// <summary>The problem code of a refused request.</summary>
    public const string RateLimited = RequestProblemTypes.RateLimited;

    /// <summary>Adds the policy to <paramref name="options"/>.</summary>
    public static void Configure(RateLimiterOptions options, PublicRateLimit limit)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(limit);
        var bucket = Bucket(limit);
        options.AddPolicy(Policy, http => http.User.Identity?.IsAuthenticated == true
            ? RateLimitPartition.GetNoLimiter("api-key")
            : RateLimitPartition.GetTokenBucketLimiter(ClientKey(http.Connection.RemoteIpAddress), _ => bucket));
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = async (context, cancellationToken) =>
        {
            var http = context.HttpContext;
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
            var seconds = (long)Math.Ceiling(retryAfter.TotalSeconds);
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            http.Response.Headers.CacheControl = "no-store";
            if (WantsProblem(http.Request))
            {
                await Problems.WriteAsync(http, new NodeProblem(RateLimited, StatusCodes.Status429TooManyRequests,
                    $"this address made more than {limit.Burst} requests at once or {limit.RequestsPerMinute} a minute on the public routes; "
                    + $"try again in {seconds} s (see Retry-After). Requests with an API key are not limited."));
                return;
            }
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

    /// <summary>
    /// A problem for the API (<c>/v1/…</c>) and for clients that accept JSON but not HTML; the
    /// consumer routes' page otherwise, since a phone's browser shows it to a person.
    /// </summary>
    public static bool WantsProblem(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
        {
            return true;
        }
        var accept = request.Headers.Accept.ToString();
        return accept.Contains("json", StringComparison.OrdinalIgnoreCase) && !accept.Contains("text/html", StringComparison.OrdinalIgnoreCase);
    }
}
