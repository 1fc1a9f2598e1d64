using System.Globalization;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Alarms;

/// <summary>Quantity names of alarm rules that are not SenML quantities.</summary>
public static class AlarmQuantities
{
    /// <summary>A door contact of the zone: the alarm of a door open longer than the rule's delay.</summary>
    public const string Door = "door";

    /// <summary>A sensor of the zone without a good reading for longer than the rule's <see cref="AlarmRule.SilentFor"/>.</summary>
    public const string NoData = "no-data";
}

/// <summary>
/// A zone's alarm rule over one quantity. A value is out of range when it is strictly above
/// <see cref="Above"/> or strictly below <see cref="Below"/>: a value exactly at a limit is in range.
/// </summary>
/// <remarks>
/// Two kinds:
/// <list type="bullet">
/// <item>a <b>limit</b> rule (no <see cref="Cumulative"/>) starts when readings of one sensor have been
/// out of range continuously for at least <see cref="Delay"/> (0 = at the first such reading), and
/// ends at the sensor's first in-range reading;</item>
/// <item>a <b>cumulative</b> rule starts when a sensor has spent at least <see cref="Cumulative"/>
/// out of range within the sliding <see cref="Window"/>, and ends when that total falls below it.</item>
/// </list>
/// Durations are measured in the readings' own time, so a simulation or a backlog replays the same way.
/// </remarks>
public sealed record AlarmRule
{
    /// <summary>The rule's id, unique in the configuration; written in alarm leaves.</summary>
    public required string Id { get; init; }

    /// <summary>The zone whose sensors the rule watches.</summary>
    public required string Zone { get; init; }

    /// <summary>
    /// The quantity name: <c>temperature</c>, <c>humidity</c> or <c>pressure</c>, or
    /// <see cref="AlarmQuantities.Door"/> for a door left open (a limit rule on the zone's door
    /// contacts: it starts after <see cref="Delay"/> open and ends when the door closes).
    /// </summary>
    public required string Quantity { get; init; }

    /// <summary>
    /// <see cref="AlarmSeverity.Warning"/> or <see cref="AlarmSeverity.Alarm"/> (the default), written in
    /// the rule's alarm leaves. A zone typically has a warning rule that starts early and an alarm rule.
    /// </summary>
    public string Severity { get; init; } = AlarmSeverity.Alarm;

    /// <summary>
    /// For a <see cref="AlarmQuantities.NoData"/> rule: how long a sensor of the zone may go without a
    /// good reading before the alarm starts (evaluated on the gateway's clock, see <see cref="AlarmEngine.Tick"/>).
    /// </summary>
    public TimeSpan SilentFor { get; init; }

    /// <summary>True for a "no data" rule.</summary>
    public bool IsNoData => Quantity == AlarmQuantities.NoData;

    /// <summary>Upper limit (exclusive), in the quantity's SenML unit.</summary>
    public double? Above { get; init; }

    /// <summary>Lower limit (exclusive), in the quantity's SenML unit.</summary>
    public double? Below { get; init; }

    /// <summary>How long a limit rule's condition must hold before the alarm starts.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>For a cumulative rule: the time out of range within <see cref="Window"/> that starts the alarm.</summary>
    public TimeSpan? Cumulative { get; init; }

    /// <summary>The sliding window of a cumulative rule.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The longest time one reading's state counts towards a cumulative total: when a sensor falls
    /// silent, its last state is not held for ever.
    /// </summary>
    public TimeSpan MaxGap { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>True for a cumulative rule.</summary>
    public bool IsCumulative => Cumulative is not null;

    /// <summary>Whether <paramref name="value"/> is out of range.</summary>
    public bool IsOutOfRange(double value) => (Above is { } above && value > above) || (Below is { } below && value < below);

    /// <summary>The accepted range for people, e.g. <c>2..8</c>, <c>≤ 8</c>.</summary>
    public string DescribeRange() => (Below, Above) switch
    {
        ({ } b, { } a) => string.Create(CultureInfo.InvariantCulture, $"{b}..{a}"),
        (null, { } a) => string.Create(CultureInfo.InvariantCulture, $"≤ {a}"),
        ({ } b, null) => string.Create(CultureInfo.InvariantCulture, $"≥ {b}"),
        _ => "any",
    };
}
