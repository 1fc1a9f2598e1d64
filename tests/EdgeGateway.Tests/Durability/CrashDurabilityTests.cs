using System.Text.Json.Nodes;
using EdgeGateway.Tests.Support;

namespace EdgeGateway.Tests.Durability;

/// <summary>
/// Power cuts, approximated by SIGKILL: a real gateway process ingests a simulated 51-sensor
/// warehouse at high speed and is killed at random moments of its write path, then restarted,
/// over and over. Whatever it acknowledged on standard output before a kill must survive, with
/// the same root; the database must stay sound, gap-free, and every checkpoint must verify and
/// match the leaves.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CrashDurabilityTests
{
    [Fact]
    public Task Sigkill_FiftyTimesAtRandomPoints_LosesNothingAcknowledged() => KillRepeatedlyAsync(kills: 50, seed: 20260101, maxAcksBeforeKill: 6);

    [Fact]
    [Trait("Category", "Soak")]
    public Task Sigkill_TwoHundredTimesWithLongerRuns_LosesNothingAcknowledged() => KillRepeatedlyAsync(kills: 200, seed: 7, maxAcksBeforeKill: 40);

    private static async Task KillRepeatedlyAsync(int kills, int seed, int maxAcksBeforeKill)
    {
        using var folder = await GatewayFolder.CreateAsync("gw-crash");
        folder.WriteConfig(TestConfig.Json("gw-crash", c =>
        {
            c["sealing"] = new JsonObject { ["intervalSeconds"] = 60, ["maxLeaves"] = 150 };
            c["ingest"] = new JsonObject { ["batchMaxReadings"] = 200, ["batchMaxDelayMilliseconds"] = 10 };
            c["simulation"] = new JsonObject { ["sensorsPerZone"] = 17, ["sensorFaultProbability"] = 0.02 };
            c["alarms"] = new JsonArray(new JsonObject { ["id"] = "chiller-high", ["zone"] = "chiller-1", ["above"] = 8, ["delayMinutes"] = 5 });
        }));
        var random = new Random(seed);
        var acknowledged = new List<Acknowledgement>();
        for (var run = 0; run < kills; run++)
        {
            await using var gateway = GatewayProcess.Start("run", "--data", folder.Path, "--simulate", (run + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--speed", "1000");
            // The gateway keeps ingesting after the acknowledgement it was waited for: the kill lands
            // wherever its write path happens to be (building a batch, inside a commit, sealing).
            await gateway.WaitForAcknowledgementsAsync(random.Next(1, maxAcksBeforeKill + 1), TimeSpan.FromSeconds(60));
            gateway.Kill();
            await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));
            acknowledged.AddRange(gateway.Acknowledgements);
            if (run % 10 == 9)
            {
                // What a kill left behind is checked as it is, before the next start repairs anything.
                await AssertVerifiesAsync(folder.Path);
            }
        }

        // One last start proves the log still opens (verifies) after all that, and stops cleanly.
        await using (var last = GatewayProcess.Start("run", "--data", folder.Path, "--simulate", "999", "--speed", "1000"))
        {
            await last.WaitForAcknowledgementsAsync(2, TimeSpan.FromSeconds(60));
            last.Terminate();
            Assert.Equal(0, await last.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            acknowledged.AddRange(last.Acknowledgements);
        }

        await AssertVerifiesAsync(folder.Path);
        var audit = LogAudit.Read(folder.DatabasePath);
        Assert.Equal("ok", audit.Integrity);
        audit.AssertLeavesSound("gw-crash");
        Assert.True(acknowledged.Count >= kills, $"only {acknowledged.Count} acknowledgements over {kills} runs");
        foreach (var ack in acknowledged)
        {
            Assert.True(ack.Size <= audit.RecordedSize, $"acknowledged size {ack.Size} but the log has {audit.RecordedSize}");
            Assert.True(audit.RootAt(ack.Size).ToHex() == ack.Root, $"the leaves acknowledged up to {ack.Size} changed or went missing");
        }
        using var key = folder.VerifierKey();
        Assert.True(audit.Checkpoints.Count > kills / 2, $"only {audit.Checkpoints.Count} checkpoints");
        audit.AssertCheckpointsSound(key, "gw-crash");
        Assert.Equal(kills + 1, audit.Contents.Count(l => l.StringValue == "gateway-start"));
    }

    private static async Task AssertVerifiesAsync(string data)
    {
        var (exit, stdout, stderr) = await GatewayProcess.RunAsync("verify", "--data", data);
        Assert.True(exit == 0 && stdout.Contains("result: ok", StringComparison.Ordinal), $"verify exited {exit}:\n{stdout}\n{stderr}");
    }
}
