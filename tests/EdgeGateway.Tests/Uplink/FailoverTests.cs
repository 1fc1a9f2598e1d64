using System.Text.Json;
using EdgeGateway.Cli;
using EdgeGateway.Log;
using EdgeGateway.Storage;
using EdgeGateway.Tests.Mqtt;
using EdgeGateway.Tests.Support;
using EdgeGateway.Uplink;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Tests.Uplink;

/// <summary>
/// <c>node.urls</c>: a gateway with several node URLs anchors on one at a time, moves to the next
/// when that one fails and back to the preferred one, against a real Kestrel node reached directly
/// and through a real TCP forwarder that a test takes away.
/// </summary>
public sealed class FailoverTests : IAsyncLifetime
{
    private const string Device = "gw-fo";
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(5);
    private readonly InMemoryLogger<FailoverAnchorClient> _moves = new();
    private SigningGateway _gateway = null!;

    private GatewayFolder Folder => _gateway.Folder;

    private EcdsaNoteSigner Signer => _gateway.Signer;

    private NoteVerifierKey Key => _gateway.Key;

    public async Task InitializeAsync() => _gateway = await SigningGateway.CreateAsync(Device);

    public Task DisposeAsync()
    {
        _gateway.Dispose();
        return Task.CompletedTask;
    }

    private FailoverAnchorClient Failover(TimeSpan preferredRetry, params Uri[] urls) =>
        new(urls, url => HttpAnchorClient.Create(url, TimeSpan.FromSeconds(30), null), preferredRetry, TimeProvider.System, _moves);

    private GatewayStatus Status() => GatewayStatusReader.Read(Folder.DatabasePath);

    // The "anchoring on" lines (event 402), in order.
    private List<string> Moves() => _moves.Entries.Where(e => e.Id.Id == 402).Select(e => e.Message).ToList();

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WriterHarness.WaitUntilAsync(condition, what, TimeSpan.FromSeconds(60));

    [Fact]
    public async Task Run_FirstUrlRefusesConnections_AnchorsOnTheSecond()
    {
        var root = UplinkHarness.Fill(Folder, Signer, 300, sealEvery: 100);
        var closed = TestAnchorNode.Unstarted();
        await using var node = await TestAnchorNode.StartAsync();
        node.Enrol(Device, Key);
        var failover = Failover(Slow, closed.Url, node.Url);

        await using (UplinkHarness.Start(Folder, failover))
        {
            await WaitUntilAsync(() => Status().NodeCommittedSize == 300, "the gateway to record the node's size");
        }

        Assert.Equal(node.Url, failover.Current);
        Assert.Equal(node.Url.AbsoluteUri, Status().NodeUrl);
        Assert.Equal(root, node.RootOf(Device));
        var move = Assert.Single(Moves());
        Assert.StartsWith($"anchoring on {node.Url.AbsoluteUri}: status on {closed.Url.AbsoluteUri} failed (network:", move, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PreferredUrlGoesAwayMidRun_MovesOnAndBack_AndTheNodeHoldsExactlyTheGatewaysLog()
    {
        await using var node = await TestAnchorNode.StartAsync();
        node.Enrol(Device, Key);
        var forwarder = TcpForwarder.Start(node.Port);
        await using var stopForwarder = forwarder;
        var failover = Failover(TimeSpan.FromMilliseconds(300), forwarder.Url, node.Url);
        using var filling = new CancellationTokenSource();
        var filler = FillUntilCancelledAsync(filling.Token);

        await using (UplinkHarness.Start(Folder, failover))
        {
            await WaitUntilAsync(() => node.CommittedSize(Device) >= 200, "uploads through the forwarder");
            Assert.Equal(forwarder.Url, failover.Current);
            Assert.True(forwarder.Accepted > 0);

            // Taken away while the gateway uploads: open connections are reset, new ones refused.
            await forwarder.StopAsync();
            var atStop = node.CommittedSize(Device);
            await WaitUntilAsync(() => failover.Current == node.Url && node.CommittedSize(Device) >= atStop + 200, "uploads on the direct URL");
            await WaitUntilAsync(() => _moves.Entries.Any(e => e.Id.Id == 403), "the preferred URL to be asked again while it is away");
            Assert.Equal(node.Url, failover.Current);

            forwarder.Start();
            var acceptedBefore = forwarder.Accepted;
            await WaitUntilAsync(() => failover.Current == forwarder.Url, "the move back to the preferred URL");
            var atReturn = node.CommittedSize(Device);
            await WaitUntilAsync(() => node.CommittedSize(Device) >= atReturn + 200 && forwarder.Accepted > acceptedBefore, "uploads through the forwarder again");

            await filling.CancelAsync();
            await filler;
            var size = Status().LogSize;
            await WaitUntilAsync(() => Status().NodeCommittedSize == size, "everything to be committed");
        }

        var status = Status();
        var leaves = node.LeavesOf(Device);
        Assert.Equal(status.LogSize, leaves.Count);
        Assert.Equal(Enumerable.Range(0, leaves.Count).Select(i => (long)i), leaves.Select(l => ReadingLeaf.Parse(l).Value.Content.Sequence));
        using (var log = Folder.OpenLog(Signer))
        {
            Assert.Equal(log.Root(), node.RootOf(Device));
        }
        var moves = Moves();
        Assert.Equal(2, moves.Count);
        Assert.Matches($"^anchoring on {node.Url.AbsoluteUri}: (status|upload) on {forwarder.Url.AbsoluteUri} failed \\(network: ", moves[0]);
        Assert.Equal($"anchoring on {forwarder.Url.AbsoluteUri}: the preferred node answers again", moves[1]);
        Assert.Equal(forwarder.Url.AbsoluteUri, status.NodeUrl);
        Assert.Equal(forwarder.Url.AbsoluteUri, await StatusJsonNodeUrlAsync());
    }

    [Fact]
    public async Task Run_NodeOutOfStep_MovesToTheNextNode()
    {
        var root = UplinkHarness.Fill(Folder, Signer, 100, sealEvery: 100);
        await using var behind = await TestAnchorNode.StartAsync();
        await using var node = await TestAnchorNode.StartAsync();
        behind.Enrol(Device, Key);
        node.Enrol(Device, Key);
        // A 4xx, so that only the problem type (not a 5xx status) can be what moves the gateway.
        behind.FailNext(1, 409, FailoverAnchorClient.NodeOutOfStep);
        var failover = Failover(Slow, behind.Url, node.Url);

        await using (UplinkHarness.Start(Folder, failover))
        {
            await WaitUntilAsync(() => Status().NodeCommittedSize == 100, "the gateway to record the node's size");
        }

        Assert.Equal(root, node.RootOf(Device));
        Assert.Equal(0, behind.CommittedSize(Device));
        Assert.Contains("node-out-of-step", Assert.Single(Moves()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UploadRefusedForItself_StaysOnTheNode()
    {
        UplinkHarness.Fill(Folder, Signer, 100, sealEvery: 100);
        await using var refusing = await TestAnchorNode.StartAsync();
        await using var other = await TestAnchorNode.StartAsync();
        // Enrolled with another key: every upload is refused as bad-signature (401).
        using var otherSigner = EcdsaNoteSigner.Generate(DeviceLogs.Origin(Device));
        using var otherKey = otherSigner.VerifierKey;
        refusing.Enrol(Device, otherKey);
        other.Enrol(Device, Key);
        var failover = Failover(TimeSpan.FromMilliseconds(1), refusing.Url, other.Url);

        await using (UplinkHarness.Start(Folder, failover))
        {
            await WaitUntilAsync(() => refusing.Requests.Count(r => r.Method == "POST" && r.Problem == ProblemTypes.BadSignature) >= 3, "the refusals to repeat");
        }

        Assert.Equal(refusing.Url, failover.Current);
        Assert.Empty(other.Requests);
        Assert.Empty(Moves());
        Assert.Equal(UplinkStates.Rejected, Status().UplinkState);
        Assert.Equal(refusing.Url.AbsoluteUri, Status().NodeUrl);
    }

    [Fact]
    public async Task StatusReports_FollowTheUplinksNode_AndDoNotMoveItThemselves()
    {
        UplinkHarness.Fill(Folder, Signer, 100, sealEvery: 100);
        var closed = TestAnchorNode.Unstarted();
        await using var node = await TestAnchorNode.StartAsync();
        node.Enrol(Device, Key);
        using var failover = Failover(Slow, closed.Url, node.Url);
        using var store = SqliteUplinkStore.Open(Folder.DatabasePath);
        var health = new GatewayHealth([], _ => null, [], []);
        var reporter = new StatusReporter(Device, failover, store, Signer, health, "9.9.9", TimeSpan.FromHours(1),
            TimeProvider.System, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<StatusReporter>.Instance);

        Assert.False(await reporter.SendOnceAsync(CancellationToken.None));
        Assert.Equal(closed.Url, failover.Current);
        Assert.Empty(Moves());

        // The uplink's status request fails on the closed port and moves; the next report follows.
        Assert.NotNull((await failover.GetStatusAsync(Device, CancellationToken.None)).Problem);
        Assert.Equal(node.Url, failover.Current);
        Assert.True(await reporter.SendOnceAsync(CancellationToken.None));
        Assert.Single(node.ReportsOf(Device));
    }

    [Theory]
    [InlineData(UplinkFailureKind.Network, null, null, true)]
    [InlineData(UplinkFailureKind.Server, 500, null, true)]
    [InlineData(UplinkFailureKind.Server, 503, "node-out-of-step", true)]
    [InlineData(UplinkFailureKind.Protocol, 200, null, true)]
    [InlineData(UplinkFailureKind.Refused, 409, "node-out-of-step", true)]
    [InlineData(UplinkFailureKind.Refused, 401, ProblemTypes.BadSignature, false)]
    [InlineData(UplinkFailureKind.Refused, 409, ProblemTypes.Equivocation, false)]
    [InlineData(UplinkFailureKind.Refused, 409, ProblemTypes.LeafMismatch, false)]
    [InlineData(UplinkFailureKind.Refused, 409, ProblemTypes.Gap, false)]
    [InlineData(UplinkFailureKind.Refused, 404, ProblemTypes.UnknownDevice, false)]
    public void IsNodeFault_OnlyFailuresOfTheNodeItself(UplinkFailureKind kind, int? status, string? code, bool fault) =>
        Assert.Equal(fault, FailoverAnchorClient.IsNodeFault(new UplinkProblem(kind, status, code, "detail")));

    // The gateway's writer: leaves and a checkpoint every few milliseconds, as readings come in.
    private async Task FillUntilCancelledAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var log = Folder.OpenLog(Signer, CryptographicSaltSource.Instance);
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        try
        {
            while (await pace.WaitForNextTickAsync(cancellationToken))
            {
                Leaves.Append(log, 10);
                log.Seal(log.Size, Leaves.T0 + log.Size);
            }
        }
        catch (OperationCanceledException)
        {
            // Done.
        }
    }

    private async Task<string?> StatusJsonNodeUrlAsync()
    {
        var output = new StringWriter();
        Assert.Equal(0, await GatewayCommandLine.RunAsync(["status", "--data", Folder.Path, "--json"], output, new StringWriter()));
        using var json = JsonDocument.Parse(output.ToString());
        return json.RootElement.GetProperty("nodeUrl").GetString();
    }
}
