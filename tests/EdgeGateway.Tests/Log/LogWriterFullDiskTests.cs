using EdgeGateway.Log;
using EdgeGateway.Sensors;
using EdgeGateway.Storage;
using EdgeGateway.Tests.Support;

namespace EdgeGateway.Tests.Log;

/// <summary>
/// The log writer on a real file system that is full and has no reserve to give back: commits
/// fail with SQLITE_FULL, what was read is held (never acknowledged, never reported lost), new
/// readings are refused and counted, and when space returns the held batches are committed in
/// order and readings are accepted again, promptly even while readings keep arriving.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LogWriterFullDiskTests
{
    private static readonly LogWriterOptions Options = new()
    {
        BatchMaxEvents = 200,
        BatchMaxDelay = TimeSpan.FromMilliseconds(5),
        SealInterval = TimeSpan.FromHours(1),
        SealMaxLeaves = 500,
        ReserveBytes = 0,
    };

    private static Measurement Temp(int i) =>
        new("sim/chiller-1/t0", Quantity.Temperature, Leaves.T0 + i * 1000L, 4 + i % 10 / 10.0, "Cel");

    [RootFact]
    public async Task Run_FileSystemFullWithoutReserve_HoldsWhatWasRead_RefusesTheRest_AndResumesUnderLoadWhenSpaceReturns()
    {
        using var mount = TmpfsMount.Create(8);
        using var folder = await GatewayFolder.CreateAsync("gw-fs", parent: mount.Path);
        await using var harness = WriterHarness.Start(folder, Options, TimeProvider.System);
        await harness.PostAllAsync(Enumerable.Range(0, 300).Select(Temp));
        await harness.WaitForAcknowledgedAsync(300);

        var filler = mount.Fill("filler");
        var posted = 300;
        async Task PostSomeAsync(int count)
        {
            await harness.PostAllAsync(Enumerable.Range(posted, count).Select(Temp));
            posted += count;
        }
        await PostSomeAsync(400);
        await WriterHarness.WaitUntilAsync(() => harness.Writer.RefusingReadings, "the full file system to be noticed");
        await PostSomeAsync(400);
        Assert.False(harness.Running.IsCompleted, $"the writer stopped: {harness.Running.Exception}");
        // What was read before the failure waits in memory: with no reserve there is no room to commit it.
        Assert.True(harness.Writer.HeldLeaves > 0, "nothing is held although commits cannot be written");
        var heldWhileFull = harness.Writer.HeldLeaves;

        // Space returns while readings keep arriving: nothing may keep the writer from noticing.
        File.Delete(filler);
        var freed = System.Diagnostics.Stopwatch.StartNew();
        while (harness.Writer.RefusingReadings || harness.Writer.HeldLeaves > 0)
        {
            Assert.True(freed.Elapsed < TimeSpan.FromSeconds(20), "still refusing 20 s after space returned");
            await PostSomeAsync(20);
            await Task.Delay(10);
        }
        var resumedAt = harness.Acknowledged;
        await PostSomeAsync(50);
        await harness.WaitForAcknowledgedAsync(resumedAt + 50);
        await harness.StopAsync();

        // Every acknowledgement is in the log, in order, gap-free; the story is told by its leaves.
        var acknowledged = harness.Commits.SelectMany(c => Enumerable.Range((int)c.First, c.Count)).ToList();
        Assert.Equal(Enumerable.Range(0, acknowledged.Count), acknowledged);
        var audit = LogAudit.Read(folder.DatabasePath);
        audit.AssertLeavesSound("gw-fs");
        Assert.Equal(acknowledged.Count, audit.Leaves.Count);
        using var key = folder.VerifierKey();
        audit.AssertCheckpointsSound(key, "gw-fs");
        var contents = audit.Contents.ToList();
        var full = Assert.Single(contents, l => l.StringValue == "disk-full");
        var resumed = Assert.Single(contents, l => l.StringValue == "disk-resumed");
        Assert.True(resumed.Sequence > full.Sequence);
        var refused = long.Parse(resumed.Detail!.Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture);
        var measurements = contents.Count(l => l.Kind == Firmware.Contracts.Readings.LeafKind.Measurement);
        Assert.Equal(posted, measurements + refused);
        Assert.True(refused > 0, resumed.Detail);
        Assert.True(heldWhileFull > 0);
        Assert.Null(GatewayStatusReader.Read(folder.DatabasePath).DiskFullSinceMs);
    }
}
