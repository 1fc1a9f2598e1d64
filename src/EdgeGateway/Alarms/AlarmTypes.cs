using Firmware.Contracts.Readings;

namespace EdgeGateway.Alarms;

/// <summary>A good reading as the alarm engine sees it.</summary>
/// <param name="Zone">The sensor's zone; readings without a zone match no rule.</param>
/// <param name="SensorId">The sensor.</param>
/// <param name="Quantity">The quantity name, e.g. <c>temperature</c>.</param>
/// <param name="TimeMs">The reading's own time, Unix milliseconds.</param>
/// <param name="Value">The value in <paramref name="Unit"/>.</param>
/// <param name="Unit">SenML unit.</param>
public readonly record struct AlarmReading(string? Zone, string SensorId, string Quantity, long TimeMs, double Value, string Unit);

/// <summary>An alarm started or ended.</summary>
/// <param name="RuleId">The rule.</param>
/// <param name="Zone">The rule's zone.</param>
/// <param name="SensorId">The sensor whose readings triggered it.</param>
/// <param name="Started">True for a start, false for an end.</param>
/// <param name="TimeMs">The time of the reading that caused the transition.</param>
/// <param name="Value">That reading's value, or null when no reading caused it (rule removed).</param>
/// <param name="Unit">The value's unit, or null with <paramref name="Value"/>.</param>
/// <param name="Detail">Why, for people.</param>
public sealed record AlarmTransition(string RuleId, string Zone, string SensorId, bool Started, long TimeMs, double? Value, string? Unit, string Detail)
{
    /// <summary>The rule's severity: <see cref="AlarmSeverity.Warning"/> or <see cref="AlarmSeverity.Alarm"/>.</summary>
    public string Severity { get; init; } = AlarmSeverity.Alarm;
}

/// <summary>A zone's suppression window opened or closed: recorded as a <c>suppression-start</c> or <c>suppression-end</c> event leaf.</summary>
/// <param name="WindowId">The window's id in the configuration.</param>
/// <param name="Zone">The zone whose alarms it suppresses.</param>
/// <param name="Reason">Why, as a code: <c>defrost</c>, <c>maintenance</c>, …</param>
/// <param name="Opened">True when the window opened, false when it closed.</param>
/// <param name="TimeMs">The window's start (opened) or end (closed), Unix milliseconds.</param>
/// <param name="EndMs">When the window closes (as planned when it opened).</param>
/// <param name="Detail">What happened, for people.</param>
public sealed record SuppressionTransition(string WindowId, string Zone, string Reason, bool Opened, long TimeMs, long EndMs, string Detail)
{
    /// <summary>The event code of a window that opens.</summary>
    public const string StartCode = "suppression-start";

    /// <summary>The event code of a window that closes.</summary>
    public const string EndCode = "suppression-end";
}

/// <summary>A suppression window that is open: its zone, reason, start and planned end (Unix milliseconds).</summary>
public sealed record OpenWindow(string Zone, string Reason, long StartMs, long EndMs);

/// <summary>What a clock tick of the engine produced: the windows that opened or closed, then the alarms that started.</summary>
public sealed record AlarmTick(IReadOnlyList<SuppressionTransition> Windows, IReadOnlyList<AlarmTransition> Alarms);

/// <summary>An alarm that has started and not ended.</summary>
public sealed record ActiveAlarm(string RuleId, string Zone, string SensorId, long SinceMs, double? Value, string? Unit)
{
    /// <summary>The rule's severity: <see cref="AlarmSeverity.Warning"/> or <see cref="AlarmSeverity.Alarm"/>.</summary>
    public string Severity { get; init; } = AlarmSeverity.Alarm;
}

/// <summary>
/// What the engine remembers about one (rule, sensor) pair, in a form that is persisted with
/// the leaves it produced so that a restart neither repeats nor forgets an alarm.
/// </summary>
public sealed record AlarmTrackState
{
    /// <summary>The rule.</summary>
    public required string RuleId { get; init; }

    /// <summary>The zone of the rule when the state was saved.</summary>
    public required string Zone { get; init; }

    /// <summary>The sensor.</summary>
    public required string SensorId { get; init; }

    /// <summary>Start of the current out-of-range run (limit rules).</summary>
    public long? OutSinceMs { get; init; }

    /// <summary>Whether the alarm is active.</summary>
    public bool Active { get; init; }

    /// <summary>When the active alarm started.</summary>
    public long? ActiveSinceMs { get; init; }

    /// <summary>The value that started the active alarm.</summary>
    public double? ActiveValue { get; init; }

    /// <summary>The unit of <see cref="ActiveValue"/>.</summary>
    public string? ActiveUnit { get; init; }

    /// <summary>Time of the last reading seen.</summary>
    public long? LastTimeMs { get; init; }

    /// <summary>Whether the last reading was out of range.</summary>
    public bool LastOut { get; init; }

    /// <summary>The rule's severity when the state was saved (null: <see cref="AlarmSeverity.Alarm"/>).</summary>
    public string? Severity { get; init; }

    /// <summary>For an open suppression window (sensor <see cref="AlarmEngine.WindowKey"/>): its reason.</summary>
    public string? Reason { get; init; }

    /// <summary>Out-of-range intervals inside the window (cumulative rules), as [start, end) pairs flattened.</summary>
    public IReadOnlyList<long> OutIntervals { get; init; } = [];
}

/// <summary>A state to save (<see cref="State"/> set) or to delete (null) for a (rule, sensor) pair.</summary>
public sealed record AlarmStateChange(string RuleId, string SensorId, AlarmTrackState? State);
