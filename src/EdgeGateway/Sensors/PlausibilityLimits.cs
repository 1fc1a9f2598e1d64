namespace EdgeGateway.Sensors;

/// <summary>
/// Values outside these ranges are physically implausible for a warehouse sensor and become
/// <see cref="SensorFaultCodes.Implausible"/> faults rather than readings. The defaults span the
/// rated ranges of the supported parts (DS18B20 −55..125 °C, SHT3x −40..125 °C, BME280
/// 300..1100 hPa), with a little room below for the coldest blast freezers.
/// </summary>
public sealed record PlausibilityLimits(
    double MinTemperatureCelsius = -60,
    double MaxTemperatureCelsius = 125,
    double MinRelativeHumidity = 0,
    double MaxRelativeHumidity = 100,
    double MinPressurePascal = 30_000,
    double MaxPressurePascal = 110_000)
{
    /// <summary>The defaults above.</summary>
    public static PlausibilityLimits Default { get; } = new();

    /// <summary>Turns a value into a measurement, or an implausible-value fault saying which limit it broke.</summary>
    public SensorEvent Classify(SensorInfo channel, long timeMs, double value)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var (min, max) = channel.Quantity switch
        {
            Quantity.Temperature => (MinTemperatureCelsius, MaxTemperatureCelsius),
            Quantity.Humidity => (MinRelativeHumidity, MaxRelativeHumidity),
            Quantity.Pressure => (MinPressurePascal, MaxPressurePascal),
            _ => throw new ArgumentException($"{channel.Quantity} channels carry no numeric value.", nameof(channel)),
        };
        if (double.IsFinite(value) && value >= min && value <= max)
            return new Measurement(channel.Id, channel.Quantity, timeMs, value, channel.Unit);
        var unit = channel.Unit;
        return new SensorFault(channel.Id, channel.Quantity, timeMs, SensorFaultCodes.Implausible,
            FormattableString.Invariant($"{value} {unit} is outside the plausible range {min}..{max} {unit}."));
    }
}
