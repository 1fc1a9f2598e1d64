namespace EdgeGateway.Sensors;

/// <summary>A stream of sensor events from one kind of hardware (or a simulation).</summary>
public interface ISensorSource
{
    /// <summary>Short name for logs and status, e.g. <c>sysfs</c>, <c>evdev:/dev/edgetrace-rfid</c>.</summary>
    string Name { get; }

    /// <summary>Every channel this source may report on.</summary>
    IReadOnlyList<SensorInfo> Sensors { get; }

    /// <summary>Reads until cancelled. Faults are events, not exceptions.</summary>
    IAsyncEnumerable<SensorEvent> ReadAsync(CancellationToken cancellationToken);
}
