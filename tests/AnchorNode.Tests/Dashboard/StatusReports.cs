using System.Text;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Dashboard;

/// <summary>Status reports as a gateway makes them: signed notes posted to the node's status route.</summary>
public static class StatusReports
{
    public static GatewayStatusReport Report(SimulatedDevice device, long gatewayTimeMs, long logSize, long sealedSize,
        IReadOnlyList<ReportedSensor>? sensors = null, IReadOnlyList<ReportedAlarm>? active = null, IReadOnlyList<ReportedAlarmEvent>? recent = null) =>
        new(device.Id, gatewayTimeMs, logSize, sealedSize, logSize - sealedSize,
            sensors ?? [new ReportedSensor("t1", "temperature", "cold-a", gatewayTimeMs - 1000, null, null, null), new ReportedSensor("h1", "humidity", "cold-a", gatewayTimeMs - 1000, null, null, null)],
            active ?? [], recent ?? [], "1.2.3");

    public static string Sign(GatewayStatusReport report, INoteSigner key) => GatewayStatusNote.Sign(report, key).ToString();

    public static async Task<HttpResponseMessage> PostAsync(TestNode node, string deviceId, string note)
    {
        using var client = node.Anonymous();
        using var content = new StringContent(note, Encoding.UTF8, "text/plain");
        return await client.PostAsync(UplinkRoutes.StatusPath(deviceId).TrimStart('/'), content);
    }

    public static async Task PostOkAsync(TestNode node, SimulatedDevice device, GatewayStatusReport report)
    {
        using var response = await PostAsync(node, device.Id, Sign(report, device.Key));
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
