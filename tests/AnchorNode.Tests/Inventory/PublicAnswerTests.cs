using System.Net;
using System.Text.Json;
using AnchorNode.Caching;
using AnchorNode.Configuration;
using AnchorNode.Endpoints;
using AnchorNode.Inventory;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Evidence;

namespace AnchorNode.Tests.Inventory;

/// <summary>
/// Public lot views, proofs and consumer pages over real HTTP: computed once per ledger checkpoint,
/// served from a bounded cache, proven against the checkpoint they name, computed once for
/// concurrent requests. The cache's statistics (what it computed, what it served) are the witness;
/// nothing here depends on timing.
/// </summary>
public sealed class PublicAnswerTests
{
    private const string Zone = "cold-a";

    /// <summary>
    /// A node with a device reading in the lots' zone (so that proofs carry readings) and lots
    /// WR-PUB-1… of batches B-1…; the rate limit has its own tests and must not get in the way here.
    /// </summary>
    private sealed class Stocked : IAsyncDisposable
    {
        private Stocked(TestNode node, LotClient lots)
        {
            Node = node;
            Lots = lots;
            Anonymous = node.Anonymous();
        }

        public TestNode Node { get; }
        public LotClient Lots { get; }
        public HttpClient Anonymous { get; }
        public AnswerCache Cache => Node.Runtime.PublicLots.Cache;

        public static async Task<Stocked> StartAsync(int lots = 1, PublicCacheSettings? cache = null)
        {
            var node = new TestNode
            {
                ConfigureNode = c => c with
                {
                    PublicRateLimit = new PublicRateLimit { RequestsPerMinute = 60_000, Burst = 100_000 },
                    PublicCache = cache ?? new PublicCacheSettings(),
                },
            };
            await node.InitializeAsync();
            var client = new LotClient(node);
            await client.RegisterPartiesAsync();
            using var device = new SimulatedDevice("gw-public").Add(40);
            await node.EnrolAsync(device, Zone);
            await node.AnchorAsync(device, 0);
            for (var i = 1; i <= lots; i++)
            {
                await client.IssueAsync(LotClient.Request($"WR-PUB-{i}", [LotClient.Epc(i)], zone: Zone, batch: $"B-{i}"));
            }
            await node.WaitForCheckpointAsync();
            return new Stocked(node, client);
        }

        public async ValueTask DisposeAsync()
        {
            Anonymous.Dispose();
            Lots.Dispose();
            await Node.DisposeAsync();
        }
    }

    private static PublicLotView View(string json) => JsonSerializer.Deserialize(json, InventoryJsonContext.Default.PublicLotView)!;

    private static EvidenceSummary Verified(TestNode node, byte[] proof)
    {
        var verified = EvidenceVerifier.Verify(proof, new EvidencePolicy([node.Runtime.Member.VerifierKey, node.Bank.VerifierKey, node.Auditor.VerifierKey], threshold: 1));
        Assert.True(verified.Succeeded, verified.ToString());
        return verified.Value;
    }

    [Fact]
    public async Task SecondRequest_IsServedFromTheCache_ForTheView_TheProofAndTheConsumerPage()
    {
        await using var site = await Stocked.StartAsync();
        var (node, cache, anonymous) = (site.Node, site.Cache, site.Anonymous);

        var start = cache.Statistics;
        var first = await anonymous.GetStringAsync("v1/public/lots/WR-PUB-1");
        var computed = cache.Statistics;
        Assert.Equal(start.Builds + 1, computed.Builds);

        var second = await anonymous.GetStringAsync("v1/public/lots/WR-PUB-1");
        Assert.Equal(first, second);
        var proof = await anonymous.GetByteArrayAsync("v1/public/lots/WR-PUB-1/proof");
        using var page = await anonymous.GetAsync($"01/{LotClient.Gtin}/10/B-1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Atlantic salmon fillets", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var item = await anonymous.GetAsync($"01/{LotClient.Gtin}/10/B-1/21/1");
        Assert.Equal(HttpStatusCode.OK, item.StatusCode);
        var consumerProof = await anonymous.GetByteArrayAsync($"proof/01/{LotClient.Gtin}/10/B-1");

        var served = cache.Statistics;
        Assert.Equal(computed.Builds, served.Builds);
        Assert.Equal(computed.Hits + 5, served.Hits);
        // The cached proof is the lot's public bundle and proves what the view says, at the checkpoint it names.
        Assert.Equal(proof, consumerProof);
        var evidence = Verified(node, proof);
        var view = View(first);
        Assert.Equal(view.Proof.LedgerSize, evidence.LedgerCheckpoint.Size);
        Assert.Equal(view.Proof.Readings, evidence.Devices.Sum(d => d.Readings.Count));
        Assert.True(view.Proof.Readings > 0);
        Assert.Equal("WR-PUB-1", evidence.Lot!.Receipt);
        Assert.Null(evidence.Lot.Title);
    }

    [Fact]
    public async Task NewCheckpoint_GivesAFreshAnswer_ProvenAgainstIt()
    {
        await using var site = await Stocked.StartAsync();
        var (node, cache, anonymous) = (site.Node, site.Cache, site.Anonymous);
        var before = View(await anonymous.GetStringAsync("v1/public/lots/WR-PUB-1"));
        var builds = cache.Statistics.Builds;

        // The ledger grows (another lot) and the node signs a checkpoint over it.
        await site.Lots.IssueAsync(LotClient.Request("WR-PUB-OTHER", [LotClient.Epc(99)], zone: Zone, batch: "B-OTHER"));
        var grown = await node.WaitForCheckpointAsync();
        Assert.True(grown.Size > before.Proof.LedgerSize);
        var after = View(await anonymous.GetStringAsync("v1/public/lots/WR-PUB-1"));
        Assert.Equal(grown.Size, after.Proof.LedgerSize);
        Assert.Equal(builds + 1, cache.Statistics.Builds);
        Assert.Equal(grown.Size, Verified(node, await anonymous.GetByteArrayAsync("v1/public/lots/WR-PUB-1/proof")).LedgerCheckpoint.Size);

        // The same checkpoint with the bank's cosignature is another checkpoint to prove against.
        Assert.Equal(grown.Size, await node.CosignAsync());
        var cosigned = View(await anonymous.GetStringAsync("v1/public/lots/WR-PUB-1"));
        Assert.Equal(grown.Size, cosigned.Proof.LedgerSize);
        Assert.Equal(["warehouse", "bank"], cosigned.Proof.Signers);
        Assert.Equal(builds + 2, cache.Statistics.Builds);
        var evidence = Verified(node, await anonymous.GetByteArrayAsync("v1/public/lots/WR-PUB-1/proof"));
        Assert.Equal(["warehouse", "bank"], evidence.Signers);
    }

    [Fact]
    public async Task ManyDistinctLots_TheCacheStaysWithinItsBound()
    {
        const int Lots = 8;
        const long Bound = 3 * 24 * 1024;
        await using var site = await Stocked.StartAsync(lots: Lots, cache: new PublicCacheSettings { MaxBytes = Bound });
        var (cache, anonymous) = (site.Cache, site.Anonymous);
        for (var round = 0; round < 2; round++)
        {
            for (var i = 1; i <= Lots; i++)
            {
                var view = View(await anonymous.GetStringAsync($"v1/public/lots/WR-PUB-{i}"));
                Assert.Equal($"B-{i}", view.Batch);
                var stats = cache.Statistics;
                Assert.True(stats.Bytes <= Bound, $"the cache holds {stats.Bytes} bytes, over its bound of {Bound}");
            }
        }
        var end = cache.Statistics;
        // Each answer fits (more than one at a time), but not all of them: the oldest went.
        Assert.True(end.Entries is > 1 and < Lots, $"{end.Entries} answers held");
        Assert.True(end.Evictions > 0);
        Assert.Equal(0, end.TooLarge);
        Assert.Equal(2 * Lots, end.Builds);
    }

    [Fact]
    public async Task ConcurrentIdenticalRequests_ComputeOnce()
    {
        const int Requests = 16;
        await using var site = await Stocked.StartAsync();
        var (cache, anonymous) = (site.Cache, site.Anonymous);
        var start = cache.Statistics;

        // Computations wait for a build slot, so all requests meet the first one's computation.
        Task<HttpResponseMessage>[] requests;
        using (await cache.HoldBuildsAsync(new PublicCacheSettings().ConcurrentBuilds))
        {
            requests = Enumerable.Range(0, Requests).Select(_ => anonymous.GetAsync("v1/public/lots/WR-PUB-1")).ToArray();
            await WaitAsync(() => cache.Statistics.Joins - start.Joins == Requests - 1, $"{Requests} requests to meet at one computation");
        }
        var bodies = new List<string>();
        foreach (var request in requests)
        {
            using var response = await request;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }
        Assert.Single(bodies.Distinct());
        var end = cache.Statistics;
        Assert.Equal(start.Builds + 1, end.Builds);
        Assert.Equal(0, end.InFlight);
    }

    [Fact]
    public async Task CacheOff_EveryRequestComputes()
    {
        await using var site = await Stocked.StartAsync(cache: new PublicCacheSettings { MaxBytes = 0 });
        var (cache, anonymous) = (site.Cache, site.Anonymous);
        var start = cache.Statistics.Builds;
        var first = await anonymous.GetStringAsync("v1/public/lots/WR-PUB-1");
        Assert.Equal(first, await anonymous.GetStringAsync("v1/public/lots/WR-PUB-1"));
        Assert.Equal(start + 2, cache.Statistics.Builds);
        Assert.Equal(0, cache.Statistics.Entries);
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }
}
