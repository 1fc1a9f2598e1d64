using EdgeGateway.Board;
using EdgeGateway.Configuration;
using EdgeGateway.Sensors.Bindings;
using EdgeGateway.Sensors.Rfid;
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
    public void Parse_NodeUrls_AllInOrderThePreferredFirst_WithTheRetrySetting()
    {
        var config = GatewayConfigReader.Parse("""
            { "deviceId": "gw-01", "node": { "urls": ["https://a.example:8443", "http://127.0.0.1:5102/", "https://c.example/edgetrace"], "preferredRetryMs": 2500 } }
            """, "gateway.json");
        Assert.Equal([new Uri("https://a.example:8443/"), new Uri("http://127.0.0.1:5102/"), new Uri("https://c.example/edgetrace/")], config.Node.Urls);
        Assert.Equal(new Uri("https://a.example:8443/"), config.Node.Url);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), config.Node.PreferredRetry);
    }

    [Fact]
    public void Parse_SingleNodeUrl_IsTheOnlyOne_AndThePreferredRetryDefaultsToFiveMinutes()
    {
        var config = GatewayConfigReader.Parse("""{ "deviceId": "gw-01", "node": { "url": "https://a.example:8443/" } }""", "gateway.json");
        Assert.Equal([new Uri("https://a.example:8443/")], config.Node.Urls);
        Assert.Equal(TimeSpan.FromMilliseconds(300_000), config.Node.PreferredRetry);
        Assert.Empty(GatewayConfigReader.Parse("""{ "deviceId": "gw-01", "node": { "url": "" } }""", "gateway.json").Node.Urls);
    }

    [Theory]
    [InlineData("""{ "url": "https://a.example/", "urls": ["https://b.example/"] }""", "node.urls", "and node.url are both set; give one node as url or several as urls (the first preferred)")]
    [InlineData("""{ "urls": [] }""", "node.urls", "must list at least one node URL (or leave it out, with url)")]
    [InlineData("""{ "urls": ["https://a.example:8443", "https://b.example/", "https://a.example:8443/"] }""", "node.urls[2]", "repeats node.urls[0] (https://a.example:8443/); list each node once")]
    [InlineData("""{ "urls": ["https://a.example/", "ftp://b.example/"] }""", "node.urls[1]", "must be an absolute http:// or https:// URL, got 'ftp://b.example/'")]
    [InlineData("""{ "urls": ["https://a.example/?x=1"] }""", "node.urls[0]", "must not have a query or fragment, got 'https://a.example/?x=1'")]
    [InlineData("""{ "urls": [""] }""", "node.urls[0]", "must be an absolute http:// or https:// URL, got ''")]
    [InlineData("""{ "urls": [5102] }""", "node.urls[0]", "must be a URL string, got")]
    [InlineData("""{ "urls": "https://a.example/" }""", "node.urls", "must be an array, got")]
    [InlineData("""{ "urls": ["https://a.example/"], "preferredRetryMs": 0 }""", "node.preferredRetryMs", "must be between 1 and 86400000, got 0")]
    public void Parse_BadNodeUrls_AreRefusedNamingTheField(string node, string field, string problem)
    {
        var e = Refused($$"""{ "deviceId": "gw-01", "node": {{node}} }""");
        Assert.Equal(field, e.Field);
        Assert.StartsWith(problem, e.Problem, StringComparison.Ordinal);
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
    public void Parse_DoorsOutputsAndADoorRule()
    {
        var config = GatewayConfigReader.Parse("""
            { "deviceId": "gw-01",
              "doors": [ { "id": "chiller-1", "zone": "chiller-1", "pin": 27, "openWhen": "low", "pull": "none", "debounceMilliseconds": 50 } ],
              "outputs": [ { "id": "siren", "pin": 22, "activeLow": true, "zones": ["chiller-1"] }, { "id": "led", "kind": "led", "pin": 5, "rules": ["chiller-door"] } ],
              "alarms": [ { "id": "chiller-door", "zone": "chiller-1", "quantity": "door", "delayMinutes": 0.5 } ] }
            """, "gateway.json");
        var door = Assert.Single(config.Doors);
        Assert.Equal(("door/chiller-1", 27, false, EdgeGateway.ColdRoom.InputPull.None, TimeSpan.FromMilliseconds(50)), (door.SensorId, door.Pin, door.OpenWhenHigh, door.Pull, door.Debounce));
        Assert.True(config.Outputs[0].ActiveLow);
        Assert.Equal(["chiller-1"], config.Outputs[0].Zones);
        Assert.Equal(EdgeGateway.ColdRoom.OutputKind.Led, config.Outputs[1].Kind);
        Assert.Equal(["chiller-door"], config.Outputs[1].Rules);
        var rule = Assert.Single(config.Alarms);
        Assert.Equal(("door", TimeSpan.FromSeconds(30)), (rule.Quantity, rule.Delay));
    }

    [Theory]
    [InlineData("""{ "doors": [ { "id": "d1" } ] }""", "doors[0].pin")]
    [InlineData("""{ "doors": [ { "id": "d1", "pin": 4, "openWhen": "open" } ] }""", "doors[0].openWhen")]
    [InlineData("""{ "doors": [ { "id": "d1", "pin": 4 }, { "id": "d1", "pin": 5 } ] }""", "doors[1].id")]
    [InlineData("""{ "outputs": [ { "id": "s", "pin": 4, "kind": "siren" } ] }""", "outputs[0].kind")]
    [InlineData("""{ "outputs": [ { "id": "s", "pin": 4, "zones": ["cold room"] } ] }""", "outputs[0].zones[0]")]
    [InlineData("""{ "doors": [ { "id": "d1", "pin": 4 } ], "outputs": [ { "id": "s", "pin": 4 } ] }""", "outputs[0].pin")]
    [InlineData("""{ "sensors": { "devices": [ { "binding": "dht22", "pin": 17 } ] }, "doors": [ { "id": "d1", "pin": 17 } ] }""", "doors[0].pin")]
    [InlineData("""{ "alarms": [ { "id": "d", "zone": "z", "quantity": "door", "above": 1 } ] }""", "alarms[0].above")]
    [InlineData("""{ "alarms": [ { "id": "d", "zone": "z", "quantity": "door", "cumulativeMinutes": 10 } ] }""", "alarms[0].cumulativeMinutes")]
    public void Parse_BadDoorOrOutput_NamesTheField(string fields, string field)
    {
        var e = Refused("""{ "deviceId": "gw-01", """ + fields[1..]);
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void Parse_HfReaders_GiveTheirAttachmentsAndIds()
    {
        var config = GatewayConfigReader.Parse("""
            { "deviceId": "gw-01", "sensors": { "rfid": [
              { "type": "mfrc522", "bus": 0, "chipSelect": 1, "resetPin": 25, "zone": "dock", "pollMilliseconds": 100 },
              { "type": "pn532" },
              { "type": "pn532", "transport": "spi", "chipSelectPin": 8, "ndef": false },
              { "type": "pn532", "transport": "serial", "device": "/dev/ttyS0", "sensorId": "rfid/dock-door" } ] } }
            """, "gateway.json");
        var r = config.Sensors.Rfid;
        Assert.Equal((RfidReaderType.Mfrc522, "rfid/mfrc522-0.1", 25, "dock", TimeSpan.FromMilliseconds(100)), (r[0].Type, r[0].SensorId, r[0].Hf!.Pin, r[0].Zone, r[0].Hf!.PollInterval));
        Assert.Equal((Pn532Transport.I2c, 1, 0x24, "rfid/pn532-1-0024", true), (r[1].Hf!.Transport, r[1].Hf!.Bus, r[1].Hf!.Address, r[1].SensorId, r[1].Hf!.ReadNdef));
        Assert.Equal((Pn532Transport.Spi, 8, false), (r[2].Hf!.Transport, r[2].Hf!.Pin, r[2].Hf!.ReadNdef));
        Assert.Equal((Pn532Transport.Serial, "/dev/ttyS0", "rfid/dock-door"), (r[3].Hf!.Transport, r[3].Hf!.Device, r[3].SensorId));
        Assert.Equal(-1, r[1].Hf!.Pin);
    }

    [Theory]
    [InlineData("""{ "type": "pn532", "transport": "uart" }""", "sensors.rfid[0].transport")]
    [InlineData("""{ "type": "pn532", "transport": "spi" }""", "sensors.rfid[0].chipSelectPin")]
    [InlineData("""{ "type": "pn532", "transport": "serial" }""", "sensors.rfid[0].device")]
    [InlineData("""{ "type": "pn532", "chipSelect": 0 }""", "sensors.rfid[0].chipSelect")]
    [InlineData("""{ "type": "mfrc522", "device": "/dev/spidev0.0" }""", "sensors.rfid[0].device")]
    [InlineData("""{ "type": "mfrc522", "pollMilliseconds": 10 }""", "sensors.rfid[0].pollMilliseconds")]
    public void Parse_BadHfReader_NamesTheField(string reader, string field)
    {
        var e = Refused($$"""{ "deviceId": "gw-01", "sensors": { "rfid": [ {{reader}} ] } }""");
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void Parse_ResetPinAlsoUsedByADoor_IsRefused()
    {
        var e = Refused("""{ "deviceId": "gw-01", "sensors": { "rfid": [ { "type": "mfrc522", "resetPin": 25 } ] }, "doors": [ { "id": "d", "pin": 25 } ] }""");
        Assert.Equal("sensors.rfid[0].resetPin", e.Field);
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
