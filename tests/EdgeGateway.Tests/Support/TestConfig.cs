using System.Text.Json.Nodes;

namespace EdgeGateway.Tests.Support;

/// <summary>gateway.json texts for tests: the defaults with a few fields changed.</summary>
public static class TestConfig
{
    public static string Json(string deviceId, Action<JsonObject>? change = null)
    {
        var root = new JsonObject
        {
            ["deviceId"] = deviceId,
            ["node"] = new JsonObject { ["url"] = "" },
            ["sealing"] = new JsonObject { ["intervalSeconds"] = 60, ["maxLeaves"] = 1000 },
            ["ingest"] = new JsonObject { ["batchMaxReadings"] = 1000, ["batchMaxDelayMilliseconds"] = 20 },
            ["storage"] = new JsonObject { ["maxDatabaseMegabytes"] = 1024 },
            ["uplink"] = new JsonObject { ["retryInitialSeconds"] = 0.05, ["retryMaxSeconds"] = 0.5, ["slowRetrySeconds"] = 0.5 },
            ["sensors"] = new JsonObject { ["sysfsRoot"] = "/nonexistent-sysfs-root", ["pollIntervalSeconds"] = 60 },
            ["alarms"] = new JsonArray(),
        };
        change?.Invoke(root);
        return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }
}
