using EdgeGateway.Mqtt;

namespace EdgeGateway.Tests.Mqtt;

public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(60);

    [Fact]
    public void Next_Doubles_WithinJitter_UpToMaximum()
    {
        var backoff = new ReconnectBackoff(Min, Max, new Random(42));
        var ceilings = new[] { 1, 2, 4, 8, 16, 32, 60, 60, 60 };

        foreach (var ceiling in ceilings)
        {
            var delay = backoff.Next();
            Assert.InRange(delay, TimeSpan.FromSeconds(Math.Max(1, ceiling * 0.75)), TimeSpan.FromSeconds(ceiling));
        }
    }

    [Fact]
    public void Next_AfterManyFailures_StaysAtMaximumWithoutOverflow()
    {
        var backoff = new ReconnectBackoff(Min, Max, new Random(1));

        for (var i = 0; i < 10_000; i++) backoff.Next();

        Assert.InRange(backoff.Next(), TimeSpan.FromSeconds(45), Max);
    }

    [Fact]
    public void Reset_StartsAgainFromMinimum()
    {
        var backoff = new ReconnectBackoff(Min, Max, new Random(7));
        for (var i = 0; i < 8; i++) backoff.Next();

        backoff.Reset();

        Assert.Equal(Min, backoff.Next());
    }

    [Fact]
    public void SameSeed_SameDelays_DifferentSeeds_Spread()
    {
        static TimeSpan[] Run(int seed)
        {
            var backoff = new ReconnectBackoff(Min, Max, new Random(seed));
            return Enumerable.Range(0, 8).Select(_ => backoff.Next()).ToArray();
        }

        Assert.Equal(Run(3), Run(3));
        Assert.NotEqual(Run(3), Run(4));
    }
}
