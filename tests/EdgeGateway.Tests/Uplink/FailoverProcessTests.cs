using System.Text.Json.Nodes;
using EdgeGateway.Tests.Support;

namespace EdgeGateway.Tests.Uplink;

/// <summary>
/// The real gateway process with <c>node.urls</c> (a TCP forwarder to the node, then the node
/// directly) anchoring a simulated warehouse: it logs the node it anchors on at start and at every
/// move, keeps anchoring when the forwarder is taken away, returns when it is back, and what the
/// node holds is the gateway's log, byte for byte.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FailoverProcessTests
{
    private const string Device = "gw-fop";

    [Fact]
    public async Task Run_ForwarderTakenAwayAndBack_MovesWithTheReasonLogged_AndKeepsAnchoring()
    {
        await using var node = await TestAnchorNode.StartAsync();
        var forwarder = TcpForwarder.Start(node.Port);
        await using var stopForwarder = forwarder;
        using var folder = await GatewayFolder.CreateAsync(Device);
        folder.WriteConfig(TestConfig.Json(Device, c =>
        {
            c["node"] = new JsonObject { ["urls"] = new JsonArray(forwarder.Url.AbsoluteUri, node.Url.AbsoluteUri), ["preferredRetryMs"] = 300 };
            c["uplink"] = new JsonObject { ["retryInitialSeconds"] = 0.05, ["retryMaxSeconds"] = 0.5, ["statusIntervalSeconds"] = 0.5 };
            c["sealing"]!["intervalSeconds"] = 30;
        }));
        node.Enrol(Device, folder.VerifierKey());

        await using var gateway = GatewayProcess.Start("run", "--data", folder.Path, "--simulate", "5", "--speed", "600");
        await gateway.WaitForLineAsync(l => l.Contains(" event=node ", StringComparison.Ordinal) && l.Contains($"url={forwarder.Url.AbsoluteUri}", StringComparison.Ordinal)
            && l.Contains("the preferred of 2 nodes", StringComparison.Ordinal), "the start on the preferred URL");
        await gateway.WaitUntilAsync(() => node.CommittedSize(Device) >= 200, "uploads through the forwarder");

        await forwarder.StopAsync();
        var moved = await gateway.WaitForLineAsync(l => l.Contains(" event=node ", StringComparison.Ordinal) && l.Contains($"url={node.Url.AbsoluteUri}", StringComparison.Ordinal),
            "the move to the direct URL");
        Assert.Contains($"on {forwarder.Url.AbsoluteUri} failed (network:", moved, StringComparison.Ordinal);
        var atMove = node.CommittedSize(Device);
        await gateway.WaitUntilAsync(() => node.CommittedSize(Device) >= atMove + 200, "uploads on the direct URL");

        forwarder.Start();
        await gateway.WaitForLineAsync(l => l.Contains(" event=node ", StringComparison.Ordinal) && l.Contains($"url={forwarder.Url.AbsoluteUri}", StringComparison.Ordinal)
            && l.Contains("the preferred node answers again", StringComparison.Ordinal), "the move back");
        var atReturn = node.CommittedSize(Device);
        var accepted = forwarder.Accepted;
        await gateway.WaitUntilAsync(() => node.CommittedSize(Device) >= atReturn + 200 && forwarder.Accepted > accepted, "uploads through the forwarder again");
        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        // Every leaf the node holds is the gateway's, in order, once; it ends at a checkpoint the gateway sealed.
        var audit = LogAudit.Read(folder.DatabasePath);
        var held = node.LeavesOf(Device);
        Assert.InRange(held.Count, atReturn + 200, audit.RecordedSize);
        for (var i = 0; i < held.Count; i++)
        {
            Assert.True(audit.Leaves[i].Bytes.AsSpan().SequenceEqual(held[i]), $"leaf {i} differs on the node");
        }
        Assert.Contains(audit.Checkpoints, c => c.Size == held.Count);
        Assert.Equal(audit.RootAt(held.Count), node.RootOf(Device));
        Assert.NotEmpty(node.ReportsOf(Device));
        Assert.Equal(forwarder.Url.AbsoluteUri, GatewayStorageStatus(folder).NodeUrl);
    }

    private static EdgeGateway.Storage.GatewayStatus GatewayStorageStatus(GatewayFolder folder) => EdgeGateway.Storage.GatewayStatusReader.Read(folder.DatabasePath);
}
