namespace AnchorNode.Tests.Infrastructure;

/// <summary>
/// The system clock moved forward by an offset a test sets: the node's timers keep running in real
/// time (checkpoints, covenant checks), while "now" can jump ahead to when something should have expired.
/// </summary>
public sealed class OffsetTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));
}
