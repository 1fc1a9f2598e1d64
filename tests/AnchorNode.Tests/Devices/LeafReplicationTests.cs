using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AnchorNode.Configuration;
using AnchorNode.Devices;
using AnchorNode.Hosting;
using AnchorNode.Ledger;
using AnchorNode.Runtime;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Uplink;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnchorNode.Tests.Devices;

/// <summary>
/// A member node that applied anchor entries without their leaves (a cosigning replica here, every
/// member in etcd mode) pulls them from its peers, checks them against the anchors, and stores
/// exactly the leaves the receiving node holds; a wrong peer is refused and the next one asked.
/// </summary>
public sealed class LeafReplicationTests(TestNode node) : IClassFixture<TestNode>, IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    [Fact]
    public async Task CosigningReplica_PullsTheLeaves_AndServesABundleThatVerifiesAsTheNodes()
    {
        using var device = new SimulatedDevice("gw-repl-cosign", seed: 7).Add(30);
        device.AddAlarm("start");
        await node.EnrolAsync(device);
        await node.AnchorAsync(device, 0);
        device.Add(12);
        await node.AnchorAsync(device, 31);
        await node.WaitForCheckpointAsync();

        var bank = Own(NodeRuntime.Open(node.BankFolder, NullLoggerFactory.Instance));
        using (var http = node.Client(node.AuditorKey))
        {
            var cosigned = await new Cosigner(bank, http).CosignLatestAsync(CancellationToken.None);
            Assert.True(cosigned.Succeeded, cosigned.ToString());
        }
        Assert.Equal(0, Held(bank, device.Id));
        var before = bank.Replication.Status();
        Assert.Contains(before.Devices, d => d.DeviceId == device.Id && d.Held == 0 && d.Anchored == device.Size);

        using var replicator = Replicator(bank, null, node.Client(node.AuditorKey));
        var after = await replicator.RunOnceAsync(CancellationToken.None);

        Assert.Equal(device.Size, Held(bank, device.Id));
        Assert.DoesNotContain(after.Devices, d => d.DeviceId == device.Id);
        Assert.Null(after.LastError);
        Assert.Equal(Chunks(node.Runtime, device.Id), Chunks(bank, device.Id));
        Assert.Equal(Root(node.Runtime, device.Id), Root(bank, device.Id));
        Assert.Equal(Leaves(node.Runtime, device.Id), Leaves(bank, device.Id));
        // The indexes an upload fills are filled too: the alarm leaf is in the bank's alarm history.
        Assert.Equal(Count(node.Runtime, "alarm_leaves", device.Id), Count(bank, "alarm_leaves", device.Id));
        Assert.Equal(Count(node.Runtime, "measurements", device.Id), Count(bank, "measurements", device.Id));
        Assert.True(Count(bank, "alarm_leaves", device.Id) > 0);

        // A bundle from the replica verifies as the node's does (the replica keeps the checkpoint it cosigned).
        var (bankUrl, bankKey) = await HostAsync(bank);
        var policy = new EvidencePolicy([node.Runtime.Member.VerifierKey, node.Bank.VerifierKey, node.Auditor.VerifierKey], threshold: 2);
        var fromNode = await BundleAsync(node.BaseAddress, node.AuditorKey, device.Id, policy);
        var fromBank = await BundleAsync(bankUrl, bankKey, device.Id, policy);
        Assert.Equal(device.Size, fromBank.Devices.Single().Readings.Count);
        Assert.Equal(fromNode.Devices.Single().Readings.Select(r => r.Bytes.ToArray()), fromBank.Devices.Single().Readings.Select(r => r.Bytes.ToArray()));
        Assert.Equal(fromNode.Devices.Single().AnchorIndex, fromBank.Devices.Single().AnchorIndex);
    }

    [Fact]
    public async Task PeerServingOneAlteredLeaf_IsRefused_AndTheNextPeerIsUsed()
    {
        using var device = await AnchoredAsync("gw-repl-altered", 8, 40);
        var replica = await ReplicaAsync("altered");
        var liar = await LyingPeerAsync(device, 17);

        var log = new CapturedLog();
        using var replicator = Replicator(replica, log, Plain(liar), node.Client(node.AuditorKey));
        var status = await replicator.RunOnceAsync(CancellationToken.None);

        Assert.Equal(device.Size, Held(replica, device.Id));
        Assert.Equal(Leaves(node.Runtime, device.Id), Leaves(replica, device.Id));
        Assert.Equal(Root(node.Runtime, device.Id), Root(replica, device.Id));
        Assert.Null(status.LastError);
        // Other tests' devices share the ledger (and the liar's alteration); this device's refusal is one line.
        var refusal = Assert.Single(log.Lines, l => l.Contains("Refused leaves", StringComparison.Ordinal) && l.Contains($"device {device.Id},", StringComparison.Ordinal));
        Assert.Contains(liar.ToString(), refusal, StringComparison.Ordinal);
        Assert.Contains("0..39", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("altered", "give the root")]
    [InlineData("other-device", "is leaf 4 of 'gw-repl-stranger'")]
    [InlineData("swapped", "leaf 4 of gw-repl-lie-swapped is leaf 5 of")]
    [InlineData("not-a-leaf", "leaf 4 of gw-repl-lie-not-a-leaf is not a v1 reading leaf")]
    public async Task OnlyALyingPeer_LeavesTheReplicaBehind_WithNothingStored(string attack, string reason)
    {
        using var device = await AnchoredAsync("gw-repl-lie-" + attack, 10, 9);
        var replica = await ReplicaAsync("lie-" + attack);
        var liar = await LyingPeerAsync(device, 4, attack);

        var log = new CapturedLog();
        using var replicator = Replicator(replica, log, Plain(liar));
        var status = await replicator.RunOnceAsync(CancellationToken.None);

        Assert.Equal(0, Held(replica, device.Id));
        Assert.Empty(Leaves(replica, device.Id));
        Assert.Contains(status.Devices, d => d.DeviceId == device.Id && d.Held == 0 && d.Anchored == 9);
        Assert.Contains("refused", status.LastError, StringComparison.Ordinal);
        var refusal = Assert.Single(log.Lines, l => l.Contains("Refused leaves", StringComparison.Ordinal) && l.Contains($"device {device.Id},", StringComparison.Ordinal));
        Assert.Contains(reason, refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PeerAnsweringANullLeaf_IsAPeerError_AndNothingIsStored()
    {
        using var device = await AnchoredAsync("gw-repl-null-leaf", 15, 7);
        var replica = await ReplicaAsync("null-leaf");
        var liar = await LyingPeerAsync(device, 2, "null-leaf");

        using var replicator = Replicator(replica, null, Plain(liar));
        var status = await replicator.RunOnceAsync(CancellationToken.None);

        Assert.Equal(0, Held(replica, device.Id));
        Assert.Contains(status.Devices, d => d.DeviceId == device.Id && d.Held == 0 && d.Anchored == 7);
        Assert.Contains("not the one asked for", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoReachablePeer_ReportsTheLag_AndLosesNothing()
    {
        using var device = await AnchoredAsync("gw-repl-unreachable", 11, 15);
        var replica = await ReplicaAsync("unreachable");
        var ledgerSize = LedgerSize(replica);
        // A port that was just free: nothing listens there.
        var closed = new Uri($"http://127.0.0.1:{FreePort()}/");

        using var replicator = Replicator(replica, null, Plain(closed));
        var status = await replicator.RunOnceAsync(CancellationToken.None);

        Assert.Equal(0, Held(replica, device.Id));
        Assert.Equal(ledgerSize, LedgerSize(replica));
        var lag = Assert.Single(status.Devices, d => d.DeviceId == device.Id);
        Assert.Equal((0, 15), (lag.Held, lag.Anchored));
        Assert.True(status.LeavesMissing >= 15);
        Assert.Contains(closed.ToString(), status.LastError, StringComparison.Ordinal);
        Assert.NotNull(status.LastRun);

        // The status endpoint tells the same, to readers only.
        var (url, key) = await HostAsync(replica);
        using var anonymous = new HttpClient { BaseAddress = url };
        using (var refused = await anonymous.GetAsync("v1/node/replication"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        using var reader = Authorised(url, key);
        var served = await reader.GetFromJsonAsync("v1/node/replication", ReplicationJsonContext.Default.ReplicationStatus);
        Assert.Contains(served!.Devices, d => d.DeviceId == device.Id && d.Held == 0 && d.Anchored == 15);
    }

    [Fact]
    public async Task UplinkToAReplicaMissingLeaves_WithoutAResend_Is503NodeOutOfStepWithRetryAfter_AndWithTheResend_FillsAndAnchors()
    {
        using var device = await AnchoredAsync("gw-repl-uplink", 12, 25);
        device.Add(5);
        await node.AnchorAsync(device, 25);
        var replica = await ReplicaAsync("uplink");
        var (url, _) = await HostAsync(replica);
        using var gateway = new HttpClient { BaseAddress = url };
        device.Add(10);

        using (var stuck = await gateway.PostAsJsonAsync(UplinkRoutes.UploadPath(device.Id).TrimStart('/'), device.Request(30), UplinkJsonContext.Default.UplinkRequest))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, stuck.StatusCode);
            Assert.Equal(DeviceFailures.NodeOutOfStep, (await Problem.ReadAsync(stuck)).Code);
            Assert.NotNull(stuck.Headers.RetryAfter);
        }
        Assert.Equal(0, Held(replica, device.Id));

        // A re-send whose old leaves are not the anchored ones is refused, and nothing is stored.
        using (var forged = device.Fork(10, seed: 97).Add(30))
        using (var wrong = await gateway.PostAsJsonAsync(UplinkRoutes.UploadPath(device.Id).TrimStart('/'), forged.Request(0), UplinkJsonContext.Default.UplinkRequest))
        {
            Assert.Equal(HttpStatusCode.Conflict, wrong.StatusCode);
            Assert.Equal(ProblemTypes.LeafMismatch, (await Problem.ReadAsync(wrong)).Code);
        }
        Assert.Equal(0, Held(replica, device.Id));

        // A re-send that reaches the first anchor (size 25) but not the second (30) fills up to the first,
        // and is answered out-of-step so the gateway resumes from there.
        using (var early = device.Fork(27, seed: 96))
        using (var partial = await gateway.PostAsJsonAsync(UplinkRoutes.UploadPath(device.Id).TrimStart('/'), early.Request(0), UplinkJsonContext.Default.UplinkRequest))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, partial.StatusCode);
            Assert.Contains("re-send from sequence 25", (await Problem.ReadAsync(partial)).Detail, StringComparison.Ordinal);
        }
        Assert.Equal(25, Held(replica, device.Id));

        var ledgerBefore = LedgerSize(replica);
        using var resent = await gateway.PostAsJsonAsync(UplinkRoutes.UploadPath(device.Id).TrimStart('/'), device.Request(25), UplinkJsonContext.Default.UplinkRequest);
        var body = await resent.Content.ReadAsStringAsync();
        Assert.True(resent.IsSuccessStatusCode, $"{(int)resent.StatusCode}: {body}");
        var receipt = System.Text.Json.JsonSerializer.Deserialize(body, UplinkJsonContext.Default.UplinkReceipt)!;
        Assert.Equal(40, receipt.CommittedSize);
        Assert.Equal(ledgerBefore, receipt.LedgerIndex);
        Assert.Equal(40, Held(replica, device.Id));
        // The filled leaves are the node's, stored as two chunks under the node's two anchors, then the new batch under the replica's anchor.
        Assert.Equal(Leaves(node.Runtime, device.Id), Leaves(replica, device.Id).Take(30));
        var expected = Chunks(node.Runtime, device.Id);
        expected.Add((30, 10, receipt.LedgerIndex));
        Assert.Equal(expected, Chunks(replica, device.Id));
    }

    [Fact]
    public async Task ServeWithPeersInNodeJson_PullsInTheBackground()
    {
        using var device = await AnchoredAsync("gw-repl-serve", 14, 12);
        NodeRuntime replica;
        // The key this member presents to its peers comes from the environment, read when the node opens.
        Environment.SetEnvironmentVariable(HttpLeafPeer.ApiKeyVariable, node.AuditorKey);
        try
        {
            replica = await ReplicaAsync("serve", [node.BaseAddress.ToString()]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(HttpLeafPeer.ApiKeyVariable, null);
        }
        Assert.Equal(node.BaseAddress.ToString(), Assert.Single(replica.Replication.Peers).Name);
        await HostAsync(replica);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Held(replica, device.Id) < device.Size)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the background replicator did not pull {device.Id}: {replica.Replication.Status().LastError}");
            replica.Replication.Wake();
            await Task.Delay(50);
        }
        Assert.Equal(Leaves(node.Runtime, device.Id), Leaves(replica, device.Id));
    }

    [Fact]
    public async Task PeerKeys_OnePerPeer_AreEachSentToTheirPeer()
    {
        using var device = await AnchoredAsync("gw-repl-two-keys", 16, 8);
        // The same node under two names, so that it is two peers: the first is given a key it does not know.
        var other = new UriBuilder(node.BaseAddress) { Host = "localhost" }.Uri.ToString();
        NodeRuntime replica;
        Environment.SetEnvironmentVariable(HttpLeafPeer.ApiKeyVariable, $"etk_unknown, {node.AuditorKey}");
        try
        {
            replica = await ReplicaAsync("two-keys", [other, node.BaseAddress.ToString()]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(HttpLeafPeer.ApiKeyVariable, null);
        }

        var log = new CapturedLog();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(log));
        var replicator = new LeafReplicator(replica.Sequencer, replica.Readers, replica.Replication.Peers, replica.Time, loggers.CreateLogger<LeafReplicator>());
        var status = await replicator.RunOnceAsync(CancellationToken.None);

        Assert.Equal(device.Size, Held(replica, device.Id));
        Assert.Null(status.LastError);
        Assert.Contains(log.Lines, l => l.Contains($"Peer {other} could not serve leaves of {device.Id}", StringComparison.Ordinal) && l.Contains("answered 401", StringComparison.Ordinal));
        Assert.Throws<InvalidDataException>(() => HttpLeafPeer.For(["http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"], "a,b"));
    }

    [Fact]
    public async Task LeavesEndpoint_NeedsAKey_PagesAndSaysWhatItDoesNotHold()
    {
        using var device = await AnchoredAsync("gw-repl-endpoint", 13, 6);
        using var anonymous = node.Anonymous();
        using (var refused = await anonymous.GetAsync($"v1/devices/{device.Id}/leaves"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        using var client = node.Client(node.LenderKey);
        var page = await client.GetFromJsonAsync($"v1/devices/{device.Id}/leaves?from=2&count=3", ReplicationJsonContext.Default.LeafPage);
        Assert.Equal((device.Id, 2L, 6L), (page!.DeviceId, page.From, page.Held));
        Assert.Equal(device.Leaves.Skip(2).Take(3).Select(l => Convert.ToBase64String(l.Bytes.Span)), page.Leaves);

        using (var beyond = await client.GetAsync($"v1/devices/{device.Id}/leaves?from=6"))
        {
            Assert.Equal(HttpStatusCode.NotFound, beyond.StatusCode);
            Assert.Equal("leaves-not-held", (await Problem.ReadAsync(beyond)).Code);
        }
        using (var unknown = await client.GetAsync("v1/devices/gw-never/leaves"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal(ProblemTypes.UnknownDevice, (await Problem.ReadAsync(unknown)).Code);
        }
        foreach (var query in new[] { "?count=0", $"?count={LeafPage.MaxLeaves + 1}", "?from=-1" })
        {
            using var bad = await client.GetAsync($"v1/devices/{device.Id}/leaves{query}");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal(ProblemTypes.MalformedRequest, (await Problem.ReadAsync(bad)).Code);
        }
    }

    private async Task<SimulatedDevice> AnchoredAsync(string id, int seed, int leaves)
    {
        var device = new SimulatedDevice(id, seed).Add(leaves);
        await node.EnrolAsync(device);
        await node.AnchorAsync(device, 0);
        return device;
    }

    private async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        Own(app);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Uri(address.TrimEnd('/') + "/");
    }

    private T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    // A member's node that replayed the node's ledger (as a cosigning replica does) and so holds its anchors without leaves.
    private async Task<NodeRuntime> ReplicaAsync(string name, IReadOnlyList<string>? peers = null)
    {
        var folder = new DataFolder(Path.Combine(node.Root, "replica-" + name));
        folder.Initialise(new NodeConfig { Consortium = "demo", Member = "replica-" + name, Roles = "auditor", Peers = peers ?? [] }).Dispose();
        var replica = Own(NodeRuntime.Open(folder, NullLoggerFactory.Instance));
        List<(long Index, byte[] Bytes)> entries;
        using (var lease = node.Runtime.Readers.Rent())
        {
            entries = lease.Reader.Entries(0, int.MaxValue);
        }
        foreach (var (index, bytes) in entries)
        {
            var appended = await replica.Sequencer.AppendAsync(new LedgerProposal(bytes), CancellationToken.None);
            Assert.True(appended.Succeeded, $"entry {index}: {appended}");
        }
        return replica;
    }

    private static LeafReplicator Replicator(NodeRuntime replica, CapturedLog? log, params HttpClient[] peers)
    {
        var loggers = LoggerFactory.Create(b => b.AddProvider(log ?? new CapturedLog()).SetMinimumLevel(LogLevel.Information));
        return new LeafReplicator(replica.Sequencer, replica.Readers, peers.Select(c => new HttpLeafPeer(c, ownsClient: true)).ToList(), replica.Time, loggers.CreateLogger<LeafReplicator>());
    }

    private async Task<(Uri Url, string ReaderKey)> HostAsync(NodeRuntime runtime)
    {
        var url = await StartAsync(NodeHost.Build(runtime, ["http://127.0.0.1:0"], builder => builder.Logging.ClearProviders()));
        return (url, runtime.Organisations.Add("reader-" + Guid.NewGuid().ToString("N")[..8], "auditor"));
    }

    // A second real server that answers the leaves route with the node's page, the leaf at 'sequence'
    // replaced: by another well-formed leaf of the device at that sequence (from a fork of its log),
    // by a stranger device's leaf at that sequence, by the next leaf (swapped with it), or by bytes that are no leaf.
    private async Task<Uri> LyingPeerAsync(SimulatedDevice device, int sequence, string attack = "altered")
    {
        using var stranger = new SimulatedDevice("gw-repl-stranger", seed: 5).Add(sequence + 1);
        var replacement = attack switch
        {
            "altered" => Convert.ToBase64String(device.Fork(sequence, seed: 99).Add(1).Leaves[sequence].Bytes.Span),
            "other-device" => Convert.ToBase64String(stranger.Leaves[sequence].Bytes.Span),
            "not-a-leaf" => Convert.ToBase64String("not a leaf"u8),
            _ => null,
        };
        var (nodeUrl, apiKey) = (node.BaseAddress, node.AuditorKey);
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/v1/devices/{deviceId}/leaves", async (string deviceId, long from, int count, CancellationToken cancellationToken) =>
        {
            using var honest = Authorised(nodeUrl, apiKey);
            var page = (await honest.GetFromJsonAsync($"v1/devices/{deviceId}/leaves?from={from}&count={count}", ReplicationJsonContext.Default.LeafPage, cancellationToken))!;
            var leaves = page.Leaves.ToList();
            var at = (int)(sequence - from);
            if (at >= 0 && at + 1 < leaves.Count)
            {
                (leaves[at], leaves[at + 1]) = attack switch
                {
                    "swapped" => (leaves[at + 1], leaves[at]),
                    "null-leaf" => (null!, leaves[at + 1]),
                    _ => (replacement!, leaves[at + 1]),
                };
            }
            return Results.Json(page with { Leaves = leaves }, ReplicationJsonContext.Default.LeafPage);
        });
        return await StartAsync(app);
    }

    private static async Task<EvidenceSummary> BundleAsync(Uri url, string key, string deviceId, EvidencePolicy policy)
    {
        using var client = Authorised(url, key);
        var bytes = await client.GetByteArrayAsync($"v1/devices/{deviceId}/bundle");
        var verified = EvidenceVerifier.Verify(bytes, policy);
        Assert.True(verified.Succeeded, $"{url}: {verified}");
        return verified.Value;
    }

    private static HttpClient Authorised(Uri url, string key)
    {
        var client = Plain(url);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static HttpClient Plain(Uri url) => new() { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static long Held(NodeRuntime runtime, string deviceId)
    {
        using var lease = runtime.Readers.Rent();
        return lease.Reader.DeviceLog(deviceId)?.Size ?? 0;
    }

    private static long LedgerSize(NodeRuntime runtime)
    {
        using var lease = runtime.Readers.Rent();
        return lease.Reader.LedgerSize;
    }

    private static List<string> Leaves(NodeRuntime runtime, string deviceId)
    {
        using var lease = runtime.Readers.Rent();
        return lease.Reader.DeviceLog(deviceId) is { } log
            ? lease.Reader.Leaves(log.LogId, 0, log.Size).Select(l => $"{l.Seq}:{Convert.ToBase64String(l.Bytes.Span)}").ToList()
            : [];
    }

    private static string Root(NodeRuntime runtime, string deviceId)
    {
        using var lease = runtime.Readers.Rent();
        var log = lease.Reader.DeviceLog(deviceId)!;
        return lease.Reader.DeviceTree(log.LogId).Root(log.Size).ToBase64();
    }

    // (first sequence, count, anchor index) of each stored chunk.
    private static List<(long First, long Count, long Anchor)> Chunks(NodeRuntime runtime, string deviceId)
    {
        using var connection = runtime.Database.OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT c.first_seq, c.count, c.anchor FROM leaf_chunks c JOIN device_logs l ON l.log = c.log WHERE l.device = $device ORDER BY c.first_seq";
        command.Parameters.AddWithValue("$device", deviceId);
        using var reader = command.ExecuteReader();
        var list = new List<(long, long, long)>();
        while (reader.Read())
        {
            list.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
        }
        return list;
    }

    private static long Count(NodeRuntime runtime, string table, string deviceId)
    {
        using var connection = runtime.Database.OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table} WHERE device = $device";
        command.Parameters.AddWithValue("$device", deviceId);
        return (long)command.ExecuteScalar()!;
    }
}
