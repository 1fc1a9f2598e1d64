using Iot.Device.Ahtxx;
using Iot.Device.Bmxx80;
using Iot.Device.Mcp9808;
using Iot.Device.Sht3x;
using Iot.Device.Sht4x;
using Iot.Device.Si7021;

namespace EdgeGateway.Sensors.Bindings;

/// <summary>
/// SHT3x. The driver keeps its previous values when a CRC fails (it returns without a word), so the
/// CRCs of the six bytes it read are checked here. Temperature and humidity come from two single-shot
/// measurements, one per property of the driver.
/// </summary>
internal sealed class Sht3xDevice(BindingSensorOptions options) : I2cBindingDevice<Sht3x>(options)
{
    protected override Sht3x Create(GuardedI2cDevice device) => new(device);

    protected override IReadOnlyList<ChannelRead> ReadDriver()
    {
        var temperature = Driver.Temperature.DegreesCelsius;
        var temperatureRead = SensirionCrc.WordOk(Bus.LastRead, 0) ? Value(temperature) : CrcFault("temperature");
        var humidity = Driver.Humidity.Percent;
        var humidityRead = SensirionCrc.WordOk(Bus.LastRead, 1) ? Value(humidity) : CrcFault("humidity");
        return [temperatureRead, humidityRead];
    }
}

/// <summary>SHT4x: the driver checks the CRCs and returns no value for a word that fails.</summary>
internal sealed class Sht4xDevice(BindingSensorOptions options) : I2cBindingDevice<Sht4x>(options)
{
    protected override Sht4x Create(GuardedI2cDevice device) => new(device);

    protected override IReadOnlyList<ChannelRead> ReadDriver()
    {
        var (humidity, temperature) = Driver.ReadHumidityAndTemperature(Sht4xRepeatability.High);
        return
        [
            temperature is { } t ? Value(t.DegreesCelsius) : CrcFault("temperature"),
            humidity is { } h ? Value(h.Percent) : CrcFault("humidity"),
        ];
    }
}

/// <summary>BME280 in forced mode: one conversion per reading.</summary>
internal sealed class Bme280Device(BindingSensorOptions options) : I2cBindingDevice<Bme280>(options)
{
    protected override Bme280 Create(GuardedI2cDevice device) => new(device);

    protected override IReadOnlyList<ChannelRead> ReadDriver()
    {
        var result = Driver.Read();
        return
        [
            result.Temperature is { } t ? Value(t.DegreesCelsius) : Skipped("temperature"),
            result.Humidity is { } h ? Value(h.Percent) : Skipped("humidity"),
            result.Pressure is { } p ? Value(p.Pascals) : Skipped("pressure"),
        ];
    }

    internal static ChannelRead Skipped(string what) =>
        ChannelRead.Fault(SensorFaultCodes.IoError, $"the driver returned no {what} (its oversampling is set to skip it)");
}

/// <summary>BMP280 in forced mode: temperature and pressure.</summary>
internal sealed class Bmp280Device(BindingSensorOptions options) : I2cBindingDevice<Bmp280>(options)
{
    protected override Bmp280 Create(GuardedI2cDevice device) => new(device);

    protected override IReadOnlyList<ChannelRead> ReadDriver()
    {
        var result = Driver.Read();
        return
        [
            result.Temperature is { } t ? Value(t.DegreesCelsius) : Bme280Device.Skipped("temperature"),
            result.Pressure is { } p ? Value(p.Pascals) : Bme280Device.Skipped("pressure"),
        ];
    }
}

/// <summary>Si7021: no CRC is read by the driver (it reads the two data bytes only).</summary>
internal sealed class Si7021Device(BindingSensorOptions options) : I2cBindingDevice<Si7021>(options)
{
    protected override Si7021 Create(GuardedI2cDevice device) => new(device);

    protected override IReadOnlyList<ChannelRead> ReadDriver() =>
        [Value(Driver.Temperature.DegreesCelsius), Value(Driver.Humidity.Percent)];
}

/// <summary>AHT20: the driver polls the busy bit without a limit; the guarded device sets one.</summary>
internal sealed class Aht20Device(BindingSensorOptions options) : I2cBindingDevice<Aht20>(options)
{
    protected override Aht20 Create(GuardedI2cDevice device) => new(device);

    protected override IReadOnlyList<ChannelRead> ReadDriver()
    {
        var temperature = Driver.GetTemperature().DegreesCelsius;
        Bus.StartReading();
        return [Value(temperature), Value(Driver.GetHumidity().Percent)];
    }
}

/// <summary>MCP9808: the driver returns NaN for 0xFFFF, a bus that nothing drives (or no conversion yet).</summary>
internal sealed class Mcp9808Device(BindingSensorOptions options) : I2cBindingDevice<Mcp9808>(options)
{
    protected override Mcp9808 Create(GuardedI2cDevice device) => new(device);

    protected override IReadOnlyList<ChannelRead> ReadDriver()
    {
        var celsius = Driver.Temperature.DegreesCelsius;
        return double.IsNaN(celsius)
            ? [ChannelRead.Fault(SensorFaultCodes.IoError, "the ambient temperature register read 0xFFFF: nothing drove the bus, or no conversion was ready")]
            : [Value(celsius)];
    }
}
