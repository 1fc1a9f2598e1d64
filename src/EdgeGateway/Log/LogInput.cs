using EdgeGateway.Sensors;

namespace EdgeGateway.Log;

/// <summary>One thing for the log writer: a sensor event or a gateway event.</summary>
public readonly record struct LogInput
{
    private LogInput(SensorEvent? sensor, GatewayEvent? gatewayEvent, DoorObservation? door = null, long? tickMs = null)
    {
        Sensor = sensor;
        Event = gatewayEvent;
        Door = door;
        TickMs = tickMs;
    }

    /// <summary>For a clock tick: the gateway's time, Unix milliseconds; null otherwise.</summary>
    public long? TickMs { get; }

    /// <summary>
    /// A clock tick: the alarm engine evaluates what depends on time alone ("no data" rules,
    /// suppression windows) at <paramref name="nowMs"/>.
    /// </summary>
    public static LogInput Tick(long nowMs) => new(null, null, null, nowMs);

    /// <summary>The sensor event, or null.</summary>
    public SensorEvent? Sensor { get; }

    /// <summary>The gateway event, or null.</summary>
    public GatewayEvent? Event { get; }

    /// <summary>A door contact's state, or null.</summary>
    public DoorObservation? Door { get; }

    /// <summary>A sensor event.</summary>
    public static LogInput From(SensorEvent sensorEvent) => new(sensorEvent ?? throw new ArgumentNullException(nameof(sensorEvent)), null);

    /// <summary>A gateway event.</summary>
    public static LogInput From(GatewayEvent gatewayEvent) => new(null, gatewayEvent ?? throw new ArgumentNullException(nameof(gatewayEvent)));

    /// <summary>A door contact's state.</summary>
    public static LogInput From(DoorObservation door) => new(null, null, door ?? throw new ArgumentNullException(nameof(door)));
}
