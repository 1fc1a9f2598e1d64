using EdgeGateway.Board;
using EdgeGateway.Configuration;
using EdgeGateway.Sensors.Bindings;
using EdgeGateway.Sensors.Simulation;

namespace EdgeGateway.Tests.Configuration;

public sealed class GatewayConfigReaderTests
{
    private static ConfigException Refused(string json) =>
        Assert.Throws<ConfigException>(() => GatewayConfigReader.Parse(json, "gateway.json"));

    [Fact]
    public void Template_WithCommentsAndExampleRules_IsAValidConfiguration()
    {
        var config = GatewayConfigReader.Parse(ConfigTemplate.Render("gw-01", new Uri("https://node.example:8443")), "template");
        Assert.Equal("gw-01", config.DeviceId);
        Assert.Equal(new Uri("https://node.example:8443/"), config.Node.Url);
        Assert.Equal(TimeSpan.FromSeconds(60), config.Sealing.Interval);
        Assert.Equal(1000, config.Sealing.MaxLeaves);
        Assert.Equal(1024L * 1024 * 1024, config.Storage.MaxDatabaseBytes);
        Assert.Equal(5, config.Alarms.Count);
        var cumulative = config.Alarms.Single(r => r.Id == "chiller-cumulative");
        Assert.Equal(TimeSpan.FromMinutes(60), cumulative.Cumulative);
        Assert.Equal(TimeSpan.FromHours(24), cumulative.Window);
        Assert.Equal((2.0, 8.0), (cumulative.Below!.Value, cumulative.Above!.Value));
    }

    [Fact]
    public void Template_WithoutNode_KeepsReadingsLocal()
    {
        Assert.Null(GatewayConfigReader.Parse(ConfigTemplate.Render("gw-01", null), "template").Node.Url);
    }

    [Fact]
    public void Parse_OnlyDeviceId_GivesTheDefaults()
    {
        var config = GatewayConfigReader.Parse("""{ "deviceId": "gw-01" }""", "gateway.json");
        Assert.Equal(new SealingOptions(), config.Sealing);
        Assert.Equal(new IngestOptions(), config.Ingest);
        Assert.Equal(new UplinkOptions(), config.Uplink);
        Assert.Empty(config.Alarms);
        Assert.Equal("/", config.Sensors.SysfsRoot);
    }

    [Fact]
    public void Parse_CompressorFailure_SchedulesItInTheGivenZone()
    {
        var config = GatewayConfigReader.Parse("""
            { "deviceId": "gw-01", "simulation": { "palletSpacingMinutes": 5,
              "compressorFailure": { "zone": "freezer-1", "startMinutes": 30, "durationMinutes": 90, "peakCelsius": -5 } } }
            """, "gateway.json");
        Assert.Equal(new CompressorFailure(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(90), -5, "freezer-1"), config.Simulation.CompressorFailure);
        Assert.Equal(TimeSpan.FromMinutes(5), config.Simulation.PalletSpacing);
    }

    [Fact]
    public void Parse_CompressorFailureFalse_MeansNone_AndMissingMeansTheDefault()
    {
        var none = GatewayConfigReader.Parse("""{ "deviceId": "gw-01", "simulation": { "compressorFailure": false } }""", "gateway.json");
        var missing = GatewayConfigReader.Parse("""{ "deviceId": "gw-01", "simulation": { "compressorFailure": { "startMinutes": 10 } } }""", "gateway.json");
        Assert.Null(none.Simulation.CompressorFailure);
        Assert.Equal(new CompressorFailure(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(45), 12, "chiller-1"), missing.Simulation.CompressorFailure);
    }

    [Theory]
    [InlineData("""{ "zone": "dock-1" }""", "simulation.compressorFailure.zone", "must be one of the simulated zones chiller-1, freezer-1, ambient-1")]
    [InlineData("""{ "durationMinutes": 0 }""", "simulation.compressorFailure.durationMinutes", "between 1 and 10080")]
    [InlineData("""{ "start": 30 }""", "simulation.compressorFailure.start", "startMinutes")]
    [InlineData("30", "simulation.compressorFailure", "must be a JSON object")]
    public void Parse_BadCompressorFailure_NamesTheField(string failure, string field, string message)
    {
        var e = Refused($$"""{ "deviceId": "gw-01", "simulation": { "compressorFailure": {{failure}} } }""");
        Assert.Equal(field, e.Field);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingDeviceId_NamesTheField()
    {
        var e = Refused("""{ "sealing": {} }""");
        Assert.Equal("deviceId", e.Field);
        Assert.Contains("required", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("gateway.json: deviceId:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MisspeltField_IsRefusedWithItsPathAndTheKnownNames()
    {
        var e = Refused("""{ "deviceId": "gw-01", "sealing": { "intervalSecs": 30 } }""");
        Assert.Equal("sealing.intervalSecs", e.Field);
        Assert.Contains("intervalSeconds", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MaxLeavesAboveOneUpload_NamesTheFieldAndTheLimit()
    {
        var e = Refused("""{ "deviceId": "gw-01", "sealing": { "maxLeaves": 20000 } }""");
        Assert.Equal("sealing.maxLeaves", e.Field);
        Assert.Contains("between 1 and 10000, got 20000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NumberGivenAsString_SaysWhatWasFound()
    {
        var e = Refused("""{ "deviceId": "gw-01", "storage": { "maxDatabaseMegabytes": "lots" } }""");
        Assert.Equal("storage.maxDatabaseMegabytes", e.Field);
        Assert.Contains("must be a number, got the string \"lots\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadDeviceId_SaysWhatIsAllowed()
    {
        var e = Refused("""{ "deviceId": "gw 01" }""");
        Assert.Equal("deviceId", e.Field);
        Assert.Contains("A-Z a-z 0-9", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://node.example")]
    [InlineData("node.example:8443")]
    [InlineData("https://node.example/?x=1")]
    public void Parse_NodeUrlNotHttp_NamesNodeUrl(string url)
    {
        var e = Refused($$"""{ "deviceId": "gw-01", "node": { "url": "{{url}}" } }""");
        Assert.Equal("node.url", e.Field);
    }

    [Fact]
    public void Parse_RetryMaxBelowInitial_IsRefused()
    {
        var e = Refused("""{ "deviceId": "gw-01", "uplink": { "retryInitialSeconds": 10, "retryMaxSeconds": 5 } }""");
        Assert.Equal("uplink.retryMaxSeconds", e.Field);
    }

    [Fact]
    public void Parse_RuleWithDelayAndCumulative_NamesTheRuleByIndex()
    {
        var e = Refused("""
            { "deviceId": "gw-01", "alarms": [
              { "id": "a", "zone": "z", "above": 8 },
              { "id": "b", "zone": "z", "above": 8, "delayMinutes": 10, "cumulativeMinutes": 60 } ] }
            """);
        Assert.Equal("alarms[1].delayMinutes", e.Field);
        Assert.Contains("write two rules", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RuleWithoutLimits_IsRefused()
    {
        var e = Refused("""{ "deviceId": "gw-01", "alarms": [ { "id": "a", "zone": "z" } ] }""");
        Assert.Equal("alarms[0].above", e.Field);
    }

    [Fact]
    public void Parse_RuleWithLowerLimitNotBelowUpper_IsRefused()
    {
        var e = Refused("""{ "deviceId": "gw-01", "alarms": [ { "id": "a", "zone": "z", "above": 8, "below": 8 } ] }""");
        Assert.Equal("alarms[0].below", e.Field);
    }

    [Fact]
    public void Parse_CumulativeLongerThanItsWindow_IsRefused()
    {
        var e = Refused("""{ "deviceId": "gw-01", "alarms": [ { "id": "a", "zone": "z", "above": 8, "cumulativeMinutes": 120, "windowHours": 1 } ] }""");
        Assert.Equal("alarms[0].cumulativeMinutes", e.Field);
    }

    [Fact]
    public void Parse_DuplicateRuleIds_AreRefused()
    {
        var e = Refused("""{ "deviceId": "gw-01", "alarms": [ { "id": "a", "zone": "z", "above": 8 }, { "id": "a", "zone": "y", "above": 8 } ] }""");
        Assert.Equal("alarms[1].id", e.Field);
    }

    [Fact]
    public void Parse_UnknownQuantity_IsRefused()
    {
        var e = Refused("""{ "deviceId": "gw-01", "alarms": [ { "id": "a", "zone": "z", "quantity": "co2", "above": 8 } ] }""");
        Assert.Equal("alarms[0].quantity", e.Field);
    }

    [Fact]
    public void Parse_UnknownRfidType_NamesTheReader()
    {
        var e = Refused("""{ "deviceId": "gw-01", "sensors": { "rfid": [ { "type": "llrp", "device": "/dev/x" } ] } }""");
        Assert.Equal("sensors.rfid[0].type", e.Field);
    }

    [Fact]
    public void Parse_UnsupportedBaudRate_IsRefused()
    {
        var e = Refused("""{ "deviceId": "gw-01", "sensors": { "rfid": [ { "type": "serial", "device": "/dev/ttyUSB0", "baudRate": 12345 } ] } }""");
        Assert.Equal("sensors.rfid[0].baudRate", e.Field);
    }

    [Fact]
    public void Parse_UserSpaceDevices_GiveTheirAttachmentsAndIds()
    {
        var config = GatewayConfigReader.Parse("""
            { "deviceId": "gw-01", "gpio": { "driver": "libgpiod-v2", "chip": 4 }, "sensors": { "devices": [
              { "binding": "sht3x", "address": "0x45", "zone": "chiller-1" },
              { "binding": "bme280", "bus": 3, "address": 118 },
              { "binding": "max31865", "chipSelect": 1, "probe": { "nominalOhms": 1000, "wires": 4 }, "sensorId": "freezer/pt1000" },
              { "binding": "dht22", "pin": 17 } ] } }
            """, "gateway.json");
        var d = config.Sensors.Devices;
        Assert.Equal((GpioDriverKind.LibgpiodV2, 4), (config.Gpio.Driver, config.Gpio.Chip));
        Assert.Equal(("i2c/sht3x/1-0045", 1, 0x45, "chiller-1"), (d[0].Id, d[0].Bus, d[0].Address, d[0].Zone));
        Assert.Equal(("i2c/bme280/3-0076", 0x76), (d[1].Id, d[1].Address));
        Assert.Equal(("freezer/pt1000", 0, 1, new RtdProbe(1000, 4, 4300, 50)), (d[2].Id, d[2].Bus, d[2].ChipSelect, d[2].Probe));
        Assert.Equal(("gpio/dht22/17", 17), (d[3].Id, d[3].Pin));
    }

    [Theory]
    [InlineData("""{ "binding": "sht99", "address": "0x44" }""", "sensors.devices[0].binding")]
    [InlineData("""{ "binding": "sht3x" }""", "sensors.devices[0].address")]
    [InlineData("""{ "binding": "sht3x", "address": "0x80" }""", "sensors.devices[0].address")]
    [InlineData("""{ "binding": "sht3x", "address": "44h" }""", "sensors.devices[0].address")]
    [InlineData("""{ "binding": "sht3x", "address": "0x44", "pin": 4 }""", "sensors.devices[0].pin")]
    [InlineData("""{ "binding": "dht22" }""", "sensors.devices[0].pin")]
    [InlineData("""{ "binding": "max31865", "probe": { "nominalOhms": 500 } }""", "sensors.devices[0].probe.nominalOhms")]
    [InlineData("""{ "binding": "max31865", "probe": { "mainsHz": 55 } }""", "sensors.devices[0].probe.mainsHz")]
    [InlineData("""{ "binding": "max31865", "address": "0x44" }""", "sensors.devices[0].address")]
    [InlineData("""{ "binding": "mcp9808", "address": "0x18", "zone": "cold room" }""", "sensors.devices[0].zone")]
    public void Parse_BadUserSpaceDevice_NamesTheField(string device, string field)
    {
        var e = Refused($$"""{ "deviceId": "gw-01", "sensors": { "devices": [ {{device}} ] } }""");
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void Parse_TwoDevicesWithOneId_IsRefusedNamingTheSecond()
    {
        var e = Refused("""{ "deviceId": "gw-01", "sensors": { "devices": [ { "binding": "sht3x", "address": "0x44" }, { "binding": "sht3x", "address": 68 } ] } }""");
        Assert.Equal("sensors.devices[1]", e.Field);
        Assert.Contains("i2c/sht3x/1-0044", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownGpioDriver_SaysWhichThereAre()
    {
        var e = Refused("""{ "deviceId": "gw-01", "gpio": { "driver": "pigpio" } }""");
        Assert.Equal("gpio.driver", e.Field);
        Assert.Contains("libgpiod-v2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ZoneMapWithBadZone_NamesTheSensor()
    {
        var e = Refused("""{ "deviceId": "gw-01", "sensors": { "zones": { "hwmon/sht3x/1-0044": "cold room" } } }""");
        Assert.Equal("sensors.zones.hwmon/sht3x/1-0044", e.Field);
    }

    [Theory]
    [InlineData("""{ "deviceId": "gw-01", "": {} }""", "\"\"")]
    [InlineData("""{ "deviceId": "gw-01", "sealing": { "max Leaves": 5 } }""", "sealing.\"max Leaves\"")]
    [InlineData("""{ "deviceId": "gw-01", "node": { "url\nsealing.maxLeaves: ok": 5 } }""", "node.\"url\\nsealing.maxLeaves: ok\"")]
    public void Parse_UnknownFieldWithAnEmptyOrOddName_NamesItVisiblyOnOneLine(string json, string field)
    {
        // Found by the gateway.json fuzz property: an empty member name gave "gateway.json: : unknown field".
        var e = Refused(json);
        Assert.Equal(field, e.Field);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("""{ "deviceId": "gw-\ud800" }""", "deviceId")]
    [InlineData("""{ "deviceId": "gw-01", "sensors": { "rfid": "\udc00" } }""", "sensors.rfid")]
    [InlineData("""{ "deviceId": "gw-01", "sensors": "\ud800x" }""", "sensors")]
    [InlineData("""{ "deviceId": "gw-01", "sensors": { "zones": { "a": "\ud800" } } }""", "sensors.zones.a")]
    [InlineData("""{ "deviceId": "gw-01", "\ud800": 1 }""", "\"(a name with an unpaired surrogate escape)\"")]
    public void Parse_AnUnpairedSurrogateEscape_IsRefusedNamingTheField(string json, string field)
    {
        // Found by the gateway.json fuzz soak: .NET cannot make a string of "\ud800", and the reader threw InvalidOperationException.
        Assert.Equal(field, Refused(json).Field);
    }

    [Fact]
    public void Parse_NotJson_SaysWhere()
    {
        var e = Refused("{ \"deviceId\": \"gw-01\",\n  \"sealing\": { oops } }");
        Assert.Equal("(line 2)", e.Field);
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_SaysHowToCreateIt()
    {
        var e = Assert.Throws<ConfigException>(() => GatewayConfigReader.Load(Path.Combine(Path.GetTempPath(), "no-such-folder-" + Guid.NewGuid(), "gateway.json")));
        Assert.Contains("EdgeGateway init", e.Message, StringComparison.Ordinal);
    }
}
