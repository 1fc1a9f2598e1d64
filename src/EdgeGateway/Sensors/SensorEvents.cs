namespace EdgeGateway.Sensors;

/// <summary>What a sensor measures. SenML units: Cel, %RH, Pa; tags have none.</summary>
public enum Quantity
{
    /// <summary>Temperature in Cel.</summary>
    Temperature,

    /// <summary>Relative humidity in %RH.</summary>
    Humidity,

    /// <summary>Pressure in Pa.</summary>
    Pressure,

    /// <summary>An RFID tag read.</summary>
    Tag,
}

/// <summary>A sensor a source found.</summary>
public sealed record SensorInfo(string Id, string Kind, Quantity Quantity, string Unit, string? Zone = null);

/// <summary>Something a sensor source reports; <see cref="TimeMs"/> is Unix milliseconds (UTC).</summary>
public abstract record SensorEvent(string SensorId, Quantity Quantity, long TimeMs);

/// <summary>A plausible, good reading.</summary>
public sealed record Measurement(string SensorId, Quantity Quantity, long TimeMs, double Value, string Unit) : SensorEvent(SensorId, Quantity, TimeMs);

/// <summary>An RFID read: an EPC pure-identity URI, or <c>raw:</c> and the tag's UID.</summary>
public sealed record TagObservation(string SensorId, long TimeMs, string Value) : SensorEvent(SensorId, Quantity.Tag, TimeMs);

/// <summary>A sensor could not give a good reading; <see cref="Code"/> is a stable machine code.</summary>
public sealed record SensorFault(string SensorId, Quantity Quantity, long TimeMs, string Code, string Detail) : SensorEvent(SensorId, Quantity, TimeMs);

/// <summary>A source of sensor events: kernel drivers, RFID readers, MQTT sensor nodes, a simulation.</summary>
public interface ISensorSource
{
    /// <summary>A short name for logs.</summary>
    string Name { get; }

    /// <summary>The sensors this source reads.</summary>
    IReadOnlyList<SensorInfo> Sensors { get; }

    /// <summary>Events as they happen, until cancelled.</summary>
    IAsyncEnumerable<SensorEvent> ReadAsync(CancellationToken cancellationToken);
}
