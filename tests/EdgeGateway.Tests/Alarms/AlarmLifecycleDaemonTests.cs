using System.Globalization;
using System.Text.Json.Nodes;
using EdgeGateway.Alarms;
using EdgeGateway.Storage;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Tests.Alarms;

/// <summary>
/// The daemon with the simulated warehouse (a real process, a real SQLite file in a temp folder):
/// warning leaves, a "no data" alarm of a sensor that never reports, and a defrost window that is
/// open while the gateway restarts, all in the signed log.
/// </summary>
public sealed class AlarmLifecycleDaemonTests : IDisposable
{
    private readonly TempFolder _parent = new();

    public void Dispose() => _parent.Dispose();

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task Run_WarningNoDataAndDefrost_AreSignedLeaves_AndARestartMidWindowWritesOneStartAndOneEnd()
    {
        using var folder = await GatewayFolder.CreateAsync("gw-alarms", parent: _parent.Path);
        // Three hours of history at 600×: a simulated hour passes in six real seconds. The defrost
        // opens two hours ago (UTC, to the minute) for an hour: in the middle of the history.
        var now = DateTimeOffset.UtcNow;
        var opens = now.AddHours(-2);
        var daily = opens.ToString("HH:mm", CultureInfo.InvariantCulture);
        folder.WriteConfig(TestConfig.Json("gw-alarms", c =>
        {
            c["simulation"] = new JsonObject { ["sensorsPerZone"] = 1, ["palletCount"] = 1 };
            c["sensors"]!["zones"] = new JsonObject { ["ghost/t9"] = "chiller-1" };
            c["alarms"] = new JsonArray(
                new JsonObject { ["id"] = "chiller-warn", ["zone"] = "chiller-1", ["above"] = 5.0, ["severity"] = "warning" },
                new JsonObject { ["id"] = "chiller-silent", ["zone"] = "chiller-1", ["quantity"] = "no-data", ["silentMinutes"] = 10 });
            c["suppressions"] = new JsonArray(
                new JsonObject { ["id"] = "chiller-defrost", ["zone"] = "chiller-1", ["reason"] = "defrost", ["daily"] = daily, ["durationMinutes"] = 60 });
        }));
        string[] run = ["run", "--data", folder.Path, "--simulate", "5", "--history", "3h", "--speed", "600"];

        await using (var first = GatewayProcess.Start(run))
        {
            await first.WaitForLineAsync(l => l.Contains(SuppressionTransition.StartCode, StringComparison.Ordinal), "the defrost window to open", TimeSpan.FromSeconds(180));
            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        var stopped = LogAudit.Read(folder.DatabasePath).Contents.ToList();
        Assert.Single(stopped, l => l.StringValue == SuppressionTransition.StartCode);
        Assert.DoesNotContain(stopped, l => l.StringValue == SuppressionTransition.EndCode);
        var status = GatewayStatusReader.Read(folder.DatabasePath);
        Assert.Equal(("chiller-1", "defrost"), (Assert.Single(status.OpenWindows).Value.Zone, status.OpenWindows["chiller-defrost"].Reason));
        var (exit, text, _) = await GatewayProcess.RunAsync("status", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains($"suppressed: chiller-1 reason=defrost window=chiller-defrost since={opens:yyyy-MM-ddTHH:mm}:00.000Z", text, StringComparison.Ordinal);
        Assert.Contains("alarm: chiller-1/chiller-silent severity=alarm sensor=ghost/t9", text, StringComparison.Ordinal);

        await using (var second = GatewayProcess.Start(run))
        {
            await second.WaitForLineAsync(l => l.Contains(SuppressionTransition.EndCode, StringComparison.Ordinal), "the defrost window to close", TimeSpan.FromSeconds(180));
            // The chiller cycles around 5 °C: its warning starts again after the window.
            await second.WaitUntilAsync(() => second.Stdout.SkipWhile(l => !l.Contains(SuppressionTransition.EndCode, StringComparison.Ordinal))
                .Any(l => l.Contains("chiller-1/chiller-warn started", StringComparison.Ordinal)), "a warning after the window",
                // About 10 s on an idle machine; the limit only catches a gateway that never gets there
                // (on a machine shared with builds, the replay at 600× ran several times slower).
                TimeSpan.FromSeconds(180));
            second.Terminate();
            Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        var audit = LogAudit.Read(folder.DatabasePath);
        audit.AssertLeavesSound("gw-alarms");
        var leaves = audit.Contents.ToList();

        // One start and one end across the restart, with the zone and reason, at the window's bounds.
        var start = Assert.Single(leaves, l => l.StringValue == SuppressionTransition.StartCode);
        var end = Assert.Single(leaves, l => l.StringValue == SuppressionTransition.EndCode);
        var windowStart = new DateTimeOffset(opens.Year, opens.Month, opens.Day, opens.Hour, opens.Minute, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Assert.Equal((LeafKind.Event, "chiller-1", "defrost", windowStart), (start.Kind, start.Zone, start.Reason, start.TimeMs));
        Assert.Equal((LeafKind.Event, "chiller-1", "defrost", windowStart + 3_600_000), (end.Kind, end.Zone, end.Reason, end.TimeMs));
        Assert.True(start.Sequence < end.Sequence);

        // Readings were logged inside the window; no alarm of the zone started in it.
        bool Inside(LeafContent l) => l.TimeMs >= start.TimeMs && l.TimeMs < end.TimeMs;
        Assert.Contains(leaves, l => l.Kind == LeafKind.Measurement && l.Zone == "chiller-1" && Inside(l));
        var starts = leaves.Where(l => l.Kind == LeafKind.Alarm && l.StringValue == "start").ToList();
        Assert.DoesNotContain(starts, Inside);

        // The warning rule's leaves say warning, before and after the window.
        var warnings = leaves.Where(l => l.Kind == LeafKind.Alarm && l.Rule == "chiller-warn").ToList();
        Assert.Contains(warnings, l => l.StringValue == "start" && l.TimeMs < start.TimeMs);
        Assert.Contains(warnings, l => l.StringValue == "start" && l.TimeMs >= end.TimeMs);
        Assert.All(warnings, l => Assert.Equal(AlarmSeverity.Warning, l.Severity));

        // The sensor that never reports: one no-data start, ten simulated minutes after the history
        // began, not repeated by the restart, no value; an alarm (no severity field).
        var silent = Assert.Single(leaves, l => l.Kind == LeafKind.Alarm && l.Rule == "chiller-silent");
        Assert.Equal(("ghost/t9", "start", null, null, (string?)null), (silent.SensorId, silent.StringValue, silent.Value, silent.Unit, silent.Severity));
        Assert.Contains("no good reading for", silent.Detail, StringComparison.Ordinal);
        var silentAlarm = Assert.Single(GatewayStatusReader.Read(folder.DatabasePath).ActiveAlarms, a => a.RuleId == "chiller-silent");
        Assert.Equal(AlarmSeverity.Alarm, silentAlarm.Severity);
        Assert.Empty(GatewayStatusReader.Read(folder.DatabasePath).OpenWindows);
    }
}
