using EdgeGateway.Configuration;

namespace EdgeGateway.Tests.Configuration;

public sealed class ConfigDocumentationTests
{
    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no EdgeTrace.sln above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void GatewayConfigDoc_ShowsExactlyTheFileInitWrites()
    {
        var doc = File.ReadAllText(Path.Combine(Repository(), "docs", "gateway-config.md"));
        var template = ConfigTemplate.Render("gw-01", new Uri("https://node.example:8443")).TrimEnd('\n');
        Assert.Contains(template, doc, StringComparison.Ordinal);
    }

    [Fact]
    public void GatewayConfigDoc_ReferenceTableNamesEveryTopLevelSection()
    {
        var doc = File.ReadAllText(Path.Combine(Repository(), "docs", "gateway-config.md"));
        foreach (var field in new[] { "deviceId", "node.url", "node.urls", "node.preferredRetryMs", "sealing.maxLeaves", "ingest.batchMaxReadings", "storage.maxDatabaseMegabytes",
                     "uplink.slowRetrySeconds", "sensors.rfid[]", "simulation.sensorsPerZone", "cumulativeMinutes",
                     "mqtt.host", "mqtt.nodes[]", "mqtt.zigbee2mqtt.devices[]", "mqtt.caCertificateFile" })
        {
            Assert.Contains($"`{field}`", doc, StringComparison.Ordinal);
        }
    }
}
