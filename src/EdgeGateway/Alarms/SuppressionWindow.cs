namespace EdgeGateway.Alarms;

/// <summary>
/// A span of time in which no alarm of a zone starts (a defrost cycle, maintenance): either every
/// day at <see cref="DailyStart"/> (UTC) for <see cref="Duration"/>, or once from
/// <see cref="FromMs"/> to <see cref="ToMs"/>. Readings are logged as always; suppression only
/// delays alarms, and an alarm already active when the window opens stays active.
/// </summary>
public sealed record SuppressionWindow
{
    private const long DayMs = 24L * 60 * 60 * 1000;

    /// <summary>The window's id, unique among rules and windows; named in its leaves' detail.</summary>
    public required string Id { get; init; }

    /// <summary>The zone whose alarms it suppresses (all of its rules).</summary>
    public required string Zone { get; init; }

    /// <summary>Why, as a lower-case code (<c>defrost</c>, <c>maintenance</c>): the <c>reason</c> of its leaves.</summary>
    public required string Reason { get; init; }

    /// <summary>For a daily window: the time of day it opens, UTC.</summary>
    public TimeSpan? DailyStart { get; init; }

    /// <summary>For a daily window: how long it stays open (less than a day).</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>For a one-off window: when it opens, Unix milliseconds.</summary>
    public long FromMs { get; init; }

    /// <summary>For a one-off window: when it closes, Unix milliseconds (exclusive).</summary>
    public long ToMs { get; init; }

    /// <summary>The occurrence open at <paramref name="timeMs"/> as [start, end), or null when the window is closed then.</summary>
    public (long Start, long End)? OpenAt(long timeMs)
    {
        if (DailyStart is not { } daily)
        {
            return timeMs >= FromMs && timeMs < ToMs ? (FromMs, ToMs) : null;
        }
        var offset = (long)daily.TotalMilliseconds;
        var days = (timeMs - offset) / DayMs;
        if ((timeMs - offset) % DayMs < 0)
        {
            days--;
        }
        var start = days * DayMs + offset;
        var end = start + (long)Duration.TotalMilliseconds;
        return timeMs < end ? (start, end) : null;
    }
}
