namespace EdgeGateway.Tests.Sensors;

/// <summary>
/// A clock that only moves when the test says so. Timers (and so Task.Delay and PeriodicTimer on
/// this provider) fire inside <see cref="Advance"/>, in due order, with the clock set to their due time.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now;
    private TaskCompletionSource _timersChanged = NewSignal();

    public ManualTimeProvider(DateTimeOffset start) => _now = start;

    public ManualTimeProvider() : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        lock (_gate) _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Due time of the earliest armed timer, if any.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_gate) return _timers.Where(t => t.Due is not null).Select(t => t.Due).Min();
        }
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_gate) target = _now + by;
        while (true)
        {
            ManualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.Due is { } d && d <= target).MinBy(t => t.Due);
                if (next is null)
                {
                    _now = target;
                    return;
                }
                _now = next.Due!.Value;
                next.Due = next.Period is { } p ? _now + p : null;
            }
            next.Fire();
        }
    }

    /// <summary>Waits (in real time, bounded) until some timer is armed.</summary>
    public async Task WaitForTimerAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_timers.Any(t => t.Due is not null)) return;
                changed = _timersChanged.Task;
            }
            try { await changed.WaitAsync(deadline.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"No timer was armed within {timeout}."); }
        }
    }

    /// <summary>Waits until some timer is armed, then advances exactly to the earliest due time.</summary>
    public async Task<TimeSpan> AdvanceToNextTimerAsync(TimeSpan timeout)
    {
        await WaitForTimerAsync(timeout);
        TimeSpan step;
        lock (_gate) step = _timers.Where(t => t.Due is not null).Min(t => t.Due!.Value) - _now;
        if (step < TimeSpan.Zero) step = TimeSpan.Zero;
        Advance(step);
        return step;
    }

    private void Changed()
    {
        TaskCompletionSource old;
        lock (_gate)
        {
            old = _timersChanged;
            _timersChanged = NewSignal();
        }
        old.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due { get; set; }
        public TimeSpan? Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                if (!owner._timers.Contains(this)) return false;
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
                Period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : period;
            }
            owner.Changed();
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._gate) owner._timers.Remove(this);
            owner.Changed();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
