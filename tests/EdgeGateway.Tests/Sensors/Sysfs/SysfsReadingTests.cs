using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Sysfs;

namespace EdgeGateway.Tests.Sensors.Sysfs;

public sealed class SysfsReadingTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly FakeSysfsTree _tree = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _tree.Dispose();

    private async Task<SysfsSensor> OnlySensorAsync(ISysfsReader? reader = null, SensorReadPolicy? policy = null, TimeSpan? interval = null)
    {
        var options = new SysfsDiscoveryOptions
        {
            Root = _tree.Root,
            ReadPolicyOverride = policy,
            PollInterval = interval ?? TimeSpan.FromMinutes(1),
        };
        var result = await new SysfsSensorDiscovery(options, reader ?? FileSysfsReader.Instance, _time).DiscoverAsync(CancellationToken.None);
        return Assert.Single(result.Sensors);
    }

    private static Measurement MeasurementOf(IReadOnlyList<SensorEvent> events, Quantity quantity) =>
        Assert.IsType<Measurement>(Assert.Single(events, e => e.Quantity == quantity));

    private static SensorFault FaultOf(IReadOnlyList<SensorEvent> events, Quantity quantity) =>
        Assert.IsType<SensorFault>(Assert.Single(events, e => e.Quantity == quantity));

    [Fact]
    public async Task Sht3x_HwmonMilliUnits_BecomeCelsiusAndPercent()
    {
        _tree.AddSht(2);
        var events = await (await OnlySensorAsync()).ReadOnceAsync(CancellationToken.None);

        var t = MeasurementOf(events, Quantity.Temperature);
        Assert.Equal(22.35, t.Value, 9);
        Assert.Equal("Cel", t.Unit);
        Assert.Equal("hwmon/sht3x/1-0044", t.SensorId);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), t.TimeMs);
        var h = MeasurementOf(events, Quantity.Humidity);
        Assert.Equal(45.21, h.Value, 9);
        Assert.Equal("%RH", h.Unit);
    }

    [Fact]
    public async Task Sht4x_NegativeFreezerTemperature_IsRead()
    {
        _tree.AddSht(0, "sht4x", "1-0044", temp1Input: "-21375\n", humidity1Input: "71002\n");
        var events = await (await OnlySensorAsync()).ReadOnceAsync(CancellationToken.None);
        Assert.Equal(-21.375, MeasurementOf(events, Quantity.Temperature).Value, 9);
        Assert.Equal(71.002, MeasurementOf(events, Quantity.Humidity).Value, 9);
    }

    [Fact]
    public async Task Bme280_ProcessedIio_PressureKilopascalBecomesPascal()
    {
        _tree.AddBmx280(0);
        var events = await (await OnlySensorAsync()).ReadOnceAsync(CancellationToken.None);

        Assert.Equal(21.93, MeasurementOf(events, Quantity.Temperature).Value, 9);
        Assert.Equal(48.123, MeasurementOf(events, Quantity.Humidity).Value, 9);
        var p = MeasurementOf(events, Quantity.Pressure);
        Assert.Equal(100_558.59375, p.Value, 6);
        Assert.Equal("Pa", p.Unit);
    }

    [Fact]
    public async Task Iio_RawOnly_AppliesRawPlusOffsetTimesScale()
    {
        _tree.AddBmx280(0, "bmp280", attributes: new Dictionary<string, string>
        {
            ["in_temp_raw"] = "23456\n",
            ["in_temp_offset"] = "-1000\n",
            ["in_temp_scale"] = "1.000000\n",     // m°C per LSB
            ["in_pressure_raw"] = "25139\n",
            ["in_pressure_scale"] = "0.004000\n", // kPa per LSB, no offset file
        });
        var events = await (await OnlySensorAsync()).ReadOnceAsync(CancellationToken.None);

        Assert.Equal(22.456, MeasurementOf(events, Quantity.Temperature).Value, 9);
        Assert.Equal(100_556, MeasurementOf(events, Quantity.Pressure).Value, 6);
    }

    [Fact]
    public async Task Dht22_ThroughDht11Driver_IsRead()
    {
        // DHT22 data sheet resolution is 0.1: the driver prints tenths × 100.
        _tree.AddDht(0, tempInput: "-4300\n", humidityInput: "87600\n");
        var events = await (await OnlySensorAsync()).ReadOnceAsync(CancellationToken.None);
        Assert.Equal(-4.3, MeasurementOf(events, Quantity.Temperature).Value, 9);
        Assert.Equal(87.6, MeasurementOf(events, Quantity.Humidity).Value, 9);
    }

    // w1_therm prints raw × 1000 / 16 in C integer arithmetic, truncating toward zero: -10.0625 °C
    // (raw -161) shows as t=-10062.
    [Theory]
    [InlineData(23.125, 23.125)]
    [InlineData(-10.0625, -10.062)]
    [InlineData(0.0, 0.0)]
    [InlineData(4.5, 4.5)]
    public async Task Ds18b20_W1SlaveCrcYes_IsMeasurement(double celsius, double expected)
    {
        _tree.AddW1("28-0316a2791c3f", FakeSysfsTree.W1Slave(celsius));
        var events = await (await OnlySensorAsync()).ReadOnceAsync(CancellationToken.None);
        var m = MeasurementOf(events, Quantity.Temperature);
        Assert.Equal(expected, m.Value, 9);
        Assert.Equal("w1/28-0316a2791c3f", m.SensorId);
    }

    [Fact]
    public async Task Ds18b20_CrcNo_IsCrcFault()
    {
        _tree.AddW1("28-0316a2791c3f", FakeSysfsTree.W1Slave(4.5, crcOk: false));
        var events = await (await OnlySensorAsync(policy: SensorReadPolicy.NoRetry)).ReadOnceAsync(CancellationToken.None);
        var fault = FaultOf(events, Quantity.Temperature);
        Assert.Equal("crc", fault.Code);
        Assert.Contains("NO", fault.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ds18b20_CrcNoThenGood_RetriedAfterOneSecond()
    {
        var w1 = _tree.AddW1("28-0316a2791c3f", FakeSysfsTree.W1Slave(4.5, crcOk: false));
        var sensor = await OnlySensorAsync();
        var start = _time.GetUtcNow();

        var read = sensor.ReadOnceAsync(CancellationToken.None).AsTask();
        await _time.WaitForTimerAsync(Wait);
        Assert.False(read.IsCompleted);
        _tree.Write(Path.Combine(w1, "w1_slave"), FakeSysfsTree.W1Slave(4.5));
        await _time.AdvanceToNextTimerAsync(Wait);
        var events = await read.WaitAsync(Wait);

        Assert.Equal(4.5, MeasurementOf(events, Quantity.Temperature).Value);
        Assert.Equal(TimeSpan.FromSeconds(1), _time.GetUtcNow() - start);
    }

    [Fact]
    public async Task Ds18b20_PowerOnReset85_IsFaultNotReading()
    {
        // 50 05 ... is the scratchpad a DS18B20 holds after power-on: 0x0550 / 16 = 85 °C.
        _tree.AddW1("28-0316a2791c3f", FakeSysfsTree.W1Slave(85.0));
        Assert.StartsWith("50 05 4b 46 7f ff 0c 10 1c : crc=1c YES", File.ReadAllText(_tree.Abs("sys/devices/w1_bus_master1/28-0316a2791c3f/w1_slave")), StringComparison.Ordinal);

        var events = await (await OnlySensorAsync(policy: SensorReadPolicy.NoRetry)).ReadOnceAsync(CancellationToken.None);

        var fault = FaultOf(events, Quantity.Temperature);
        Assert.Equal("power-on-reset", fault.Code);
        Assert.DoesNotContain(events, e => e is Measurement);
    }

    [Fact]
    public async Task Ds18b20_TemperatureFile85000_IsPowerOnReset()
    {
        _tree.AddW1("28-0316a2791c3f", w1Slave: null, temperature: "85000\n");
        var events = await (await OnlySensorAsync(policy: SensorReadPolicy.NoRetry)).ReadOnceAsync(CancellationToken.None);
        Assert.Equal("power-on-reset", FaultOf(events, Quantity.Temperature).Code);
    }

    [Fact]
    public async Task Ds18b20_AllZeroScratchpad_IsIoErrorDespiteCrcYes()
    {
        _tree.AddW1("28-0316a2791c3f", FakeSysfsTree.W1SlaveFromBytes(new byte[9], 0, crcOk: true, milli: 0));
        var events = await (await OnlySensorAsync(policy: SensorReadPolicy.NoRetry)).ReadOnceAsync(CancellationToken.None);
        var fault = FaultOf(events, Quantity.Temperature);
        Assert.Equal("io-error", fault.Code);
        Assert.Contains("all zeros", fault.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DallasCrc8_PublishedScratchpad_Matches() =>
        // The w1_slave line most often quoted for a DS18B20 at 23.125 °C: "72 01 4b 46 7f ff 0e 10 57".
        Assert.Equal(0x57, FakeSysfsTree.DallasCrc8([0x72, 0x01, 0x4b, 0x46, 0x7f, 0xff, 0x0e, 0x10]));

    [Fact]
    public async Task AttributeRemovedAfterDiscovery_IsMissingFault()
    {
        var hwmon = _tree.AddSht(0);
        var sensor = await OnlySensorAsync();
        File.Delete(Path.Combine(hwmon, "temp1_input"));

        var events = await sensor.ReadOnceAsync(CancellationToken.None);

        var fault = FaultOf(events, Quantity.Temperature);
        Assert.Equal("missing", fault.Code);
        Assert.Contains("temp1_input", fault.Detail, StringComparison.Ordinal);
        Assert.Equal(45.21, MeasurementOf(events, Quantity.Humidity).Value, 9);
    }

    [Fact]
    public async Task DeviceUnbound_EveryChannelIsMissingFault()
    {
        _tree.AddBmx280(0);
        var sensor = await OnlySensorAsync();
        Directory.Delete(_tree.Abs("sys/devices/platform/soc/fe804000.i2c/i2c-1/1-0076"), recursive: true);

        var events = await sensor.ReadOnceAsync(CancellationToken.None);

        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Equal("missing", Assert.IsType<SensorFault>(e).Code));
    }

    [Theory]
    [InlineData("abc\n")]
    [InlineData("")]
    [InlineData("12.5.6\n")]
    [InlineData("1e3\n")]
    [InlineData("22 350\n")]
    public async Task GarbageContents_IsMalformedFaultQuotingWhatWasRead(string contents)
    {
        _tree.AddSht(0, temp1Input: contents);
        var events = await (await OnlySensorAsync()).ReadOnceAsync(CancellationToken.None);
        var fault = FaultOf(events, Quantity.Temperature);
        Assert.Equal("malformed", fault.Code);
        Assert.Contains($"'{contents.Trim()}'", fault.Detail, StringComparison.Ordinal);
        Assert.IsType<Measurement>(Assert.Single(events, e => e.Quantity == Quantity.Humidity));
    }

    [Theory]
    [InlineData("t=\n")]
    [InlineData("72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n")]
    [InlineData("72 01 4b 46 7f ff 0e 10 57 : crc=57 MAYBE\n72 01 4b 46 7f ff 0e 10 57 t=23125\n")]
    [InlineData("72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=warm\n")]
    public async Task W1SlaveGarbage_IsMalformedFault(string contents)
    {
        _tree.AddW1("28-0316a2791c3f", contents);
        var events = await (await OnlySensorAsync()).ReadOnceAsync(CancellationToken.None);
        Assert.Equal("malformed", FaultOf(events, Quantity.Temperature).Code);
    }

    [Theory]
    [InlineData("200000\n", "45210\n", Quantity.Temperature)]
    [InlineData("-61000\n", "45210\n", Quantity.Temperature)]
    [InlineData("22350\n", "100500\n", Quantity.Humidity)]
    [InlineData("22350\n", "-2000\n", Quantity.Humidity)]
    public async Task ImplausibleValue_IsImplausibleFault(string temp, string humidity, Quantity bad)
    {
        _tree.AddSht(0, temp1Input: temp, humidity1Input: humidity);
        var events = await (await OnlySensorAsync()).ReadOnceAsync(CancellationToken.None);
        var fault = FaultOf(events, bad);
        Assert.Equal("implausible", fault.Code);
        Assert.Contains("outside the plausible range", fault.Detail, StringComparison.Ordinal);
        Assert.IsType<Measurement>(Assert.Single(events, e => e.Quantity != bad));
    }

    [Fact]
    public async Task Bme280_PressureBelow300Hectopascal_IsImplausible()
    {
        _tree.AddBmx280(0, attributes: new Dictionary<string, string>
        {
            ["in_temp_input"] = "21930\n",
            ["in_pressure_input"] = "20.000000000\n",
            ["in_humidityrelative_input"] = "48123\n",
        });
        var events = await (await OnlySensorAsync()).ReadOnceAsync(CancellationToken.None);
        Assert.Equal("implausible", FaultOf(events, Quantity.Pressure).Code);
    }

    [Fact]
    public async Task Dht_EioThenEtimedout_RetriedWithBackoffThenRead()
    {
        var dht = _tree.AddDht(0);
        var temp = Path.Combine(dht, "in_temp_input");
        var reader = new FaultInjectingSysfsReader();
        reader.FailNext(temp, FaultInjectingSysfsReader.EIO, FaultInjectingSysfsReader.ETIMEDOUT);
        var sensor = await OnlySensorAsync(reader);
        var start = _time.GetUtcNow();

        var read = sensor.ReadOnceAsync(CancellationToken.None).AsTask();
        var first = await _time.AdvanceToNextTimerAsync(Wait);
        var second = await _time.AdvanceToNextTimerAsync(Wait);
        var events = await read.WaitAsync(Wait);

        Assert.Equal(21.5, MeasurementOf(events, Quantity.Temperature).Value, 9);
        Assert.Equal(55.3, MeasurementOf(events, Quantity.Humidity).Value, 9);
        Assert.Equal(3, reader.Reads(temp));
        Assert.Equal(TimeSpan.FromMilliseconds(2100), first);
        Assert.Equal(TimeSpan.FromMilliseconds(3150), second);
        Assert.Equal(start.ToUnixTimeMilliseconds() + 5250, MeasurementOf(events, Quantity.Temperature).TimeMs);
    }

    [Theory]
    [InlineData(FaultInjectingSysfsReader.EIO, "io-error", "(EIO)")]
    [InlineData(FaultInjectingSysfsReader.ETIMEDOUT, "timeout", "ETIMEDOUT")]
    public async Task Dht_KeepsFailing_FaultAfterBoundedAttempts(int errno, string code, string detailFragment)
    {
        var dht = _tree.AddDht(0);
        var temp = Path.Combine(dht, "in_temp_input");
        var humidity = Path.Combine(dht, "in_humidityrelative_input");
        var reader = new FaultInjectingSysfsReader();
        reader.FailAlways(temp, errno);
        reader.FailAlways(humidity, errno);
        var sensor = await OnlySensorAsync(reader);

        var read = sensor.ReadOnceAsync(CancellationToken.None).AsTask();
        // Two waits per channel (2.1 s, then 3.15 s) fit the 30 s budget of a 1 min interval.
        for (var wait = 0; wait < 4; wait++) await _time.AdvanceToNextTimerAsync(Wait);
        var events = await read.WaitAsync(Wait);

        Assert.Equal(3, reader.Reads(temp));
        Assert.Equal(3, reader.Reads(humidity));
        foreach (var q in new[] { Quantity.Temperature, Quantity.Humidity })
        {
            var fault = FaultOf(events, q);
            Assert.Equal(code, fault.Code);
            Assert.Contains(detailFragment, fault.Detail, StringComparison.Ordinal);
            Assert.Contains("(3 attempts)", fault.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Dht_RetryWouldOverrunHalfTheInterval_FaultsWithoutWaiting()
    {
        var dht = _tree.AddDht(0);
        var temp = Path.Combine(dht, "in_temp_input");
        var reader = new FaultInjectingSysfsReader();
        reader.FailNext(temp, FaultInjectingSysfsReader.EIO);
        // A 4 s interval leaves 2 s for retries, less than the DHT's 2.1 s spacing.
        var sensor = await OnlySensorAsync(reader, interval: TimeSpan.FromSeconds(4));

        var events = await sensor.ReadOnceAsync(CancellationToken.None).AsTask().WaitAsync(Wait);

        Assert.Equal("io-error", FaultOf(events, Quantity.Temperature).Code);
        Assert.Equal(1, reader.Reads(temp));
        Assert.Null(_time.NextDue);
    }

    [Fact]
    public async Task FileSysfsReader_RealKernelEio_CarriesErrnoAndClassifiesAsIoError()
    {
        // /proc/self/mem at offset 0 is unmapped: the kernel's read() returns EIO, which is the
        // real-runtime check that errno arrives in HResult as the fault mapping relies on.
        var ex = await Assert.ThrowsAsync<IOException>(async () => await FileSysfsReader.Instance.ReadTextAsync("/proc/self/mem", CancellationToken.None));
        Assert.Equal(FaultInjectingSysfsReader.EIO, ex.HResult);
        Assert.Equal(FaultInjectingSysfsReader.KernelError(FaultInjectingSysfsReader.EIO, "/proc/self/mem").Message, ex.Message);
    }
}
