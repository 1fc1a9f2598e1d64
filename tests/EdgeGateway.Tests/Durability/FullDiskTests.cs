using System.Globalization;
using System.Text.Json.Nodes;
using EdgeGateway.Storage;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Readings;
using Xunit.Abstractions;

namespace EdgeGateway.Tests.Durability;

/// <summary>
/// A really full file system: the data folder on a 20 MiB tmpfs that a file fills up while the
/// gateway ingests a 51-sensor warehouse at high speed. The gateway must stay up, keep everything it
/// acknowledged, record the full disk (event leaf, status, alarm), refuse and count readings, start
/// again while the disk is full (after kill -9 and after a clean stop), and resume by itself once
/// the file is deleted. `verify` then checks the whole log.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FullDiskTests(ITestOutputHelper output)
{
    private const int SigkillExit = 137;

    [RootFact]
    public async Task FullFileSystem_SurvivedThroughRestarts_NothingAcknowledgedLost_AndIngestResumesWhenSpaceReturns()
    {
        using var mount = TmpfsMount.Create(20);
        using var folder = await GatewayFolder.CreateAsync("gw-full", parent: mount.Path);
        folder.WriteConfig(TestConfig.Json("gw-full", c =>
        {
            c["sealing"] = new JsonObject { ["intervalSeconds"] = 60, ["maxLeaves"] = 150 };
            c["ingest"] = new JsonObject { ["batchMaxReadings"] = 200, ["batchMaxDelayMilliseconds"] = 10 };
            c["storage"] = new JsonObject { ["maxDatabaseMegabytes"] = 1024, ["reserveMegabytes"] = 2 };
            c["simulation"] = new JsonObject { ["sensorsPerZone"] = 17 };
        }));
        var acknowledged = new List<Acknowledgement>();
        var exits = new List<int>();
        string filler;

        // 1. Running with room; then the file system fills up under it (the gateway held still
        //    meanwhile, so that the filler takes every byte and nothing races it).
        await using (var gateway = Run(folder, 1))
        {
            await gateway.WaitForAcknowledgementsAsync(20, TimeSpan.FromSeconds(60));
            gateway.Pause(true);
            filler = mount.Fill("filler");
            Assert.True(mount.FreeBytes < 64 * 1024, $"{mount.FreeBytes} bytes still free after filling");
            gateway.Pause(false);

            await gateway.WaitForOutputAsync(l => l.Contains(" event=disk-full ", StringComparison.Ordinal) && l.Contains("cause=file-system", StringComparison.Ordinal),
                "the full file system to be noticed", TimeSpan.FromSeconds(60));
            // Recorded for `status` in the space the reserve gave back, and readings counted as refused.
            await WriterHarness.WaitUntilAsync(() => Status(folder) is { DiskFullSinceMs: not null, RefusedReadings: > 0 },
                "status to show the full disk and refused readings", TimeSpan.FromSeconds(60));
            var full = Status(folder);
            Assert.Equal(DiskFullCauses.FileSystem, full.DiskFullCause);
            Assert.Contains(full.ActiveAlarms, a => a.RuleId == EdgeGateway.Alarms.GatewayAlarms.DiskFullRule && a.Zone == EdgeGateway.Alarms.GatewayAlarms.Zone);
            Assert.False(gateway.HasExited, $"the gateway exited on a full disk:\n{gateway.AllOutput}");
            gateway.Kill();
            exits.Add(await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            acknowledged.AddRange(gateway.Acknowledgements);
        }

        // 2. Restart while full (after kill -9), and a clean stop while full.
        await using (var gateway = Run(folder, 2))
        {
            await gateway.WaitForOutputAsync(l => l.Contains(" event=started ", StringComparison.Ordinal), "the start while full", TimeSpan.FromSeconds(60));
            await gateway.WaitForOutputAsync(l => l.Contains(" event=disk-full ", StringComparison.Ordinal), "the full disk to be noticed at start");
            Assert.NotNull(Status(folder).DiskFullSinceMs);
            gateway.Terminate();
            exits.Add(await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            acknowledged.AddRange(gateway.Acknowledgements);
        }
        Assert.Equal(0, exits[^1]);

        // 3. Restart while full, then space returns: readings are accepted again by themselves.
        TimeSpan resumedAfter;
        await using (var gateway = Run(folder, 3))
        {
            await gateway.WaitForOutputAsync(l => l.Contains(" event=started ", StringComparison.Ordinal), "the second start while full", TimeSpan.FromSeconds(60));
            await gateway.WaitForOutputAsync(l => l.Contains(" event=disk-full ", StringComparison.Ordinal), "the full disk to be noticed at start");
            File.Delete(filler);
            var freed = DateTimeOffset.UtcNow;
            var resumed = await gateway.WaitForOutputAsync(l => l.Contains(" event=disk-resumed ", StringComparison.Ordinal),
                "ingest to resume after the file was deleted", TimeSpan.FromSeconds(60));
            resumedAfter = LineTime(resumed) - freed;
            var acksAtResume = gateway.Acknowledgements.Count;
            await gateway.WaitForAcknowledgementsAsync(acksAtResume + 10, TimeSpan.FromSeconds(60));
            Assert.Null(Status(folder).DiskFullSinceMs);
            Assert.DoesNotContain(Status(folder).ActiveAlarms, a => a.RuleId == EdgeGateway.Alarms.GatewayAlarms.DiskFullRule);
            gateway.Terminate();
            exits.Add(await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            acknowledged.AddRange(gateway.Acknowledgements);
        }
        output.WriteLine($"ingest resumed {resumedAfter.TotalMilliseconds:0} ms after the file was deleted; exits {string.Join(", ", exits)}");
        Assert.Equal([SigkillExit, 0, 0], exits);
        Assert.True(resumedAfter < TimeSpan.FromSeconds(10), $"resumed {resumedAfter} after space returned");

        // The whole log verifies, and every acknowledgement of every run is in it with its root.
        var (exit, stdout, stderr) = await GatewayProcess.RunAsync("verify", "--data", folder.Path);
        Assert.True(exit == 0, $"verify exited {exit}:\n{stdout}\n{stderr}");
        Assert.Contains("result: ok", stdout, StringComparison.Ordinal);
        var audit = LogAudit.Read(folder.DatabasePath);
        audit.AssertLeavesSound("gw-full");
        foreach (var ack in acknowledged)
        {
            Assert.True(ack.Size <= audit.RecordedSize, $"acknowledged size {ack.Size} but the log has {audit.RecordedSize}");
            Assert.True(audit.RootAt(ack.Size).ToHex() == ack.Root, $"the leaves acknowledged up to {ack.Size} changed or went missing");
        }

        // The signed log tells the story: full, refused and counted, resumed, readings again.
        var leaves = audit.Contents.ToList();
        Assert.Contains(leaves, l => l.Kind == LeafKind.Event && l.StringValue == "disk-full");
        var resumedLeaf = leaves.Last(l => l.Kind == LeafKind.Event && l.StringValue == "disk-resumed");
        var refused = long.Parse(resumedLeaf.Detail!.Split(' ')[3], CultureInfo.InvariantCulture);
        Assert.True(refused > 0, resumedLeaf.Detail);
        Assert.Contains(leaves, l => l.Sequence > resumedLeaf.Sequence && l.Kind == LeafKind.Measurement);
        Assert.Equal(3, leaves.Count(l => l.StringValue == "gateway-start"));
    }

    private static GatewayProcess Run(GatewayFolder folder, int seed) =>
        GatewayProcess.Start("run", "--data", folder.Path, "--simulate", seed.ToString(CultureInfo.InvariantCulture), "--speed", "1000");

    private static GatewayStatus Status(GatewayFolder folder) => GatewayStatusReader.Read(folder.DatabasePath);

    private static DateTimeOffset LineTime(string line) =>
        DateTimeOffset.Parse(line.Split(' ')[0]["time=".Length..], CultureInfo.InvariantCulture);
}
