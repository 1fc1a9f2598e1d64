using System.Text.Json;
using System.Text.Json.Serialization;

namespace Firmware.Contracts.Conditions;

/// <summary>
/// How a condition report is computed: the window, ΔH/R for the MKT, the sensors' logging interval
/// (for expected readings and gaps), and the excursion rules: an out-of-range period counts as an
/// excursion only if it lasts longer than <see cref="DelayMs"/>, and the time out of range of a
/// sensor may add up to at most <see cref="CumulativeMs"/> (none when null).
/// </summary>
public sealed record ReportParameters
{
    /// <summary>Window start, Unix ms (inclusive).</summary>
    [JsonPropertyName("from")]
    public required long FromMs { get; init; }

    /// <summary>Window end, Unix ms (exclusive).</summary>
    [JsonPropertyName("to")]
    public required long ToMs { get; init; }

    /// <summary>ΔH/R in kelvin.</summary>
    [JsonPropertyName("activationEnergyK")]
    public double ActivationEnergyK { get; init; } = MeanKineticTemperature.DefaultActivationEnergyK;

    /// <summary>The sensors' logging interval in ms; gaps are longer than twice this.</summary>
    [JsonPropertyName("intervalMs")]
    public long IntervalMs { get; init; } = 60_000;

    /// <summary>Out-of-range periods this long or shorter are not excursions (door openings).</summary>
    [JsonPropertyName("delayMs")]
    public long DelayMs { get; init; }

    /// <summary>The most time out of range allowed per sensor over the window, or null for no limit.</summary>
    [JsonPropertyName("cumulativeMs")]
    public long? CumulativeMs { get; init; }

    /// <summary>Why the parameters cannot be used, or null.</summary>
    public string? Problem() =>
        ToMs <= FromMs ? $"the window must end ({ToMs}) after it starts ({FromMs})"
        : !double.IsFinite(ActivationEnergyK) || ActivationEnergyK <= 0 ? "ΔH/R must be a positive number of kelvin"
        : IntervalMs <= 0 ? "the logging interval must be positive"
        : DelayMs < 0 ? "the delay cannot be negative"
        : CumulativeMs < 0 ? "the cumulative allowance cannot be negative"
        : null;
}

/// <summary>A lot's condition over a window: per sensor statistics, excursions, completeness and faults, and covenant status.</summary>
public sealed record ConditionReport
{
    /// <summary>Whose terms the window and parameters are: <c>pledge</c> (the pledge's signed terms), <c>lot</c> (the lot's own history) or <c>custom</c> (chosen at export: not a verdict on any pledge).</summary>
    [JsonPropertyName("terms")]
    public string Terms { get; init; } = "custom";

    /// <summary>The pledge whose covenants are checked, or null.</summary>
    [JsonPropertyName("pledge")]
    public long? Pledge { get; init; }

    /// <summary>The ledger checkpoint the evidence is proven against, or null when not computed from a bundle.</summary>
    [JsonPropertyName("asOf")]
    public EvidenceAsOf? AsOf { get; init; }

    /// <summary>How it was computed.</summary>
    [JsonPropertyName("parameters")]
    public required ReportParameters Parameters { get; init; }

    /// <summary>The lot's required storage conditions.</summary>
    [JsonPropertyName("bands")]
    public required IReadOnlyList<BandView> Bands { get; init; }

    /// <summary>Where the lot was during the window.</summary>
    [JsonPropertyName("storage")]
    public required IReadOnlyList<StorageInterval> Storage { get; init; }

    /// <summary>
    /// Spans in which a device suppressed the alarms of a zone the lot was in (docs/spec-ledger.md §7.2),
    /// by start; null (left out of the JSON) when there are none. No verdict depends on them.
    /// </summary>
    [JsonPropertyName("suppressed")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SuppressedSpan>? Suppressed { get; init; }

    /// <summary>One report per sensor that describes the lot during the window, by device then sensor.</summary>
    [JsonPropertyName("sensors")]
    public required IReadOnlyList<SensorReport> Sensors { get; init; }

    /// <summary>Storage intervals where no enrolled sensor measured a banded quantity.</summary>
    [JsonPropertyName("uncovered")]
    public required IReadOnlyList<UncoveredInterval> Uncovered { get; init; }

    /// <summary>The pledge's covenants and whether they held.</summary>
    [JsonPropertyName("covenants")]
    public required IReadOnlyList<CovenantStatus> Covenants { get; init; }

    /// <summary>Excursions (beyond the delay) over every sensor.</summary>
    [JsonPropertyName("excursionCount")]
    public int ExcursionCount => Sensors.Sum(s => s.Excursions.Count);

    /// <summary>True when no sensor had an excursion or went over the cumulative allowance.</summary>
    [JsonPropertyName("withinRange")]
    public bool WithinRange => Sensors.All(s => s.Excursions.Count == 0 && !s.CumulativeExceeded);

    /// <summary>True when some covenant was breached.</summary>
    [JsonPropertyName("covenantBreached")]
    public bool CovenantBreached => Covenants.Any(c => c.Breached);

    /// <summary>True when every storage interval was covered and no sensor has a gap.</summary>
    [JsonPropertyName("complete")]
    public bool Complete => Uncovered.Count == 0 && Sensors.All(s => s.Gaps.Count == 0);

    /// <summary>What the report can say: facts seen (excursions, breaches) and, where the window was observed throughout, "within range" and "held".</summary>
    [JsonPropertyName("verdict")]
    public ConditionVerdict Verdict { get; init; } = ConditionVerdict.Unjudged;

    /// <summary>The report as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ConditionJsonContext.Default.ConditionReport);
}

/// <summary>The checkpoint a report rests on: its time, the ledger size, who signed it and how many signatures were required.</summary>
/// <summary>
/// A span in which a device's alarms of <paramref name="Zone"/> were suppressed: its
/// <c>suppression-start</c> leaf and the matching <c>suppression-end</c> (docs/spec.md §2.8).
/// </summary>
/// <param name="DeviceId">The device whose log holds the leaves.</param>
/// <param name="Zone">The zone suppressed.</param>
/// <param name="Reason">Why: <c>defrost</c>, <c>maintenance</c>, …</param>
/// <param name="FromMs">The start leaf's time.</param>
/// <param name="ToMs">The end leaf's time, or null when the bundle holds no end (still open at the end of the device's run).</param>
/// <param name="StartSequence">The start leaf.</param>
/// <param name="EndSequence">The end leaf, or null.</param>
public sealed record SuppressedSpan(
    [property: JsonPropertyName("device")] string DeviceId,
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("from")] long FromMs,
    [property: JsonPropertyName("to")] long? ToMs,
    [property: JsonPropertyName("startSeq")] long StartSequence,
    [property: JsonPropertyName("endSeq")] long? EndSequence);

public sealed record EvidenceAsOf(
    [property: JsonPropertyName("time")] long TimeMs,
    [property: JsonPropertyName("ledgerSize")] long LedgerSize,
    [property: JsonPropertyName("signers")] IReadOnlyList<string> Signers,
    [property: JsonPropertyName("required")] int Required,
    [property: JsonPropertyName("quorum")] int Quorum);

/// <summary>A band as the report shows it.</summary>
public sealed record BandView(
    [property: JsonPropertyName("quantity")] string Quantity,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("min")] decimal Min,
    [property: JsonPropertyName("max")] decimal Max);

/// <summary>One sensor over the parts of the window it describes the lot.</summary>
public sealed record SensorReport
{
    /// <summary>The device.</summary>
    [JsonPropertyName("device")]
    public required string DeviceId { get; init; }

    /// <summary>The sensor (as its leaves and the enrolment name it).</summary>
    [JsonPropertyName("sensor")]
    public required string SensorId { get; init; }

    /// <summary>temperature or humidity.</summary>
    [JsonPropertyName("quantity")]
    public required string Quantity { get; init; }

    /// <summary>SenML unit.</summary>
    [JsonPropertyName("unit")]
    public required string Unit { get; init; }

    /// <summary>Its site, when enrolled with one.</summary>
    [JsonPropertyName("site")]
    public string? Site { get; init; }

    /// <summary>Its zone.</summary>
    [JsonPropertyName("zone")]
    public required string Zone { get; init; }

    /// <summary>The parts of the window it covers (the lot's intervals in its zone).</summary>
    [JsonPropertyName("covered")]
    public required IReadOnlyList<StorageInterval> Covered { get; init; }

    /// <summary>Readings in those parts.</summary>
    [JsonPropertyName("count")]
    public required int Count { get; init; }

    /// <summary>Lowest reading.</summary>
    [JsonPropertyName("min")]
    public double? Min { get; init; }

    /// <summary>Highest reading.</summary>
    [JsonPropertyName("max")]
    public double? Max { get; init; }

    /// <summary>Arithmetic mean.</summary>
    [JsonPropertyName("mean")]
    public double? Mean { get; init; }

    /// <summary>Mean kinetic temperature, °C (temperature sensors).</summary>
    [JsonPropertyName("mkt")]
    public double? Mkt { get; init; }

    /// <summary>Total time outside the band (every out-of-range period, however short).</summary>
    [JsonPropertyName("timeOutOfRangeMs")]
    public required long TimeOutOfRangeMs { get; init; }

    /// <summary>True when <see cref="TimeOutOfRangeMs"/> is over the cumulative allowance.</summary>
    [JsonPropertyName("cumulativeExceeded")]
    public required bool CumulativeExceeded { get; init; }

    /// <summary>Out-of-range periods longer than the delay.</summary>
    [JsonPropertyName("excursions")]
    public required IReadOnlyList<Excursion> Excursions { get; init; }

    /// <summary>Readings expected: ⌈covered duration / logging interval⌉ per covered part (every interval begun should have a reading).</summary>
    [JsonPropertyName("expected")]
    public required long Expected { get; init; }

    /// <summary>Readings received (= <see cref="Count"/>).</summary>
    [JsonPropertyName("received")]
    public required long Received { get; init; }

    /// <summary>Received over expected, at most 1 (1 when none were expected).</summary>
    [JsonPropertyName("completeness")]
    public required double Completeness { get; init; }

    /// <summary>Stretches longer than twice the logging interval without a reading.</summary>
    [JsonPropertyName("gaps")]
    public required IReadOnlyList<Gap> Gaps { get; init; }

    /// <summary>Fault leaves of this sensor and quantity.</summary>
    [JsonPropertyName("faults")]
    public required IReadOnlyList<FaultView> Faults { get; init; }

    /// <summary>The calibrations applied to this channel's readings and their status (reports from a lot bundle), or null.</summary>
    [JsonPropertyName("calibration")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ChannelCalibration? Calibration { get; init; }
}

/// <summary>
/// What a channel's readings were corrected with (docs/spec-ledger.md §7.2, "Calibrations"):
/// <see cref="Status"/> <c>current</c>, <c>overdue</c> (a calibration in force during the window was
/// past its due date from <see cref="OverdueFromMs"/>) or <c>none</c> (part of the window has no
/// calibration on record); <see cref="Applied"/> the calibrations in force at some time of the window.
/// </summary>
public sealed record ChannelCalibration(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("overdueFrom")] long? OverdueFromMs,
    [property: JsonPropertyName("applied")] IReadOnlyList<AppliedCalibration> Applied)
{
    /// <summary>Every instant of the window has a calibration in force, none past its due date.</summary>
    public const string Current = "current";

    /// <summary>A calibration in force during the window was past its due date.</summary>
    public const string Overdue = "overdue";

    /// <summary>Part of the window has no calibration on record: those readings are not corrected.</summary>
    public const string None = "none";

    /// <summary>
    /// One line for a reader (docs/spec-ledger.md §7.2): <c>calibration &lt;status&gt;: ledger entry &lt;entry&gt;, certificate
    /// &lt;certificate&gt; (&lt;laboratory&gt;), calibrated &lt;time&gt;, due &lt;time&gt;; …</c>, then <c>; overdue from &lt;time&gt;</c>.
    /// </summary>
    public string Describe() =>
        $"calibration {Status}: "
        + (Applied.Count == 0 ? "no calibration on record" : string.Join("; ", Applied.Select(a =>
            $"ledger entry {a.Entry}, certificate {a.Certificate} ({a.Laboratory}), calibrated {Second(a.CalibratedMs)}, due {Second(a.DueMs)}")))
        + (OverdueFromMs is { } overdue ? $"; overdue from {Second(overdue)}" : "");

    /// <summary>Unix ms as <c>YYYY-MM-DDThh:mm:ssZ</c> (milliseconds dropped), as the report's lines write times.</summary>
    public static string Second(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A calibrate entry applied to a channel: its ledger index, certificate, laboratory, calibration time and due date.</summary>
public sealed record AppliedCalibration(
    [property: JsonPropertyName("entry")] long Entry,
    [property: JsonPropertyName("certificate")] string Certificate,
    [property: JsonPropertyName("laboratory")] string Laboratory,
    [property: JsonPropertyName("calibrated")] long CalibratedMs,
    [property: JsonPropertyName("due")] long DueMs);

/// <summary>
/// An out-of-range period: from the first reading beyond the limit to the first reading back
/// within it (each reading holds until the next one, or for one logging interval when the next is
/// more than two intervals away or beyond the covered part).
/// </summary>
public sealed record Excursion(
    [property: JsonPropertyName("side")] string Side,
    [property: JsonPropertyName("limit")] decimal Limit,
    [property: JsonPropertyName("start")] long StartMs,
    [property: JsonPropertyName("end")] long EndMs,
    [property: JsonPropertyName("durationMs")] long DurationMs,
    [property: JsonPropertyName("peak")] double Peak,
    [property: JsonPropertyName("readings")] int Readings,
    [property: JsonPropertyName("ongoing")] bool Ongoing);

/// <summary>A stretch without readings.</summary>
public sealed record Gap(
    [property: JsonPropertyName("from")] long FromMs,
    [property: JsonPropertyName("to")] long ToMs,
    [property: JsonPropertyName("durationMs")] long DurationMs);

/// <summary>A sensor fault leaf.</summary>
public sealed record FaultView(
    [property: JsonPropertyName("time")] long TimeMs,
    [property: JsonPropertyName("code")] string Code);

/// <summary>
/// A stretch of a storage interval where the lot's zone had no observation of a quantity it is
/// judged on: no sensor of that quantity is enrolled there (<see cref="NoSensor"/>), or every such
/// sensor was in a gap (<see cref="NoReadings"/>: more than twice the logging interval without a reading).
/// </summary>
public sealed record UncoveredInterval(
    [property: JsonPropertyName("quantity")] string Quantity,
    [property: JsonPropertyName("site")] string? Site,
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("from")] long FromMs,
    [property: JsonPropertyName("to")] long ToMs,
    [property: JsonPropertyName("reason")] string Reason)
{
    /// <summary>No sensor of the quantity is enrolled in the zone.</summary>
    public const string NoSensor = "no-sensor";

    /// <summary>Every sensor of the quantity in the zone was in a gap.</summary>
    public const string NoReadings = "no-readings";
}

/// <summary>A covenant, its breaches and what can be said of it.</summary>
public sealed record CovenantStatus(
    [property: JsonPropertyName("covenant")] string Covenant,
    [property: JsonPropertyName("breached")] bool Breached,
    [property: JsonPropertyName("breaches")] IReadOnlyList<CovenantBreach> Breaches)
{
    /// <summary><c>held</c>, <c>breached</c> or <c>cannot-be-evaluated</c> (no breach seen, but the zone was not observed throughout).</summary>
    [JsonPropertyName("status")]
    public string Status { get; init; } = ConditionVerdict.Held;

    /// <summary>Where the covenant's quantity was not observed.</summary>
    [JsonPropertyName("uncovered")]
    public IReadOnlyList<UncoveredInterval> Uncovered { get; init; } = [];
}

/// <summary>
/// What a condition report can say. <see cref="Range"/>: <c>within-range</c>, <c>out-of-range</c>
/// (an excursion or the allowance exceeded: a fact, whatever else is missing) or
/// <c>cannot-be-evaluated</c>. <see cref="Covenants"/>: <c>held</c>, <c>breached</c>,
/// <c>cannot-be-evaluated</c> or <c>none</c>. "Within range" and "held" need the lot's zone observed
/// for the whole window under the gap rule, and no caveat.
/// </summary>
/// <param name="Range">The band verdict.</param>
/// <param name="Covenants">The covenant verdict.</param>
/// <param name="UncoveredMs">The longest total time, over the quantities judged, with no observation.</param>
/// <param name="Reasons">Why something cannot be evaluated.</param>
public sealed record ConditionVerdict(
    [property: JsonPropertyName("range")] string Range,
    [property: JsonPropertyName("covenants")] string Covenants,
    [property: JsonPropertyName("uncoveredMs")] long UncoveredMs,
    [property: JsonPropertyName("reasons")] IReadOnlyList<string> Reasons)
{
    /// <summary>
    /// The calibration flags of a report from a lot bundle (an overdue or missing calibration per
    /// channel); they change neither <see cref="Range"/> nor <see cref="Covenants"/>. Null elsewhere.
    /// </summary>
    [JsonPropertyName("calibration")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Calibration { get; init; }

    /// <summary>No excursion, the window observed throughout.</summary>
    public const string WithinRange = "within-range";

    /// <summary>An excursion, or the cumulative allowance exceeded.</summary>
    public const string OutOfRange = "out-of-range";

    /// <summary>Nothing bad seen, but the evidence does not cover the window.</summary>
    public const string CannotBeEvaluated = "cannot-be-evaluated";

    /// <summary>No breach, the window observed throughout.</summary>
    public const string Held = "held";

    /// <summary>A covenant was breached.</summary>
    public const string Breached = "breached";

    /// <summary>No covenants to judge.</summary>
    public const string NoCovenants = "none";

    /// <summary>Placeholder before the analyzer judged.</summary>
    public static readonly ConditionVerdict Unjudged = new(CannotBeEvaluated, NoCovenants, 0, ["not judged"]);

    /// <summary>True when nothing is "cannot be evaluated".</summary>
    [JsonIgnore]
    public bool Evaluated => Range != CannotBeEvaluated && Covenants != CannotBeEvaluated;
}

/// <summary>
/// A covenant breach on one sensor: the period (or, for <c>total</c>, the first to the last
/// period) beyond the limit, and the moment the allowed duration was used up.
/// </summary>
public sealed record CovenantBreach(
    [property: JsonPropertyName("device")] string DeviceId,
    [property: JsonPropertyName("sensor")] string SensorId,
    [property: JsonPropertyName("start")] long StartMs,
    [property: JsonPropertyName("end")] long EndMs,
    [property: JsonPropertyName("durationMs")] long DurationMs,
    [property: JsonPropertyName("exceededAt")] long ExceededAtMs,
    [property: JsonPropertyName("peak")] double Peak,
    [property: JsonPropertyName("ongoing")] bool Ongoing);

/// <summary>JSON of condition reports (what the node serves and <c>Verifier report --json</c> prints).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ConditionReport))]
public sealed partial class ConditionJsonContext : JsonSerializerContext;
