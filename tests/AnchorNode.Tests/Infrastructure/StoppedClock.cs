namespace AnchorNode.Tests.Infrastructure;

/// <summary>
/// A node clock that reads a fixed time (the end of a test's simulated history) while its timers
/// run in real time: checkpoints are then dated where the readings end, as on a node that received
/// them as they came.
/// </summary>
public sealed class StoppedClock(long unixMs) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
}
