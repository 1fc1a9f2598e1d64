namespace EdgeGateway.Daemon;

/// <summary>
/// A clock that runs <c>speed</c> times faster than <c>inner</c> from <c>start</c>: under
/// <c>run --simulate --speed N</c> the simulated warehouse, leaf times and sealing follow it, so an
/// hour of warehouse passes in 3600/N real seconds with every interval intact. Waits that protect
/// something outside (the uplink's retries, status reports) stay in real time.
/// With <c>catchUp</c> (<c>run --simulate --history H</c>) it starts in the past and runs fast only
/// until it reaches the real time, then follows the real time: it never runs ahead, so a node that
/// refuses readings dated after their arrival accepts every one.
/// </summary>
public sealed class ScaledTimeProvider : TimeProvider
{
    private readonly TimeProvider _inner;
    private readonly DateTimeOffset _start;
    private readonly long _startTicks;

    // With catch-up: simulated elapsed = min(real elapsed × speed, real elapsed + lag), where the lag
    // is how far behind the real time the clock started. Without: the lag is infinite.
    private readonly TimeSpan _lag;

    /// <param name="inner">The real clock.</param>
    /// <param name="start">The simulated time at creation.</param>
    /// <param name="speed">How many simulated seconds pass per real second (&gt; 0; at least 1 with <paramref name="catchUp"/>).</param>
    /// <param name="catchUp">Run fast only until the real time is reached (<paramref name="start"/> must not be in the future).</param>
    public ScaledTimeProvider(TimeProvider inner, DateTimeOffset start, double speed, bool catchUp = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!(speed > 0) || double.IsInfinity(speed) || (catchUp && speed < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, catchUp ? "the catch-up speed must be at least 1" : "the speed factor must be a positive number");
        }
        _inner = inner;
        _start = start;
        _startTicks = inner.GetTimestamp();
        Speed = speed;
        if (catchUp)
        {
            var lag = inner.GetUtcNow() - start;
            if (lag < TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(start), start, "a catching-up clock cannot start in the future");
            }
            _lag = lag;
        }
        else
        {
            _lag = TimeSpan.MaxValue;
        }
    }

    /// <summary>Simulated seconds per real second (while catching up).</summary>
    public double Speed { get; }

    /// <summary>True once a catching-up clock has reached the real time (never for one that runs ahead).</summary>
    public bool CaughtUp => _lag != TimeSpan.MaxValue && RealElapsed * Speed >= RealElapsed + _lag;

    private TimeSpan RealElapsed => _inner.GetElapsedTime(_startTicks);

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _start + Simulated(RealElapsed);

    /// <inheritdoc/>
    public override long GetTimestamp() => _startTicks + (long)(Simulated(RealElapsed).TotalSeconds * TimestampFrequency);

    /// <inheritdoc/>
    public override long TimestampFrequency => _inner.TimestampFrequency;

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => _inner.LocalTimeZone;

    /// <summary>How long, in real time, until the clock shows <paramref name="simulated"/> (zero when it has passed).</summary>
    public TimeSpan RealDelayUntil(DateTimeOffset simulated)
    {
        var now = RealElapsed;
        var target = simulated - _start;
        if (target <= Simulated(now))
        {
            return TimeSpan.Zero;
        }
        // Fast until the catch-up point (real elapsed lag/(speed-1)), real time after it.
        var fastTarget = TimeSpan.FromTicks((long)Math.Ceiling(target.Ticks / Speed));
        var real = _lag == TimeSpan.MaxValue || Speed <= 1 || fastTarget.Ticks * Speed <= (fastTarget + _lag).Ticks
            ? fastTarget
            : target - _lag;
        return real > now ? real - now : TimeSpan.Zero;
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(this, callback, state, dueTime, period);

    private TimeSpan Simulated(TimeSpan realElapsed)
    {
        var fast = TimeSpan.FromTicks((long)(realElapsed.Ticks * Speed));
        return _lag == TimeSpan.MaxValue ? fast : TimeSpan.FromTicks(Math.Min(fast.Ticks, (realElapsed + _lag).Ticks));
    }

    private TimeSpan ToReal(TimeSpan simulated) =>
        simulated == Timeout.InfiniteTimeSpan || simulated <= TimeSpan.Zero
            ? simulated
            : TimeSpan.FromTicks(Math.Max(10_000, RealDelayUntil(GetUtcNow() + simulated).Ticks));

    // Each period is converted when it starts: a timer armed while catching up fires at real-time
    // pace once the clock has caught up.
    private sealed class ScaledTimer : ITimer
    {
        private readonly ScaledTimeProvider _owner;
        private readonly TimerCallback _callback;
        private readonly ITimer _inner;
        private TimeSpan _period;

        public ScaledTimer(ScaledTimeProvider owner, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _owner = owner;
            _callback = callback;
            _period = period;
            _inner = owner._inner.CreateTimer(Tick, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            Change(dueTime, period);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_inner)
            {
                _period = period;
                return _inner.Change(_owner.ToReal(dueTime), Timeout.InfiniteTimeSpan);
            }
        }

        public void Dispose() => _inner.Dispose();

        public ValueTask DisposeAsync() => _inner.DisposeAsync();

        private void Tick(object? state)
        {
            lock (_inner)
            {
                if (_period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan)
                {
                    try
                    {
                        _inner.Change(_owner.ToReal(_period), Timeout.InfiniteTimeSpan);
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                }
            }
            _callback(state);
        }
    }
}
