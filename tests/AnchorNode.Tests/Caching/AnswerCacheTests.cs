using AnchorNode.Caching;

namespace AnchorNode.Tests.Caching;

/// <summary>The bounded, single-flight cache of public answers, on its own.</summary>
public sealed class AnswerCacheTests
{
    private static ValueTask<string> Get(AnswerCache cache, string item, string version, Func<string> build, long bytes = 100) =>
        cache.GetOrBuildAsync(item, version, build, _ => bytes, CancellationToken.None);

    [Fact]
    public async Task SameVersion_IsComputedOnce()
    {
        using var cache = new AnswerCache(10_000, 1);
        var builds = 0;
        Assert.Equal("a1", await Get(cache, "a", "1", () => $"a{++builds}"));
        Assert.Equal("a1", await Get(cache, "a", "1", () => $"a{++builds}"));
        Assert.Equal(1, builds);
        Assert.Equal((1L, 1L), (cache.Statistics.Builds, cache.Statistics.Hits));
    }

    [Fact]
    public async Task NewVersion_IsComputedAndReplacesTheOld()
    {
        using var cache = new AnswerCache(10_000, 1);
        await Get(cache, "a", "1", () => "old");
        Assert.Equal("new", await Get(cache, "a", "2", () => "new"));
        Assert.Equal("new", await Get(cache, "a", "2", () => "never"));
        // One answer per item: the old version no longer takes room.
        Assert.Equal(1, cache.Statistics.Entries);
        Assert.Equal(100 + AnswerCache.EntryOverheadBytes, cache.Statistics.Bytes);
    }

    [Fact]
    public async Task OverTheBound_TheLeastRecentlyUsedGoesFirst()
    {
        var entry = 100 + AnswerCache.EntryOverheadBytes;
        using var cache = new AnswerCache(3 * entry, 1);
        await Get(cache, "a", "1", () => "a");
        await Get(cache, "b", "1", () => "b");
        await Get(cache, "c", "1", () => "c");
        await Get(cache, "a", "1", () => "never");
        await Get(cache, "d", "1", () => "d");
        var stats = cache.Statistics;
        Assert.Equal((3, 3 * entry, 1L), (stats.Entries, stats.Bytes, stats.Evictions));
        var rebuilt = false;
        await Get(cache, "b", "1", () => { rebuilt = true; return "b"; });
        Assert.True(rebuilt, "b was the least recently used and should have been dropped");
        Assert.Equal("a", await Get(cache, "a", "1", () => "never"));
    }

    [Fact]
    public async Task AnAnswerLargerThanTheBound_IsServedButNotKept()
    {
        using var cache = new AnswerCache(1_000, 1);
        Assert.Equal("big", await Get(cache, "a", "1", () => "big", bytes: 5_000));
        Assert.Equal((0, 0L, 1L), (cache.Statistics.Entries, cache.Statistics.Bytes, cache.Statistics.TooLarge));
    }

    [Fact]
    public async Task AnswerWeighedNull_IsNotKept()
    {
        using var cache = new AnswerCache(10_000, 1);
        var builds = 0;
        for (var i = 0; i < 2; i++)
        {
            await cache.GetOrBuildAsync("a", "1", () => ++builds, _ => null, CancellationToken.None);
        }
        Assert.Equal(2, builds);
    }

    [Fact]
    public async Task ConcurrentRequests_ShareOneComputation_AndItsFailure()
    {
        using var cache = new AnswerCache(10_000, 1);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        var builds = 0;
        string Build()
        {
            Interlocked.Increment(ref builds);
            started.SetResult();
            release.Wait();
            throw new InvalidOperationException("damaged");
        }
        var requests = Enumerable.Range(0, 8).Select(_ => Get(cache, "a", "1", Build).AsTask()).ToList();
        await started.Task;
        release.Set();
        foreach (var request in requests)
        {
            Assert.Equal("damaged", (await Assert.ThrowsAsync<InvalidOperationException>(() => request)).Message);
        }
        Assert.Equal(1, builds);
        Assert.Equal((1L, 7L, 0), (cache.Statistics.Builds, cache.Statistics.Joins, cache.Statistics.InFlight));
        // A failure is not kept: the next request computes again.
        Assert.Equal("ok", await Get(cache, "a", "1", () => "ok"));
    }

    [Fact]
    public async Task ARequestThatGivesUp_DoesNotStopTheComputationOthersWaitFor()
    {
        using var cache = new AnswerCache(10_000, 1);
        var hold = await cache.HoldBuildsAsync(1);
        using var impatient = new CancellationTokenSource();
        var first = cache.GetOrBuildAsync("a", "1", () => "a", _ => 1, impatient.Token).AsTask();
        var second = Get(cache, "a", "1", () => "never").AsTask();
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        hold.Dispose();
        Assert.Equal("a", await second);
        Assert.Equal("a", await Get(cache, "a", "1", () => "never"));
    }

    [Fact]
    public async Task Off_ComputesEveryTime()
    {
        using var cache = new AnswerCache(0, 1);
        var builds = 0;
        await Get(cache, "a", "1", () => $"{++builds}");
        await Get(cache, "a", "1", () => $"{++builds}");
        Assert.Equal(2, builds);
        Assert.Equal(0, cache.Statistics.Entries);
    }
}
