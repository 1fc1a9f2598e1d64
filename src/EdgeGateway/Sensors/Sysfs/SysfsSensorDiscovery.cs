using System.Text.RegularExpressions;

namespace EdgeGateway.Sensors.Sysfs;

/// <summary>Settings for <see cref="SysfsSensorDiscovery"/>.</summary>
public sealed record SysfsDiscoveryOptions
{
    /// <summary>File-system root that holds <c>sys/</c>; "/" on a gateway, a temp folder in tests.</summary>
    public string Root { get; init; } = "/";

    /// <summary>Poll interval the sensors will be read at; retries stay within half of it.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Plausible value ranges.</summary>
    public PlausibilityLimits Limits { get; init; } = PlausibilityLimits.Default;

    /// <summary>Zone per sensor id, from the gateway's configuration.</summary>
    public IReadOnlyDictionary<string, string>? Zones { get; init; }

    /// <summary>Replaces the per-driver retry policies (their budget still comes from <see cref="PollInterval"/>).</summary>
    public SensorReadPolicy? ReadPolicyOverride { get; init; }
}

/// <summary>A sysfs entry that was looked at and not used, and why.</summary>
public sealed record SkippedSysfsDevice(string Path, string Reason);

/// <summary>What discovery found.</summary>
public sealed record SysfsDiscoveryResult(IReadOnlyList<SysfsSensor> Sensors, IReadOnlyList<SkippedSysfsDevice> Skipped)
{
    /// <summary>Every channel of every sensor found.</summary>
    public IReadOnlyList<SensorInfo> Channels => Sensors.SelectMany(s => s.Channels).ToList();
}

/// <summary>
/// Finds the supported sensors the kernel drivers expose under a sysfs root:
/// hwmon <c>sht3x</c>/<c>sht4x</c> (<c>/sys/class/hwmon/hwmonN</c>, matched by <c>name</c>),
/// IIO <c>bme280</c>/<c>bmp280</c>/<c>dht11</c> (<c>/sys/bus/iio/devices/iio:deviceN</c>) and
/// w1_therm thermometers (<c>/sys/bus/w1/devices/28-…</c>).
/// Ids come from the bus address or serial (<c>hwmon/sht3x/1-0044</c>, <c>iio/bme280/1-0076</c>,
/// <c>iio/dht11/dht11@4</c>, <c>w1/28-0316a2791c3f</c>), never from hwmonN/iio:deviceN, whose
/// numbering depends on probe order and changes between boots.
/// </summary>
public sealed partial class SysfsSensorDiscovery
{
    private static readonly string[] HwmonDrivers = ["sht3x", "sht4x"];
    private static readonly string[] IioDrivers = ["bme280", "bmp280", "dht11"];

    // w1_therm family codes (drivers/w1/slaves/w1_therm.c) and the parts they identify.
    private static readonly Dictionary<string, string> W1ThermFamilies = new(StringComparer.OrdinalIgnoreCase)
    {
        ["10"] = "ds18s20", ["22"] = "ds1822", ["28"] = "ds18b20", ["3b"] = "ds1825", ["42"] = "ds28ea00",
    };

    private readonly SysfsDiscoveryOptions _options;
    private readonly ISysfsReader _reader;
    private readonly TimeProvider _timeProvider;

    /// <param name="options">Where to look and how the sensors will be read.</param>
    /// <param name="reader">Reads attributes; <see cref="FileSysfsReader.Instance"/> on a gateway.</param>
    /// <param name="timeProvider">Clock for timestamps and retry delays.</param>
    public SysfsSensorDiscovery(SysfsDiscoveryOptions options, ISysfsReader reader, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PollInterval, TimeSpan.Zero);
        _options = options;
        _reader = reader;
        _timeProvider = timeProvider;
    }

    /// <summary>Scans the three buses. Ordered by id; every entry not used is in <see cref="SysfsDiscoveryResult.Skipped"/>.</summary>
    public async Task<SysfsDiscoveryResult> DiscoverAsync(CancellationToken cancellationToken)
    {
        var found = new List<SysfsSensor>();
        var skipped = new List<SkippedSysfsDevice>();
        await ScanHwmonAsync(found, skipped, cancellationToken);
        await ScanIioAsync(found, skipped, cancellationToken);
        ScanW1(found, skipped);

        var unique = new List<SysfsSensor>();
        foreach (var group in found.GroupBy(s => s.Id, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            unique.Add(group.First());
            skipped.AddRange(group.Skip(1).Select(s => new SkippedSysfsDevice(s.DevicePath, $"same device as {group.First().DevicePath} ({group.Key})")));
        }
        return new SysfsDiscoveryResult(unique, skipped);
    }

    private string SysPath(string relative) => Path.Combine(_options.Root, relative);

    private async Task ScanHwmonAsync(List<SysfsSensor> found, List<SkippedSysfsDevice> skipped, CancellationToken cancellationToken)
    {
        var dir = SysPath("sys/class/hwmon");
        if (!Directory.Exists(dir))
        {
            skipped.Add(new(dir, "does not exist: no hwmon drivers are loaded (is the i2c-sensor overlay in config.txt?)"));
            return;
        }
        foreach (var path in EntriesByName(dir))
        {
            var name = await ReadNameAsync(path, skipped, cancellationToken);
            if (name is null) continue;
            if (!HwmonDrivers.Contains(name))
            {
                var why = name == "w1_slave_temp"
                    ? "hwmon view of a 1-Wire thermometer; it is read through /sys/bus/w1 instead"
                    : $"hwmon driver '{name}' is not a supported sensor ({string.Join(", ", HwmonDrivers)})";
                skipped.Add(new(path, why));
                continue;
            }
            // hwmonN/device links to the bus device (../../../1-0044); failing that, the resolved
            // path ends in <bus device>/hwmon/hwmonN.
            var address = LinkTargetName(Path.Combine(path, "device"))
                          ?? ResolvedAncestorName(path, levels: 2);
            if (address is null)
            {
                skipped.Add(new(path, $"{name}: no device link and no resolvable bus address, so no stable id"));
                continue;
            }
            var id = $"hwmon/{name}/{address}";
            var channels = new List<SysfsChannel>();
            AddInput(channels, id, name, Quantity.Temperature, Path.Combine(path, "temp1_input"), 0.001);
            AddInput(channels, id, name, Quantity.Humidity, Path.Combine(path, "humidity1_input"), 0.001);
            if (channels.Count == 0)
            {
                skipped.Add(new(path, $"{name}: neither temp1_input nor humidity1_input exists"));
                continue;
            }
            found.Add(NewSensor(id, name, path, channels, SensorReadPolicy.I2c));
        }
    }

    private async Task ScanIioAsync(List<SysfsSensor> found, List<SkippedSysfsDevice> skipped, CancellationToken cancellationToken)
    {
        var dir = SysPath("sys/bus/iio/devices");
        if (!Directory.Exists(dir))
        {
            skipped.Add(new(dir, "does not exist: no IIO drivers are loaded (bme280/bmp280 via i2c-sensor, DHT via the dht11 overlay)"));
            return;
        }
        foreach (var path in EntriesByName(dir))
        {
            // triggerN entries are IIO triggers, not devices.
            if (!Path.GetFileName(path).StartsWith("iio:device", StringComparison.Ordinal)) continue;
            var name = await ReadNameAsync(path, skipped, cancellationToken);
            if (name is null) continue;
            if (!IioDrivers.Contains(name))
            {
                skipped.Add(new(path, $"IIO device '{name}' is not a supported sensor ({string.Join(", ", IioDrivers)})"));
                continue;
            }
            // /sys/bus/iio/devices/iio:deviceN links into the device tree under its parent:
            // .../i2c-1/1-0076/iio:device0 for I2C, .../platform/dht11@4/iio:device0 for the DHT.
            var address = ResolvedAncestorName(path, levels: 1);
            if (address is null)
            {
                skipped.Add(new(path, $"{name}: not a link into /sys/devices, so no bus address for a stable id"));
                continue;
            }
            var id = $"iio/{name}/{address}";
            var channels = new List<SysfsChannel>();
            // IIO ABI units: temperature m°C, relative humidity m%RH, pressure kPa.
            AddIio(channels, id, name, Quantity.Temperature, path, "in_temp", 0.001);
            AddIio(channels, id, name, Quantity.Humidity, path, "in_humidityrelative", 0.001);
            if (name != "dht11")
                AddIio(channels, id, name, Quantity.Pressure, path, "in_pressure", 1000.0);
            if (channels.Count == 0)
            {
                skipped.Add(new(path, $"{name}: no in_temp, in_humidityrelative or in_pressure attributes"));
                continue;
            }
            found.Add(NewSensor(id, name, path, channels, name == "dht11" ? SensorReadPolicy.Dht : SensorReadPolicy.I2c));
        }
    }

    private void ScanW1(List<SysfsSensor> found, List<SkippedSysfsDevice> skipped)
    {
        var dir = SysPath("sys/bus/w1/devices");
        if (!Directory.Exists(dir))
        {
            skipped.Add(new(dir, "does not exist: no 1-Wire bus (is dtoverlay=w1-gpio in config.txt?)"));
            return;
        }
        foreach (var path in EntriesByName(dir))
        {
            var entry = Path.GetFileName(path);
            if (entry.StartsWith("w1_bus_master", StringComparison.Ordinal)) continue;
            var match = W1SlaveName().Match(entry);
            if (!match.Success)
            {
                skipped.Add(new(path, "not a 1-Wire slave id (ff-xxxxxxxxxxxx)"));
                continue;
            }
            if (!W1ThermFamilies.TryGetValue(match.Groups["family"].Value, out var kind))
            {
                skipped.Add(new(path, $"1-Wire family 0x{match.Groups["family"].Value} is not a w1_therm thermometer"));
                continue;
            }
            var id = $"w1/{entry.ToLowerInvariant()}";
            var info = Info(id, kind, Quantity.Temperature);
            var w1Slave = Path.Combine(path, "w1_slave");
            var temperature = Path.Combine(path, "temperature");
            SysfsChannel channel;
            if (File.Exists(w1Slave)) channel = new W1ThermChannel(info, w1Slave, isW1Slave: true);
            else if (File.Exists(temperature)) channel = new W1ThermChannel(info, temperature, isW1Slave: false);
            else
            {
                skipped.Add(new(path, $"{kind}: neither w1_slave nor temperature exists (is the w1_therm module loaded?)"));
                continue;
            }
            found.Add(NewSensor(id, kind, path, [channel], SensorReadPolicy.OneWire));
        }
    }

    private SysfsSensor NewSensor(string id, string kind, string path, IReadOnlyList<SysfsChannel> channels, SensorReadPolicy driverPolicy)
    {
        var policy = (_options.ReadPolicyOverride ?? driverPolicy) with { Budget = _options.PollInterval / 2 };
        return new SysfsSensor(id, kind, path, channels, _reader, policy, _options.Limits, _timeProvider);
    }

    private SensorInfo Info(string id, string kind, Quantity quantity) =>
        new(id, kind, quantity, SenmlUnits.For(quantity), _options.Zones?.GetValueOrDefault(id));

    private void AddInput(List<SysfsChannel> channels, string id, string kind, Quantity quantity, string path, double toSenml)
    {
        if (File.Exists(path)) channels.Add(new InputChannel(Info(id, kind, quantity), path, toSenml));
    }

    private void AddIio(List<SysfsChannel> channels, string id, string kind, Quantity quantity, string dir, string prefix, double toSenml)
    {
        // Processed _input is preferred; the driver already applied scale and offset.
        var input = Path.Combine(dir, prefix + "_input");
        if (File.Exists(input))
        {
            channels.Add(new InputChannel(Info(id, kind, quantity), input, toSenml));
            return;
        }
        var raw = Path.Combine(dir, prefix + "_raw");
        if (!File.Exists(raw)) return;
        var offset = Path.Combine(dir, prefix + "_offset");
        var scale = Path.Combine(dir, prefix + "_scale");
        channels.Add(new RawChannel(Info(id, kind, quantity), raw,
            File.Exists(offset) ? offset : null, File.Exists(scale) ? scale : null, toSenml));
    }

    private async Task<string?> ReadNameAsync(string devicePath, List<SkippedSysfsDevice> skipped, CancellationToken cancellationToken)
    {
        try
        {
            var name = (await _reader.ReadTextAsync(Path.Combine(devicePath, "name"), cancellationToken)).Trim();
            if (name.Length == 0) skipped.Add(new(devicePath, "name attribute is empty"));
            return name.Length == 0 ? null : name;
        }
        catch (Exception ex) when (SysfsErrors.Classify(ex) is { } fault)
        {
            skipped.Add(new(devicePath, $"cannot read name: {fault.Detail}"));
            return null;
        }
    }

    // Sorted by the number in the name (hwmon2 before hwmon10) so that output is stable.
    private static IEnumerable<string> EntriesByName(string dir) =>
        Directory.EnumerateFileSystemEntries(dir)
            .Where(Directory.Exists)
            .OrderBy(p => Path.GetFileName(p).Length)
            .ThenBy(p => Path.GetFileName(p), StringComparer.Ordinal);

    private static string? LinkTargetName(string linkPath)
    {
        var target = new FileInfo(linkPath).LinkTarget;
        if (string.IsNullOrEmpty(target)) return null;
        var name = Path.GetFileName(target.TrimEnd('/'));
        return name.Length == 0 || name == ".." ? null : name;
    }

    private static string? ResolvedAncestorName(string path, int levels)
    {
        var resolved = new DirectoryInfo(path).ResolveLinkTarget(returnFinalTarget: true);
        if (resolved is null) return null;
        var dir = new DirectoryInfo(resolved.FullName);
        for (var i = 0; i < levels && dir is not null; i++) dir = dir.Parent;
        return dir is null || dir.Name is "devices" or "" ? null : dir.Name;
    }

    [GeneratedRegex("^(?<family>[0-9a-fA-F]{2})-[0-9a-fA-F]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex W1SlaveName();
}
