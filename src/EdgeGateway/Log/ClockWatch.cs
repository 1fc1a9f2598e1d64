namespace EdgeGateway.Log;

/// <summary>
/// Notices when the wall clock jumps relative to the monotonic clock: a board without a
/// real-time clock boots at a stale time and NTP steps it later, and readings before and after
/// the step carry times that are not comparable. The step itself goes into the log.
/// </summary>
public sealed class ClockWatch
{
    private readonly TimeProvider _clock;
    private readonly TimeSpan _tolerance;
    private DateTimeOffset _wallAtMark;
    private long _ticksAtMark;

    /// <param name="clock">The gateway clock.</param>
    /// <param name="tolerance">Differences up to this are drift, not steps.</param>
    public ClockWatch(TimeProvider clock, TimeSpan tolerance)
    {
        _clock = clock;
        _tolerance = tolerance;
        Reset();
    }

    /// <summary>
    /// The step since the last call, when the wall clock moved more than the tolerance away from
    /// the monotonic clock; null otherwise.
    /// </summary>
    public TimeSpan? Check()
    {
        var expected = _wallAtMark + _clock.GetElapsedTime(_ticksAtMark);
        var step = _clock.GetUtcNow() - expected;
        // Re-anchored on every check, so that slow NTP slewing never adds up to a false step.
        Reset();
        return step.Duration() <= _tolerance ? null : step;
    }

    private void Reset()
    {
        _wallAtMark = _clock.GetUtcNow();
        _ticksAtMark = _clock.GetTimestamp();
    }
}
