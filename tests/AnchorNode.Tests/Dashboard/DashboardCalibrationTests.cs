using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AnchorNode.Dashboard;
using AnchorNode.Tests.Infrastructure;

namespace AnchorNode.Tests.Dashboard;

/// <summary>An overdue or missing calibration is flagged on the operator dashboard (its JSON and its page).</summary>
public class DashboardCalibrationTests(TestNode node) : IClassFixture<TestNode>
{
    [Fact]
    public async Task OverdueAndMissingCalibrations_AreFlagged_ACurrentOneIsNot()
    {
        using var device = new SimulatedDevice("gw-dcal", seed: 21);
        await node.EnrolAsync(device);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var client = node.Operator();
        var overdue = $$"""{"offset": -0.3, "certificate": "CNAS-L0001-2025-118", "laboratory": "Shanghai Institute of Measurement", "calibratedMs": {{now - 400L * 86_400_000}}, "dueMs": {{now - 35L * 86_400_000}}}""";
        using (var response = await client.PostAsync($"v1/devices/{device.Id}/sensors/t1/calibrations", new StringContent(overdue, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        }

        var data = await client.GetFromJsonAsync<JsonElement>("v1/dashboard");
        var flags = data.GetProperty("calibrations").EnumerateArray().Where(f => f.GetProperty("deviceId").GetString() == device.Id).ToList();
        Assert.Equal(["t1 overdue", "h1 missing"], flags.Select(f => $"{f.GetProperty("sensorId").GetString()} {f.GetProperty("status").GetString()}"));
        Assert.Equal("CNAS-L0001-2025-118", flags[0].GetProperty("certificate").GetString());

        var page = DashboardPage.Render(node.Runtime.Dashboard.Build(), node.Runtime.Dashboard.Clock);
        Assert.Contains($"data-device=\"{device.Id}\" data-sensor=\"t1\" data-status=\"overdue\"", page, StringComparison.Ordinal);
        Assert.Contains($"data-device=\"{device.Id}\" data-sensor=\"h1\" data-status=\"missing\"", page, StringComparison.Ordinal);
        Assert.Contains("no calibration on record", page, StringComparison.Ordinal);

        var current = $$"""{"offset": 1.5, "certificate": "C-2", "laboratory": "Lab", "calibratedMs": {{now - 86_400_000}}, "dueMs": {{now + 300L * 86_400_000}}}""";
        using (var response = await client.PostAsync($"v1/devices/{device.Id}/sensors/h1/calibrations", new StringContent(current, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        }
        Assert.DoesNotContain(node.Runtime.Dashboard.Build().Calibrations, f => f.DeviceId == device.Id && f.SensorId == "h1");
    }
}
