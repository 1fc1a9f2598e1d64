using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeGateway.Alarms;
using EdgeGateway.Board;
using EdgeGateway.ColdRoom;
using EdgeGateway.Mqtt;
using EdgeGateway.Sensors.Bindings;
using EdgeGateway.Sensors.Rfid;
using EdgeGateway.Sensors.Simulation;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;

namespace EdgeGateway.Configuration;

/// <summary>
/// Reads and validates <c>gateway.json</c>. Comments (<c>//</c>, <c>/* */</c>) and trailing commas
/// are allowed so that the file can carry its own documentation. Unknown fields are refused:
/// a misspelt setting would otherwise silently fall back to its default.
/// </summary>
public static partial class GatewayConfigReader
{
    private static readonly JsonDocumentOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 16,
    };

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    /// <exception cref="ConfigException">When the file is missing, not JSON, or a field is invalid.</exception>
    public static GatewayConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            throw new ConfigException(path, "(file)", $"not found; create the data folder with `{EdgeTrace.CommandLine.Programs.Gateway} init --data DIR`");
        }
        catch (DirectoryNotFoundException)
        {
            throw new ConfigException(path, "(file)", $"not found; create the data folder with `{EdgeTrace.CommandLine.Programs.Gateway} init --data DIR`");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ConfigException(path, "(file)", $"cannot be read: {e.Message}");
        }
        return Parse(text, path);
    }

    /// <summary>Parses configuration text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ConfigException">When the text is not JSON or a field is invalid.</exception>
    public static GatewayConfig Parse(string text, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, Options);
        }
        catch (JsonException e)
        {
            throw new ConfigException(source, $"(line {e.LineNumber + 1})", $"not valid JSON: {e.Message}");
        }
        using (document)
        {
            return Read(new JsonFields(document.RootElement, source, ""));
        }
    }

    /// <summary>Checks a device id (also used by <c>init --device-id</c>).</summary>
    public static string? DeviceIdProblem(string id) =>
        DeviceIdPattern().IsMatch(id) ? null : $"must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit, got '{id}'";

    /// <summary>Checks a node URL (also used by <c>init --node</c>).</summary>
    public static string? NodeUrlProblem(string url, out Uri? uri)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            uri = null;
            return $"must be an absolute http:// or https:// URL, got '{url}'";
        }
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            uri = null;
            return $"must not have a query or fragment, got '{url}'";
        }
        return null;
    }

    private static GatewayConfig Read(JsonFields root)
    {
        var deviceId = root.RequiredString("deviceId");
        if (DeviceIdProblem(deviceId) is { } idProblem)
        {
            throw root.Error("deviceId", idProblem);
        }
        if (!Firmware.Contracts.Notes.NoteKeys.IsValidKeyName(DeviceLogs.Origin(deviceId)))
        {
            throw root.Error("deviceId", "does not make a valid key name");
        }
        var config = new GatewayConfig
        {
            DeviceId = deviceId,
            Node = ReadNode(root.Object("node")),
            Sealing = ReadSealing(root.Object("sealing")),
            Ingest = ReadIngest(root.Object("ingest")),
            Storage = ReadStorage(root.Object("storage")),
            Uplink = ReadUplink(root.Object("uplink")),
            Sensors = ReadSensors(root.Object("sensors")),
            Simulation = ReadSimulation(root.Object("simulation")),
            Gpio = ReadGpio(root.Object("gpio")),
            Alarms = ReadAlarms(root),
            Suppressions = ReadSuppressions(root),
            Doors = ReadDoors(root),
            Outputs = ReadOutputs(root),
            Mqtt = ReadMqtt(root.Object("mqtt"), deviceId),
            IotHub = ReadIotHub(root.Object("iotHub"), deviceId),
        };
        if (config.Suppressions.FirstOrDefault(w => config.Alarms.Any(r => r.Id == w.Id)) is { } clash)
        {
            throw root.Error("suppressions", $"window id '{clash.Id}' is also an alarm rule's id; ids must be unique among rules and windows");
        }
        root.RejectUnknown();
        CheckPins(root, config);
        return config;
    }

    // One GPIO line, one user: a door, an output, a DHT22 or an HF reader's reset or chip select.
    private static void CheckPins(JsonFields root, GatewayConfig config)
    {
        var users = new Dictionary<int, string>();
        var claims = config.Sensors.Devices.Select((d, i) => (d.Binding == SensorBinding.Dht22 ? d.Pin : -1, $"sensors.devices[{i}].pin"))
            .Concat(config.Doors.Select((d, i) => (d.Pin, $"doors[{i}].pin")))
            .Concat(config.Outputs.Select((o, i) => (o.Pin, $"outputs[{i}].pin")))
            .Concat(config.Sensors.Rfid.Select((r, i) => (r.Hf?.Pin ?? -1, $"sensors.rfid[{i}].{(r.Type == RfidReaderType.Mfrc522 ? "resetPin" : "chipSelectPin")}")));
        foreach (var (pin, field) in claims.Where(c => c.Item1 >= 0))
        {
            if (!users.TryAdd(pin, field))
            {
                throw root.Error(field, $"GPIO{pin} is already used by {users[pin]}; a line has one use");
            }
        }
    }

    private static List<DoorOptions> ReadDoors(JsonFields root)
    {
        var doors = new List<DoorOptions>();
        foreach (var (element, path) in root.Array("doors"))
        {
            var door = root.At(element, path);
            var id = UniqueId(door, doors.Select(d => d.Id), "door");
            var openWhenHigh = Choice(door, "openWhen", "high", [("high", true), ("low", false)], "the line's level while the door is open");
            var pull = Choice(door, "pull", "up", [("up", InputPull.Up), ("down", InputPull.Down), ("none", InputPull.None)]);
            doors.Add(new DoorOptions
            {
                Id = id,
                Zone = ReadZone(door),
                Pin = RequiredPin(door),
                OpenWhenHigh = openWhenHigh,
                Pull = pull,
                Debounce = TimeSpan.FromMilliseconds(door.Number("debounceMilliseconds", 0, 60_000, 200)),
            });
            door.RejectUnknown();
        }
        return doors;
    }

    private static List<OutputOptions> ReadOutputs(JsonFields root)
    {
        var outputs = new List<OutputOptions>();
        foreach (var (element, path) in root.Array("outputs"))
        {
            var output = root.At(element, path);
            var id = UniqueId(output, outputs.Select(o => o.Id), "output");
            var kind = Choice(output, "kind", "relay", [("relay", OutputKind.Relay), ("buzzer", OutputKind.Buzzer), ("led", OutputKind.Led)]);
            outputs.Add(new OutputOptions
            {
                Id = id,
                Kind = kind,
                Pin = RequiredPin(output),
                ActiveLow = output.Boolean("activeLow", false),
                Zones = Names(output, "zones"),
                Rules = Names(output, "rules"),
            });
            output.RejectUnknown();
        }
        return outputs;
    }

    // A field naming one of a few choices (absent: the default): the choice's value, or an error listing them.
    private static T Choice<T>(JsonFields owner, string name, string defaultName, (string Name, T Value)[] choices, string? meaning = null)
    {
        var text = owner.String(name) ?? defaultName;
        foreach (var choice in choices)
        {
            if (choice.Name == text)
            {
                return choice.Value;
            }
        }
        var names = choices.Select(c => $"\"{c.Name}\"").ToList();
        var list = names.Count == 1 ? names[0] : $"{string.Join(", ", names[..^1])} or {names[^1]}";
        throw owner.Error(owner.PathOf(name), $"must be {list}{(meaning is null ? "" : $" ({meaning})")}, got '{text}'");
    }

    private static string UniqueId(JsonFields item, IEnumerable<string> taken, string what)
    {
        var id = item.RequiredString("id");
        if (!ZonePattern().IsMatch(id))
        {
            throw item.Error(item.PathOf("id"), $"must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit, got '{id}'");
        }
        if (taken.Contains(id, StringComparer.Ordinal))
        {
            throw item.Error(item.PathOf("id"), $"'{id}' is used by another {what}; {what} ids must be unique");
        }
        return id;
    }

    private static List<string> Names(JsonFields owner, string name)
    {
        var names = new List<string>();
        foreach (var (element, path) in owner.Array(name))
        {
            var text = element.ValueKind == JsonValueKind.String ? JsonFields.TextOf(element) : null;
            if (text is null || !ZonePattern().IsMatch(text))
            {
                throw owner.Error(path, $"must be an id of 1-64 characters of A-Z a-z 0-9 . _ -, got {JsonFields.Describe(element)}");
            }
            names.Add(text);
        }
        return names;
    }

    private static int RequiredPin(JsonFields owner)
    {
        if (owner.Get("pin") is null)
        {
            throw owner.Error(owner.PathOf("pin"), "is required: the GPIO line (BCM number)");
        }
        return (int)owner.Integer("pin", 0, 1023, 0);
    }

    private static NodeOptions ReadNode(JsonFields? node)
    {
        if (node is null)
        {
            return new NodeOptions();
        }
        Uri? url = null;
        if (node.String("url") is { Length: > 0 } text && NodeUrlProblem(text, out url) is { } problem)
        {
            throw node.Error(node.PathOf("url"), problem);
        }
        var urls = ReadNodeUrls(node);
        if (urls is not null && url is not null)
        {
            throw node.Error(node.PathOf("urls"), $"and {node.PathOf("url")} are both set; give one node as url or several as urls (the first preferred)");
        }
        var options = new NodeOptions
        {
            Url = urls?[0] ?? url,
            Urls = urls ?? (url is null ? [] : [url]),
            PreferredRetry = TimeSpan.FromMilliseconds(node.Integer("preferredRetryMs", 1, 86_400_000, 300_000)),
            RequestTimeout = TimeSpan.FromSeconds(node.Number("requestTimeoutSeconds", 1, 3600, 60)),
            CaCertificateFile = node.String("caCertificateFile") is { Length: > 0 } ca ? ca : null,
        };
        node.RejectUnknown();
        return options;
    }

    // Several member nodes of one consortium, the first preferred; null when the field is missing.
    private static List<Uri>? ReadNodeUrls(JsonFields node)
    {
        if (node.Get("urls") is null)
        {
            return null;
        }
        var urls = new List<Uri>();
        foreach (var (element, path) in node.Array("urls"))
        {
            if (element.ValueKind != JsonValueKind.String || JsonFields.TextOf(element) is not { } text)
            {
                throw node.Error(path, $"must be a URL string, got {JsonFields.Describe(element)}");
            }
            if (NodeUrlProblem(text, out var url) is { } problem)
            {
                throw node.Error(path, problem);
            }
            var normal = WithSlash(url!);
            if (urls.FindIndex(u => u == normal) is var first and >= 0)
            {
                throw node.Error(path, $"repeats {node.PathOf("urls")}[{first}] ({normal.AbsoluteUri}); list each node once");
            }
            urls.Add(normal);
        }
        if (urls.Count == 0)
        {
            throw node.Error(node.PathOf("urls"), "must list at least one node URL (or leave it out, with url)");
        }
        return urls;
    }

    private static Uri WithSlash(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");

    private static SealingOptions ReadSealing(JsonFields? sealing)
    {
        if (sealing is null)
        {
            return new SealingOptions();
        }
        var options = new SealingOptions
        {
            Interval = TimeSpan.FromSeconds(sealing.Number("intervalSeconds", 0.001, 86_400, 60)),
            MaxLeaves = (int)sealing.Integer("maxLeaves", 1, UplinkRoutes.MaxLeavesPerUpload, 1000),
        };
        sealing.RejectUnknown();
        return options;
    }

    private static IngestOptions ReadIngest(JsonFields? ingest)
    {
        if (ingest is null)
        {
            return new IngestOptions();
        }
        var options = new IngestOptions
        {
            BatchMaxReadings = (int)ingest.Integer("batchMaxReadings", 1, 10_000, 1000),
            BatchMaxDelay = TimeSpan.FromMilliseconds(ingest.Number("batchMaxDelayMilliseconds", 0, 10_000, 200)),
        };
        ingest.RejectUnknown();
        return options;
    }

    private static StorageOptions ReadStorage(JsonFields? storage)
    {
        if (storage is null)
        {
            return new StorageOptions();
        }
        var options = new StorageOptions
        {
            MaxDatabaseBytes = (long)(storage.Number("maxDatabaseMegabytes", 1, 1_048_576, 1024) * 1024 * 1024),
            ReserveBytes = (long)(storage.Number("reserveMegabytes", 0, 1024, 8) * 1024 * 1024),
        };
        storage.RejectUnknown();
        return options;
    }

    private static UplinkOptions ReadUplink(JsonFields? uplink)
    {
        if (uplink is null)
        {
            return new UplinkOptions();
        }
        var initial = uplink.Number("retryInitialSeconds", 0.001, 3600, 1);
        var max = uplink.Number("retryMaxSeconds", 0.001, 86_400, 300);
        if (max < initial)
        {
            throw uplink.Error(uplink.PathOf("retryMaxSeconds"), $"must be at least retryInitialSeconds ({initial}), got {max}");
        }
        var options = new UplinkOptions
        {
            RetryInitial = TimeSpan.FromSeconds(initial),
            RetryMax = TimeSpan.FromSeconds(max),
            SlowRetry = TimeSpan.FromSeconds(uplink.Number("slowRetrySeconds", 0.001, 86_400, 600)),
            StatusInterval = TimeSpan.FromSeconds(uplink.Number("statusIntervalSeconds", 0.01, 3600, 30)),
        };
        uplink.RejectUnknown();
        return options;
    }

    private static SensorOptions ReadSensors(JsonFields? sensors)
    {
        if (sensors is null)
        {
            return new SensorOptions();
        }
        var zones = new Dictionary<string, string>(StringComparer.Ordinal);
        if (sensors.Object("zones") is { } zoneMap)
        {
            foreach (var property in zoneMap.Properties())
            {
                var field = zoneMap.PathOf(JsonFields.NameOf(property));
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw zoneMap.Error(field, $"must be a zone id string, got {JsonFields.Describe(property.Value)}");
                }
                var zone = JsonFields.TextOf(property.Value) ?? "";
                if (!ZonePattern().IsMatch(zone))
                {
                    throw zoneMap.Error(field, $"zone must be 1-64 characters of A-Z a-z 0-9 . _ -, got '{zone}'");
                }
                if (!zones.TryAdd(JsonFields.NameOf(property), zone))
                {
                    throw zoneMap.Error(field, "appears twice");
                }
            }
        }
        var options = new SensorOptions
        {
            SysfsRoot = sensors.String("sysfsRoot") is { Length: > 0 } root ? root : "/",
            PollInterval = TimeSpan.FromSeconds(sensors.Number("pollIntervalSeconds", 0.1, 86_400, 60)),
            Zones = zones,
            Rfid = sensors.Array("rfid").Select(item => ReadRfid(sensors.At(item.Element, item.Path))).ToList(),
            Devices = ReadDevices(sensors),
        };
        sensors.RejectUnknown();
        return options;
    }

    private static GpioSettings ReadGpio(JsonFields? gpio)
    {
        if (gpio is null)
        {
            return new GpioSettings();
        }
        var text = gpio.String("driver") ?? GpioSettings.NameOf(GpioDriverKind.Libgpiod);
        var driver = text switch
        {
            "libgpiod" => GpioDriverKind.Libgpiod,
            "libgpiod-v2" => GpioDriverKind.LibgpiodV2,
            "sysfs" => GpioDriverKind.Sysfs,
            _ => throw gpio.Error(gpio.PathOf("driver"), $"must be \"libgpiod\" (libgpiod 1.x, Bookworm), \"libgpiod-v2\" (libgpiod 2.x, Trixie and later) or \"sysfs\", got '{text}'"),
        };
        var settings = new GpioSettings { Driver = driver, Chip = (int)gpio.Integer("chip", 0, 63, 0) };
        gpio.RejectUnknown();
        return settings;
    }

    private static List<BindingSensorOptions> ReadDevices(JsonFields sensors)
    {
        var devices = new List<BindingSensorOptions>();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (element, path) in sensors.Array("devices"))
        {
            var device = ReadDevice(sensors.At(element, path));
            if (!ids.TryAdd(device.Id, path))
            {
                throw sensors.Error(path, $"sensor id '{device.Id}' is also the id of {ids[device.Id]}; give one of them another address or a sensorId");
            }
            devices.Add(device);
        }
        return devices;
    }

    private static BindingSensorOptions ReadDevice(JsonFields device)
    {
        ConfigException Error(string name, string problem) => device.Error(device.PathOf(name), problem);

        var names = Enum.GetValues<SensorBinding>().ToDictionary(BindingSensorOptions.NameOf, b => b, StringComparer.Ordinal);
        var name = device.RequiredString("binding");
        if (!names.TryGetValue(name, out var binding))
        {
            throw Error("binding", $"must be one of {string.Join(", ", names.Keys)}, got '{name}'");
        }
        var options = new BindingSensorOptions { Binding = binding };
        switch (BindingSensorOptions.BusOf(binding))
        {
            case BindingBus.I2c:
                options = options with { Bus = (int)device.Integer("bus", 0, 255, 1), Address = I2cAddress(device) };
                break;
            case BindingBus.Spi:
                options = options with
                {
                    Bus = (int)device.Integer("bus", 0, 255, 0),
                    ChipSelect = (int)device.Integer("chipSelect", 0, 255, 0),
                    Probe = ReadProbe(device.Object("probe")),
                };
                break;
            default:
                if (device.Get("pin") is null)
                {
                    throw Error("pin", "is required: the GPIO line (BCM number) the sensor's data wire is on");
                }
                options = options with { Pin = (int)device.Integer("pin", 0, 1023, 0) };
                break;
        }
        var sensorId = device.String("sensorId");
        if (sensorId is not null && !SensorIdPattern().IsMatch(sensorId))
        {
            throw Error("sensorId", $"must be 1-128 characters of A-Z a-z 0-9 . _ - : / starting with a letter or digit, got '{sensorId}'");
        }
        options = options with { SensorId = sensorId, Zone = ReadZone(device) };
        device.RejectUnknown();
        return options;
    }

    // A 7-bit I2C address, as a number (68) or as datasheets write it ("0x44").
    private static int I2cAddress(JsonFields device)
    {
        var field = device.PathOf("address");
        var value = device.Get("address") ?? throw device.Error(field, "is required: the sensor's 7-bit I2C address, e.g. \"0x44\"");
        int address;
        if (value.ValueKind == JsonValueKind.String && JsonFields.TextOf(value) is { } text
            && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(text.AsSpan(2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var hex))
        {
            address = hex;
        }
        else if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out address))
        {
            throw device.Error(field, $"must be an I2C address such as \"0x44\" or 68, got {JsonFields.Describe(value)}");
        }
        if (address is < 0x03 or > 0x77)
        {
            throw device.Error(field, $"must be a 7-bit address from 0x03 to 0x77, got 0x{address:x2}");
        }
        return address;
    }

    private static RtdProbe ReadProbe(JsonFields? probe)
    {
        if (probe is null)
        {
            return new RtdProbe();
        }
        var nominal = (int)probe.Integer("nominalOhms", 100, 1000, 100);
        if (nominal is not (100 or 1000))
        {
            throw probe.Error(probe.PathOf("nominalOhms"), $"must be 100 (PT100) or 1000 (PT1000), got {nominal}");
        }
        var wires = (int)probe.Integer("wires", 2, 4, 3);
        var mains = (int)probe.Integer("mainsHz", 50, 60, 50);
        if (mains is not (50 or 60))
        {
            throw probe.Error(probe.PathOf("mainsHz"), $"must be 50 or 60, got {mains}");
        }
        var reference = probe.Number("referenceOhms", 10, 100_000, nominal == 1000 ? 4300 : 430);
        probe.RejectUnknown();
        return new RtdProbe(nominal, wires, reference, mains);
    }

    private static RfidReaderOptions ReadRfid(JsonFields reader)
    {
        var typeText = reader.RequiredString("type");
        var type = typeText switch
        {
            "evdev" => RfidReaderType.Evdev,
            "serial" => RfidReaderType.Serial,
            "mfrc522" => RfidReaderType.Mfrc522,
            "pn532" => RfidReaderType.Pn532,
            _ => throw reader.Error(reader.PathOf("type"), $"must be \"evdev\" (USB keyboard-wedge reader), \"serial\", \"mfrc522\" or \"pn532\" (HF readers), got '{typeText}'"),
        };
        if (type is RfidReaderType.Mfrc522 or RfidReaderType.Pn532)
        {
            return ReadHfReader(reader, type);
        }
        var device = reader.RequiredString("device");
        if (!device.StartsWith('/'))
        {
            throw reader.Error(reader.PathOf("device"), $"must be an absolute device path such as /dev/edgetrace-rfid, got '{device}'");
        }
        var sensorId = reader.String("sensorId");
        if (sensorId is not null && !SensorIdPattern().IsMatch(sensorId))
        {
            throw reader.Error(reader.PathOf("sensorId"), $"must be 1-128 characters of A-Z a-z 0-9 . _ - : / starting with a letter or digit, got '{sensorId}'");
        }
        var zone = reader.String("zone");
        if (zone is not null && !ZonePattern().IsMatch(zone))
        {
            throw reader.Error(reader.PathOf("zone"), $"must be 1-64 characters of A-Z a-z 0-9 . _ -, got '{zone}'");
        }
        var baud = (int)reader.Integer("baudRate", 1, 4_000_000, 9600);
        if (type == RfidReaderType.Serial && !EdgeGateway.Sensors.Rfid.SerialRfidReader.SupportedBaudRates.Contains(baud))
        {
            throw reader.Error(reader.PathOf("baudRate"), $"must be one of {string.Join(", ", EdgeGateway.Sensors.Rfid.SerialRfidReader.SupportedBaudRates)}, got {baud}");
        }
        reader.RejectUnknown();
        return new RfidReaderOptions { Type = type, Device = device, SensorId = sensorId, Zone = zone, BaudRate = baud };
    }

    private static RfidReaderOptions ReadHfReader(JsonFields reader, RfidReaderType type)
    {
        ConfigException Error(string name, string problem) => reader.Error(reader.PathOf(name), problem);

        var options = new HfRfidOptions { Chip = type == RfidReaderType.Mfrc522 ? HfReaderChip.Mfrc522 : HfReaderChip.Pn532 };
        if (type == RfidReaderType.Mfrc522)
        {
            options = options with
            {
                Bus = (int)reader.Integer("bus", 0, 255, 0),
                ChipSelect = (int)reader.Integer("chipSelect", 0, 255, 0),
                Pin = reader.Get("resetPin") is null ? -1 : (int)reader.Integer("resetPin", 0, 1023, 0),
            };
        }
        else
        {
            var transport = Choice(reader, "transport", "i2c", [("i2c", Pn532Transport.I2c), ("spi", Pn532Transport.Spi), ("serial", Pn532Transport.Serial)],
                "set the PN532's mode switches to match");
            options = options with { Transport = transport };
            switch (transport)
            {
                case Pn532Transport.I2c:
                    options = options with { Bus = (int)reader.Integer("bus", 0, 255, 1) };
                    break;
                case Pn532Transport.Spi:
                    if (reader.Get("chipSelectPin") is null)
                    {
                        throw Error("chipSelectPin", "is required for a PN532 on SPI: the GPIO line of its chip select (the driver drives it)");
                    }
                    options = options with { Bus = (int)reader.Integer("bus", 0, 255, 0), Pin = (int)reader.Integer("chipSelectPin", 0, 1023, 0) };
                    break;
                default:
                    var device = reader.RequiredString("device");
                    if (!device.StartsWith('/'))
                    {
                        throw Error("device", $"must be an absolute device path such as /dev/ttyUSB0, got '{device}'");
                    }
                    options = options with { Device = device };
                    break;
            }
        }
        var sensorId = reader.String("sensorId");
        if (sensorId is not null && !SensorIdPattern().IsMatch(sensorId))
        {
            throw Error("sensorId", $"must be 1-128 characters of A-Z a-z 0-9 . _ - : / starting with a letter or digit, got '{sensorId}'");
        }
        options = options with
        {
            SensorId = sensorId,
            Zone = ReadZone(reader),
            PollInterval = TimeSpan.FromMilliseconds(reader.Number("pollMilliseconds", 50, 60_000, 250)),
            ReadNdef = reader.Boolean("ndef", true),
        };
        reader.RejectUnknown();
        return new RfidReaderOptions { Type = type, Device = options.Device ?? "", SensorId = options.Id, Zone = options.Zone, Hf = options };
    }

    private static SimulationOptions ReadSimulation(JsonFields? simulation)
    {
        if (simulation is null)
        {
            return new SimulationOptions();
        }
        var options = new SimulationOptions
        {
            SensorsPerZone = (int)simulation.Integer("sensorsPerZone", 0, 1000, 2),
            LoggingInterval = TimeSpan.FromSeconds(simulation.Number("loggingIntervalSeconds", 1, 86_400, 60)),
            SensorFaultProbability = simulation.Number("sensorFaultProbability", 0, 1, 0),
            PalletCount = (int)simulation.Integer("palletCount", 0, 100_000, 12),
            PalletSpacing = TimeSpan.FromMinutes(simulation.Number("palletSpacingMinutes", 0.1, 1440, 20)),
            CompressorFailure = ReadCompressorFailure(simulation),
        };
        simulation.RejectUnknown();
        return options;
    }

    private static CompressorFailure? ReadCompressorFailure(JsonFields simulation)
    {
        var defaults = new SimulationOptions().CompressorFailure!;
        var value = simulation.Get("compressorFailure");
        if (value is null || value.Value.ValueKind == JsonValueKind.True)
        {
            return defaults;
        }
        if (value.Value.ValueKind == JsonValueKind.False)
        {
            return null;
        }
        var failure = simulation.Object("compressorFailure")!;
        var zone = failure.String("zone") ?? defaults.Zone;
        string[] zones = [SimulatedWarehouse.ChillerZone, SimulatedWarehouse.FreezerZone, SimulatedWarehouse.AmbientZone];
        if (!zones.Contains(zone, StringComparer.Ordinal))
        {
            throw failure.Error(failure.PathOf("zone"), $"must be one of the simulated zones {string.Join(", ", zones)}, got '{zone}'");
        }
        var result = new CompressorFailure(
            TimeSpan.FromMinutes(failure.Number("startMinutes", 0, 525_600, defaults.StartOffset.TotalMinutes)),
            TimeSpan.FromMinutes(failure.Number("durationMinutes", 1, 10_080, defaults.Duration.TotalMinutes)),
            failure.Number("peakCelsius", -50, 60, defaults.PeakCelsius),
            zone);
        failure.RejectUnknown();
        return result;
    }

    private static List<AlarmRule> ReadAlarms(JsonFields root)
    {
        var rules = new List<AlarmRule>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (element, path) in root.Array("alarms"))
        {
            var rule = ReadRule(root.At(element, path));
            if (!ids.Add(rule.Id))
            {
                throw root.Error($"{path}.id", $"'{rule.Id}' is used by another rule; rule ids must be unique");
            }
            rules.Add(rule);
        }
        return rules;
    }

    private static AlarmRule ReadRule(JsonFields rule)
    {
        ConfigException Error(string name, string problem) => rule.Error(rule.PathOf(name), problem);

        var (id, zone) = ReadIdAndZone(rule);
        var quantity = rule.String("quantity") ?? Senml.Temperature;
        var severity = rule.String("severity") ?? AlarmSeverity.Alarm;
        if (!AlarmSeverity.IsKnown(severity))
        {
            throw Error("severity", $"must be warning or alarm, got '{severity}'");
        }
        if (quantity is AlarmQuantities.Door or AlarmQuantities.NoData)
        {
            return ReadTimedRule(rule, id, zone, quantity) with { Severity = severity };
        }
        if (Senml.UnitOf(quantity) is null)
        {
            throw Error("quantity", $"must be temperature, humidity, pressure, door or no-data, got '{quantity}'");
        }
        var above = rule.Number("above", -1e9, 1e9);
        var below = rule.Number("below", -1e9, 1e9);
        if (above is null && below is null)
        {
            throw Error("above", "a rule needs 'above', 'below' or both");
        }
        if (above is { } a && below is { } b && b >= a)
        {
            throw Error("below", $"must be less than 'above' ({a}), got {b}");
        }
        var delay = rule.Number("delayMinutes", 0, 7 * 24 * 60);
        var cumulative = rule.Number("cumulativeMinutes", 0.001, 7 * 24 * 60);
        var window = rule.Number("windowHours", 0.001, 7 * 24);
        var maxGap = rule.Number("maxGapMinutes", 0.001, 24 * 60);
        if (cumulative is not null && delay is not null)
        {
            throw Error("delayMinutes", "a rule is either a limit rule (delayMinutes) or a cumulative rule (cumulativeMinutes), not both; write two rules");
        }
        if (cumulative is null && (window is not null || maxGap is not null))
        {
            throw Error(window is not null ? "windowHours" : "maxGapMinutes", "applies only to cumulative rules (with cumulativeMinutes)");
        }
        var windowSpan = TimeSpan.FromHours(window ?? 24);
        if (cumulative is { } c && TimeSpan.FromMinutes(c) > windowSpan)
        {
            throw Error("cumulativeMinutes", $"must not exceed the window of {windowSpan.TotalHours} h, got {c} min");
        }
        rule.RejectUnknown();
        return new AlarmRule
        {
            Id = id,
            Zone = zone,
            Quantity = quantity,
            Above = above,
            Below = below,
            Delay = TimeSpan.FromMinutes(delay ?? 0),
            Cumulative = cumulative is { } cm ? TimeSpan.FromMinutes(cm) : null,
            Window = windowSpan,
            MaxGap = TimeSpan.FromMinutes(maxGap ?? 15),
            Severity = severity,
        };
    }

    // The id and zone of an alarm rule or a suppression window (both required, both ids).
    private static (string Id, string Zone) ReadIdAndZone(JsonFields owner)
    {
        var values = new[] { "id", "zone" }.Select(name =>
        {
            var value = owner.RequiredString(name);
            return ZonePattern().IsMatch(value)
                ? value
                : throw owner.Error(owner.PathOf(name), $"must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit, got '{value}'");
        }).ToArray();
        return (values[0], values[1]);
    }

    // A door left open (the zone's door contacts, open for longer than delayMinutes), or a sensor
    // of the zone silent for longer than silentMinutes: rules without limits.
    private static AlarmRule ReadTimedRule(JsonFields rule, string id, string zone, string quantity)
    {
        var door = quantity == AlarmQuantities.Door;
        var (own, other) = door ? ("delayMinutes", "silentMinutes") : ("silentMinutes", "delayMinutes");
        var what = door
            ? "a door rule, which starts after delayMinutes open and ends when the door closes"
            : "a no-data rule, which starts when a sensor of the zone has given no good reading for silentMinutes and ends at its next one";
        foreach (var name in new[] { "above", "below", "cumulativeMinutes", "windowHours", "maxGapMinutes", other })
        {
            if (rule.Get(name) is not null)
            {
                throw rule.Error(rule.PathOf(name), $"does not apply to {what}");
            }
        }
        var minutes = door ? rule.Number(own, 0, 7 * 24 * 60) ?? 0 : rule.Number(own, 0.1, 7 * 24 * 60);
        if (minutes is not { } span)
        {
            throw rule.Error(rule.PathOf(own), $"is required for {what} (0.1 to {7 * 24 * 60} minutes)");
        }
        rule.RejectUnknown();
        return door
            ? new AlarmRule { Id = id, Zone = zone, Quantity = quantity, Delay = TimeSpan.FromMinutes(span) }
            : new AlarmRule { Id = id, Zone = zone, Quantity = quantity, SilentFor = TimeSpan.FromMinutes(span) };
    }

    private static List<SuppressionWindow> ReadSuppressions(JsonFields root)
    {
        var windows = new List<SuppressionWindow>();
        foreach (var (element, path) in root.Array("suppressions"))
        {
            var window = ReadSuppression(root.At(element, path));
            if (windows.Any(w => w.Id == window.Id))
            {
                throw root.Error($"{path}.id", $"'{window.Id}' is used by another window; window ids must be unique");
            }
            windows.Add(window);
        }
        return windows;
    }

    // Times are UTC: a daily "HH:MM" is a UTC time of day; from and to carry their offset.
    private static SuppressionWindow ReadSuppression(JsonFields window)
    {
        ConfigException Error(string name, string problem) => window.Error(window.PathOf(name), problem);

        var (id, zone) = ReadIdAndZone(window);
        var reason = window.RequiredString("reason");
        if (!ReasonPattern().IsMatch(reason))
        {
            throw Error("reason", $"must be a lower-case code of a-z 0-9 - (1-64 characters, e.g. defrost, maintenance), got '{reason}'");
        }
        var daily = window.String("daily");
        var from = window.String("from");
        var to = window.String("to");
        var duration = window.Number("durationMinutes", 1, 24 * 60 - 1);
        SuppressionWindow result;
        if (daily is not null)
        {
            if (from is not null || to is not null)
            {
                throw Error(from is not null ? "from" : "to", "a window is either daily (daily, durationMinutes) or one-off (from, to), not both");
            }
            if (!TimeSpan.TryParseExact(daily, @"hh\:mm", CultureInfo.InvariantCulture, out var start) || start >= TimeSpan.FromDays(1))
            {
                throw Error("daily", $"must be a UTC time of day as HH:MM (00:00 to 23:59), got '{daily}'");
            }
            if (duration is not { } minutes)
            {
                throw Error("durationMinutes", "is required with daily (1 to 1439 minutes)");
            }
            result = new SuppressionWindow { Id = id, Zone = zone, Reason = reason, DailyStart = start, Duration = TimeSpan.FromMinutes(minutes) };
        }
        else
        {
            if (from is null || to is null)
            {
                throw Error(from is null ? "from" : "to", "a window needs daily and durationMinutes, or from and to (ISO 8601 times with an offset, e.g. 2026-12-08T09:00:00Z)");
            }
            if (duration is not null)
            {
                throw Error("durationMinutes", "applies only to daily windows; a one-off window ends at 'to'");
            }
            var fromMs = ReadInstant(window, "from", from);
            var toMs = ReadInstant(window, "to", to);
            if (toMs <= fromMs)
            {
                throw Error("to", $"must be after 'from' ({from}), got '{to}'");
            }
            result = new SuppressionWindow { Id = id, Zone = zone, Reason = reason, FromMs = fromMs, ToMs = toMs };
        }
        window.RejectUnknown();
        return result;
    }

    private static long ReadInstant(JsonFields owner, string name, string text)
    {
        var hasOffset = text.EndsWith('Z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        if (!hasOffset || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            throw owner.Error(owner.PathOf(name), $"must be an ISO 8601 time with Z or an offset (e.g. 2026-12-08T09:00:00Z), got '{text}'");
        }
        return instant.ToUnixTimeMilliseconds();
    }

    private static MqttSettings? ReadMqtt(JsonFields? mqtt, string deviceId)
    {
        if (mqtt is null)
        {
            return null;
        }
        ConfigException Error(string name, string problem) => mqtt.Error(mqtt.PathOf(name), problem);
        string? Optional(string name) => mqtt.String(name) is { Length: > 0 } text ? text : null;

        var host = Optional("host");
        if (host is not null && (host.Contains("://", StringComparison.Ordinal) || host.Any(char.IsWhiteSpace) || host.Contains('/')))
        {
            throw Error("host", $"must be a host name or IP address without scheme, port or spaces (e.g. broker.local), got '{host}'");
        }
        var brokerKind = mqtt.String("broker") ?? "external";
        if (brokerKind is not ("external" or "embedded"))
        {
            throw Error("broker", $"must be \"external\" (the broker at mqtt.host) or \"embedded\" (a broker inside the gateway, mqtt.embedded), got '{brokerKind}'");
        }
        var embedded = ReadEmbedded(mqtt, brokerKind == "embedded");
        if (embedded is not null && host is not null)
        {
            throw Error("host", "must be empty with broker \"embedded\": the gateway connects to its own broker (give mqtt.embedded.port and bind instead)");
        }
        var ca = Optional("caCertificateFile");
        if (embedded is not null && (ca is not null || Optional("username") is not null))
        {
            throw Error(ca is not null ? "caCertificateFile" : "username", "is for an external broker; with broker \"embedded\" the gateway connects to its own broker over loopback (TLS for sensor nodes is mqtt.embedded.tlsPort)");
        }
        if (embedded is not null)
        {
            // The gateway's own client: over loopback to the plain listener (the bind address if it is a single one).
            host = embedded.Bind.Equals(System.Net.IPAddress.Any) ? "127.0.0.1" : embedded.Bind.ToString();
        }
        // Read either way (it is in the template), used for an external broker only.
        var externalPort = (int)mqtt.Integer("port", 1, 65_535, ca is null ? 1883 : 8883);
        var port = embedded?.Port ?? externalPort;
        var protocolText = mqtt.String("protocol") ?? "3.1.1";
        var protocol = protocolText switch
        {
            "3.1.1" => MqttProtocolVersion.V311,
            "5" or "5.0" => MqttProtocolVersion.V5,
            _ => throw Error("protocol", $"must be \"3.1.1\" or \"5\", got '{protocolText}'"),
        };
        var clientId = Optional("clientId") ?? $"edgetrace-{deviceId}";
        if (clientId.Length > 64 || clientId.Any(ch => char.IsControl(ch) || ch is '+' or '#' or '/'))
        {
            throw Error("clientId", $"must be at most 64 printable characters without + # /, got '{clientId}'");
        }
        var username = Optional("username");
        var passwordFile = Optional("passwordFile");
        if (passwordFile is not null && username is null)
        {
            throw Error("passwordFile", "needs a username");
        }
        var certificate = Optional("clientCertificateFile");
        var key = Optional("clientKeyFile");
        if ((certificate is null) != (key is null))
        {
            throw Error(certificate is null ? "clientKeyFile" : "clientCertificateFile", "clientCertificateFile and clientKeyFile go together: give both, or neither");
        }
        if (certificate is not null && ca is null)
        {
            throw Error("clientCertificateFile", "a client certificate is used over TLS only; set caCertificateFile too");
        }
        var prefix = mqtt.String("topicPrefix") ?? Firmware.Contracts.Mqtt.MqttTopics.DefaultPrefix;
        try
        {
            _ = new Firmware.Contracts.Mqtt.MqttTopics(prefix);
        }
        catch (ArgumentException)
        {
            throw Error("topicPrefix", $"must be topic levels without '+', '#' or empty levels, got '{prefix}'");
        }
        var reconnectMin = mqtt.Number("reconnectMinSeconds", 0.01, 3600, 1);
        var reconnectMax = mqtt.Number("reconnectMaxSeconds", 0.01, 86_400, 60);
        if (reconnectMax < reconnectMin)
        {
            throw Error("reconnectMaxSeconds", $"must be at least reconnectMinSeconds ({reconnectMin}), got {reconnectMax}");
        }
        var settings = new MqttSettings
        {
            Host = host ?? "",
            Port = port,
            Protocol = protocol,
            ClientId = clientId,
            CleanSession = mqtt.Boolean("cleanSession", false),
            KeepAlive = TimeSpan.FromSeconds(mqtt.Integer("keepAliveSeconds", 5, 65_535, 30)),
            Username = username,
            PasswordFile = passwordFile,
            CaCertificateFile = ca,
            ClientCertificateFile = certificate,
            ClientKeyFile = key,
            TopicPrefix = prefix,
            ReconnectMin = TimeSpan.FromSeconds(reconnectMin),
            ReconnectMax = TimeSpan.FromSeconds(reconnectMax),
            QueueMessages = (int)mqtt.Integer("queueMessages", 1, 1_000_000, 2000),
            QueueBytes = (long)(mqtt.Number("queueMegabytes", 0.25, 1024, 1) * 1024 * 1024),
            ReceiveQueueMessages = (int)mqtt.Integer("receiveQueueMessages", 1, 100_000, 200),
            Nodes = ReadNodes(mqtt),
            Embedded = embedded,
        };
        settings = ReadZigbee2Mqtt(mqtt.Object("zigbee2mqtt"), settings);
        mqtt.RejectUnknown();
        if (host is null)
        {
            return null;
        }
        if (settings.Nodes.Any(n => n.Id == clientId))
        {
            throw Error("nodes", $"node id '{clientId}' is the gateway's own client id (mqtt.clientId); give the node another id");
        }
        if (deviceId == "nodes")
        {
            throw mqtt.Error("deviceId", "'nodes' is where sensor nodes publish (<topicPrefix>/nodes/...); a gateway that uses MQTT needs another device id");
        }
        return settings;
    }

    /// <summary>Reads <c>mqtt.embedded</c> whenever it is there (so that a typo is caught before the broker
    /// is switched on), and returns it only with <c>broker: "embedded"</c>.</summary>
    private static EmbeddedBrokerSettings? ReadEmbedded(JsonFields mqtt, bool wanted)
    {
        var embedded = mqtt.Object("embedded");
        if (embedded is null && !wanted)
        {
            return null;
        }
        ConfigException Error(string name, string problem) => mqtt.Error($"{mqtt.PathOf("embedded")}.{name}", problem);
        string? Optional(string name) => embedded?.String(name) is { Length: > 0 } text ? text : null;
        var bindText = Optional("bind") ?? "0.0.0.0";
        if (!System.Net.IPAddress.TryParse(bindText, out var bind) || bind.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw Error("bind", $"must be an IPv4 address (0.0.0.0 for every interface, 127.0.0.1 for this machine only), got '{bindText}'");
        }
        var port = (int)(embedded?.Integer("port", 1, 65_535, 1883) ?? 1883);
        var tlsPortValue = embedded?.Integer("tlsPort", 0, 65_535, 0) ?? 0;
        int? tlsPort = tlsPortValue == 0 ? null : (int)tlsPortValue;
        var certificate = Optional("certificateFile");
        var key = Optional("keyFile");
        var clientCa = Optional("clientCaFile");
        var users = Optional("usersFile");
        var anonymous = embedded?.Boolean("allowAnonymous", false) ?? false;
        embedded?.RejectUnknown();
        if (tlsPort is not null && (certificate is null || key is null))
        {
            throw Error(certificate is null ? "certificateFile" : "keyFile", "tlsPort needs the broker's certificate and its unencrypted key (certificateFile and keyFile)");
        }
        if (tlsPort is null && (certificate is not null || key is not null || clientCa is not null))
        {
            throw Error("tlsPort", "certificateFile, keyFile and clientCaFile are for the TLS listener; give tlsPort (e.g. 8883) too");
        }
        if (tlsPort == port)
        {
            throw Error("tlsPort", $"must differ from port ({port})");
        }
        if (wanted && users is null && clientCa is null && !anonymous)
        {
            throw Error("usersFile", "nobody but the gateway could connect: give usersFile (per-node credentials), clientCaFile (client certificates), or allowAnonymous true on a closed network");
        }
        return !wanted ? null : new EmbeddedBrokerSettings
        {
            Bind = bind,
            Port = port,
            TlsPort = tlsPort,
            CertificateFile = certificate,
            KeyFile = key,
            ClientCaFile = clientCa,
            UsersFile = users,
            AllowAnonymous = anonymous,
        };
    }

    private static IotHubSettings? ReadIotHub(JsonFields? hub, string deviceId)
    {
        if (hub is null)
        {
            return null;
        }
        string? Optional(string name) => hub.String(name) is { Length: > 0 } text ? text : null;
        var host = Optional("hostName");
        var device = Optional("deviceId") ?? deviceId;
        var keyFile = Optional("deviceKeyFile");
        var ca = Optional("caCertificateFile");
        var port = (int)hub.Integer("port", 1, 65_535, 8883);
        var apiVersion = Optional("apiVersion") ?? IotHubSettings.DefaultApiVersion;
        var lifetime = hub.Number("tokenLifetimeMinutes", 5, 60 * 24 * 365, 60);
        var queue = (int)hub.Integer("queueMessages", 1, 1_000_000, 2000);
        hub.RejectUnknown();
        if (host is null)
        {
            return null;
        }
        if (host.Contains("://", StringComparison.Ordinal) || host.Contains('/') || host.Any(char.IsWhiteSpace))
        {
            throw hub.Error(hub.PathOf("hostName"), $"must be the hub's host name without scheme or path (e.g. my-hub.azure-devices.net), got '{host}'");
        }
        if (device.Length > 128 || device.Any(ch => char.IsControl(ch) || ch is '/' or '+' or '#' or '?' or '&' or ' '))
        {
            throw hub.Error(hub.PathOf("deviceId"), $"must be the device id registered in the hub (at most 128 characters, no / + # ? & or spaces), got '{device}'");
        }
        if (keyFile is null)
        {
            throw hub.Error(hub.PathOf("deviceKeyFile"), "is required with hostName: a file whose first line is the device's primary key (base64), from the hub's device page");
        }
        if (!System.Text.RegularExpressions.Regex.IsMatch(apiVersion, "^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?\\z"))
        {
            throw hub.Error(hub.PathOf("apiVersion"), $"must be an IoT Hub api-version such as {IotHubSettings.DefaultApiVersion}, got '{apiVersion}'");
        }
        return new IotHubSettings
        {
            HostName = host,
            DeviceId = device,
            DeviceKeyFile = keyFile,
            Port = port,
            CaCertificateFile = ca,
            ApiVersion = apiVersion,
            TokenLifetime = TimeSpan.FromMinutes(lifetime),
            QueueMessages = queue,
        };
    }

    private static List<MqttNodeSettings> ReadNodes(JsonFields mqtt)
    {
        var nodes = new List<MqttNodeSettings>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (element, path) in mqtt.Array("nodes"))
        {
            var node = mqtt.At(element, path);
            var id = node.RequiredString("id");
            if (!Firmware.Contracts.Mqtt.MqttTopics.IsValidNodeId(id))
            {
                throw node.Error(node.PathOf("id"), $"must be 1-64 characters of A-Z a-z 0-9 . _ -, got '{id}'");
            }
            if (!ids.Add(id))
            {
                throw node.Error(node.PathOf("id"), $"'{id}' is listed twice");
            }
            var zone = ReadZone(node);
            node.RejectUnknown();
            nodes.Add(new MqttNodeSettings(id, zone));
        }
        return nodes;
    }

    private static MqttSettings ReadZigbee2Mqtt(JsonFields? zigbee, MqttSettings settings)
    {
        if (zigbee is null)
        {
            return settings;
        }
        var baseTopic = zigbee.String("baseTopic") ?? "zigbee2mqtt";
        if (!IsTopicPath(baseTopic))
        {
            throw zigbee.Error(zigbee.PathOf("baseTopic"), $"must be topic levels without '+', '#' or empty levels, got '{baseTopic}'");
        }
        var devices = new List<Zigbee2MqttDeviceSettings>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var sensors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (element, path) in zigbee.Array("devices"))
        {
            var device = zigbee.At(element, path);
            var name = device.RequiredString("name");
            if (!IsTopicPath(name) || name.Length > 256)
            {
                throw device.Error(device.PathOf("name"), $"must be a zigbee2mqtt friendly name without '+', '#' or empty topic levels, got '{name}'");
            }
            if (!names.Add(name))
            {
                throw device.Error(device.PathOf("name"), $"'{name}' is mapped twice");
            }
            var sensorId = device.RequiredString("sensorId");
            if (!SensorIdPattern().IsMatch(sensorId))
            {
                throw device.Error(device.PathOf("sensorId"), $"must be 1-128 characters of A-Z a-z 0-9 . _ - : / starting with a letter or digit, got '{sensorId}'");
            }
            if (!sensors.Add(sensorId))
            {
                throw device.Error(device.PathOf("sensorId"), $"'{sensorId}' is used by another device");
            }
            var zone = ReadZone(device);
            device.RejectUnknown();
            devices.Add(new Zigbee2MqttDeviceSettings(name, sensorId, zone));
        }
        zigbee.RejectUnknown();
        return settings with { Zigbee2MqttBaseTopic = baseTopic, Zigbee2MqttDevices = devices };
    }

    private static string? ReadZone(JsonFields owner)
    {
        var zone = owner.String("zone");
        if (zone is not null && !ZonePattern().IsMatch(zone))
        {
            throw owner.Error(owner.PathOf("zone"), $"must be 1-64 characters of A-Z a-z 0-9 . _ -, got '{zone}'");
        }
        return zone;
    }

    private static bool IsTopicPath(string path) =>
        path.Length > 0 && !path.Contains('+') && !path.Contains('#') && !path.Any(char.IsControl) && path.Split('/').All(level => level.Length > 0);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z")]
    private static partial Regex DeviceIdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z")]
    private static partial Regex ZonePattern();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ReasonPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}\\z")]
    private static partial Regex SensorIdPattern();
}
