using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using EdgeGateway.Configuration;
using EdgeGateway.Mqtt;
using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Rfid;
using EdgeGateway.Sensors.Sysfs;
using EdgeGateway.Telemetry;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Tests.Fuzzing;

/// <summary>
/// Property-based fuzzing of everything the gateway parses from outside: gateway.json, sensor-node
/// SenML and zigbee2mqtt payloads, evdev input-event and serial RFID streams, sysfs and w1 files.
/// Random and mutated inputs must give a clean refusal (a <see cref="ConfigException"/>, a drop
/// reason, a fault code, a rejected tag read), never another exception. Each property runs
/// <see cref="Mutations.DefaultIterations"/> cases by default and <see cref="Mutations.SoakSeconds"/>
/// seconds in the soak; a failure prints the shrunk input and the seed that reproduces it.
/// </summary>
public sealed class ParserFuzzTests
{
    private const long Now = 1_795_428_000_000;

    // ---- gateway.json ----

    private static readonly string[] ConfigSamples =
    [
        ConfigTemplate.Render("gw-01", new Uri("https://node.example:8443")),
        TestConfig.Json("gw-02", c =>
        {
            c["mqtt"] = new JsonObject
            {
                ["host"] = "broker.local", ["port"] = 8883, ["protocol"] = "5", ["username"] = "gw", ["passwordFile"] = "/etc/pw",
                ["caCertificateFile"] = "/etc/ca.pem", ["clientCertificateFile"] = "/c.pem", ["clientKeyFile"] = "/k.pem",
                ["nodes"] = new JsonArray(new JsonObject { ["id"] = "esp32-a1", ["zone"] = "chiller-1" }),
                ["zigbee2mqtt"] = new JsonObject { ["devices"] = new JsonArray(new JsonObject { ["name"] = "cold room", ["sensorId"] = "zigbee/c", ["zone"] = "z" }) },
            };
            c["alarms"] = new JsonArray(
                new JsonObject { ["id"] = "a", ["zone"] = "chiller-1", ["above"] = 8, ["delayMinutes"] = 5 },
                new JsonObject { ["id"] = "b", ["zone"] = "chiller-1", ["below"] = 2, ["above"] = 8, ["cumulativeMinutes"] = 60, ["windowHours"] = 24 });
            c["sensors"] = new JsonObject
            {
                ["zones"] = new JsonObject { ["hwmon/sht3x/1-0044"] = "chiller-1" },
                ["rfid"] = new JsonArray(new JsonObject { ["type"] = "serial", ["device"] = "/dev/ttyUSB0", ["baudRate"] = 9600 }),
            };
            c["simulation"] = new JsonObject { ["compressorFailure"] = new JsonObject { ["zone"] = "freezer-1", ["startMinutes"] = 5 } };
        }),
    ];

    private static readonly Gen<string> ConfigInputs = Gen.Frequency((6, Mutations.Of(ConfigSamples)), (1, Mutations.Text(400)));

    private static void ParseConfig(string text)
    {
        try
        {
            var config = GatewayConfigReader.Parse(text, "gateway.json");
            Assert.False(string.IsNullOrEmpty(config.DeviceId));
        }
        catch (ConfigException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Field), $"a refusal names no field: {e.Message}");
        }
    }

    [Fact]
    public void GatewayJson_RandomAndMutated_IsReadOrRefusedNamingAField() =>
        ConfigInputs.Sample(ParseConfig, iter: Mutations.DefaultIterations);

    [Fact]
    [Trait("Category", "Soak")]
    public void GatewayJson_RandomAndMutated_Soak() => ConfigInputs.Sample(ParseConfig, time: Mutations.SoakSeconds);

    // ---- MQTT sensor-node payloads ----

    private static readonly MqttSettings Settings = new()
    {
        Host = "broker",
        ClientId = "gw",
        Nodes = [new MqttNodeSettings("esp32-a1", "chiller-1"), new MqttNodeSettings("esp32-b2", null)],
        Zigbee2MqttDevices = [new Zigbee2MqttDeviceSettings("cold room 2", "zigbee/cold-room-2", "chiller-1")],
    };

    private static readonly NodeMessageDecoder Decoder = new(Settings, PlausibilityLimits.Default);

    private static readonly string[] Topics =
    [
        "edgetrace/nodes/esp32-a1/senml", "edgetrace/nodes/esp32-b2/senml", "edgetrace/nodes/unknown/senml", "zigbee2mqtt/cold room 2",
        "edgetrace/nodes/../senml", "edgetrace/nodes//senml", "edgetrace/nodes/senml", "zigbee2mqtt/other", "",
    ];

    private static readonly Gen<(string Topic, byte[] Payload, bool Retain)> NodeMessages = Gen.Select(
        Gen.Frequency((5, Gen.Int[0, Topics.Length - 1].Select(i => Topics[i])), (1, Mutations.Of(Topics))),
        Mutations.BytesOf(
            """[{"bn":"esp32-a1/","bt":1795427940,"n":"temperature","u":"Cel","v":4.4},{"n":"humidity","u":"%RH","v":83.0}]""",
            """[{"bn":"urn:dev:mac:0024befffe804ff1:","n":"pressure","u":"Pa","v":101300,"t":-30},{"n":"battery","u":"V","v":3.1}]""",
            """[{"bver":10,"bn":"x/","n":"temperature","u":"Cel","v":4,"s":1,"vs":"a","vb":true,"ut":60,"t_":1}]""",
            """{"battery":97,"humidity":81.5,"linkquality":120,"pressure":1013.2,"temperature":4.21}"""),
        Gen.Bool);

    private static void DecodeNodeMessage(string topic, byte[] payload, bool retain)
    {
        var result = Decoder.Decode(new MqttMessage(topic, payload, MqttQos.AtLeastOnce, retain), Now);
        if (!result.Succeeded)
        {
            Assert.Contains(result.Failure!.Code, NodeDropReasons.All);
            return;
        }
        Assert.NotEmpty(result.Value);
        foreach (var m in result.Value)
        {
            Assert.True(double.IsFinite(m.Value), $"{m.SensorId}: {m.Value}");
            Assert.Equal(Senml.UnitOf(LeafDrafts(m.Quantity)), m.Unit);
        }
    }

    private static string LeafDrafts(Quantity quantity) => EdgeGateway.Log.LeafDrafts.QuantityName(quantity);

    [Fact]
    public void SensorNodeMessages_RandomAndMutated_AreMeasurementsOrDroppedWithAReason() =>
        NodeMessages.Sample(DecodeNodeMessage, iter: Mutations.DefaultIterations);

    [Fact]
    [Trait("Category", "Soak")]
    public void SensorNodeMessages_RandomAndMutated_Soak() => NodeMessages.Sample(DecodeNodeMessage, time: Mutations.SoakSeconds);

    // ---- RFID: evdev input events and serial lines ----

    private static readonly Gen<InputEvent> KeyEvents = Gen.Select(
        Gen.Frequency((6, Gen.Const(InputEvent.EvKey)), (1, Gen.Const(InputEvent.EvSyn)), (1, Gen.Const(InputEvent.EvMsc)), (1, Gen.UShort)),
        Gen.Frequency((6, Gen.UShort[0, 120]), (1, Gen.UShort)),
        Gen.Frequency((6, Gen.Int[0, 2]), (1, Gen.Int)),
        (type, code, value) => new InputEvent(0, 0, type, code, value));

    // A stream as the reader sees it: records of either layout, cut into random reads.
    private static readonly Gen<(EvdevLayout Layout, byte[] Stream)> EvdevStreams = Gen.Select(
        Gen.OneOf(Gen.Const(EvdevLayout.Event64), Gen.Const(EvdevLayout.Event32)),
        Gen.Frequency((4, KeyEvents.Array[0, 200]), (1, Gen.Const(Array.Empty<InputEvent>()))),
        Mutations.Bytes(64),
        (layout, events, noise) =>
        {
            var size = InputEventCodec.SizeOf(layout);
            var bytes = new byte[events.Length * size + noise.Length];
            for (var i = 0; i < events.Length; i++)
            {
                InputEventCodec.Write(bytes.AsSpan(i * size), events[i], layout);
            }
            noise.CopyTo(bytes.AsSpan(events.Length * size));
            return (layout, bytes);
        });

    private static void DecodeEvdev(EvdevLayout layout, byte[] stream)
    {
        var decoder = new KeyboardWedgeDecoder(maxLength: 32);
        var size = InputEventCodec.SizeOf(layout);
        for (var at = 0; at + size <= stream.Length; at += size)
        {
            if (decoder.Push(InputEventCodec.Read(stream.AsSpan(at, size), layout)) is { } read)
            {
                CheckRead(read, 32);
            }
        }
    }

    private static readonly Gen<byte[]> SerialStreams = Gen.Frequency(
        (3, Mutations.BytesOf("04A1F3\r\n", "urn:epc:id:sgtin:0614141.812345.6789\n", "3034257BF7194E4000001A85\r\n", "E2003412\n\n\r\r0A\n")),
        (1, Mutations.Bytes(600)));

    private static void DecodeSerial(byte[] stream, int cut)
    {
        var decoder = new SerialLineDecoder(maxLength: 64);
        var reads = new List<RawTagRead>();
        var at = 0;
        while (at < stream.Length)
        {
            var length = Math.Min(stream.Length - at, 1 + (cut + at) % 17);
            decoder.Push(stream.AsSpan(at, length), reads);
            at += length;
        }
        foreach (var read in reads)
        {
            CheckRead(read, 64);
        }
    }

    // A tag read becomes an observation value the leaf format takes, or a refusal saying why.
    private static void CheckRead(RawTagRead read, int maxLength)
    {
        Assert.True(read.Text.Length <= maxLength + 1, $"a read of {read.Text.Length} characters passed a limit of {maxLength}");
        if (read.Problem is not null)
        {
            return;
        }
        if (RfidTagValue.TryInterpret(read, out var value, out var error))
        {
            Assert.False(string.IsNullOrEmpty(value));
            var leaf = Firmware.Contracts.Readings.ReadingLeaf.Create(new Firmware.Contracts.Readings.LeafContent
            {
                DeviceId = "gw-fuzz", Sequence = 0, Kind = Firmware.Contracts.Readings.LeafKind.Observation, TimeMs = Now,
                SensorId = "rfid/dock", Quantity = Senml.Epc, StringValue = value,
            }, new byte[Firmware.Contracts.Readings.ReadingLeaf.SaltLength]);
            Assert.Equal(value, leaf.Content.StringValue);
        }
        else
        {
            Assert.False(string.IsNullOrWhiteSpace(error));
        }
    }

    [Fact]
    public void EvdevStreams_RandomKeysAndBytes_DecodeToTagsOrRefusals() =>
        EvdevStreams.Sample(DecodeEvdev, iter: Mutations.DefaultIterations);

    [Fact]
    [Trait("Category", "Soak")]
    public void EvdevStreams_RandomKeysAndBytes_Soak() => EvdevStreams.Sample(DecodeEvdev, time: Mutations.SoakSeconds);

    [Fact]
    public void SerialStreams_RandomAndMutatedLines_DecodeToTagsOrRefusals() =>
        Gen.Select(SerialStreams, Gen.Int[0, 1000]).Sample(DecodeSerial, iter: Mutations.DefaultIterations);

    [Fact]
    [Trait("Category", "Soak")]
    public void SerialStreams_RandomAndMutatedLines_Soak() =>
        Gen.Select(SerialStreams, Gen.Int[0, 1000]).Sample(DecodeSerial, time: Mutations.SoakSeconds);

    // ---- sysfs and w1 attribute files ----

    private static readonly string[] SysfsSamples =
    [
        "23125\n", "-4500\n", "1013.25\n", "0\n", "21.5", "  +42 \n",
        "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n",
        "50 05 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 05 4b 46 7f ff 0c 10 1c t=85000\n",
        "72 01 4b 46 7f ff 0e 10 57 : crc=57 NO\n72 01 4b 46 7f ff 0e 10 57 t=23125\n",
        "00 00 00 00 00 00 00 00 00 : crc=00 YES\n00 00 00 00 00 00 00 00 00 t=0\n",
    ];

    private static readonly Gen<(int Channel, string Text, int Errno)> SysfsReads = Gen.Select(
        Gen.Int[0, 4],
        Gen.Frequency((4, Mutations.Of(SysfsSamples)), (1, Mutations.Text(200))),
        Gen.Frequency((8, Gen.Const(0)), (1, Gen.Int[-5, 200])));

    private static void ReadSysfs(int channel, string text, int errno)
    {
        var info = new SensorInfo("hwmon/fuzz/0", "fuzz", channel == 1 ? Quantity.Humidity : channel == 2 ? Quantity.Pressure : Quantity.Temperature,
            channel == 1 ? SenmlUnits.RelativeHumidity : channel == 2 ? SenmlUnits.Pascal : SenmlUnits.Celsius);
        SysfsChannel sysfs = channel switch
        {
            0 => new InputChannel(info, "/sys/temp1_input", 0.001),
            1 => new InputChannel(info, "/sys/humidity1_input", 0.001),
            2 => new RawChannel(info, "/sys/in_pressure_raw", "/sys/in_pressure_offset", "/sys/in_pressure_scale", 1000),
            3 => new W1ThermChannel(info, "/sys/w1_slave", isW1Slave: true),
            _ => new W1ThermChannel(info, "/sys/temperature", isW1Slave: false),
        };
        var sensor = new SysfsSensor("hwmon/fuzz/0", "fuzz", "/sys/fuzz", [sysfs], new TextReader(text, errno), SensorReadPolicy.NoRetry,
            PlausibilityLimits.Default, TimeProvider.System);
        var events = sensor.ReadOnceAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        var only = Assert.Single(events);
        switch (only)
        {
            case Measurement m:
                Assert.True(double.IsFinite(m.Value), $"'{text}' gave the value {m.Value}");
                break;
            case SensorFault f:
                Assert.False(string.IsNullOrWhiteSpace(f.Code));
                break;
            default:
                Assert.Fail($"'{text}' gave {only}");
                break;
        }
    }

    [Fact]
    public void SysfsAndW1Files_RandomAndMutated_AreMeasurementsOrFaults() =>
        SysfsReads.Sample(ReadSysfs, iter: Mutations.DefaultIterations);

    [Fact]
    [Trait("Category", "Soak")]
    public void SysfsAndW1Files_RandomAndMutated_Soak() => SysfsReads.Sample(ReadSysfs, time: Mutations.SoakSeconds);

    /// <summary>Every attribute holds <paramref name="text"/>, or the read fails with errno <paramref name="errno"/>.</summary>
    private sealed class TextReader(string text, int errno) : ISysfsReader
    {
        public ValueTask<string> ReadTextAsync(string path, CancellationToken cancellationToken) =>
            errno == 0 ? ValueTask.FromResult(text) : throw new IOException($"read {path} failed", errno);
    }
}
