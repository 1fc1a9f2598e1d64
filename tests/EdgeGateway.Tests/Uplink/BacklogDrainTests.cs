using System.Text.Json.Nodes;
using EdgeGateway.Log;
using EdgeGateway.Sensors.Simulation;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Uplink;

namespace EdgeGateway.Tests.Uplink;

/// <summary>
/// A gateway cut off from its node for a long simulated period (27 probes, temperature and
/// humidity once a minute: about 54 readings a minute, the "50 sensors × 1/min" warehouse),
/// generated quickly through the real ingestion path; then the real daemon process finds the
/// node down, keeps retrying, and drains everything in order once a real HTTP node comes up.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BacklogDrainTests
{
    [Fact]
    public Task Run_DayOffline_DrainsInOrderWithBoundedRequestsAndMemory() => DrainAsync(TimeSpan.FromDays(1));

    [Fact]
    [Trait("Category", "Soak")]
    public Task Run_WeekOffline_DrainsInOrderWithBoundedRequestsAndMemory() => DrainAsync(TimeSpan.FromDays(7));

    private static async Task DrainAsync(TimeSpan offline)
    {
        await using var node = TestAnchorNode.Unstarted();
        using var folder = await GatewayFolder.CreateAsync("gw-backlog", node.Url.AbsoluteUri);
        folder.WriteConfig(TestConfig.Json("gw-backlog", c => c["node"] = new JsonObject { ["url"] = node.Url.AbsoluteUri }));

        // The week (or day) of readings, through the gateway's own writer: leaves, alarms, checkpoints.
        var warehouse = new SimulatedWarehouse(new SimulatedWarehouseOptions { Seed = 5, StartTimeMs = Leaves.T0, SensorsPerZone = 9, PalletCount = 200 });
        var options = new LogWriterOptions { BatchMaxEvents = 1000, BatchMaxDelay = TimeSpan.FromMilliseconds(5), SealMaxLeaves = 1000, SealInterval = TimeSpan.FromDays(30) };
        await using (var writer = WriterHarness.Start(folder, options, TimeProvider.System, folder.Config().Alarms.ToArray()))
        {
            await writer.PostAllAsync(warehouse.Generate(offline));
            await writer.StopAsync();
        }
        var backlog = LogAudit.Read(folder.DatabasePath);
        var sealedSize = backlog.Checkpoints[^1].Size;
        var perDay = 27 * 2 * 24 * 60;
        Assert.True(sealedSize >= offline.TotalDays * perDay, $"{sealedSize} leaves for {offline.TotalDays} days");

        await using var gateway = GatewayProcess.Start("run", "--data", folder.Path);
        await gateway.WaitForLineAsync(l => l.Contains(" event=uplink-offline ", StringComparison.Ordinal), "the gateway to find the node down");
        node.Enrol("gw-backlog", folder.VerifierKey());
        await node.StartListeningAsync();
        await gateway.WaitUntilAsync(() => node.CommittedSize("gw-backlog") >= sealedSize, $"the node to commit {sealedSize} leaves", TimeSpan.FromMinutes(5));
        var peakKb = gateway.ProcStatusKb("VmHWM");
        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        // In order, each request within the limit and ending at a sealed checkpoint, nothing twice.
        var uploads = node.Requests.Where(r => r.Method == "POST" && r.Status == 200).ToList();
        var checkpointSizes = backlog.Checkpoints.Select(c => c.Size).ToHashSet();
        long next = 0;
        foreach (var upload in uploads.Where(u => u.FirstSequence < sealedSize))
        {
            Assert.Equal(next, upload.FirstSequence);
            Assert.InRange(upload.Count, 1, UplinkRoutes.MaxLeavesPerUpload);
            Assert.Contains(upload.FirstSequence + upload.Count, checkpointSizes);
            next = upload.FirstSequence + upload.Count;
        }
        Assert.Equal(sealedSize, next);
        Assert.True(uploads.Count >= sealedSize / UplinkRoutes.MaxLeavesPerUpload);

        // The node verified every signature and root; its leaves are the gateway's, byte for byte.
        var stored = LogAudit.Read(folder.DatabasePath);
        var nodeLeaves = node.LeavesOf("gw-backlog");
        Assert.True(nodeLeaves.Count >= sealedSize);
        for (var i = 0; i < sealedSize; i++)
        {
            Assert.True(stored.Leaves[i].Bytes.AsSpan().SequenceEqual(nodeLeaves[i]), $"leaf {i} differs on the node");
        }
        Assert.Equal(stored.RootAt(nodeLeaves.Count), node.RootOf("gw-backlog"));
        // Memory stays bounded: leaves are streamed from SQLite, never held all at once (loose bound).
        Assert.True(peakKb < 160 * 1024, $"peak resident memory {peakKb / 1024} MB while draining {sealedSize} leaves");
    }
}
