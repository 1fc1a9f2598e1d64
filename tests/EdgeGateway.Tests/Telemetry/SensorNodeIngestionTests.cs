using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using EdgeGateway.Mqtt;
using EdgeGateway.Storage;
using EdgeGateway.Telemetry;
using EdgeGateway.Tests.Mqtt;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Tests.Telemetry;

/// <summary>
/// Sensor nodes and a zigbee2mqtt bridge publishing to a real broker, the real gateway process
/// ingesting: valid readings become leaves of the device log (with alarms, like wired sensors);
/// a corpus of bad messages is counted per reason in <c>status</c> and dropped, and the gateway
/// carries on with the messages after them.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SensorNodeIngestionTests : IAsyncLifetime
{
    private const string DeviceId = "gw-nodes";
    private const string NodeA = "edgetrace/nodes/esp32-a1/senml";
    private const string NodeB = "edgetrace/nodes/esp32-b2/senml";
    private const string Zigbee = "zigbee2mqtt/cold room 2";
    private MosquittoBroker _broker = null!;
    private GatewayFolder _folder = null!;

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync(new BrokerOptions { LogTypes = ["error", "warning", "notice"] });
        _folder = await GatewayFolder.CreateAsync(DeviceId);
        _folder.WriteConfig(TestConfig.Json(DeviceId, c =>
        {
            c["sealing"]!["intervalSeconds"] = 1;
            c["alarms"] = new JsonArray(new JsonObject { ["id"] = "chiller-high", ["zone"] = "chiller-1", ["above"] = 8.0 });
            var mqtt = GatewayMqttTests.MqttConfig(_broker);
            mqtt["nodes"] = new JsonArray(new JsonObject { ["id"] = "esp32-a1", ["zone"] = "chiller-1" }, new JsonObject { ["id"] = "esp32-b2" });
            mqtt["zigbee2mqtt"] = new JsonObject
            {
                ["devices"] = new JsonArray(new JsonObject { ["name"] = "cold room 2", ["sensorId"] = "zigbee/cold-room-2", ["zone"] = "chiller-1" }),
            };
            c["mqtt"] = mqtt;
        }));
    }

    public async Task DisposeAsync()
    {
        _folder.Dispose();
        await _broker.DisposeAsync();
    }

    [Fact]
    public async Task Ingest_ValidReadingsStored_BadOnesCountedAndDropped_GatewayCarriesOn()
    {
        await using var publisher = await MqttTestSupport.ConnectedAsync(MqttTestSupport.Options(_broker), _broker);
        // Published before the gateway subscribes: the broker replays it, and the gateway must not take old news as new.
        Assert.True(publisher.TryPublish(Text(NodeB, """[{"n":"pressure","u":"Pa","v":99000}]""", retain: true)));
        await MqttTestSupport.UntilAsync(() => publisher.Statistics.Delivered == 1, () => publisher.Statistics.ToString());

        await using var live = await MqttCollector.StartAsync(_broker.Host, _broker.Port, $"edgetrace/{DeviceId}/readings/#");
        await using var gateway = GatewayProcess.Start("run", "--data", _folder.Path);
        await gateway.WaitUntilAsync(() => gateway.Stdout.Count(l => l.Contains("event=mqtt-subscribed", StringComparison.Ordinal)) == 2, "both subscriptions");

        var valid = new List<MqttMessage>
        {
            Text(NodeA, """[{"bn":"esp32-a1/","n":"temperature","u":"Cel","v":4.4},{"n":"humidity","u":"%RH","v":83.0},{"n":"battery","u":"V","v":3.1}]"""),
            Text(NodeA, """[{"n":"temperature","u":"Cel","v":9.5}]"""),
            Text(Zigbee, """{"battery":97,"humidity":81.5,"linkquality":120,"temperature":4.21}"""),
        };
        var bad = new (MqttMessage Message, string Reason)[]
        {
            (Text(NodeA, "not json"), NodeDropReasons.Malformed),
            (Text(NodeA, """[{"n":"temperature","u":"Cel","v":"4.4"}]"""), NodeDropReasons.Malformed),
            (Text(NodeA, """[{"n":"temperature","u":"Cel","v":NaN}]"""), NodeDropReasons.Malformed),
            (Text(Zigbee, """{"temperature":"warm"}"""), NodeDropReasons.Malformed),
            (Text(NodeA, "[" + string.Join(",", Enumerable.Repeat("""{"n":"temperature","u":"Cel","v":4}""", 300)) + "]"), NodeDropReasons.Oversize),
            (Text(NodeA, "[{\"n\":\"temperature\",\"u\":\"Cel\",\"v\":4,\"pad\":\"" + new string('x', 20_000) + "\"}]"), NodeDropReasons.Oversize),
            (new MqttMessage(NodeA, new byte[100_000], MqttQos.AtLeastOnce), NodeDropReasons.Oversize),
            (Text(NodeA, """[{"n":"temperature","u":"Cel","v":4,"crit_":true}]"""), NodeDropReasons.MustUnderstand),
            (Text("edgetrace/nodes/esp32-zz/senml", """[{"n":"temperature","u":"Cel","v":4}]"""), NodeDropReasons.UnknownNode),
            (Text("edgetrace/nodes/" + new string('n', 70) + "/senml", """[{"n":"temperature","u":"Cel","v":4}]"""), NodeDropReasons.UnknownNode),
            (Text(NodeA, """[{"n":"temperature","u":"Far","v":40}]"""), NodeDropReasons.WrongUnit),
            (Text(NodeA, """[{"n":"temperature","u":"Cel","v":4.1},{"n":"temperature","u":"Cel","v":900}]"""), NodeDropReasons.Implausible),
            (Text(Zigbee, """{"temperature":300}"""), NodeDropReasons.Implausible),
            (Text(NodeA, """[{"n":"battery","u":"V","v":3.1}]"""), NodeDropReasons.NoReadings),
            (Text(NodeA, """[{"n":"temperature","u":"Cel","v":4,"t":3600}]"""), NodeDropReasons.BadTime),
        };
        foreach (var message in valid.Take(1).Concat(bad.Select(b => b.Message)).Concat(valid.Skip(1)))
        {
            Assert.True(publisher.TryPublish(message));
        }
        // Two more from another publisher, the command-line client: random bytes and an empty message.
        var garbage = Path.Combine(_folder.Path, "garbage.bin");
        var bytes = new byte[4096];
        new Random(11).NextBytes(bytes);
        bytes[0] = 0xC3;
        await File.WriteAllBytesAsync(garbage, bytes);
        await MosquittoPubAsync("-t", NodeA, "-f", garbage);
        await MosquittoPubAsync("-t", NodeA, "-n");
        // And a good one last, after all the bad ones.
        Assert.True(publisher.TryPublish(Text(NodeB, """[{"n":"pressure","u":"Pa","v":101300,"t":-1}]""")));

        var expected = bad.GroupBy(b => b.Reason).ToDictionary(g => g.Key, g => (long)g.Count());
        expected[NodeDropReasons.Malformed] += 2;
        expected[NodeDropReasons.Retained] = 1;
        GatewayStatus status = null!;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            status = GatewayStatusReader.Read(_folder.DatabasePath);
            var c = status.MqttCounters;
            if (c is not null && c.NodeMessagesIngested == 4 && expected.All(e => c.NodeMessagesDropped[e.Key] == e.Value))
            {
                break;
            }
            Assert.False(gateway.HasExited, gateway.AllOutput);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"status did not reach the expected counts: {c?.ToJson()}\n{gateway.AllOutput}");
            await Task.Delay(50);
        }
        var counters = status.MqttCounters!;
        Assert.Equal(6, counters.NodeReadingsIngested);
        Assert.Equal(0, counters.NodeMessagesDropped[NodeDropReasons.QueueFull] + counters.NodeMessagesDropped[NodeDropReasons.UnknownTopic]);
        Assert.Equal(valid.Count + 1 + bad.Length + 2 + 1, counters.NodeMessagesReceived);
        Assert.Equal(MqttStates.Connected, status.MqttState);
        // Each reason is logged, with the sender and what was wrong.
        Assert.Contains(gateway.Stdout, l => l.Contains("reason=unknown-node", StringComparison.Ordinal) && l.Contains("esp32-zz", StringComparison.Ordinal));
        Assert.Contains(gateway.Stdout, l => l.Contains("reason=implausible", StringComparison.Ordinal) && l.Contains("plausible range", StringComparison.Ordinal));

        // Stored readings are published live like any other, once committed.
        await live.WaitUntilAsync(all => all.Count >= 6, "the node readings published live");
        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var audit = LogAudit.Read(_folder.DatabasePath);
        audit.AssertLeavesSound(DeviceId);
        var measurements = audit.Contents.Where(l => l.Kind == LeafKind.Measurement).Select(l => (l.SensorId, l.Quantity, l.Zone, l.Value)).ToList();
        Assert.Equal(
            [
                ("mqtt/esp32-a1/temperature", "temperature", "chiller-1", 4.4),
                ("mqtt/esp32-a1/humidity", "humidity", "chiller-1", 83.0),
                ("mqtt/esp32-a1/temperature", "temperature", "chiller-1", 9.5),
                ("zigbee/cold-room-2", "humidity", "chiller-1", 81.5),
                ("zigbee/cold-room-2", "temperature", "chiller-1", 4.21),
                ("mqtt/esp32-b2/pressure", "pressure", null, 101300.0),
            ], measurements);
        // A node reading goes through the same alarm rules as a wired one.
        var alarm = Assert.Single(audit.Contents, l => l.Kind == LeafKind.Alarm);
        Assert.Equal(("chiller-high", "start", "mqtt/esp32-a1/temperature", 9.5), (alarm.Rule, alarm.StringValue, alarm.SensorId, alarm.Value));
        Assert.DoesNotContain(audit.Contents, l => l.Value is 900 or 300 or 40 or 99000);
        Assert.Equal(6, live.Messages.Count);
    }

    private static MqttMessage Text(string topic, string payload, bool retain = false) =>
        new(topic, Encoding.UTF8.GetBytes(payload), MqttQos.AtLeastOnce, retain);

    private async Task MosquittoPubAsync(params string[] arguments)
    {
        var psi = new ProcessStartInfo("mosquitto_pub") { RedirectStandardError = true };
        foreach (var argument in new[] { "-h", _broker.Host, "-p", _broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-q", "1" }.Concat(arguments))
        {
            psi.ArgumentList.Add(argument);
        }
        using var process = Process.Start(psi)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"mosquitto_pub {string.Join(' ', arguments)} failed: {error}");
    }
}
