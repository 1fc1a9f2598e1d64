namespace EdgeGateway.Sensors.Bindings;

/// <summary>The Iot.Device.Bindings driver a user-space sensor is read with.</summary>
public enum SensorBinding
{
    /// <summary>Sensirion SHT30/31/35 (I2C 0x44/0x45): temperature, humidity.</summary>
    Sht3x,
    /// <summary>Sensirion SHT40/41/45 (I2C 0x44/0x45): temperature, humidity.</summary>
    Sht4x,
    /// <summary>Bosch BME280 (I2C 0x76/0x77): temperature, humidity, pressure.</summary>
    Bme280,
    /// <summary>Bosch BMP280 (I2C 0x76/0x77): temperature, pressure.</summary>
    Bmp280,
    /// <summary>Silicon Labs Si7021 (I2C 0x40): temperature, humidity.</summary>
    Si7021,
    /// <summary>Aosong AHT20 (I2C 0x38): temperature, humidity.</summary>
    Aht20,
    /// <summary>Microchip MCP9808 (I2C 0x18-0x1F): temperature.</summary>
    Mcp9808,
    /// <summary>Maxim MAX31865 RTD converter (SPI) with a PT100 or PT1000 probe: temperature.</summary>
    Max31865,
    /// <summary>Aosong DHT22/AM2302 on one GPIO line: temperature, humidity.</summary>
    Dht22,
}

/// <summary>How a <see cref="SensorBinding"/> is attached.</summary>
public enum BindingBus
{
    /// <summary>An I2C address on an I2C bus.</summary>
    I2c,
    /// <summary>A chip select on an SPI bus.</summary>
    Spi,
    /// <summary>One GPIO line, bit-banged.</summary>
    Gpio,
}

/// <summary>The platinum probe on a MAX31865 and how it is wired.</summary>
/// <param name="NominalOhms">100 for a PT100, 1000 for a PT1000.</param>
/// <param name="Wires">2, 3 or 4 (the board's jumpers must match).</param>
/// <param name="ReferenceOhms">The board's reference resistor: 430 Ω on PT100 boards, 4300 Ω on PT1000 boards.</param>
/// <param name="MainsHz">50 or 60: the notch filter against mains hum.</param>
public sealed record RtdProbe(int NominalOhms = 100, int Wires = 3, double ReferenceOhms = 430, int MainsHz = 50);

/// <summary>One sensor read from user space with an Iot.Device.Bindings driver (gateway.json <c>sensors.devices[]</c>).</summary>
public sealed record BindingSensorOptions
{
    /// <summary>The driver.</summary>
    public required SensorBinding Binding { get; init; }

    /// <summary>I2C or SPI bus number (I2C 1 and SPI 0 on the 40-pin header).</summary>
    public int Bus { get; init; }

    /// <summary>I2C address (7-bit).</summary>
    public int Address { get; init; }

    /// <summary>SPI chip select (0 = CE0 on pin 24, 1 = CE1 on pin 26).</summary>
    public int ChipSelect { get; init; }

    /// <summary>GPIO line (BCM number) of a DHT22.</summary>
    public int Pin { get; init; }

    /// <summary>MAX31865: the probe.</summary>
    public RtdProbe Probe { get; init; } = new();

    /// <summary>Sensor id in leaves; <see cref="DefaultId"/> unless set.</summary>
    public string? SensorId { get; init; }

    /// <summary>Where the sensor is.</summary>
    public string? Zone { get; init; }

    /// <summary>How the binding is attached.</summary>
    public static BindingBus BusOf(SensorBinding binding) => binding switch
    {
        SensorBinding.Max31865 => BindingBus.Spi,
        SensorBinding.Dht22 => BindingBus.Gpio,
        _ => BindingBus.I2c,
    };

    /// <summary>The configuration name of a binding, e.g. <c>sht3x</c>.</summary>
    public static string NameOf(SensorBinding binding) => binding.ToString().ToLowerInvariant();

    /// <summary>
    /// The id built from where the sensor is attached, as the kernel path builds its ids from bus and
    /// address: <c>i2c/sht3x/1-0044</c>, <c>spi/max31865/0.0</c>, <c>gpio/dht22/17</c>.
    /// </summary>
    public string DefaultId => BusOf(Binding) switch
    {
        BindingBus.I2c => $"i2c/{NameOf(Binding)}/{Bus}-{Address:x4}",
        BindingBus.Spi => $"spi/{NameOf(Binding)}/{Bus}.{ChipSelect}",
        _ => $"gpio/{NameOf(Binding)}/{Pin}",
    };

    /// <summary>The sensor id in leaves.</summary>
    public string Id => SensorId ?? DefaultId;

    /// <summary>What the binding measures, in the order it reports.</summary>
    public static IReadOnlyList<Quantity> QuantitiesOf(SensorBinding binding) => binding switch
    {
        SensorBinding.Bme280 => [Quantity.Temperature, Quantity.Humidity, Quantity.Pressure],
        SensorBinding.Bmp280 => [Quantity.Temperature, Quantity.Pressure],
        SensorBinding.Mcp9808 or SensorBinding.Max31865 => [Quantity.Temperature],
        _ => [Quantity.Temperature, Quantity.Humidity],
    };
}
