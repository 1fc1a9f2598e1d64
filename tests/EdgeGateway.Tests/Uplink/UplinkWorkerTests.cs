using EdgeGateway.Storage;
using EdgeGateway.Tests.Support;
using EdgeGateway.Uplink;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;

namespace EdgeGateway.Tests.Uplink;

public sealed class UplinkWorkerTests : IAsyncLifetime
{
    private GatewayFolder _folder = null!;
    private EcdsaNoteSigner _signer = null!;
    private NoteVerifierKey _key = null!;

    public async Task InitializeAsync()
    {
        _folder = await GatewayFolder.CreateAsync("gw-up");
        _signer = _folder.LoadSigner();
        _key = _folder.VerifierKey();
    }

    public Task DisposeAsync()
    {
        _key.Dispose();
        _signer.Dispose();
        _folder.Dispose();
        return Task.CompletedTask;
    }

    private GatewayStatus Status() => GatewayStatusReader.Read(_folder.DatabasePath);

    private Task WaitForCommittedAsync(TestAnchorNode node, long size) =>
        WriterHarness.WaitUntilAsync(() => node.CommittedSize("gw-up") >= size, $"the node to commit {size} leaves");

    private static void AssertUploadsEndAtCheckpoints(TestAnchorNode node, IReadOnlyCollection<long> checkpointSizes)
    {
        foreach (var upload in node.Requests.Where(r => r.Method == "POST" && r.Status == 200))
        {
            Assert.Contains(upload.FirstSequence + upload.Count, checkpointSizes);
        }
    }

    [Fact]
    public async Task Run_Backlog_IsUploadedInOrder_EachRequestEndingAtTheLargestCheckpointWithinTheLimit()
    {
        var root = UplinkHarness.Fill(_folder, _signer, 25_500, sealEvery: 1000);
        await using var node = await TestAnchorNode.StartAsync();
        node.Enrol("gw-up", _key);
        await using (var uplink = UplinkHarness.Start(_folder, node.Url))
        {
            await WaitForCommittedAsync(node, 25_500);
            await WriterHarness.WaitUntilAsync(() => Status().NodeCommittedSize == 25_500, "the gateway to record the node's size");
        }

        var uploads = node.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal([(0L, 10_000), (10_000L, 10_000), (20_000L, 5_500)], uploads.Select(u => (u.FirstSequence, u.Count)));
        Assert.All(uploads, u => Assert.Equal(200, u.Status));
        Assert.Equal(root, node.RootOf("gw-up"));
        var status = Status();
        Assert.Equal(25_500, status.NodeCommittedSize);
        Assert.Equal(0, status.Backlog);
        Assert.Equal(UplinkStates.Ok, status.UplinkState);
    }

    [Fact]
    public async Task Run_NodeFailingWhileTheGatewayClockRunsAMillionTimesFaster_RetriesOnTheRealClockWithDoublingWaits()
    {
        // Under `run --simulate --speed N` the gateway clock runs fast; retries once followed it and hit
        // the node hundreds of times a second. Every wait is on the real clock, held still here: each
        // failure arms exactly one retry and nothing more is sent until that fires.
        UplinkHarness.Fill(_folder, _signer, 100, sealEvery: 100);
        await using var node = await TestAnchorNode.StartAsync();
        node.Enrol("gw-up", _key);
        node.FailNext(1000);
        var real = new EdgeGateway.Tests.Sensors.ManualTimeProvider();
        var fast = new EdgeGateway.Daemon.ScaledTimeProvider(TimeProvider.System, DateTimeOffset.UnixEpoch.AddYears(56), 1_000_000);
        var options = new EdgeGateway.Configuration.UplinkOptions
        {
            RetryInitial = TimeSpan.FromSeconds(1),
            RetryMax = TimeSpan.FromSeconds(16),
            SlowRetry = TimeSpan.FromSeconds(60),
        };
        var waits = new List<TimeSpan>();
        await using (UplinkHarness.Start(_folder, node.Url, options, clock: fast, waitClock: real))
        {
            for (var attempt = 1; attempt <= 7; attempt++)
            {
                await WriterHarness.WaitUntilAsync(() => real.NextDue is not null && node.Requests.Count >= attempt, $"attempt {attempt} to fail and arm its retry");
                Assert.Equal(attempt, node.Requests.Count);
                var wait = real.NextDue!.Value - real.GetUtcNow();
                waits.Add(wait);
                real.Advance(wait);
            }
        }

        // Equal jitter: each wait lies in the upper half of a nominal wait doubling from 1 s up to 16 s.
        double[] nominal = [1, 2, 4, 8, 16, 16, 16];
        for (var i = 0; i < waits.Count; i++)
        {
            Assert.InRange(waits[i].TotalSeconds, nominal[i] / 2, nominal[i]);
        }
    }

    [Fact]
    public async Task Run_AfterARestart_AsksTheNodeAndResumesFromItsSize()
    {
        UplinkHarness.Fill(_folder, _signer, 3000, sealEvery: 1000);
        await using var node = await TestAnchorNode.StartAsync();
        node.Enrol("gw-up", _key);
        await using (UplinkHarness.Start(_folder, node.Url))
        {
            await WaitForCommittedAsync(node, 3000);
        }
        var seenBefore = node.Requests.Count;
        var root = UplinkHarness.Fill(_folder, _signer, 1500, sealEvery: 1000);
        await using (UplinkHarness.Start(_folder, node.Url))
        {
            await WaitForCommittedAsync(node, 4500);
        }
        var after = node.Requests.Skip(seenBefore).ToList();
        Assert.Equal("GET", after[0].Method);
        var resumed = after.First(r => r.Method == "POST");
        Assert.Equal((3000L, 1500), (resumed.FirstSequence, resumed.Count));
        Assert.Equal(root, node.RootOf("gw-up"));
    }

    [Fact]
    public async Task Run_NodeUnreachable_KeepsRetryingWithBackoff_AndDrainsOnceItIsUp()
    {
        UplinkHarness.Fill(_folder, _signer, 2000, sealEvery: 500);
        await using var node = TestAnchorNode.Unstarted();
        await using var uplink = UplinkHarness.Start(_folder, node.Url);
        await WriterHarness.WaitUntilAsync(() => Status().UplinkState == UplinkStates.Offline, "the uplink to report the node offline");
        Assert.Contains("127.0.0.1", Status().UplinkDetail, StringComparison.Ordinal);

        node.Enrol("gw-up", _key);
        await node.StartListeningAsync();
        await WaitForCommittedAsync(node, 2000);
        Assert.Empty(uplink.Events);
    }

    [Fact]
    public async Task Run_ServerErrors_AreRetriedAndNothingIsSkipped()
    {
        var root = UplinkHarness.Fill(_folder, _signer, 1200, sealEvery: 400);
        await using var node = await TestAnchorNode.StartAsync();
        node.Enrol("gw-up", _key);
        node.FailNext(4, 503);
        await using (UplinkHarness.Start(_folder, node.Url))
        {
            await WaitForCommittedAsync(node, 1200);
        }
        Assert.Equal(4, node.Requests.Count(r => r.Status == 503));
        Assert.Equal(root, node.RootOf("gw-up"));
    }

    [Fact]
    public async Task Run_NodeAnswersGap_AsksForTheStatusAgainAndResendsFromThere()
    {
        UplinkHarness.Fill(_folder, _signer, 1000, sealEvery: 500);
        await using var node = await TestAnchorNode.StartAsync();
        node.Enrol("gw-up", _key);
        await using (UplinkHarness.Start(_folder, node.Url))
        {
            await WaitForCommittedAsync(node, 1000);
        }
        var root = UplinkHarness.Fill(_folder, _signer, 1000, sealEvery: 500);
        // Between the gateway's status request and its upload, the node falls back to 500 leaves.
        node.ShrinkBeforeNextUpload(500);
        var before = node.Requests.Count;
        await using (UplinkHarness.Start(_folder, node.Url))
        {
            await WaitForCommittedAsync(node, 2000);
        }
        var after = node.Requests.Skip(before).Select(r => (r.Method, r.FirstSequence, r.Problem)).ToList();
        Assert.Equal(("POST", 1000L, ProblemTypes.Gap), after[1]);
        Assert.Equal("GET", after[2].Method);
        Assert.Equal(("POST", 500L, (string?)null), after[3]);
        Assert.Equal(root, node.RootOf("gw-up"));
    }

    [Fact]
    public async Task Run_DeviceNotEnrolled_KeepsItsReadingsAndUploadsOnceEnrolled()
    {
        UplinkHarness.Fill(_folder, _signer, 700, sealEvery: 700);
        await using var node = await TestAnchorNode.StartAsync();
        await using var uplink = UplinkHarness.Start(_folder, node.Url);
        await WriterHarness.WaitUntilAsync(() => Status().UplinkState == UplinkStates.UnknownDevice, "unknown-device");
        var refused = Assert.Single(uplink.Events);
        Assert.Equal("uplink-unknown-device", refused.Code);
        Assert.Equal(700, Status().Backlog);

        node.Enrol("gw-up", _key);
        await WaitForCommittedAsync(node, 700);
        await WriterHarness.WaitUntilAsync(() => Status().UplinkState == UplinkStates.Ok && Status().Backlog == 0, "ok");
        Assert.Single(uplink.Events);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Run_DeviceRevokedOrBlockedForEquivocation_StopsUploadingAndRecordsAnEvent(bool revoked)
    {
        UplinkHarness.Fill(_folder, _signer, 300, sealEvery: 100);
        await using var node = await TestAnchorNode.StartAsync();
        node.Enrol("gw-up", _key);
        if (revoked)
        {
            node.Revoke("gw-up");
        }
        else
        {
            node.MarkEquivocated("gw-up");
        }
        await using var uplink = UplinkHarness.Start(_folder, node.Url);
        var expected = revoked ? UplinkStates.Revoked : UplinkStates.Equivocation;
        await WriterHarness.WaitUntilAsync(() => Status().UplinkState == expected, expected);
        // It keeps asking, slowly, and never uploads.
        await WriterHarness.WaitUntilAsync(() => node.Requests.Count(r => r.Method == "GET") >= 3, "slow status polls");
        Assert.DoesNotContain(node.Requests, r => r.Method == "POST");
        Assert.Equal($"uplink-{expected}", Assert.Single(uplink.Events).Code);
        Assert.Equal(0, node.CommittedSize("gw-up"));
    }

    [Fact]
    public async Task Run_NodeRefusesLargeUploads_HalvesThemUntilAccepted()
    {
        var root = UplinkHarness.Fill(_folder, _signer, 4000, sealEvery: 250);
        await using var node = await TestAnchorNode.StartAsync();
        node.Enrol("gw-up", _key);
        node.MaxLeavesAccepted = 1200;
        await using (UplinkHarness.Start(_folder, node.Url))
        {
            await WaitForCommittedAsync(node, 4000);
        }
        Assert.Contains(node.Requests, r => r.Problem == ProblemTypes.TooLarge);
        Assert.All(node.Requests.Where(r => r.Status == 200 && r.Method == "POST"), r => Assert.True(r.Count <= 1200));
        AssertUploadsEndAtCheckpoints(node, Enumerable.Range(1, 16).Select(i => i * 250L).ToList());
        Assert.Equal(root, node.RootOf("gw-up"));
    }

    [Fact]
    public async Task Run_NodeHoldsARootThisLogNeverHad_StopsAsDivergedWithoutUploading()
    {
        UplinkHarness.Fill(_folder, _signer, 200, sealEvery: 100);
        await using var node = await TestAnchorNode.StartAsync();
        node.Enrol("gw-up", _key);
        // Another log under the same key, anchored at size 100: this database is not the one that uploaded.
        using var other = await GatewayFolder.CreateAsync("gw-up");
        using (var otherLog = other.OpenLog(_signer))
        {
            var leaves = Leaves.Append(otherLog, 100);
            node.Preload("gw-up", leaves.Select(l => l.Bytes.ToArray()), otherLog.Seal(100, Leaves.T0).Note);
        }
        await using var uplink = UplinkHarness.Start(_folder, node.Url);
        await WriterHarness.WaitUntilAsync(() => Status().UplinkState == UplinkStates.Diverged, "diverged");
        Assert.Equal("uplink-diverged", Assert.Single(uplink.Events).Code);
        Assert.DoesNotContain(node.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task Upload_RangeTheNodeAlreadyHas_IsAcceptedAgainWithoutDuplicates()
    {
        UplinkHarness.Fill(_folder, _signer, 3000, sealEvery: 1000);
        await using var node = await TestAnchorNode.StartAsync();
        node.Enrol("gw-up", _key);
        using var store = SqliteUplinkStore.Open(_folder.DatabasePath);
        using var client = HttpAnchorClient.Create(node.Url, TimeSpan.FromSeconds(30), null);

        UplinkBatch Batch(long from, long to) => new(store.GetCheckpoint(to)!.Note, from, (int)(to - from), store.MeasureLeaves(from, to).Base64Length, store.ReadLeafBytes(from, to));
        var first = await client.UploadAsync("gw-up", Batch(0, 2000), CancellationToken.None);
        var overlapping = await client.UploadAsync("gw-up", Batch(1000, 3000), CancellationToken.None);
        var again = await client.UploadAsync("gw-up", Batch(1000, 3000), CancellationToken.None);

        Assert.Equal(2000, first.Value!.CommittedSize);
        Assert.Equal(3000, overlapping.Value!.CommittedSize);
        Assert.Equal(3000, again.Value!.CommittedSize);
        Assert.Equal(3000, node.LeavesOf("gw-up").Count);
        Assert.Equal(store.ReadLeafBytes(0, 3000).ToList(), node.LeavesOf("gw-up"));
    }

    [Fact]
    public async Task Upload_NodeProblems_AreReportedWithTheirCodeAndDetail()
    {
        UplinkHarness.Fill(_folder, _signer, 100, sealEvery: 50);
        await using var node = await TestAnchorNode.StartAsync();
        using var store = SqliteUplinkStore.Open(_folder.DatabasePath);
        using var client = HttpAnchorClient.Create(node.Url, TimeSpan.FromSeconds(30), null);
        var batch = new UplinkBatch(store.GetCheckpoint(100)!.Note, 50, 50, store.MeasureLeaves(50, 100).Base64Length, store.ReadLeafBytes(50, 100));

        var unknown = await client.UploadAsync("gw-up", batch, CancellationToken.None);
        Assert.Equal((UplinkFailureKind.Refused, 403, ProblemTypes.UnknownDevice), (unknown.Problem!.Kind, unknown.Problem.Status, unknown.Problem.Code));

        node.Enrol("gw-up", _key);
        var gap = await client.UploadAsync("gw-up", batch with { Leaves = store.ReadLeafBytes(50, 100) }, CancellationToken.None);
        Assert.Equal((409, ProblemTypes.Gap), (gap.Problem!.Status, gap.Problem.Code));
        Assert.Contains("resume", gap.Problem.Detail, StringComparison.Ordinal);

        var status = await client.GetStatusAsync("gw-up", CancellationToken.None);
        Assert.Equal((true, 0L), (status.Value!.Enrolled, status.Value.CommittedSize));

        var missing = await client.GetStatusAsync("gw-nobody", CancellationToken.None);
        Assert.Equal((404, ProblemTypes.UnknownDevice), (missing.Problem!.Status, missing.Problem.Code));
    }

    [Fact]
    public async Task Upload_NothingListening_IsANetworkFailure()
    {
        await using var node = TestAnchorNode.Unstarted();
        using var client = HttpAnchorClient.Create(node.Url, TimeSpan.FromSeconds(5), null);
        var result = await client.GetStatusAsync("gw-up", CancellationToken.None);
        Assert.Equal(UplinkFailureKind.Network, result.Problem!.Kind);
        Assert.Null(result.Problem.Status);
    }
}
