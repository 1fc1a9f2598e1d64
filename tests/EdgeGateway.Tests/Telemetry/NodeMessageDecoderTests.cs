using System.Text;
using EdgeGateway.Configuration;
using EdgeGateway.Mqtt;
using EdgeGateway.Sensors;
using EdgeGateway.Telemetry;

namespace EdgeGateway.Tests.Telemetry;

/// <summary>Sensor-node and zigbee2mqtt messages to measurements, or the reason they are dropped.</summary>
public sealed class NodeMessageDecoderTests
{
    private const long Now = 1_795_428_000_000;

    private static readonly MqttSettings Settings = new()
    {
        Host = "broker",
        ClientId = "gw",
        Nodes = [new MqttNodeSettings("esp32-a1", "chiller-1"), new MqttNodeSettings("esp32-b2", null)],
        Zigbee2MqttDevices = [new Zigbee2MqttDeviceSettings("cold room 2", "zigbee/cold-room-2", "chiller-1")],
    };

    private readonly NodeMessageDecoder _decoder = new(Settings, PlausibilityLimits.Default);

    private Firmware.Contracts.Result<IReadOnlyList<Measurement>> Decode(string topic, string payload, bool retain = false) =>
        _decoder.Decode(new MqttMessage(topic, Encoding.UTF8.GetBytes(payload), MqttQos.AtLeastOnce, retain), Now);

    [Theory]
    [InlineData("edgetrace/nodes/esp32-a1/senml", """[{"bn":"esp32-a1/","n":"\ud800","u":"Cel","v":4.4}]""")]
    [InlineData("edgetrace/nodes/esp32-a1/senml", """[{"bn":"\udc00","n":"temperature","u":"Cel","v":4.4}]""")]
    [InlineData("edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","u":"\ud800","v":4.4}]""")]
    [InlineData("zigbee2mqtt/cold room 2", """{"temperature":4.2,"\ud800":1}""")]
    public void Decode_AnUnpairedSurrogateEscape_IsDroppedWithAReason(string topic, string payload)
    {
        var result = Decode(topic, payload);
        Assert.False(result.Succeeded && result.Value.Count == 0, result.ToString());
        Assert.True(result.Succeeded || NodeDropReasons.All.Contains(result.Failure!.Code), result.ToString());
    }

    [Theory]
    [InlineData("edgetrace/nodes/senml")]
    [InlineData("edgetrace/nodes//senml")]
    [InlineData("edgetrace/nodes/senml/senml")]
    public void Decode_ATopicWithoutANodeId_IsDroppedWithAReason(string topic)
    {
        // Found by the fuzz soak: "edgetrace/nodes/senml" made the node id a range of negative length.
        var result = Decode(topic, """[{"n":"temperature","u":"Cel","v":4.4}]""");
        Assert.False(result.Succeeded);
        Assert.Contains(result.Failure!.Code, new[] { NodeDropReasons.UnknownNode, NodeDropReasons.UnknownTopic });
    }

    [Fact]
    public void SubscriptionFilters_AreEveryNodeAndEachMappedDevice() =>
        Assert.Equal(["edgetrace/nodes/+/senml", "zigbee2mqtt/cold room 2"], _decoder.SubscriptionFilters);

    [Fact]
    public void Decode_SpecExamplePack_GivesOneMeasurementPerQuantity()
    {
        // docs/spec.md §9, with its absolute base time moved to a minute before the receive time.
        var result = Decode("edgetrace/nodes/esp32-a1/senml",
            """[{"bn":"esp32-a1/","bt":1795427940,"n":"temperature","u":"Cel","v":4.4},{"n":"humidity","u":"%RH","v":83.0}]""");
        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(
            [
                new Measurement("mqtt/esp32-a1/temperature", Quantity.Temperature, Now - 60_000, 4.4, "Cel"),
                new Measurement("mqtt/esp32-a1/humidity", Quantity.Humidity, Now - 60_000, 83.0, "%RH"),
            ], result.Value);
    }

    [Fact]
    public void Decode_RelativeTimesAndOtherQuantities_AreResolvedAndIgnored()
    {
        var result = Decode("edgetrace/nodes/esp32-b2/senml",
            """[{"bn":"urn:dev:mac:0024befffe804ff1:","n":"pressure","u":"Pa","v":101300,"t":-30},{"n":"battery","u":"V","v":3.1}]""");
        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(new Measurement("mqtt/esp32-b2/pressure", Quantity.Pressure, Now - 30_000, 101300, "Pa"), Assert.Single(result.Value));
    }

    [Fact]
    public void Decode_Zigbee2Mqtt_MapsToTheConfiguredSensorAtReceiveTime()
    {
        var result = Decode("zigbee2mqtt/cold room 2", """{"battery":97,"humidity":81.5,"linkquality":120,"pressure":1013.2,"temperature":4.21}""");
        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(3, result.Value.Count);
        Assert.All(result.Value, m => Assert.Equal(("zigbee/cold-room-2", Now), (m.SensorId, m.TimeMs)));
        Assert.Equal(101320, result.Value.Single(m => m.Quantity == Quantity.Pressure).Value, 6);
    }

    public static TheoryData<string, string, string> Corpus() => new()
    {
        { "edgetrace/nodes/esp32-a1/senml", "not json", NodeDropReasons.Malformed },
        { "edgetrace/nodes/esp32-a1/senml", "", NodeDropReasons.Malformed },
        { "edgetrace/nodes/esp32-a1/senml", "{}", NodeDropReasons.Malformed },
        { "edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","u":"Cel","v":"4.4"}]""", NodeDropReasons.Malformed },
        { "edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","u":"Cel","v":NaN}]""", NodeDropReasons.Malformed },
        { "edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","u":"Cel","v":1e999}]""", NodeDropReasons.Malformed },
        { "edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","u":"Cel","vs":"cold"}]""", NodeDropReasons.Malformed },
        { "edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","u":"Cel","v":4,"crit_":1}]""", NodeDropReasons.MustUnderstand },
        { "edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","u":"Far","v":40}]""", NodeDropReasons.WrongUnit },
        { "edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","v":4}]""", NodeDropReasons.WrongUnit },
        { "edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","u":"Cel","v":4},{"n":"temperature","u":"Cel","v":900}]""", NodeDropReasons.Implausible },
        { "edgetrace/nodes/esp32-a1/senml", """[{"n":"humidity","u":"%RH","v":-3}]""", NodeDropReasons.Implausible },
        { "edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","u":"Cel","v":4,"t":3600}]""", NodeDropReasons.BadTime },
        { "edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","u":"Cel","v":4,"t":1000000000}]""", NodeDropReasons.BadTime },
        { "edgetrace/nodes/esp32-a1/senml", """[{"n":"battery","u":"V","v":3.1}]""", NodeDropReasons.NoReadings },
        { "edgetrace/nodes/esp32-a1/senml", "[" + string.Join(",", Enumerable.Repeat("""{"n":"t","v":1}""", 300)) + "]", NodeDropReasons.Oversize },
        { "edgetrace/nodes/esp32-a1/senml", "[{\"n\":\"temperature\",\"u\":\"Cel\",\"v\":4,\"x\":\"" + new string('x', 17_000) + "\"}]", NodeDropReasons.Oversize },
        { "edgetrace/nodes/esp32-zz/senml", """[{"n":"temperature","u":"Cel","v":4}]""", NodeDropReasons.UnknownNode },
        { "edgetrace/nodes/" + new string('a', 65) + "/senml", """[{"n":"temperature","u":"Cel","v":4}]""", NodeDropReasons.UnknownNode },
        { "edgetrace/elsewhere", """[{"n":"temperature","u":"Cel","v":4}]""", NodeDropReasons.UnknownTopic },
        { "zigbee2mqtt/cold room 2", """{"temperature":"warm"}""", NodeDropReasons.Malformed },
        { "zigbee2mqtt/cold room 2", """{"temperature":300}""", NodeDropReasons.Implausible },
        { "zigbee2mqtt/cold room 2", """{"battery":97}""", NodeDropReasons.NoReadings },
        { "zigbee2mqtt/cold room 2", "{\"temperature\":4,\"pad\":\"" + new string('x', 9000) + "\"}", NodeDropReasons.Oversize },
        { "zigbee2mqtt/cold room 3", """{"temperature":4}""", NodeDropReasons.UnknownTopic },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Decode_BadMessage_IsDroppedWithItsReasonAndSender(string topic, string payload, string reason)
    {
        var result = Decode(topic, payload);
        Assert.False(result.Succeeded);
        Assert.Equal(reason, result.Failure!.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Failure.Message));
        if (topic.Contains("esp32-a1", StringComparison.Ordinal))
        {
            Assert.StartsWith("node esp32-a1: ", result.Failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Decode_BinaryGarbage_IsMalformed()
    {
        var garbage = new byte[512];
        new Random(7).NextBytes(garbage);
        garbage[0] = 0xFF;
        var result = _decoder.Decode(new MqttMessage("edgetrace/nodes/esp32-a1/senml", garbage), Now);
        Assert.Equal(NodeDropReasons.Malformed, result.Failure?.Code);
    }

    [Fact]
    public void Decode_RetainedReplay_IsDropped_ButAnUnknownNodeStillCountsAsUnknown()
    {
        const string Pack = """[{"n":"temperature","u":"Cel","v":4}]""";
        Assert.Equal(NodeDropReasons.Retained, Decode("edgetrace/nodes/esp32-a1/senml", Pack, retain: true).Failure?.Code);
        Assert.Equal(NodeDropReasons.UnknownNode, Decode("edgetrace/nodes/esp32-zz/senml", Pack, retain: true).Failure?.Code);
    }

    [Fact]
    public void Zones_MapEveryNodeQuantityAndDevice()
    {
        var zones = NodeMessageDecoder.Zones(Settings).ToDictionary();
        Assert.Equal("chiller-1", zones["mqtt/esp32-a1/temperature"]);
        Assert.Equal("chiller-1", zones["mqtt/esp32-a1/pressure"]);
        Assert.Equal("chiller-1", zones["zigbee/cold-room-2"]);
        Assert.False(zones.ContainsKey("mqtt/esp32-b2/temperature"));
    }

    [Fact]
    public void Counters_EveryDropReasonHasACounter()
    {
        var counters = new TelemetryCounters();
        foreach (var (topic, payload, reason) in Corpus().Select(row => ((string)row[0], (string)row[1], (string)row[2])))
        {
            var result = Decode(topic, payload);
            counters.NodeMessageDropped(result.Failure!.Code);
        }
        Assert.Equal(8, counters.Dropped(NodeDropReasons.Malformed));
        var snapshot = TelemetrySnapshot.FromJson(counters.Snapshot(null).ToJson())!;
        Assert.Equal(Corpus().Count(), snapshot.NodeMessagesDropped.Values.Sum());
        Assert.Equal(NodeDropReasons.All.Order(StringComparer.Ordinal), snapshot.NodeMessagesDropped.Keys.Order(StringComparer.Ordinal));
    }
}
