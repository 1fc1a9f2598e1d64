using System.Text;
using System.Text.Json;
using Firmware.Contracts.Mqtt;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Tests.Mqtt;

public class SenmlPackTests
{
    private const long Now = 1_795_428_000_000;

    private static Result<IReadOnlyList<SenmlRecord>> Parse(string json) => SenmlPack.Parse(Encoding.UTF8.GetBytes(json), Now);

    [Fact]
    public void Parse_Rfc8428SingleDatapointExample_IsRelativeToNow()
    {
        // RFC 8428 §5.1.1
        var result = Parse("""[{"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}]""");
        Assert.True(result.Succeeded, result.ToString());
        var r = Assert.Single(result.Value);
        Assert.Equal("urn:dev:ow:10e2073a01080063", r.Name);
        Assert.Equal("Cel", r.Unit);
        Assert.Equal(23.1, r.Value);
        Assert.Equal(Now, r.TimeMs);
    }

    [Theory]
    [InlineData("""[{"n":"\ud800","u":"Cel","v":4.4}]""")]
    [InlineData("""[{"bn":"\udc00","n":"temperature","u":"Cel","v":4.4}]""")]
    [InlineData("""[{"\ud800":1,"n":"temperature","u":"Cel","v":4.4}]""")]
    public void Parse_AnUnpairedSurrogateEscape_IsMalformed_NotAnException(string json)
    {
        var result = Parse(json);
        Assert.False(result.Succeeded);
        Assert.Equal(SenmlPack.MalformedCode, result.Failure!.Code);
        Assert.Contains("unpaired surrogate", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Rfc8428MultipleDatapoints_AppliesBaseNameTimeAndUnit()
    {
        // RFC 8428 §5.1.2, with its absolute base time
        var result = Parse("""
            [{"bn":"urn:dev:ow:10e2073a01080063:","bt":1.320067464e+09,"bu":"%RH","v":20},
             {"u":"lon","v":24.30621},
             {"u":"lat","v":50.048034},
             {"t":60,"v":20.3}]
            """);
        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(4, result.Value.Count);
        Assert.All(result.Value, r => Assert.Equal("urn:dev:ow:10e2073a01080063:", r.Name));
        Assert.Equal("%RH", result.Value[0].Unit);
        Assert.Equal("lon", result.Value[1].Unit);
        Assert.Equal(1_320_067_464_000, result.Value[0].TimeMs);
        Assert.Equal(1_320_067_524_000, result.Value[3].TimeMs);
        Assert.Equal("%RH", result.Value[3].Unit);
    }

    [Fact]
    public void Parse_BaseValue_AddsToValue()
    {
        var result = Parse("""[{"bn":"node-7/","bv":10,"n":"temperature","u":"Cel","v":-14.5}]""");
        Assert.Equal(-4.5, result.Value[0].Value);
        Assert.Equal("node-7/temperature", result.Value[0].Name);
    }

    [Fact]
    public void Parse_StringAndBoolValues()
    {
        var result = Parse("""[{"n":"door","vb":true},{"n":"state","vs":"ok","t":-5}]""");
        Assert.True(result.Value[0].BoolValue);
        Assert.Equal("ok", result.Value[1].StringValue);
        Assert.Equal(Now - 5000, result.Value[1].TimeMs);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("[1]")]
    [InlineData("""[{"n":"x"}]""")]
    [InlineData("""[{"n":"x","v":1,"vs":"a"}]""")]
    [InlineData("""[{"n":"x","v":"1"}]""")]
    [InlineData("""[{"n":"-x","v":1}]""")]
    [InlineData("""[{"n":"x y","v":1}]""")]
    [InlineData("""[{"n":"x","v":1}""")]
    [InlineData("""[{"n":"x","v":1,"t":1e300}]""")]
    public void Parse_Malformed_FailsWithReason(string json)
    {
        var result = Parse(json);
        Assert.False(result.Succeeded);
        Assert.Equal("senml", result.Failure!.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Failure.Message));
    }

    [Fact]
    public void Parse_MustUnderstandField_FailsWithItsOwnCode()
    {
        var result = Parse("""[{"n":"x","v":1,"crit_":1}]""");
        Assert.Equal(SenmlPack.MustUnderstandCode, result.Failure!.Code);
        Assert.Contains("crit_", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Oversized_FailsAsTooLarge()
    {
        var big = "[" + string.Join(",", Enumerable.Repeat("""{"n":"x","v":1}""", SenmlPack.MaxRecords + 1)) + "]";
        Assert.True(big.Length < SenmlPack.MaxBytes);
        Assert.Equal(SenmlPack.TooLargeCode, Parse(big).Failure!.Code);
        Assert.Equal(SenmlPack.TooLargeCode, SenmlPack.Parse(new byte[SenmlPack.MaxBytes + 1], Now).Failure!.Code);
    }

    [Fact]
    public void Parse_UnknownOptionalExtension_IsIgnored() =>
        Assert.True(Parse("""[{"n":"x","v":1,"battery":97}]""").Succeeded);

    [Fact]
    public void FromLeaf_IsAOneRecordPackHoldingTheLeafBytes()
    {
        var leaf = ReadingLeaf.Create(new LeafContent
        {
            DeviceId = "gw-1", Sequence = 3, Kind = LeafKind.Measurement, TimeMs = Now + 123, SensorId = "hwmon/sht3x/1-0044",
            Quantity = Senml.Temperature, Unit = Senml.Celsius, Value = 4.5,
        }, new byte[16]);
        var pack = SenmlPack.FromLeaf(leaf);
        Assert.Equal("[" + leaf + "]", Encoding.UTF8.GetString(pack));
        var parsed = SenmlPack.Parse(pack, 0);
        var record = Assert.Single(parsed.Value);
        Assert.Equal("gw-1/hwmon/sht3x/1-0044/temperature", record.Name);
        Assert.Equal(Now + 123, record.TimeMs);
        Assert.Equal(4.5, record.Value);
    }
}

public class Zigbee2MqttPayloadTests
{
    [Fact]
    public void Parse_AFieldNameThatIsNotText_IsMalformed_NotAnException()
    {
        var result = Zigbee2MqttPayload.Parse("""{"temperature":4.2,"\ud800":1}"""u8);
        Assert.False(result.Succeeded);
        Assert.Equal(Zigbee2MqttPayload.MalformedCode, result.Failure!.Code);
        Assert.Contains("unpaired surrogate", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TypicalSensor_MapsTemperatureHumidityAndPressureInPascal()
    {
        var result = Zigbee2MqttPayload.Parse("""{"battery":97,"humidity":81.5,"linkquality":120,"pressure":1013.2,"temperature":4.21,"voltage":3000}"""u8);
        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains(new Zigbee2MqttValue("temperature", 4.21, "Cel"), result.Value);
        Assert.Contains(new Zigbee2MqttValue("humidity", 81.5, "%RH"), result.Value);
        Assert.Equal(101320, result.Value.Single(v => v.Quantity == "pressure").Value, 6);
    }

    [Theory]
    [InlineData("[]", Zigbee2MqttPayload.MalformedCode)]
    [InlineData("", Zigbee2MqttPayload.MalformedCode)]
    [InlineData("""{"battery":97}""", Zigbee2MqttPayload.NoReadingsCode)]
    [InlineData("""{"temperature":"warm"}""", Zigbee2MqttPayload.MalformedCode)]
    [InlineData("not json", Zigbee2MqttPayload.MalformedCode)]
    public void Parse_Bad_FailsWithCode(string json, string code) =>
        Assert.Equal(code, Zigbee2MqttPayload.Parse(Encoding.UTF8.GetBytes(json)).Failure?.Code);

    [Fact]
    public void Parse_Oversized_FailsAsTooLarge()
    {
        var big = Encoding.UTF8.GetBytes("{\"temperature\":4,\"pad\":\"" + new string('x', Zigbee2MqttPayload.MaxBytes) + "\"}");
        Assert.Equal(Zigbee2MqttPayload.TooLargeCode, Zigbee2MqttPayload.Parse(big).Failure?.Code);
    }
}

public class MqttTopicsTests
{
    private readonly MqttTopics _topics = new();

    [Fact]
    public void Layout_IsUnderPrefixAndGateway()
    {
        Assert.Equal("edgetrace/gw-1/status", _topics.Status("gw-1"));
        Assert.Equal("edgetrace/gw-1/readings/hwmon/sht3x/1-0044", _topics.Readings("gw-1", "hwmon/sht3x/1-0044"));
        Assert.Equal("edgetrace/gw-1/alarms/chiller-1", _topics.AlarmState("gw-1", "chiller-1"));
        Assert.Equal("edgetrace/gw-1/alarm-events", _topics.AlarmEvents("gw-1"));
        Assert.Equal("edgetrace/gw-1/progress", _topics.Progress("gw-1"));
        Assert.Equal("edgetrace/nodes/+/senml", _topics.AllNodes);
        Assert.Equal("zigbee2mqtt/cold room 2", MqttTopics.Zigbee2Mqtt("cold room 2"));
    }

    [Theory]
    [InlineData("edgetrace/nodes/esp32-a1/senml", "esp32-a1")]
    [InlineData("edgetrace/nodes/a/b/senml", null)]
    [InlineData("edgetrace/nodes//senml", null)]
    [InlineData("edgetrace/nodes/senml", null)]
    [InlineData("edgetrace/nodes/", null)]
    [InlineData("other/nodes/x/senml", null)]
    [InlineData("edgetrace/nodes/x/status", null)]
    public void NodeIdOf_AcceptsOnlyNodeTopics(string topic, string? expected) => Assert.Equal(expected, _topics.NodeIdOf(topic));

    [Theory]
    [InlineData("")]
    [InlineData("a/#")]
    [InlineData("a/+/b")]
    [InlineData("a//b")]
    public void Prefix_Invalid_Throws(string prefix) => Assert.Throws<ArgumentException>(() => new MqttTopics(prefix));

    [Fact]
    public void Payloads_SerialiseWithDocumentedNames()
    {
        Assert.Equal("""{"state":"offline","reason":"connection-lost"}""", JsonSerializer.Serialize(GatewayStatus.LastWill, MqttJsonContext.Default.GatewayStatus));
        var state = new ZoneAlarmState("chiller-1", [new ActiveAlarm("high-8c-10m", 5, 8.6, "Cel")], 6);
        Assert.Equal("""{"zone":"chiller-1","active":[{"rule":"high-8c-10m","since":5,"value":8.6,"unit":"Cel"}],"time":6}""", JsonSerializer.Serialize(state, MqttJsonContext.Default.ZoneAlarmState));
    }

    [Fact]
    public void AlarmPayloads_CarryTheSeverity()
    {
        var state = new ZoneAlarmState("chiller-1", [new ActiveAlarm("chiller-warn", 5, 8.4, "Cel", "t0", "warning")], 6);
        Assert.Equal("""{"zone":"chiller-1","active":[{"rule":"chiller-warn","since":5,"value":8.4,"unit":"Cel","sensor":"t0","severity":"warning"}],"time":6}""",
            Encoding.UTF8.GetString(MqttPayloadWriter.Write(state)));
        var alarmEvent = new AlarmEvent("chiller-1", "chiller-silent", "start", 7, "t9", null, null, 12, "alarm");
        Assert.Equal("""{"zone":"chiller-1","rule":"chiller-silent","state":"start","time":7,"sensor":"t9","seq":12,"severity":"alarm"}""",
            Encoding.UTF8.GetString(MqttPayloadWriter.Write(alarmEvent)));
    }

    [Fact]
    public void ZoneAlarmState_NamesTheSensor_WhenKnown()
    {
        var state = new ZoneAlarmState("chiller-1", [new ActiveAlarm("high-8c-10m", 5, 8.6, "Cel", "sim/chiller-1/t0")], 6);
        Assert.Equal("""{"zone":"chiller-1","active":[{"rule":"high-8c-10m","since":5,"value":8.6,"unit":"Cel","sensor":"sim/chiller-1/t0"}],"time":6}""",
            JsonSerializer.Serialize(state, MqttJsonContext.Default.ZoneAlarmState));
        var back = JsonSerializer.Deserialize("""{"zone":"z","active":[{"rule":"r","since":1,"value":null,"unit":null}],"time":2}""", MqttJsonContext.Default.ZoneAlarmState);
        Assert.Null(Assert.Single(back!.Active).Sensor);
    }
}

public class MqttPayloadWriterTests
{
    public static TheoryData<object> Payloads() => new()
    {
        GatewayStatus.LastWill,
        new GatewayStatus(GatewayStatus.Online, 1_795_428_000_000, LogSize: 120, CommittedSize: 100),
        new GatewayStatus(GatewayStatus.Offline, 1_795_428_000_123, GatewayStatus.ShutdownReason),
        new ZoneAlarmState("chiller-1", [], 6),
        new ZoneAlarmState("chiller-1", [new ActiveAlarm("high-8c-10m", 5, 8.6, "Cel", "sim/chiller-1/t0"), new ActiveAlarm("r<2>", 7, null, null)], 9),
        new AlarmEvent("chiller-1", "high-8c-10m", "start", 1_795_428_720_000, "hwmon/sht3x/1-0044", -0.125, "Cel", 4711),
        new AlarmEvent("z", "gone", "end", 1, null, null, null, 0),
        new AlarmEvent("chiller-1", "chiller-warn", "start", 1_795_428_360_000, "hwmon/sht3x/1-0044", 8.4, "Cel", 4712, "warning"),
        new ZoneAlarmState("chiller-1", [new ActiveAlarm("chiller-warn", 5, 8.4, "Cel", "sim/chiller-1/t0", "warning"), new ActiveAlarm("chiller-silent", 7, null, null, "ghost/t9", "alarm")], 9),
        new ProgressEvent("sealed", 1000, new string('a', 64), null, 42),
        new ProgressEvent("anchored", 1000, new string('b', 64), 17, 43),
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Write_GivesTheSerializersBytes(object payload)
    {
        var (written, serialised) = payload switch
        {
            GatewayStatus s => (MqttPayloadWriter.Write(s), JsonSerializer.SerializeToUtf8Bytes(s, MqttJsonContext.Default.GatewayStatus)),
            ZoneAlarmState z => (MqttPayloadWriter.Write(z), JsonSerializer.SerializeToUtf8Bytes(z, MqttJsonContext.Default.ZoneAlarmState)),
            AlarmEvent a => (MqttPayloadWriter.Write(a), JsonSerializer.SerializeToUtf8Bytes(a, MqttJsonContext.Default.AlarmEvent)),
            ProgressEvent p => (MqttPayloadWriter.Write(p), JsonSerializer.SerializeToUtf8Bytes(p, MqttJsonContext.Default.ProgressEvent)),
            _ => throw new ArgumentException("unknown payload"),
        };
        Assert.Equal(Encoding.UTF8.GetString(serialised), Encoding.UTF8.GetString(written));
    }

    [Fact]
    public void Write_Status_MatchesTheSpecExample() =>
        Assert.Equal("""{"state":"online","time":1795428000000,"logSize":120,"committedSize":100}""",
            Encoding.UTF8.GetString(MqttPayloadWriter.Write(new GatewayStatus(GatewayStatus.Online, 1_795_428_000_000, LogSize: 120, CommittedSize: 100))));
}
