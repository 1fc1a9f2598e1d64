using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Storage;
using EdgeGateway.Telemetry;
using EdgeGateway.Tests.Mqtt;
using EndToEnd.Tests.Infrastructure;
using Firmware.Contracts.Mqtt;

namespace EndToEnd.Tests;

/// <summary>
/// MQTT is live telemetry, never custody: the broker killed with SIGKILL in the middle of a run and
/// started again later; the gateway reconnects by itself, publishes its retained state again, and
/// every reading still reaches the real node and verifies offline.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BrokerOutageTests : IAsyncLifetime
{
    private const string DeviceId = "gw-outage";
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("edgetrace-e2e-");
    private readonly MqttTopics _topics = new();
    private NodeProcess _node = null!;
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync(new BrokerOptions { LogTypes = ["error", "warning", "notice"] });
        _node = await NodeProcess.StartAsync(Path.Combine(_root.FullName, "node"));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _broker.DisposeAsync();
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A process may still be closing a file; temp is cleaned eventually.
        }
    }

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task BrokerKilledAndRestarted_GatewayReconnectsByItself_AnchoringLosesNothing()
    {
        var gateway = await GatewayInstance.InitAsync(Path.Combine(_root.FullName, "gateway"), DeviceId, _node.Url);
        await _node.EnrollAsync(gateway.DeviceId, gateway.PublicKey, "chiller-1");
        gateway.Configure(c =>
        {
            c["sealing"] = new JsonObject { ["intervalSeconds"] = 60, ["maxLeaves"] = 1000 };
            c["mqtt"] = new JsonObject
            {
                ["host"] = _broker.Host,
                ["port"] = _broker.Port,
                ["keepAliveSeconds"] = 5,
                ["reconnectMinSeconds"] = 0.1,
                ["reconnectMaxSeconds"] = 0.5,
            };
        });
        await using var subscriber = await MqttCollector.StartAsync(_broker.Host, _broker.Port, $"edgetrace/{DeviceId}/#");
        await using var run = gateway.RunSimulated(seed: 33, speed: 600);

        await subscriber.WaitUntilAsync(all => all.Count(IsReading) >= 100 && all.Any(m => IsProgress(m, "anchored")), "live readings and an anchored checkpoint");
        await _broker.KillAsync();
        var sizeAtKill = GatewayInstance.AcknowledgedSize(run);

        // The broker is gone: the gateway goes on storing and anchoring, and status says MQTT is reconnecting.
        await run.WaitUntilAsync(() => GatewayInstance.AcknowledgedSize(run) >= sizeAtKill + 300, "commits while the broker is down");
        await run.WaitUntilAsync(() => GatewayStatusReader.Read(gateway.DatabasePath).MqttState == MqttStates.Reconnecting, "status showing MQTT reconnecting");
        await _node.WaitForCommittedAsync(DeviceId, sizeAtKill + 1, run, TimeSpan.FromSeconds(60));

        var seenBeforeRestart = subscriber.Messages.Count;
        await _broker.RestartAsync();
        // Back by itself: the retained status again (the restarted broker had forgotten it), and new readings.
        var online = await subscriber.WaitForAsync(m => m.Topic == _topics.Status(DeviceId), "the status published again after the restart", skip: seenBeforeRestart);
        Assert.Equal(Firmware.Contracts.Mqtt.GatewayStatus.Online, JsonSerializer.Deserialize(online.Payload.Span, MqttJsonContext.Default.GatewayStatus)!.State);
        await subscriber.WaitUntilAsync(all => all.Skip(seenBeforeRestart).Count(IsReading) >= 50, "readings after the restart");
        await run.WaitUntilAsync(() => GatewayStatusReader.Read(gateway.DatabasePath).MqttCounters?.Connections >= 2, "status counting the reconnect");

        // Everything the gateway committed up to now reaches the node.
        var acknowledged = GatewayInstance.AcknowledgedSize(run);
        await _node.WaitForCommittedAsync(DeviceId, acknowledged, run, TimeSpan.FromSeconds(60));
        run.Terminate();
        Assert.Equal(0, await run.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(MqttStates.Stopped, GatewayStatusReader.Read(gateway.DatabasePath).MqttState);

        var committed = await _node.CommittedSizeAsync(DeviceId);
        Assert.True(committed >= acknowledged);
        var bundle = Path.Combine(_root.FullName, "bundle.json");
        await _node.ExportBundleAsync(DeviceId, bundle);
        var verified = (await _node.VerifyAsync(bundle)).Succeeded();
        Assert.StartsWith($"{committed} (seq 0..{committed - 1}, none missing; up to the last anchored)", verified.Field("readings"), StringComparison.Ordinal);

        // Each live reading a dashboard kept, before the outage and after it, is a leaf the bundle proves.
        var device = JsonNode.Parse(File.ReadAllText(bundle))!["devices"]![0]!;
        var first = (long)device["first"]!;
        var proven = device["leaves"]!.AsArray().Select((l, i) => (Seq: first + i, Leaf: Convert.FromBase64String((string)l!)))
            .ToDictionary(r => r.Seq, r => r.Leaf);
        var live = subscriber.Messages.Where(IsReading).ToList();
        var checkedLive = 0;
        foreach (var message in live)
        {
            var leaf = message.Payload.ToArray()[1..^1];
            var seq = Firmware.Contracts.Readings.ReadingLeaf.Parse(leaf).Value.Content.Sequence;
            if (seq < committed)
            {
                Assert.Equal(proven[seq], leaf);
                checkedLive++;
            }
        }
        Assert.True(checkedLive >= 150, $"only {checkedLive} of {live.Count} live readings were under the node's committed size {committed}");
    }

    private static bool IsReading(EdgeGateway.Mqtt.MqttMessage message) => message.Topic.StartsWith($"edgetrace/{DeviceId}/readings/", StringComparison.Ordinal);

    private bool IsProgress(EdgeGateway.Mqtt.MqttMessage message, string kind) =>
        message.Topic == _topics.Progress(DeviceId) && JsonSerializer.Deserialize(message.Payload.Span, MqttJsonContext.Default.ProgressEvent)!.Event == kind;
}
