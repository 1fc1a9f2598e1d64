namespace EdgeGateway.Sensors;

/// <summary>
/// A device that is read on demand. One read yields exactly one event per channel, a
/// <see cref="Measurement"/> or a <see cref="SensorFault"/>, so a poll can never lose a channel silently.
/// </summary>
public interface IPolledSensor
{
    /// <summary>The channels every read reports on, in order.</summary>
    IReadOnlyList<SensorInfo> Channels { get; }

    /// <summary>Reads every channel once, retrying transient failures within the sensor's own budget.</summary>
    ValueTask<IReadOnlyList<SensorEvent>> ReadOnceAsync(CancellationToken cancellationToken);
}
