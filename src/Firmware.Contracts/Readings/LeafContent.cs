namespace Firmware.Contracts.Readings;

/// <summary>
/// What a device-log leaf says, before it is written as bytes (see <see cref="ReadingLeaf"/>).
/// Which fields a kind requires is checked by <see cref="ReadingLeaf.Create"/>.
/// </summary>
public sealed record LeafContent
{
    /// <summary>The device whose log this leaf belongs to.</summary>
    public required string DeviceId { get; init; }

    /// <summary>The leaf's position in the device log (0-based, gap-free).</summary>
    public required long Sequence { get; init; }

    /// <summary>What the leaf records.</summary>
    public required LeafKind Kind { get; init; }

    /// <summary>When it happened, Unix time in milliseconds (UTC).</summary>
    public required long TimeMs { get; init; }

    /// <summary>The sensor (measurement, observation, fault; optional for alarms).</summary>
    public string? SensorId { get; init; }

    /// <summary>The quantity: <c>temperature</c>, <c>humidity</c>, <c>pressure</c>, <c>epc</c>, … (sensor kinds).</summary>
    public string? Quantity { get; init; }

    /// <summary>The zone the sensor or alarm belongs to (required for alarms).</summary>
    public string? Zone { get; init; }

    /// <summary>The alarm rule's id (alarms only).</summary>
    public string? Rule { get; init; }

    /// <summary>
    /// An alarm's severity: <see cref="AlarmSeverity.Warning"/> or <see cref="AlarmSeverity.Alarm"/>
    /// (alarm leaves only); null means <see cref="AlarmSeverity.Alarm"/>, as in leaves written before the field.
    /// </summary>
    public string? Severity { get; init; }

    /// <summary>Why an event happened, as a lower-case code, e.g. the <c>defrost</c> of a suppression window (event leaves only).</summary>
    public string? Reason { get; init; }

    /// <summary>SenML unit of <see cref="Value"/>.</summary>
    public string? Unit { get; init; }

    /// <summary>SenML numeric value.</summary>
    public double? Value { get; init; }

    /// <summary>SenML string value: EPC URI, fault code, <c>start</c>/<c>end</c>, or event code.</summary>
    public string? StringValue { get; init; }

    /// <summary>Free text for people (fault and event details).</summary>
    public string? Detail { get; init; }

    /// <summary>The SenML name: <c>dev/sensor/quantity</c>, <c>dev/alarm/zone/rule</c> or <c>dev/event/code</c>.</summary>
    public string Name => Kind switch
    {
        LeafKind.Alarm => $"{DeviceId}/alarm/{Zone}/{Rule}",
        LeafKind.Event => $"{DeviceId}/event/{StringValue}",
        _ => $"{DeviceId}/{SensorId}/{Quantity}",
    };
}

/// <summary>The severities of an alarm leaf's <c>severity</c> field.</summary>
public static class AlarmSeverity
{
    /// <summary>An early warning: the condition is developing, the goods are not yet at risk.</summary>
    public const string Warning = "warning";

    /// <summary>An alarm (the default: a leaf without the field is an alarm).</summary>
    public const string Alarm = "alarm";

    /// <summary>Whether <paramref name="value"/> is one of the severities.</summary>
    public static bool IsKnown(string? value) => value is Warning or Alarm;

    /// <summary>The severity a leaf's field means: null is <see cref="Alarm"/>.</summary>
    public static string Of(string? field) => field ?? Alarm;
}
