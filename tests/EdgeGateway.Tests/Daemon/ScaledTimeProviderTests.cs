using EdgeGateway.Daemon;
using EdgeGateway.Tests.Sensors;

namespace EdgeGateway.Tests.Daemon;

public sealed class ScaledTimeProviderTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Clock_RunsSpeedTimesFasterFromItsStart()
    {
        var real = new ManualTimeProvider(new DateTimeOffset(2030, 5, 5, 0, 0, 0, TimeSpan.Zero));
        var scaled = new ScaledTimeProvider(real, Start, speed: 60);
        var mark = scaled.GetTimestamp();
        real.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Start + TimeSpan.FromMinutes(1), scaled.GetUtcNow());
        Assert.Equal(TimeSpan.FromMinutes(1), scaled.GetElapsedTime(mark));
    }

    [Fact]
    public void Timer_DueInSimulatedTime_FiresAfterTheScaledRealTime()
    {
        var real = new ManualTimeProvider();
        var scaled = new ScaledTimeProvider(real, Start, speed: 60);
        var fired = 0;
        using var timer = scaled.CreateTimer(_ => fired++, null, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan);
        real.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, fired);
        real.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, fired);

        timer.Change(TimeSpan.FromMinutes(2), Timeout.InfiniteTimeSpan);
        real.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, fired);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_SpeedNotPositiveAndFinite_IsRefused(double speed)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScaledTimeProvider(TimeProvider.System, Start, speed));
    }
}
