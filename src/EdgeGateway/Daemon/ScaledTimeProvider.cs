namespace EdgeGateway.Daemon;

/// <summary>
/// A clock that runs <c>speed</c> times faster than <c>inner</c> from <c>start</c>: under
/// <c>run --simulate --speed N</c> the simulated warehouse, leaf times and sealing follow it, so an
/// hour of warehouse passes in 3600/N real seconds with every interval intact. Waits that protect
/// something outside (the uplink's retries, status reports) stay in real time.
/// </summary>
public sealed class ScaledTimeProvider : TimeProvider
{
    private readonly TimeProvider _inner;
    private readonly DateTimeOffset _start;
    private readonly long _startTicks;

    /// <param name="inner">The real clock.</param>
    /// <param name="start">The simulated time at creation.</param>
    /// <param name="speed">How many simulated seconds pass per real second (&gt; 0).</param>
    public ScaledTimeProvider(TimeProvider inner, DateTimeOffset start, double speed)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!(speed > 0) || double.IsInfinity(speed))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "the speed factor must be a positive number");
        }
        _inner = inner;
        _start = start;
        _startTicks = inner.GetTimestamp();
        Speed = speed;
    }

    /// <summary>Simulated seconds per real second.</summary>
    public double Speed { get; }

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() =>
        _start + TimeSpan.FromTicks((long)(_inner.GetElapsedTime(_startTicks).Ticks * Speed));

    /// <inheritdoc/>
    public override long GetTimestamp() => _startTicks + (long)((_inner.GetTimestamp() - _startTicks) * Speed);

    /// <inheritdoc/>
    public override long TimestampFrequency => _inner.TimestampFrequency;

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => _inner.LocalTimeZone;

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(_inner.CreateTimer(callback, state, ToReal(dueTime), ToReal(period)), this);

    private TimeSpan ToReal(TimeSpan simulated) =>
        simulated == Timeout.InfiniteTimeSpan || simulated <= TimeSpan.Zero
            ? simulated
            : TimeSpan.FromTicks(Math.Max(1, (long)(simulated.Ticks / Speed)));

    private sealed class ScaledTimer(ITimer inner, ScaledTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(owner.ToReal(dueTime), owner.ToReal(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
