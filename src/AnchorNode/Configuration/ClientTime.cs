using Firmware.Contracts;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Configuration;

/// <summary>
/// How far ahead of the node's clock a time a client supplies may be: a gateway's report time or
/// the <c>atMs</c> of a move, delivery, release, transfer or enforcement. A later time is refused
/// (problem <c>time-ahead</c>) rather than stored, because later values are checked against it
/// ("newer than the last report", "not before the previous move"), so one far-future value would
/// block a device or a lot until that time.
/// </summary>
public static class ClientTime
{
    /// <summary>The clock skew tolerated: five minutes.</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromMilliseconds(ProblemTypes.MaxClockSkewMs);

    /// <summary>The latest time accepted now, Unix ms.</summary>
    public static long LatestAcceptedMs(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return (time.GetUtcNow() + MaxAhead).ToUnixTimeMilliseconds();
    }

    /// <summary>The refusal of a time later than <paramref name="latestMs"/> in <paramref name="field"/>.</summary>
    public static Failure Ahead(string field, long valueMs, long latestMs) =>
        new(ProblemTypes.TimeAhead,
            $"'{field}' is {valueMs} ms, more than {(long)MaxAhead.TotalMilliseconds} ms ahead of the node's clock ({latestMs - (long)MaxAhead.TotalMilliseconds} ms); send a time that has passed, or set the client's clock right")
        {
            Facts = new Dictionary<string, object?> { ["field"] = field, ["latestAcceptedMs"] = latestMs },
        };
}
