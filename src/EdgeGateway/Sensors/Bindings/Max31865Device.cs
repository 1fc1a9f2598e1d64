using System.Device.Spi;
using EdgeGateway.Board;
using Iot.Device.Max31865;
using UnitsNet;

namespace EdgeGateway.Sensors.Bindings;

/// <summary>
/// A MAX31865 RTD-to-digital converter with a PT100 or PT1000 probe, the probe for −80 °C freezers.
/// After each conversion the fault status register is read: the driver ignores it, and an open or
/// shorted probe would otherwise read as a temperature.
/// </summary>
internal sealed class Max31865Device(BindingSensorOptions options) : BindingDevice
{
    private Max31865? _driver;

    public override void Open(IBoardBuses buses)
    {
        Dispose();
        var spi = buses.OpenSpi(new SpiConnectionSettings(options.Bus, options.ChipSelect)
        {
            ClockFrequency = Max31865.SpiClockFrequency,
            Mode = Max31865.SpiMode1,
            DataFlow = Max31865.SpiDataFlow,
        });
        var probe = options.Probe;
        try
        {
            _driver = new Max31865(spi,
                probe.NominalOhms == 1000 ? PlatinumResistanceThermometerType.Pt1000 : PlatinumResistanceThermometerType.Pt100,
                probe.Wires switch
                {
                    2 => ResistanceTemperatureDetectorWires.TwoWire,
                    4 => ResistanceTemperatureDetectorWires.FourWire,
                    _ => ResistanceTemperatureDetectorWires.ThreeWire,
                },
                ElectricResistance.FromOhms(probe.ReferenceOhms),
                probe.MainsHz == 60 ? ConversionFilterMode.Filter60Hz : ConversionFilterMode.Filter50Hz);
        }
        catch
        {
            spi.Dispose();
            throw;
        }
    }

    public override IReadOnlyList<ChannelRead> Read()
    {
        var driver = _driver ?? throw new InvalidOperationException("not open");
        var celsius = driver.Temperature.DegreesCelsius;
        var faults = driver.Faults;
        var problems = new List<string>();
        if (faults.HighThreshold) problems.Add("RTD above the high threshold");
        if (faults.LowThreshold) problems.Add("RTD below the low threshold");
        if (faults.ReferenceInHigh) problems.Add("REFIN- above 0.85 × VBIAS");
        if (faults.ReferenceInLow) problems.Add("REFIN- below 0.85 × VBIAS (FORCE- open)");
        if (faults.ResistanceTemperatureDetectorLow) problems.Add("RTDIN- below 0.85 × VBIAS (FORCE- open)");
        if (faults.OverUnderVoltage) problems.Add("over- or undervoltage on an input");
        if (problems.Count > 0)
            return [ChannelRead.Fault(SensorFaultCodes.IoError, $"the MAX31865 reports a fault: {string.Join("; ", problems)}; the probe is open, shorted or miswired (check the wires and the 2/3/4-wire jumpers)")];
        return double.IsFinite(celsius)
            ? [new ChannelRead(celsius)]
            : [ChannelRead.Fault(SensorFaultCodes.Malformed, $"the RTD reading gives no temperature ({celsius}); check probe.nominalOhms and probe.referenceOhms")];
    }

    public override void Dispose()
    {
        _driver?.Dispose();
        _driver = null;
    }
}
