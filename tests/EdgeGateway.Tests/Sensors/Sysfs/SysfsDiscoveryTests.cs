using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Sysfs;

namespace EdgeGateway.Tests.Sensors.Sysfs;

public sealed class SysfsDiscoveryTests : IDisposable
{
    private readonly FakeSysfsTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private Task<SysfsDiscoveryResult> DiscoverAsync(FakeSysfsTree tree, IReadOnlyDictionary<string, string>? zones = null) =>
        new SysfsSensorDiscovery(new SysfsDiscoveryOptions { Root = tree.Root, Zones = zones }, FileSysfsReader.Instance, TimeProvider.System)
            .DiscoverAsync(CancellationToken.None);

    [Fact]
    public async Task Discover_EverySupportedDriver_FoundWithBusAddressIds()
    {
        _tree.AddCpuThermal(0);
        _tree.AddSht(2, "sht3x", "1-0044");
        _tree.AddSht(3, "sht4x", "1-0045");
        _tree.AddBmx280(0, "bme280", "1-0076");
        _tree.AddBmx280(1, "bmp280", "1-0077");
        _tree.AddDht(2, gpio: 4);
        _tree.AddW1("28-0316a2791c3f", FakeSysfsTree.W1Slave(23.125));

        var result = await DiscoverAsync(_tree);

        Assert.Equal(
            ["hwmon/sht3x/1-0044", "hwmon/sht4x/1-0045", "iio/bme280/1-0076", "iio/bmp280/1-0077", "iio/dht11/dht11@4", "w1/28-0316a2791c3f"],
            result.Sensors.Select(s => s.Id));
        var channels = result.Channels.Select(c => $"{c.Id} {c.Quantity} {c.Unit} {c.Kind}").ToList();
        Assert.Equal(
        [
            "hwmon/sht3x/1-0044 Temperature Cel sht3x", "hwmon/sht3x/1-0044 Humidity %RH sht3x",
            "hwmon/sht4x/1-0045 Temperature Cel sht4x", "hwmon/sht4x/1-0045 Humidity %RH sht4x",
            "iio/bme280/1-0076 Temperature Cel bme280", "iio/bme280/1-0076 Humidity %RH bme280", "iio/bme280/1-0076 Pressure Pa bme280",
            "iio/bmp280/1-0077 Temperature Cel bmp280", "iio/bmp280/1-0077 Pressure Pa bmp280",
            "iio/dht11/dht11@4 Temperature Cel dht11", "iio/dht11/dht11@4 Humidity %RH dht11",
            "w1/28-0316a2791c3f Temperature Cel ds18b20",
        ], channels);
        var cpu = Assert.Single(result.Skipped);
        Assert.EndsWith("hwmon0", cpu.Path, StringComparison.Ordinal);
        Assert.Contains("'cpu_thermal' is not a supported sensor", cpu.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_HwmonAndIioRenumberedAfterReboot_IdsUnchanged()
    {
        _tree.AddSht(1, "sht3x", "1-0044");
        _tree.AddBmx280(0, "bme280", "1-0076");
        _tree.AddDht(1);

        using var rebooted = new FakeSysfsTree();
        rebooted.AddCpuThermal(0);
        rebooted.AddSht(7, "sht3x", "1-0044");
        rebooted.AddDht(0);
        rebooted.AddBmx280(3, "bme280", "1-0076");

        var before = await DiscoverAsync(_tree);
        var after = await DiscoverAsync(rebooted);

        Assert.Equal(before.Channels, after.Channels);
        Assert.Contains(after.Sensors, s => s.Id == "hwmon/sht3x/1-0044" && s.DevicePath.EndsWith("hwmon7", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discover_EmptyRoot_SaysWhichBusesAreMissingAndWhatToCheck()
    {
        var result = await DiscoverAsync(_tree);

        Assert.Empty(result.Sensors);
        Assert.Collection(result.Skipped,
            s => Assert.Contains("no hwmon drivers", s.Reason, StringComparison.Ordinal),
            s => Assert.Contains("no IIO drivers", s.Reason, StringComparison.Ordinal),
            s => Assert.Contains("dtoverlay=w1-gpio", s.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discover_UnsupportedDevices_AreListedWithReasons()
    {
        _tree.AddW1("28-0316a2791c3f", FakeSysfsTree.W1Slave(4.5));
        _tree.AddW1("2d-00000a1b2c3d", w1Slave: null);                 // DS2431 EEPROM
        _tree.AddW1("28-00000d0e0f10", w1Slave: null, temperature: null); // w1_therm not bound
        _tree.AddIio(3, "ads1015", "sys/devices/platform/soc/fe804000.i2c/i2c-1/1-0048", new Dictionary<string, string> { ["in_voltage0_raw"] = "1234\n" }, []);
        _tree.Write("sys/bus/iio/devices/trigger0/name", "sysfstrig0\n");

        var result = await DiscoverAsync(_tree);

        Assert.Equal(["w1/28-0316a2791c3f"], result.Sensors.Select(s => s.Id));
        Assert.Contains(result.Skipped, s => s.Path.EndsWith("2d-00000a1b2c3d", StringComparison.Ordinal) && s.Reason.Contains("family 0x2d", StringComparison.Ordinal));
        Assert.Contains(result.Skipped, s => s.Path.EndsWith("28-00000d0e0f10", StringComparison.Ordinal) && s.Reason.Contains("w1_therm module", StringComparison.Ordinal));
        Assert.Contains(result.Skipped, s => s.Path.EndsWith("iio:device3", StringComparison.Ordinal) && s.Reason.Contains("'ads1015'", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Skipped, s => s.Path.EndsWith("trigger0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discover_W1TemperatureFileOnly_IsUsed()
    {
        _tree.AddW1("28-0316a2791c3f", w1Slave: null, temperature: "-18250\n");

        var result = await DiscoverAsync(_tree);

        var m = Assert.IsType<Measurement>(Assert.Single(await result.Sensors[0].ReadOnceAsync(CancellationToken.None)));
        Assert.Equal(-18.25, m.Value);
    }

    [Fact]
    public async Task Discover_ConfiguredZones_AreOnSensorInfo()
    {
        _tree.AddSht(0);
        _tree.AddW1("28-0316a2791c3f", FakeSysfsTree.W1Slave(4.5));

        var result = await DiscoverAsync(_tree, new Dictionary<string, string> { ["w1/28-0316a2791c3f"] = "chiller-1" });

        Assert.Equal("chiller-1", Assert.Single(result.Channels, c => c.Id == "w1/28-0316a2791c3f").Zone);
        Assert.All(result.Channels.Where(c => c.Id.StartsWith("hwmon/", StringComparison.Ordinal)), c => Assert.Null(c.Zone));
    }

    [Fact]
    public async Task Discover_HwmonWithoutDeviceLink_FallsBackToResolvedPath()
    {
        _tree.AddSht(4, "sht3x", "1-0044");
        File.Delete(_tree.Abs("sys/devices/platform/soc/fe804000.i2c/i2c-1/1-0044/hwmon/hwmon4/device"));

        var result = await DiscoverAsync(_tree);

        Assert.Equal(["hwmon/sht3x/1-0044"], result.Sensors.Select(s => s.Id));
    }

    [Fact]
    public async Task Discover_DriverPolicies_RetryWithinHalfTheInterval()
    {
        _tree.AddSht(0);
        _tree.AddDht(0);
        var discovery = new SysfsSensorDiscovery(
            new SysfsDiscoveryOptions { Root = _tree.Root, PollInterval = TimeSpan.FromSeconds(30) }, FileSysfsReader.Instance, TimeProvider.System);

        var result = await discovery.DiscoverAsync(CancellationToken.None);

        var dht = result.Sensors.Single(s => s.Kind == "dht11");
        Assert.Equal(3, dht.Policy.MaxAttempts);
        Assert.True(dht.Policy.FirstRetryDelay >= TimeSpan.FromSeconds(2), "DHT22 needs 2 s between reads");
        Assert.Equal(TimeSpan.FromSeconds(15), dht.Policy.Budget);
        Assert.Equal(TimeSpan.FromSeconds(15), result.Sensors.Single(s => s.Kind == "sht3x").Policy.Budget);
    }
}
