using System.Net;
using System.Text.Json;
using AnchorNode.Dashboard;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Dashboard;

/// <summary>Gateway status reports on a real node: who may send them, replays, and what the dashboard makes of them.</summary>
public sealed class StatusReportTests : IAsyncLifetime
{
    private readonly OffsetTimeProvider _time = new();
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _node = new TestNode { Time = _time, ConfigureNode = c => c with { GatewayOfflineAfterMs = 60_000 } };
        await _node.InitializeAsync();
    }

    public Task DisposeAsync() => _node.DisposeAsync();

    [Fact]
    public async Task Report_FromEnrolledDevice_IsAcceptedAndGivesBacklogFaultsAndAlarms()
    {
        using var device = new SimulatedDevice("gw-report", 3).Add(10);
        await _node.EnrolAsync(device);
        await _node.AnchorAsync(device, 0);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var report = StatusReports.Report(device, now, logSize: 25, sealedSize: 20,
            sensors: [new ReportedSensor("t1", "temperature", "cold-a", now - 5000, null, null, null),
                new ReportedSensor("h1", "humidity", "cold-a", now - 90_000, "crc", "checksum mismatch", now - 60_000)],
            active: [new ReportedAlarm("cold-a", "t1", "chiller-high", "temperature", "limit", now - 30_000, 9.4, "Cel")],
            recent: [new ReportedAlarmEvent("cold-a", "t1", "chiller-high", "start", now - 30_000, 9.4, "Cel", 21)]);

        using var response = await StatusReports.PostAsync(_node, device.Id, StatusReports.Sign(report, device.Key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), UplinkJsonContext.Default.StatusReceipt)!;
        Assert.Equal(10, receipt.CommittedSize);
        Assert.Equal(now, receipt.GatewayTimeMs);

        var view = await DashboardAsync(_node.Client(_node.OperatorKey));
        var gateway = Assert.Single(view.Gateways);
        Assert.Equal("online", gateway.State);
        Assert.Equal(25, gateway.LogSize);
        Assert.Equal(15, gateway.Backlog);
        Assert.Equal(20, gateway.SealedSize);
        Assert.Equal(5, gateway.PendingReadings);
        Assert.Equal(10, gateway.AnchoredSize);
        Assert.NotNull(gateway.AnchoredMs);
        Assert.Equal(1, gateway.FaultySensors);
        Assert.Equal("crc", gateway.Sensors.Single(s => s.Id == "h1").Fault);
        Assert.False(gateway.Equivocated);
        Assert.Equal("1.2.3", gateway.Version);
        Assert.InRange(gateway.LastContactAgoSeconds!.Value, 0, 30);
        var zone = Assert.Single(view.Zones);
        Assert.Equal(("site-1", "cold-a"), (zone.Site, zone.Zone));
        var alarm = Assert.Single(zone.Active);
        Assert.Equal(("gw-report", "chiller-high", "limit", 9.4), (alarm.DeviceId, alarm.Rule, alarm.Kind, alarm.Value));
        Assert.Equal("start", Assert.Single(zone.Recent).Event);
        Assert.True(view.Ledger.Size >= 3);
    }

    [Fact]
    public async Task Report_WithoutAnUpload_StillCountsAsContact_AndBacklogIsTheWholeLog()
    {
        using var device = new SimulatedDevice("gw-idle", 4);
        await _node.EnrolAsync(device);
        var before = Assert.Single((await DashboardAsync(_node.Client(_node.AuditorKey))).Gateways);
        Assert.Equal("never-seen", before.State);
        Assert.Null(before.Backlog);

        await StatusReports.PostOkAsync(_node, device, StatusReports.Report(device, _time.GetUtcNow().ToUnixTimeMilliseconds(), 7, 0));

        var after = Assert.Single((await DashboardAsync(_node.Client(_node.AuditorKey))).Gateways);
        Assert.Equal("online", after.State);
        Assert.Equal(7, after.Backlog);
        Assert.Equal(0, after.CommittedSize);
    }

    [Fact]
    public async Task Gateway_SilentForLongerThanTheThreshold_IsOffline()
    {
        using var device = new SimulatedDevice("gw-quiet", 5).Add(2);
        await _node.EnrolAsync(device);
        await _node.AnchorAsync(device, 0);
        await StatusReports.PostOkAsync(_node, device, StatusReports.Report(device, _time.GetUtcNow().ToUnixTimeMilliseconds(), 2, 2));
        Assert.Equal("online", Assert.Single((await DashboardAsync(_node.Operator())).Gateways).State);

        _time.Advance(TimeSpan.FromSeconds(75));

        var gateway = Assert.Single((await DashboardAsync(_node.Operator())).Gateways);
        Assert.Equal("offline", gateway.State);
        Assert.InRange(gateway.LastContactAgoSeconds!.Value, 75, 120);

        // A new report brings it back.
        await StatusReports.PostOkAsync(_node, device, StatusReports.Report(device, _time.GetUtcNow().ToUnixTimeMilliseconds(), 2, 2));
        Assert.Equal("online", Assert.Single((await DashboardAsync(_node.Operator())).Gateways).State);
    }

    [Fact]
    public async Task Report_Replayed_IsStaleReport_AndTheNewerReportStays()
    {
        using var device = new SimulatedDevice("gw-replay", 6);
        await _node.EnrolAsync(device);
        var t = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var older = StatusReports.Sign(StatusReports.Report(device, t, 3, 0), device.Key);
        var newer = StatusReports.Sign(StatusReports.Report(device, t + 1000, 9, 0), device.Key);
        using (var first = await StatusReports.PostAsync(_node, device.Id, newer))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        foreach (var replay in new[] { newer, older })
        {
            using var response = await StatusReports.PostAsync(_node, device.Id, replay);
            var problem = await Problem.ReadAsync(response);
            Assert.Equal((HttpStatusCode.Conflict, ProblemTypes.StaleReport), (problem.Status, problem.Code));
            Assert.Equal(t + 1000, problem.Body.GetProperty("lastGatewayTimeMs").GetInt64());
        }
        Assert.Equal(9, Assert.Single((await DashboardAsync(_node.Operator())).Gateways).LogSize);
    }

    [Fact]
    public async Task Report_FromUnknownDevice_IsRefused()
    {
        using var device = new SimulatedDevice("gw-stranger", 7);
        using var response = await StatusReports.PostAsync(_node, device.Id, StatusReports.Sign(StatusReports.Report(device, 1_000, 1, 0), device.Key));
        var problem = await Problem.ReadAsync(response);
        Assert.Equal((HttpStatusCode.Forbidden, ProblemTypes.UnknownDevice), (problem.Status, problem.Code));
    }

    [Fact]
    public async Task Report_SignedWithAnotherKey_IsBadSignature()
    {
        using var device = new SimulatedDevice("gw-forged", 8);
        await _node.EnrolAsync(device);
        using var impostor = EcdsaNoteSigner.Generate(DeviceLogs.Origin(device.Id));
        using var response = await StatusReports.PostAsync(_node, device.Id, StatusReports.Sign(StatusReports.Report(device, 1_000, 1, 0), impostor));
        var problem = await Problem.ReadAsync(response);
        Assert.Equal((HttpStatusCode.Unauthorized, ProblemTypes.BadSignature), (problem.Status, problem.Code));
        Assert.Null(Assert.Single((await DashboardAsync(_node.Operator())).Gateways).LogSize);
    }

    [Fact]
    public async Task Report_Altered_IsBadSignature()
    {
        using var device = new SimulatedDevice("gw-altered", 9);
        await _node.EnrolAsync(device);
        var note = StatusReports.Sign(StatusReports.Report(device, 1_000, 1, 0), device.Key).Replace("\"logSize\":1", "\"logSize\":2", StringComparison.Ordinal);
        using var response = await StatusReports.PostAsync(_node, device.Id, note);
        Assert.Equal(ProblemTypes.BadSignature, (await Problem.ReadAsync(response)).Code);
    }

    [Fact]
    public async Task Report_ForAnotherDevice_OrNotANote_IsRefusedAsMalformed()
    {
        using var device = new SimulatedDevice("gw-a", 10);
        using var other = new SimulatedDevice("gw-b", 11);
        await _node.EnrolAsync(device);
        await _node.EnrolAsync(other);
        using (var wrong = await StatusReports.PostAsync(_node, other.Id, StatusReports.Sign(StatusReports.Report(device, 1_000, 1, 0), device.Key)))
        {
            var pwrong = await Problem.ReadAsync(wrong);
            Assert.Equal((HttpStatusCode.BadRequest, ProblemTypes.WrongOrigin), (pwrong.Status, pwrong.Code));
        }
        using (var garbage = await StatusReports.PostAsync(_node, device.Id, "{\"logSize\": 3}"))
        {
            var pgarbage = await Problem.ReadAsync(garbage);
            Assert.Equal((HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest), (pgarbage.Status, pgarbage.Code));
        }
        var checkpoint = device.Add(1).Checkpoint().ToString();
        using (var notAReport = await StatusReports.PostAsync(_node, device.Id, checkpoint))
        {
            Assert.Equal(ProblemTypes.MalformedRequest, (await Problem.ReadAsync(notAReport)).Code);
        }
    }

    [Fact]
    public async Task Report_FromRevokedDevice_IsRefused()
    {
        using var device = new SimulatedDevice("gw-revoked", 12);
        await _node.EnrolAsync(device);
        var revoked = await _node.Runtime.Devices.RevokeAsync(device.Id, "stolen", CancellationToken.None);
        Assert.True(revoked.Succeeded, revoked.ToString());
        using var response = await StatusReports.PostAsync(_node, device.Id, StatusReports.Sign(StatusReports.Report(device, 1_000, 1, 0), device.Key));
        var presponse = await Problem.ReadAsync(response);
            Assert.Equal((HttpStatusCode.Forbidden, ProblemTypes.RevokedDevice), (presponse.Status, presponse.Code));
        Assert.Equal("revoked", Assert.Single((await DashboardAsync(_node.Operator())).Gateways).State);
    }

    internal static async Task<DashboardView> DashboardAsync(HttpClient client)
    {
        using (client)
        {
            using var response = await client.GetAsync("v1/dashboard");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
            return JsonSerializer.Deserialize(body, DashboardJsonContext.Default.DashboardView)!;
        }
    }
}
