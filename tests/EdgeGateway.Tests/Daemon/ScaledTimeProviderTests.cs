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

    [Fact]
    public void CatchingUp_RunsFastUntilTheRealTime_ThenFollowsIt_NeverAhead()
    {
        var real = new ManualTimeProvider(new DateTimeOffset(2030, 5, 5, 0, 0, 0, TimeSpan.Zero));
        var clock = new ScaledTimeProvider(real, real.GetUtcNow() - TimeSpan.FromHours(1), speed: 60, catchUp: true);

        real.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(real.GetUtcNow() - TimeSpan.FromHours(1) + TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(30), clock.GetUtcNow());
        Assert.False(clock.CaughtUp);
        for (var i = 0; i < 200; i++)
        {
            real.Advance(TimeSpan.FromMilliseconds(500));
            Assert.True(clock.GetUtcNow() <= real.GetUtcNow(), $"the clock ran ahead: {clock.GetUtcNow():O} > {real.GetUtcNow():O}");
        }
        Assert.True(clock.CaughtUp);
        Assert.Equal(real.GetUtcNow(), clock.GetUtcNow());
        var mark = clock.GetTimestamp();
        real.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromSeconds(10), clock.GetElapsedTime(mark));
    }

    [Fact]
    public void CatchingUp_APeriodicTimer_FiresAtRealTimePaceOnceCaughtUp()
    {
        var real = new ManualTimeProvider(new DateTimeOffset(2030, 5, 5, 0, 0, 0, TimeSpan.Zero));
        var clock = new ScaledTimeProvider(real, real.GetUtcNow() - TimeSpan.FromMinutes(10), speed: 60, catchUp: true);
        var fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

        // Ten simulated minutes of history pass in a little over ten real seconds: ten ticks.
        for (var i = 0; i < 11; i++)
        {
            real.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.InRange(fired, 9, 11);
        var caughtUp = fired;
        // Then a minute of simulated time is a real minute.
        real.Advance(TimeSpan.FromSeconds(30));
        Assert.InRange(fired, caughtUp, caughtUp + 1);
        real.Advance(TimeSpan.FromSeconds(61));
        Assert.InRange(fired, caughtUp + 1, caughtUp + 2);
    }

    [Fact]
    public void CatchingUp_RealDelayUntil_IsFastForThePastAndRealForWhatIsAfterTheCatchUp()
    {
        var real = new ManualTimeProvider(new DateTimeOffset(2030, 5, 5, 0, 0, 0, TimeSpan.Zero));
        var now = real.GetUtcNow();
        var clock = new ScaledTimeProvider(real, now - TimeSpan.FromHours(1), speed: 60, catchUp: true);

        Assert.Equal(TimeSpan.FromSeconds(30), clock.RealDelayUntil(now - TimeSpan.FromMinutes(30)));
        Assert.Equal(TimeSpan.Zero, clock.RealDelayUntil(now - TimeSpan.FromHours(2)));
        // An hour after now: the hour of history (61 s of catching up, until the clock meets the real
        // time at now + 61 s), then real time for the rest of the hour.
        Assert.Equal(TimeSpan.FromHours(1), clock.RealDelayUntil(now + TimeSpan.FromHours(1)));
    }

    [Fact]
    public void CatchingUp_FromTheFuture_OrSlowerThanRealTime_IsRefused()
    {
        var real = new ManualTimeProvider(new DateTimeOffset(2030, 5, 5, 0, 0, 0, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScaledTimeProvider(real, real.GetUtcNow() + TimeSpan.FromMinutes(1), 60, catchUp: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScaledTimeProvider(real, real.GetUtcNow() - TimeSpan.FromMinutes(1), 0.5, catchUp: true));
    }
}
