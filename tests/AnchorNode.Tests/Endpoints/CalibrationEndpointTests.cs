using System.Net;
using System.Net.Http.Json;
using System.Text;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Calibration;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Endpoints;

/// <summary>Recording and listing sensor calibrations on a real node (Kestrel on 127.0.0.1, SQLite file).</summary>
public class CalibrationEndpointTests(TestNode node) : IClassFixture<TestNode>
{
    private const long Day = 86_400_000;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string Offset(string offset, long calibrated, long due) =>
        $$"""{"offset": {{offset}}, "certificate": "DKD-K-12345-2026-07", "laboratory": "Shanghai Institute of Measurement", "calibratedMs": {{calibrated}}, "dueMs": {{due}}}""";

    [Fact]
    public async Task Record_ThenList_ShowsStatusPerSensor_AndALaterCalibrationSupersedes()
    {
        using var device = new SimulatedDevice("gw-cal1", seed: 11);
        await node.EnrolAsync(device);
        using var client = node.Operator();
        var now = Now;

        using (var overdue = await client.PostAsync($"v1/devices/{device.Id}/sensors/t1/calibrations", Json(Offset("-0.3", now - 400 * Day, now - 35 * Day))))
        {
            Assert.Equal(HttpStatusCode.Created, overdue.StatusCode);
            var appended = await overdue.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            Assert.Equal(EntryKinds.Calibrate, appended.GetProperty("kind").GetString());
        }
        using var anonymous = node.Anonymous();
        var list = await anonymous.GetFromJsonAsync($"v1/devices/{device.Id}/calibrations", CalibrationJsonContext.Default.DeviceCalibrations);
        Assert.NotNull(list);
        Assert.Equal(["h1", "t1"], list.Sensors.Select(s => s.SensorId));
        Assert.Equal(CalibrationStatus.Missing, list.Sensors[0].Status);
        Assert.Null(list.Sensors[0].InForce);
        var t1 = list.Sensors[1];
        Assert.Equal((CalibrationStatus.Overdue, "Cel"), (t1.Status, t1.Unit));
        Assert.Equal(-0.3m, Assert.Single(t1.Calibrations).Offset);
        Assert.Equal(t1.Calibrations[0].LedgerIndex, t1.InForce);

        var twoPoint = $$"""{"points": [{"raw": 0, "reference": 0.1}, {"raw": 40, "reference": 39.8}], "certificate": "C-2", "laboratory": "Lab", "calibratedMs": {{now - Day}}, "dueMs": {{now + 10 * Day}}, "unit": "Cel"}""";
        using (var second = await client.PostAsync($"v1/devices/{device.Id}/sensors/t1/calibrations", Json(twoPoint)))
        {
            Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        }
        using (var humidity = await client.PostAsync($"v1/devices/{device.Id}/sensors/h1/calibrations", Json(Offset("1.5", now - Day, now + 300 * Day))))
        {
            Assert.Equal(HttpStatusCode.Created, humidity.StatusCode);
        }
        list = await anonymous.GetFromJsonAsync($"v1/devices/{device.Id}/calibrations", CalibrationJsonContext.Default.DeviceCalibrations);
        Assert.Equal(CalibrationStatus.Current, list!.Sensors[0].Status);
        Assert.Equal("%RH", list.Sensors[0].Unit);
        t1 = list.Sensors[1];
        Assert.Equal(CalibrationStatus.DueSoon, t1.Status);
        Assert.Equal(2, t1.Calibrations.Count);
        Assert.Equal(t1.Calibrations[1].LedgerIndex, t1.InForce);
        Assert.Equal(4.318125, TestCorrection(t1.Calibrations[1]).Apply(4.25));
    }

    private static SensorCorrection TestCorrection(CalibrationView view) => view.Correction().Value;

    [Theory]
    [InlineData("""{"offset": 1, "points": [{"raw": 0, "reference": 0.1}, {"raw": 40, "reference": 39.8}], "certificate": "C", "laboratory": "L", "calibratedMs": 1000, "dueMs": 2000}""", "invalid-field", "offset")]
    [InlineData("""{"points": [{"raw": 5, "reference": 0.1}, {"raw": 5, "reference": 39.8}], "certificate": "C", "laboratory": "L", "calibratedMs": 1000, "dueMs": 2000}""", "invalid-field", "points")]
    [InlineData("""{"offset": 0.0000001, "certificate": "C", "laboratory": "L", "calibratedMs": 1000, "dueMs": 2000}""", "invalid-field", "offset")]
    [InlineData("""{"offset": 1, "certificate": "C", "laboratory": "L", "calibratedMs": 2000, "dueMs": 2000}""", "invalid-field", "dueMs")]
    [InlineData("""{"offset": 1, "certificate": "C", "laboratory": "L", "calibratedMs": 1000, "dueMs": 2000, "unit": "%RH"}""", "invalid-field", "unit")]
    [InlineData("""{"offset": 1, "laboratory": "L", "calibratedMs": 1000, "dueMs": 2000}""", "malformed-request", "certificate")]
    [InlineData("""{"offset": 1, "certificate": "C", "laboratory": "L", "calibratedMs": 1000, "dueMs": 2000, "extra": 1}""", "unknown-member", null)]
    public async Task Record_BadBody_IsAProblem_AndAppendsNothing(string body, string code, string? field)
    {
        using var device = new SimulatedDevice("gw-cal2", seed: 12);
        if (node.Runtime.Calibrations.List(device.Id, 30) is null)
        {
            await node.EnrolAsync(device);
        }
        var size = node.LedgerSize;
        using var client = node.Operator();
        using var response = await client.PostAsync($"v1/devices/{device.Id}/sensors/t1/calibrations", Json(body));
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal(code, problem.Code);
        if (field is not null)
        {
            Assert.Equal(field, problem.Body.GetProperty("field").GetString());
        }
        Assert.Equal(size, node.LedgerSize);
    }

    [Fact]
    public async Task Record_UnknownSensorOrDevice_Is404_WithoutAKey_401_AsAnAuditor_403_AndAnEarlierTime_409()
    {
        using var device = new SimulatedDevice("gw-cal3", seed: 13);
        await node.EnrolAsync(device);
        using var client = node.Operator();
        var now = Now;
        using (var sensor = await client.PostAsync($"v1/devices/{device.Id}/sensors/t9/calibrations", Json(Offset("1", now - Day, now + Day))))
        {
            Assert.Equal((HttpStatusCode.NotFound, LedgerFailures.UnknownSensor), await StatusAndCode(sensor));
        }
        using (var unknown = await client.PostAsync("v1/devices/gw-none/sensors/t1/calibrations", Json(Offset("1", now - Day, now + Day))))
        {
            Assert.Equal((HttpStatusCode.NotFound, LedgerFailures.UnknownDevice), await StatusAndCode(unknown));
        }
        using (var anonymous = await node.Anonymous().PostAsync($"v1/devices/{device.Id}/sensors/t1/calibrations", Json(Offset("1", now - Day, now + Day))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
        using (var auditor = await node.Client(node.AuditorKey).PostAsync($"v1/devices/{device.Id}/sensors/t1/calibrations", Json(Offset("1", now - Day, now + Day))))
        {
            Assert.Equal(HttpStatusCode.Forbidden, auditor.StatusCode);
        }
        using (var first = await client.PostAsync($"v1/devices/{device.Id}/sensors/t1/calibrations", Json(Offset("1", now - Day, now + Day))))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }
        using (var earlier = await client.PostAsync($"v1/devices/{device.Id}/sensors/t1/calibrations", Json(Offset("2", now - 2 * Day, now + Day))))
        {
            var problem = await Problem.ReadAsync(earlier);
            Assert.Equal((HttpStatusCode.Conflict, LedgerFailures.TimeOrder), (problem.Status, problem.Code));
            Assert.True(problem.Body.TryGetProperty("ledgerIndex", out _));
        }
        using var missing = await node.Anonymous().GetAsync("v1/devices/gw-none/calibrations");
        Assert.Equal((HttpStatusCode.NotFound, "unknown-device"), await StatusAndCode(missing));
    }

    private static async Task<(HttpStatusCode, string?)> StatusAndCode(HttpResponseMessage response)
    {
        var problem = await Problem.ReadAsync(response);
        return (problem.Status, problem.Code);
    }
}
