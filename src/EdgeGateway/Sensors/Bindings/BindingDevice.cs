using EdgeGateway.Board;

namespace EdgeGateway.Sensors.Bindings;

/// <summary>
/// One sensor driven by an Iot.Device.Bindings driver: opened on the board's buses, then read.
/// Calls block (the drivers sleep for conversions), so the sensor runs them off the poll loop.
/// An exception from either call means the device is closed and opened afresh for the next try
/// (a sensor that lost power or was replugged needs its set-up again); a fault in a
/// <see cref="ChannelRead"/> is an answer that is not a reading, and the device stays open.
/// </summary>
internal abstract class BindingDevice : IDisposable
{
    /// <summary>Opens the bus device and constructs the driver (which resets and configures the part).</summary>
    public abstract void Open(IBoardBuses buses);

    /// <summary>One reading of every quantity, in <see cref="BindingSensorOptions.QuantitiesOf"/> order.</summary>
    public abstract IReadOnlyList<ChannelRead> Read();

    /// <summary>Closes the driver and its bus device.</summary>
    public abstract void Dispose();

    /// <summary>The device for <paramref name="options"/>.</summary>
    public static BindingDevice For(BindingSensorOptions options) => options.Binding switch
    {
        SensorBinding.Sht3x => new Sht3xDevice(options),
        SensorBinding.Sht4x => new Sht4xDevice(options),
        SensorBinding.Bme280 => new Bme280Device(options),
        SensorBinding.Bmp280 => new Bmp280Device(options),
        SensorBinding.Si7021 => new Si7021Device(options),
        SensorBinding.Aht20 => new Aht20Device(options),
        SensorBinding.Mcp9808 => new Mcp9808Device(options),
        SensorBinding.Max31865 => new Max31865Device(options),
        SensorBinding.Dht22 => new Dht22Device(options),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Binding, "unknown binding"),
    };
}

/// <summary>A driver on an I2C device, given to it through a <see cref="GuardedI2cDevice"/>.</summary>
internal abstract class I2cBindingDevice<TDriver>(BindingSensorOptions options) : BindingDevice
    where TDriver : class, IDisposable
{
    // Enough for any of the supported parts' set-up or reading (BME280 calibration: ~40); an
    // AHT20 polling its busy bit every 10 ms reaches it after about 0.6 s, 7 times its datasheet time.
    private const int MaxTransfers = 128;

    private GuardedI2cDevice? _device;
    private TDriver? _driver;

    protected GuardedI2cDevice Bus => _device ?? throw new InvalidOperationException("not open");

    protected TDriver Driver => _driver ?? throw new InvalidOperationException("not open");

    public override void Open(IBoardBuses buses)
    {
        Dispose();
        var device = new GuardedI2cDevice(buses.OpenI2c(options.Bus, options.Address), MaxTransfers);
        try
        {
            _driver = Create(device);
            _device = device;
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    public override IReadOnlyList<ChannelRead> Read()
    {
        Bus.StartReading();
        return ReadDriver();
    }

    /// <summary>Constructs the driver on <paramref name="device"/>.</summary>
    protected abstract TDriver Create(GuardedI2cDevice device);

    /// <summary>One reading through the driver.</summary>
    protected abstract IReadOnlyList<ChannelRead> ReadDriver();

    public override void Dispose()
    {
        // The drivers dispose the device they were given.
        _driver?.Dispose();
        if (_driver is null) _device?.Dispose();
        _driver = null;
        _device = null;
    }

    protected static ChannelRead Value(double value) => new(value);

    protected static ChannelRead CrcFault(string what) =>
        ChannelRead.Fault(SensorFaultCodes.Crc, $"the {what} word failed its CRC check; noise on the I2C wires, check the cable length and the pull-ups");
}
