namespace EdgeGateway.Tests.Support;

/// <summary>
/// The system clock whose wall time can be stepped while its monotonic time runs on, as NTP
/// stepping the clock of a board without a real-time clock does.
/// </summary>
public sealed class SteppableClock : TimeProvider
{
    private long _offsetTicks;

    public void Step(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public override long GetTimestamp() => System.GetTimestamp();

    public override long TimestampFrequency => System.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, dueTime, period);
}
