using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Bindings;

namespace EdgeGateway.Tests.Sensors.Bindings;

/// <summary>
/// The user-space sensor path end to end: the gateway's sensor, the Iot.Device.Bindings driver, and
/// a simulated chip on a simulated bus that answers with the datasheet's registers, frames and CRCs.
/// Expected values are worked from the datasheet formulas named at each test.
/// </summary>
public sealed class BindingSensorTests
{
    private readonly SimulatedBoardBuses _buses = new();

    private BindingSensor Sensor(BindingSensorOptions options, SensorReadPolicy? policy = null) =>
        new(options, BindingDevice.For(options), _buses, policy ?? SensorReadPolicy.NoRetry,
            BindingSensor.LimitsFor(options.Binding, PlausibilityLimits.Default), TimeProvider.System, "chiller-1");

    private static BindingSensorOptions I2c(SensorBinding binding, int address) => new() { Binding = binding, Bus = 1, Address = address };

    private static double ValueOf(IReadOnlyList<SensorEvent> events, Quantity quantity)
    {
        var e = Assert.Single(events, e => e.Quantity == quantity);
        return e is Measurement m ? m.Value : throw new Xunit.Sdk.XunitException($"expected a {quantity} measurement, got {e}");
    }

    private static SensorFault FaultOf(IReadOnlyList<SensorEvent> events, Quantity quantity) =>
        Assert.IsType<SensorFault>(Assert.Single(events, e => e.Quantity == quantity));

    // SHT3x datasheet Table 9: single shot, high repeatability, no clock stretching is 0x2400; §4.13: T = -45 + 175 × S_T / 65535, RH = 100 × S_RH / 65535; each word is followed by
    // its CRC-8 (0x31, init 0xFF): 0x6666 → 0x93, 0x8000 → 0xA2 (python3 one-liner of §4.12's algorithm).
    private static SimulatedCommandDevice Sht3x(byte temperatureCrc = 0x93)
    {
        var chip = new SimulatedCommandDevice();
        chip.Answer("2400", 0x66, 0x66, temperatureCrc, 0x80, 0x00, 0xA2);
        return chip;
    }

    [Fact]
    public void SensirionCrc_DatasheetExample_0xBEEF_Is0x92() =>
        Assert.Equal(0x92, SensirionCrc.Compute([0xBE, 0xEF]));

    [Fact]
    public async Task Sht3x_DatasheetFrame_GivesTemperatureAndHumidityOfThatSensor()
    {
        var chip = Sht3x();
        _buses.Plug(1, 0x44, chip);
        var sensor = Sensor(I2c(SensorBinding.Sht3x, 0x44));

        var events = await sensor.ReadOnceAsync(CancellationToken.None);

        Assert.Equal("i2c/sht3x/1-0044", sensor.Id);
        Assert.All(events, e => Assert.Equal("i2c/sht3x/1-0044", e.SensorId));
        Assert.Equal(25.0, ValueOf(events, Quantity.Temperature), 3);
        Assert.Equal(50.0, ValueOf(events, Quantity.Humidity), 3);
        Assert.Equal("30a2", chip.Commands[0]); // soft reset when the driver is set up
        Assert.All(sensor.Channels, c => Assert.Equal("chiller-1", c.Zone));
    }

    [Fact]
    public async Task Sht3x_TemperatureCrcWrong_IsCrcFault_NotTheDriversStaleValue()
    {
        var chip = Sht3x();
        _buses.Plug(1, 0x44, chip);
        var sensor = Sensor(I2c(SensorBinding.Sht3x, 0x44));
        await sensor.ReadOnceAsync(CancellationToken.None);
        chip.Answer("2400", 0x70, 0x00, 0x00, 0x80, 0x00, 0xA2);

        var events = await sensor.ReadOnceAsync(CancellationToken.None);

        Assert.Equal("crc", FaultOf(events, Quantity.Temperature).Code);
        Assert.Contains("I2C bus 1 address 0x44", FaultOf(events, Quantity.Temperature).Detail, StringComparison.Ordinal);
        Assert.Equal(50.0, ValueOf(events, Quantity.Humidity), 3);
    }

    [Fact]
    public async Task Sht3x_ValueOutsideThePlausibleRange_IsImplausibleFault()
    {
        var chip = new SimulatedCommandDevice();
        chip.Answer("2400", 0xFF, 0xFF, 0xAC, 0x80, 0x00, 0xA2); // 130 °C, CRC right
        _buses.Plug(1, 0x45, chip);

        var events = await Sensor(I2c(SensorBinding.Sht3x, 0x45)).ReadOnceAsync(CancellationToken.None);

        Assert.Equal("implausible", FaultOf(events, Quantity.Temperature).Code);
    }

    [Fact]
    public async Task Sht4x_Frame_GivesValues_AndAFailedCrcIsCrcFault()
    {
        // SHT4x datasheet §4.6: T = -45 + 175 × S_T / 65535, RH = -6 + 125 × S_RH / 65535; 0x6872 → CRC 0x79.
        var chip = new SimulatedCommandDevice();
        chip.Answer("fd", 0x66, 0x66, 0x93, 0x68, 0x72, 0x79);
        _buses.Plug(1, 0x44, chip);
        var sensor = Sensor(I2c(SensorBinding.Sht4x, 0x44));

        var good = await sensor.ReadOnceAsync(CancellationToken.None);
        chip.Answer("fd", 0x66, 0x66, 0x93, 0x68, 0x72, 0x78);
        var bad = await sensor.ReadOnceAsync(CancellationToken.None);

        Assert.Equal(25.0, ValueOf(good, Quantity.Temperature), 2);
        Assert.Equal(45.0, ValueOf(good, Quantity.Humidity), 2);
        Assert.Equal("94", chip.Commands[0]);
        Assert.Equal(25.0, ValueOf(bad, Quantity.Temperature), 2);
        Assert.Equal("crc", FaultOf(bad, Quantity.Humidity).Code);
    }

    // BMP280 datasheet §3.12 worked example: dig_T1..T3 and dig_P1..P9 below, adc_T = 519888 and
    // adc_P = 415148 give 25.08 °C and 100653.27 Pa (dotnet/iot's Bmp280Tests use the same values).
    private static SimulatedRegisterDevice Bmx280(byte chipId)
    {
        var chip = new SimulatedRegisterDevice();
        chip.Set(0xD0, chipId);
        int[] calibration = [27504, 26435, -1000, 36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000];
        for (var i = 0; i < calibration.Length; i++) chip.SetLittleEndian(0x88 + (2 * i), calibration[i]);
        chip.Set(0xF7, 0x65, 0x5A, 0xC0); // adc_P << 4
        chip.Set(0xFA, 0x7E, 0xED, 0x00); // adc_T << 4
        return chip;
    }

    [Fact]
    public async Task Bmp280_DatasheetExample_GivesTemperatureAndPressure()
    {
        _buses.Plug(1, 0x76, Bmx280(0x58));

        var events = await Sensor(I2c(SensorBinding.Bmp280, 0x76)).ReadOnceAsync(CancellationToken.None);

        Assert.Equal(2, events.Count);
        Assert.Equal(25.08, ValueOf(events, Quantity.Temperature), 2);
        Assert.Equal(100653.27, ValueOf(events, Quantity.Pressure), 1);
    }

    [Fact]
    public async Task Bme280_DatasheetExampleWithHumidity_GivesAllThree()
    {
        var chip = Bmx280(0x60);
        // Humidity trimming (BME280 datasheet Table 16): H1 = 75, H2 = 362, H3 = 0, H4 = 313, H5 = 50, H6 = 30,
        // adc_H = 0x6D5B; §4.2.3's double formula gives 43.83 %RH at that t_fine.
        chip.Set(0xA1, 75);
        chip.Set(0xE1, 0x6A, 0x01, 0x00, 0x13, 0x29, 0x03, 30);
        chip.Set(0xFD, 0x6D, 0x5B);
        _buses.Plug(1, 0x77, chip);

        var events = await Sensor(I2c(SensorBinding.Bme280, 0x77)).ReadOnceAsync(CancellationToken.None);

        Assert.Equal(25.08, ValueOf(events, Quantity.Temperature), 2);
        Assert.Equal(100653.27, ValueOf(events, Quantity.Pressure), 1);
        Assert.Equal(43.83, ValueOf(events, Quantity.Humidity), 2);
    }

    [Fact]
    public async Task Bme280_ConfiguredOnABmp280_IsIoErrorNamingTheChipId()
    {
        _buses.Plug(1, 0x76, Bmx280(0x58));

        var events = await Sensor(I2c(SensorBinding.Bme280, 0x76)).ReadOnceAsync(CancellationToken.None);

        Assert.Equal(3, events.Count);
        var fault = FaultOf(events, Quantity.Humidity);
        Assert.Equal("io-error", fault.Code);
        Assert.Contains("88", fault.Detail, StringComparison.Ordinal); // found chip id 0x58
    }

    [Fact]
    public async Task Si7021_Codes_GiveDatasheetValues()
    {
        // Si7021 datasheet §5.1.1/5.1.2: T = 175.72 × code / 65536 − 46.85, RH = 125 × code / 65536 − 6.
        var chip = new SimulatedCommandDevice();
        chip.Answer("e7", 0x3A);         // user register 1, reset value
        chip.Answer("e3", 0x4A, 0x14);   // 3.9975 °C (the driver rounds to 0.1)
        chip.Answer("e5", 0xBA, 0x5E);   // 84.9998 %RH
        _buses.Plug(1, 0x40, chip);

        var events = await Sensor(I2c(SensorBinding.Si7021, 0x40)).ReadOnceAsync(CancellationToken.None);

        Assert.Equal(4.0, ValueOf(events, Quantity.Temperature), 3);
        Assert.Equal(85.0, ValueOf(events, Quantity.Humidity), 2);
    }

    [Fact]
    public async Task Aht20_Frame_GivesValues_AndAChipThatStaysBusyIsTimeout()
    {
        // AHT20 datasheet §6: RH = S_RH / 2^20 × 100 %, T = S_T / 2^20 × 200 − 50.
        var chip = new SimulatedAht20 { RawTemperature = 283116, RawHumidity = 891290 };
        _buses.Plug(1, 0x38, chip);
        var sensor = Sensor(I2c(SensorBinding.Aht20, 0x38));

        var good = await sensor.ReadOnceAsync(CancellationToken.None);
        chip.BusyPolls = int.MaxValue;
        var stuck = await sensor.ReadOnceAsync(CancellationToken.None);

        Assert.Equal(4.0, ValueOf(good, Quantity.Temperature), 3);
        Assert.Equal(85.0, ValueOf(good, Quantity.Humidity), 3);
        Assert.Equal("timeout", FaultOf(stuck, Quantity.Temperature).Code);
        Assert.Equal("timeout", FaultOf(stuck, Quantity.Humidity).Code);
    }

    [Fact]
    public async Task Mcp9808_AmbientRegister_GivesDatasheetValue_AndAllOnesIsIoError()
    {
        // MCP9808 datasheet §5.1.3 example: T_A = 0x0194 → +25.25 °C; 0x1F6C → -9.25 °C (sign bit 12).
        var chip = new SimulatedMcp9808();
        chip.Set(0x05, 0x0194);
        _buses.Plug(1, 0x18, chip);
        var sensor = Sensor(I2c(SensorBinding.Mcp9808, 0x18));

        var warm = await sensor.ReadOnceAsync(CancellationToken.None);
        chip.Set(0x05, 0x1F6C);
        var cold = await sensor.ReadOnceAsync(CancellationToken.None);
        chip.Set(0x05, 0xFFFF);
        var floating = await sensor.ReadOnceAsync(CancellationToken.None);

        Assert.Equal(25.25, ValueOf(warm, Quantity.Temperature), 4);
        Assert.Equal(-9.25, ValueOf(cold, Quantity.Temperature), 4);
        Assert.Equal("io-error", FaultOf(floating, Quantity.Temperature).Code);
    }

    [Fact]
    public async Task Mcp9808_AnotherPartAtTheAddress_IsIoErrorFromTheIdCheck()
    {
        var chip = new SimulatedMcp9808();
        chip.Set(0x06, 0x1234);
        _buses.Plug(1, 0x18, chip);

        var fault = FaultOf(await Sensor(I2c(SensorBinding.Mcp9808, 0x18)).ReadOnceAsync(CancellationToken.None), Quantity.Temperature);

        Assert.Equal("io-error", fault.Code);
        Assert.Contains("manufacturer", fault.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Max31865_Pt100AtMinus80_ReadsMinus80_OverSpiMode1()
    {
        // IEC 60751 Callendar–Van Dusen: a PT100 has 68.33 Ω at −80 °C; with R_REF = 430 Ω the
        // MAX31865 code is 68.33 × 2^15 / 430 = 5207 (datasheet "Converting ADC code to temperature").
        var chip = new SimulatedMax31865(430) { ProbeOhms = 68.3255 };
        _buses.Plug(0, 0, chip);
        var options = new BindingSensorOptions { Binding = SensorBinding.Max31865, Bus = 0, ChipSelect = 0, Probe = new RtdProbe(100, 3, 430, 50) };

        var events = await Sensor(options).ReadOnceAsync(CancellationToken.None);

        Assert.Equal("spi/max31865/0.0", Assert.Single(events).SensorId);
        Assert.Equal(-80.0, ValueOf(events, Quantity.Temperature), 1);
        Assert.Equal(System.Device.Spi.SpiMode.Mode1, _buses.LastSpiSettings!.Mode);
        Assert.Equal(1, chip.Conversions);
    }

    [Fact]
    public async Task Max31865_BelowItsProbesRange_IsImplausible_WhileOtherPartsStopAtMinus60()
    {
        // A PT100 at −210 °C has about 13.9 Ω (IEC 60751's table ends at −200 °C, 18.52 Ω).
        var chip = new SimulatedMax31865(430) { ProbeOhms = 13.9 };
        _buses.Plug(0, 0, chip);
        var options = new BindingSensorOptions { Binding = SensorBinding.Max31865, Bus = 0, ChipSelect = 0 };

        var fault = FaultOf(await Sensor(options).ReadOnceAsync(CancellationToken.None), Quantity.Temperature);

        Assert.Equal("implausible", fault.Code);
        Assert.Equal(-200, BindingSensor.LimitsFor(SensorBinding.Max31865, PlausibilityLimits.Default).MinTemperatureCelsius);
        Assert.Equal(-60, BindingSensor.LimitsFor(SensorBinding.Sht3x, PlausibilityLimits.Default).MinTemperatureCelsius);
    }

    [Fact]
    public async Task Max31865_OpenProbe_IsIoErrorSayingSo_NotATemperature()
    {
        var chip = new SimulatedMax31865(430) { ProbeOhms = 430, ProbeFault = 0x84 };
        _buses.Plug(0, 1, chip);
        var options = new BindingSensorOptions { Binding = SensorBinding.Max31865, Bus = 0, ChipSelect = 1 };

        var fault = FaultOf(await Sensor(options).ReadOnceAsync(CancellationToken.None), Quantity.Temperature);

        Assert.Equal("io-error", fault.Code);
        Assert.Contains("open, shorted or miswired", fault.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dht22_OnASimulatedGpioLine_GivesTheFrame_AndABadChecksumIsIoError()
    {
        var gpio = new SimulatedDht22Driver(17, humidity: 65.2, celsius: -3.5);
        var buses = new SimulatedBoardBuses(gpio);
        var options = new BindingSensorOptions { Binding = SensorBinding.Dht22, Pin = 17 };
        using var sensor = new BindingSensor(options, BindingDevice.For(options), buses, SensorReadPolicy.NoRetry, PlausibilityLimits.Default, TimeProvider.System, null);

        // The driver times each bit's high phase in real time, as on a board: a test thread preempted
        // during a 0 bit stretches it into a 1 and spoils the checksum, as a busy board does now and
        // then (the gateway's read policy retries). Read the good frame as the policy would, at most
        // five times; the values must then be exact.
        IReadOnlyList<SensorEvent> good;
        var attempts = 0;
        do good = await sensor.ReadOnceAsync(CancellationToken.None);
        while (++attempts < 5 && good.OfType<SensorFault>().Any());
        gpio.Frame = [.. gpio.Frame[..4], (byte)(gpio.Frame[4] + 1)];
        // The driver answers reads within its minimum interval from the last frame; the next poll is later.
        var sent = gpio.Transmissions;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        IReadOnlyList<SensorEvent> bad;
        do bad = await sensor.ReadOnceAsync(CancellationToken.None);
        while (gpio.Transmissions <= sent && DateTime.UtcNow < deadline);

        Assert.Equal("gpio/dht22/17", sensor.Id);
        Assert.Equal(-3.5, ValueOf(good, Quantity.Temperature), 3);
        Assert.Equal(65.2, ValueOf(good, Quantity.Humidity), 3);
        Assert.Equal("io-error", FaultOf(bad, Quantity.Temperature).Code);
        Assert.Equal("io-error", FaultOf(bad, Quantity.Humidity).Code);
    }

    [Fact]
    public async Task BusNotThere_IsMissing_AndTheSensorIsReadOnceTheBusAppears()
    {
        var sensor = Sensor(I2c(SensorBinding.Sht3x, 0x44));

        var before = await sensor.ReadOnceAsync(CancellationToken.None);
        _buses.Plug(1, 0x44, Sht3x());
        var after = await sensor.ReadOnceAsync(CancellationToken.None);

        Assert.All(before, e => Assert.Equal("missing", Assert.IsType<SensorFault>(e).Code));
        Assert.Contains("/dev/i2c-1", FaultOf(before, Quantity.Temperature).Detail, StringComparison.Ordinal);
        Assert.Equal(25.0, ValueOf(after, Quantity.Temperature), 3);
    }

    [Fact]
    public async Task NobodyAtTheAddress_IsIoError()
    {
        _buses.Plug(1, 0x44, Sht3x());

        var events = await Sensor(I2c(SensorBinding.Sht3x, 0x45)).ReadOnceAsync(CancellationToken.None);

        Assert.All(events, e => Assert.Equal("io-error", Assert.IsType<SensorFault>(e).Code));
    }

    [Fact]
    public async Task TransferFails_IsRetriedWithTheDriverSetUpAgain_ThenIoErrorNamingTheAttempts()
    {
        var chip = Sht3x();
        _buses.Plug(1, 0x44, chip);
        var retry = new SensorReadPolicy(2, TimeSpan.FromMilliseconds(1));
        var sensor = Sensor(I2c(SensorBinding.Sht3x, 0x44), retry);

        await sensor.ReadOnceAsync(CancellationToken.None);
        chip.FailNext(1);
        var recovered = await sensor.ReadOnceAsync(CancellationToken.None);
        chip.FailNext(100);
        var failed = await sensor.ReadOnceAsync(CancellationToken.None);

        Assert.Equal(25.0, ValueOf(recovered, Quantity.Temperature), 3);
        Assert.Equal(2, chip.Commands.Count(c => c == "30a2")); // reset again after the failure
        var fault = FaultOf(failed, Quantity.Humidity);
        Assert.Equal("io-error", fault.Code);
        Assert.EndsWith("(2 attempts)", fault.Detail, StringComparison.Ordinal);
    }
}
