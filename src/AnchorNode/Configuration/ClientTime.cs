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
    public static readonly TimeSpan MaxAhead = TimeSpan.FromMilliseconds(Firmware.Contracts.Uplink.ProblemTypes.MaxClockSkewMs);

    /// <summary>The latest time accepted now, Unix ms.</summary>
    public static long LatestAcceptedMs(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return (time.GetUtcNow() + MaxAhead).ToUnixTimeMilliseconds();
    }
}
