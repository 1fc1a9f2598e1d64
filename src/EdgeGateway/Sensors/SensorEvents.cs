namespace EdgeGateway.Sensors;

/// <summary>What a sensor channel measures. SenML units: <see cref="SenmlUnits"/>.</summary>
public enum Quantity
{
    /// <summary>Air temperature, SenML "Cel".</summary>
    Temperature,
    /// <summary>Relative humidity, SenML "%RH".</summary>
    Humidity,
    /// <summary>Barometric pressure, SenML "Pa".</summary>
    Pressure,
    /// <summary>An RFID tag seen by a reader; no unit.</summary>
    Tag,
}

/// <summary>
/// One channel of a sensor. A physical device with several quantities (an SHT31 measures
/// temperature and humidity) appears once per quantity under the same <paramref name="Id"/>:
/// the pair (Id, Quantity) names a channel.
/// </summary>
/// <param name="Id">Stable id from bus and address or serial, e.g. <c>hwmon/sht3x/1-0044</c>.</param>
/// <param name="Kind">Driver or part, e.g. <c>sht3x</c>, <c>ds18b20</c>.</param>
/// <param name="Quantity">What the channel measures.</param>
/// <param name="Unit">SenML unit of <see cref="Measurement.Value"/>; empty for tags.</param>
/// <param name="Zone">Where in the warehouse the sensor is, when configured.</param>
public sealed record SensorInfo(string Id, string Kind, Quantity Quantity, string Unit, string? Zone = null);

/// <summary>Anything a sensor source reports.</summary>
/// <param name="SensorId">The <see cref="SensorInfo.Id"/> of the channel.</param>
/// <param name="Quantity">The channel's quantity.</param>
/// <param name="TimeMs">When the value was obtained, Unix milliseconds UTC.</param>
public abstract record SensorEvent(string SensorId, Quantity Quantity, long TimeMs);

/// <summary>A plausible, good value. Anything else is a <see cref="SensorFault"/>.</summary>
public sealed record Measurement(string SensorId, Quantity Quantity, long TimeMs, double Value, string Unit)
    : SensorEvent(SensorId, Quantity, TimeMs);

/// <summary>A tag seen by an RFID reader.</summary>
/// <param name="Value">The EPC pure-identity URI when the tag holds an SGTIN-96, else <c>raw:</c> and the upper-case hex id as read.</param>
public sealed record TagObservation(string SensorId, long TimeMs, string Value)
    : SensorEvent(SensorId, Quantity.Tag, TimeMs);

/// <summary>A reading that failed or was rejected: recorded, never dropped, never mixed with good values.</summary>
/// <param name="Code">Stable machine code, one of <see cref="SensorFaultCodes"/>.</param>
/// <param name="Detail">What happened, for people.</param>
public sealed record SensorFault(string SensorId, Quantity Quantity, long TimeMs, string Code, string Detail)
    : SensorEvent(SensorId, Quantity, TimeMs);
