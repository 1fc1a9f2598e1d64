using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;
using Firmware.Contracts.Ledger;
using Xunit.Abstractions;

namespace EndToEnd.Tests;

/// <summary>
/// Power cuts on the consortium node, approximated by SIGKILL: a real AnchorNode process anchors a
/// real gateway's uploads while an operator appends parties, lots and moves through the API and the
/// node signs a checkpoint every 20 ms. It is killed at random moments and started again on the same
/// folder, over and over. Whatever it acknowledged before a kill (an upload's receipt, a 201 with a
/// ledger index, a signed checkpoint) must be there after the restart, unchanged; the killed folder,
/// read as it is (WAL not checkpointed), must pass <c>AnchorNode verify</c> and hold everything
/// acknowledged; so must the folder at the end.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NodeCrashTests(ITestOutputHelper output) : IDisposable
{
    private const string DeviceId = "gw-crash";
    private const string Origin = "edgetrace/ledger/e2e";
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("edgetrace-node-crash-");

    /// <summary>How many kills, and how much happens between them.</summary>
    /// <param name="Kills">SIGKILLs of the node.</param>
    /// <param name="Seed">Chooses what each run waits for before its kill (printed).</param>
    /// <param name="MaxEntriesBeforeKill">A run waits for 1..this many acknowledged API entries, or for 1..3 uploads.</param>
    /// <param name="VerifyEvery">Every this many kills, <c>verify</c> reads the killed folder.</param>
    /// <param name="History">The gateway's simulated history (<c>--history</c>), replayed at <paramref name="Speed"/>.</param>
    /// <param name="Speed">The gateway's <c>--speed</c>.</param>
    public sealed record Plan(int Kills, int Seed, int MaxEntriesBeforeKill, int VerifyEvery, string History, double Speed);

    [Fact]
    [Trait("Category", "EndToEnd")]
    public Task Sigkill_TwentyTimesDuringUploadsAppendsAndSigning_LosesNothingAcknowledged() =>
        KillRepeatedlyAsync(new Plan(Kills: 20, Seed: 20261207, MaxEntriesBeforeKill: 40, VerifyEvery: 4, History: "2d", Speed: 600));

    [Fact]
    [Trait("Category", "Soak")]
    public Task Sigkill_FiftyTimesWithLongerRuns_LosesNothingAcknowledged() =>
        KillRepeatedlyAsync(new Plan(Kills: 50, Seed: 7, MaxEntriesBeforeKill: 200, VerifyEvery: 5, History: "7d", Speed: 600));

    public void Dispose()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A process may still be closing a file; temp is cleaned eventually.
        }
    }

    private async Task KillRepeatedlyAsync(Plan plan)
    {
        output.WriteLine($"seed {plan.Seed}: {plan.Kills} kills, verify every {plan.VerifyEvery}, gateway --history {plan.History} --speed {plan.Speed}");
        var random = new Random(plan.Seed);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var folder = Path.Combine(_root.FullName, "node");
        // One address for every start, as the gateway's configuration names it.
        var urls = $"http://127.0.0.1:{Programs.PortForRestarts()}";
        var verifierKey = await NodeProcess.FoundAsync(folder, c => c["checkpointIntervalMs"] = 20);
        var apiKey = await NodeProcess.AddOrganisationAsync(folder, "crash-ops", "operator");
        var gate = new NodeGate();
        var node = await NodeProcess.ServeAsync(folder, verifierKey, urls);
        try
        {
            gate.Open();
            var gateway = await GatewayInstance.InitAsync(Path.Combine(_root.FullName, "gateway"), DeviceId, node.Url);
            await node.EnrollAsync(gateway.DeviceId, gateway.PublicKey, "chiller-1");
            gateway.Configure(c =>
            {
                // A checkpoint every five simulated minutes (half a second here) and eight probes a zone: uploads of a few hundred leaves.
                c["sealing"] = new JsonObject { ["intervalSeconds"] = 300, ["maxLeaves"] = 2000 };
                c["simulation"]!["sensorsPerZone"] = 8;
            });
            using var api = new HttpClient { BaseAddress = node.Url, Timeout = TimeSpan.FromSeconds(60) };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            await using var load = new OperatorLoad(node.Url, apiKey, gate, plan.Seed);
            await using var watch = new CheckpointWatch(node.Url, verifierKey, Origin, gate);
            await using var run = gateway.RunSimulated(plan.Seed, plan.Speed, plan.History);
            await load.StartAsync();
            watch.Start();

            var verified = new List<string>();
            for (var kill = 1; kill <= plan.Kills; kill++)
            {
                await LetItWorkAsync(node, run, load, random, plan);
                gate.Close();
                await node.KillAsync();
                if (kill % plan.VerifyEvery == 0)
                {
                    // The folder as the kill left it, before a start recovers anything.
                    verified.Add((await AssertVerifiesAsync(folder, load, run)).Summary);
                }
                await node.DisposeAsync();
                node = await NodeProcess.ServeAsync(folder, verifierKey, urls);
                gate.Open();
                await AssertNothingLostAsync(api, load, run, watch);
            }

            // The gateway stops cleanly, the clients stop, the node is checked once more and stopped.
            run.Terminate();
            Assert.Equal(0, await run.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            await load.StopAsync();
            await watch.StopAsync();
            // A request its client gave up on (the load's last ones, an upload the gateway's stop cut
            // short) may still be committed by the node: the final figures are taken once nothing arrives.
            await WaitUntilTheLedgerStopsGrowingAsync(api);
            var figures = await AssertNothingLostAsync(api, load, run, watch);
            await AssertNodeHoldsTheGatewaysLeavesAsync(api, gateway, figures.Held);
            gate.Close();
            node.Serve.Terminate();
            Assert.Equal(0, await node.Serve.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var (last, _) = await AssertVerifiesAsync(folder, load, run);
            Assert.Equal(figures.LedgerSize.ToString(CultureInfo.InvariantCulture), Field(last, "entries"));
            Assert.Equal(figures.Held.ToString(CultureInfo.InvariantCulture), Field(last, "leaves"));

            var entries = load.Acknowledged;
            var uploads = GatewayInstance.Uploads(run);
            Assert.True(uploads.Count >= plan.Kills, $"only {uploads.Count} uploads were acknowledged over {plan.Kills} kills");
            Assert.True(entries.Count >= plan.Kills, $"only {entries.Count} API entries were acknowledged over {plan.Kills} kills");
            var cutUploads = run.AllOutput.Split('\n').Count(l => l.Contains("event=uplink-offline", StringComparison.Ordinal) && l.Contains("upload:", StringComparison.Ordinal));
            output.WriteLine($"kills: {plan.Kills}, with {load.Unanswered} API requests and {cutUploads} uploads under way (never answered); "
                + $"verify on a killed folder: {verified.Count} times, each ok ({string.Join("; ", verified)})");
            output.WriteLine($"acknowledged: {entries.Count} API entries ({string.Join(", ", entries.GroupBy(e => e.Kind).Select(g => $"{g.Count()} {g.Key}"))}), "
                + $"{uploads.Count} uploads up to {uploads.Max(u => u.Size)} leaves, {watch.Seen} checkpoints seen up to size {watch.Latest?.Size}");
            output.WriteLine($"at the end: ledger {figures.LedgerSize} entries, {figures.Held} leaves held; lost: 0 ({clock.Elapsed.TotalSeconds:0} s)");
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    // Until a few more acknowledgements came, of API entries or of uploads as the seed decides, and a
    // little longer, so that the kill lands anywhere in what follows rather than as an answer goes out.
    // Uploads come once per sealed checkpoint: after the next seal one is on its way.
    private static async Task LetItWorkAsync(NodeProcess node, ChildProcess gateway, OperatorLoad load, Random random, Plan plan)
    {
        if (random.Next(2) == 0)
        {
            var target = GatewayInstance.Uploads(gateway).Count + random.Next(1, 4);
            await node.Serve.WaitUntilAsync(() => GatewayInstance.Uploads(gateway).Count >= target, $"upload {target} acknowledged", TimeSpan.FromSeconds(60));
            var seal = gateway.NextLineAsync(l => l.Contains(" event=sealed ", StringComparison.Ordinal));
            Assert.True(await Task.WhenAny(seal, Task.Delay(TimeSpan.FromSeconds(60))) == seal, $"the gateway sealed no checkpoint within a minute:\n{gateway.Tail()}");
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 30)));
        }
        else
        {
            var target = load.Acknowledged.Count + random.Next(1, plan.MaxEntriesBeforeKill + 1);
            await node.Serve.WaitUntilAsync(() => load.Acknowledged.Count >= target, $"API entry {target} acknowledged", TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 100)));
        }
    }

    /// <summary>What the node held when it was checked.</summary>
    private sealed record Figures(long LedgerSize, long Held);

    // Everything acknowledged so far is there: each entry at its index with its kind, each upload's
    // anchor at its index for its size, the device's leaves up to the largest size; the checkpoints
    // seen are stored and the newest extends them.
    private async Task<Figures> AssertNothingLostAsync(HttpClient api, OperatorLoad load, ChildProcess gateway, CheckpointWatch watch)
    {
        var entries = load.Acknowledged;
        var uploads = GatewayInstance.Uploads(gateway);
        var ledger = await ReadLedgerAsync(api);
        var lost = new List<string>();
        foreach (var entry in entries)
        {
            if (entry.Index >= ledger.Count || ledger[(int)entry.Index].Kind != entry.Kind)
            {
                lost.Add($"entry {entry.Index} ({entry.Kind}, {entry.Request}) is {(entry.Index >= ledger.Count ? "missing" : "a " + ledger[(int)entry.Index].Kind)}");
            }
        }
        foreach (var (size, index) in uploads)
        {
            var anchor = index < ledger.Count && LedgerEntry.Parse(ledger[(int)index].Bytes) is { Succeeded: true } parsed && AnchorEntry.From(parsed.Value) is { Succeeded: true } a ? a.Value : null;
            if (anchor is null || anchor.DeviceId != DeviceId || anchor.Checkpoint.Size != size)
            {
                lost.Add($"the anchor of {DeviceId} at size {size}, acknowledged at ledger index {index}, is {(anchor is null ? "not there" : $"{anchor.DeviceId} at size {anchor.Checkpoint.Size}")}");
            }
        }
        var held = (long)(await GetJsonAsync(api, $"v1/devices/{DeviceId}/log"))["committedSize"]!;
        var acknowledgedSize = uploads.Select(u => u.Size).DefaultIfEmpty(0).Max();
        if (held < acknowledgedSize)
        {
            lost.Add($"the node holds {held} leaves of {DeviceId}; it acknowledged {acknowledgedSize}");
        }
        Assert.True(lost.Count == 0, $"lost after a kill ({lost.Count}):\n{string.Join('\n', lost.Take(20))}");

        Assert.True(await watch.ObserveAsync(CancellationToken.None), "the node did not answer for its latest checkpoint");
        Assert.True(await watch.CheckStoredAsync(CancellationToken.None), "the node did not answer for a stored checkpoint");
        Assert.True(watch.Problems.Count == 0, $"checkpoints:\n{string.Join('\n', watch.Problems)}");
        Assert.True(load.Unexpected.Count == 0, $"answers other than 201 from a running node:\n{string.Join('\n', load.Unexpected)}");
        var errors = gateway.AllOutput.Split('\n').Where(l => l.Contains("event=node-went-back", StringComparison.Ordinal) || l.Contains("state=diverged", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"the gateway saw the node lose what it had committed:\n{string.Join('\n', errors)}");
        return new Figures(ledger.Count, held);
    }

    // `verify` on a stopped node's folder: exit 0, and it read at least everything acknowledged so far.
    private static async Task<(Programs.Run Run, string Summary)> AssertVerifiesAsync(string folder, OperatorLoad load, ChildProcess gateway)
    {
        var wal = new FileInfo(Path.Combine(folder, "node.db-wal"));
        var walBytes = wal.Exists ? wal.Length : 0;
        var entries = load.Acknowledged.Select(e => e.Index + 1).DefaultIfEmpty(0).Max();
        var leaves = GatewayInstance.Uploads(gateway).Select(u => u.Size).DefaultIfEmpty(0).Max();
        var run = await NodeProcess.VerifyDataAsync(folder);
        Assert.True(run.ExitCode == 0 && run.Output.Contains("result: ok", StringComparison.Ordinal), $"verify on the stopped node's folder (WAL {walBytes} bytes):\n{run}");
        Assert.True(long.Parse(Field(run, "entries"), CultureInfo.InvariantCulture) >= entries, $"verify read fewer entries than were acknowledged ({entries}):\n{run}");
        Assert.True(long.Parse(Field(run, "leaves"), CultureInfo.InvariantCulture) >= leaves, $"verify read fewer leaves than were acknowledged ({leaves}):\n{run}");
        return (run, $"{Field(run, "entries")} entries, {Field(run, "leaves")} leaves, WAL {walBytes} bytes");
    }

    private static string Field(Programs.Run run, string name) => run.Field(name).Split(' ')[0];

    // Every leaf the node holds is byte for byte the gateway's.
    private static async Task AssertNodeHoldsTheGatewaysLeavesAsync(HttpClient api, GatewayInstance gateway, long held)
    {
        var mine = gateway.StoredLeaves();
        long seq = 0;
        while (seq < held)
        {
            var page = (await GetJsonAsync(api, $"v1/devices/{DeviceId}/readings?from={seq}&limit=10000"))["readings"]!.AsArray();
            Assert.NotEmpty(page);
            foreach (var reading in page)
            {
                Assert.Equal(seq, (long)reading!["seq"]!);
                Assert.True(mine.TryGetValue(seq, out var bytes) && bytes.AsSpan().SequenceEqual(Convert.FromBase64String((string)reading["leaf"]!)),
                    $"leaf {seq} held by the node differs from the gateway's");
                seq++;
            }
        }
    }

    private static async Task<List<(string Kind, byte[] Bytes)>> ReadLedgerAsync(HttpClient api)
    {
        var ledger = new List<(string Kind, byte[] Bytes)>();
        while (true)
        {
            var page = (await GetJsonAsync(api, $"v1/ledger/entries?from={ledger.Count}&count=1000"))["entries"]!.AsArray();
            if (page.Count == 0)
            {
                return ledger;
            }
            foreach (var entry in page)
            {
                Assert.Equal(ledger.Count, (long)entry!["index"]!);
                ledger.Add(((string)entry["kind"]!, Convert.FromBase64String((string)entry["entry"]!)));
            }
        }
    }

    private static async Task WaitUntilTheLedgerStopsGrowingAsync(HttpClient api)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var size = (await ReadLedgerAsync(api)).Count;
        for (var quiet = 0; quiet < 3; )
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the ledger still grows a minute after every client stopped ({size} entries)");
            await Task.Delay(300);
            // Only what came after the last look.
            var added = (await GetJsonAsync(api, $"v1/ledger/entries?from={size}&count=1000"))["entries"]!.AsArray().Count;
            quiet = added == 0 ? quiet + 1 : 0;
            size += added;
        }
    }

    private static async Task<JsonNode> GetJsonAsync(HttpClient api, string path)
    {
        using var response = await api.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /{path} → {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }
}
