namespace Firmware.Contracts.Conditions;

/// <summary>A reading's time and value.</summary>
public readonly record struct Sample(long TimeMs, double Value);

/// <summary>The readings and faults of one sensor channel, and where it is enrolled.</summary>
public sealed record SensorSeries
{
    /// <summary>The device.</summary>
    public required string DeviceId { get; init; }

    /// <summary>The sensor id.</summary>
    public required string SensorId { get; init; }

    /// <summary>temperature or humidity.</summary>
    public required string Quantity { get; init; }

    /// <summary>The device's enrolled site, if any.</summary>
    public string? Site { get; init; }

    /// <summary>The sensor's enrolled zone.</summary>
    public required string Zone { get; init; }

    /// <summary>Readings in time order.</summary>
    public IReadOnlyList<Sample> Samples { get; init; } = [];

    /// <summary>Faults in time order.</summary>
    public IReadOnlyList<FaultView> Faults { get; init; } = [];
}

/// <summary>Everything a condition report is computed from.</summary>
public sealed record ConditionInput
{
    /// <summary>Window and rules.</summary>
    public required ReportParameters Parameters { get; init; }

    /// <summary>The lot's required storage conditions.</summary>
    public required IReadOnlyList<StorageBand> Bands { get; init; }

    /// <summary>The lot's storage history (any span; clipped to the window).</summary>
    public required IReadOnlyList<StorageInterval> Storage { get; init; }

    /// <summary>Every enrolled sensor channel that might describe the lot.</summary>
    public required IReadOnlyList<SensorSeries> Series { get; init; }

    /// <summary>The pledge's covenants, if any.</summary>
    public IReadOnlyList<Covenant> Covenants { get; init; } = [];

    /// <summary>Reasons the evidence cannot support "held" or "within range" even where it covers the window (e.g. a device that equivocated).</summary>
    public IReadOnlyList<string> Caveats { get; init; } = [];
}

/// <summary>
/// Computes a condition report. Pure and deterministic: the node, the covenant monitor and the
/// offline verifier all call this with what they verified, and get the same numbers.
/// </summary>
/// <remarks>
/// A sensor describes the lot while the lot is in the sensor's enrolled zone (and site, when both
/// are known). Within each such part of the window, each reading holds from its time until the
/// next reading, or for one logging interval when the next is more than two intervals away (a gap)
/// or the part ends first. An out-of-range period runs from its first reading beyond the band to
/// the end of its last reading's hold; it is an excursion when longer than the delay. Gaps inside a
/// period count as out of range: nothing shows the goods came back.
/// </remarks>
public static class ConditionAnalyzer
{
    /// <summary>The report.</summary>
    /// <exception cref="ArgumentException">When the parameters are unusable.</exception>
    public static ConditionReport Analyze(ConditionInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var p = input.Parameters;
        if (p.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(input));
        }
        var storage = input.Storage
            .Select(s => s with { FromMs = Math.Max(s.FromMs, p.FromMs), ToMs = Math.Min(s.ToMs, p.ToMs) })
            .Where(s => s.FromMs < s.ToMs)
            .ToList();

        var sensors = new List<(SensorSeries Series, SensorReport Report)>();
        foreach (var series in input.Series
                     .Where(s => StorageBand.Quantities.Contains(s.Quantity))
                     .OrderBy(s => s.DeviceId, StringComparer.Ordinal).ThenBy(s => s.SensorId, StringComparer.Ordinal).ThenBy(s => s.Quantity, StringComparer.Ordinal))
        {
            var parts = Union(storage.Where(s => Matches(series, s)));
            if (parts.Count > 0)
            {
                sensors.Add((series, Report(series, parts, input.Bands.FirstOrDefault(b => b.Quantity == series.Quantity), p)));
            }
        }

        var quantities = input.Bands.Select(b => b.Quantity).Concat(input.Covenants.Select(c => c.Quantity)).Distinct(StringComparer.Ordinal).ToList();
        var uncovered = new List<UncoveredInterval>();
        foreach (var quantity in quantities)
        {
            foreach (var interval in storage)
            {
                uncovered.AddRange(Uncovered(quantity, interval, input.Series.Where(s => s.Quantity == quantity && Matches(s, interval)).ToList(), p.IntervalMs));
            }
        }

        var covenants = input.Covenants.Select(c => Evaluate(c, sensors, p, uncovered, input.Caveats)).ToList();
        var report = new ConditionReport
        {
            Parameters = p,
            Bands = input.Bands.Select(b => new BandView(b.Quantity, b.Unit, b.Min, b.Max)).ToList(),
            Storage = storage,
            Sensors = sensors.Select(s => s.Report).ToList(),
            Uncovered = uncovered,
            Covenants = covenants,
        };
        return report with { Verdict = Judge(report, input) };
    }

    // Where the zone of one storage interval had no observation of the quantity: all of it when no
    // sensor covers the zone, else the stretches that are a gap (the spec's gap rule) of every sensor.
    private static IEnumerable<UncoveredInterval> Uncovered(string quantity, StorageInterval interval, List<SensorSeries> sensors, long intervalMs)
    {
        if (sensors.Count == 0)
        {
            return [new UncoveredInterval(quantity, interval.Site, interval.Zone, interval.FromMs, interval.ToMs, UncoveredInterval.NoSensor)];
        }
        List<(long From, long To)>? common = null;
        foreach (var series in sensors)
        {
            var readings = series.Samples.Where(r => r.TimeMs >= interval.FromMs && r.TimeMs < interval.ToMs).ToList();
            var gaps = Gaps(readings, interval.FromMs, interval.ToMs, intervalMs).Select(g => (g.FromMs, g.ToMs)).ToList();
            common = common is null ? gaps : Intersect(common, gaps);
        }
        return common!.Where(g => g.To > g.From)
            .Select(g => new UncoveredInterval(quantity, interval.Site, interval.Zone, g.From, g.To, UncoveredInterval.NoReadings));
    }

    private static List<(long From, long To)> Intersect(List<(long From, long To)> a, List<(long From, long To)> b)
    {
        var result = new List<(long, long)>();
        int i = 0, j = 0;
        while (i < a.Count && j < b.Count)
        {
            var from = Math.Max(a[i].From, b[j].From);
            var to = Math.Min(a[i].To, b[j].To);
            if (from < to)
            {
                result.Add((from, to));
            }
            if (a[i].To < b[j].To)
            {
                i++;
            }
            else
            {
                j++;
            }
        }
        return result;
    }

    // What can be said: a breach or an excursion seen is a fact; "held" and "within range" need the
    // zone observed for the whole window (and no caveat).
    private static ConditionVerdict Judge(ConditionReport report, ConditionInput input)
    {
        var reasons = new List<string>(input.Caveats);
        var bandQuantities = input.Bands.Select(b => b.Quantity).ToHashSet(StringComparer.Ordinal);
        var bandUncovered = report.Uncovered.Where(u => bandQuantities.Contains(u.Quantity)).ToList();
        if (bandUncovered.Count > 0)
        {
            reasons.Add(UncoveredReason(bandUncovered));
        }
        var range = !report.WithinRange ? ConditionVerdict.OutOfRange
            : bandUncovered.Count > 0 || input.Caveats.Count > 0 ? ConditionVerdict.CannotBeEvaluated
            : ConditionVerdict.WithinRange;
        var covenants = report.Covenants.Count == 0 ? ConditionVerdict.NoCovenants
            : report.Covenants.Any(c => c.Status == ConditionVerdict.Breached) ? ConditionVerdict.Breached
            : report.Covenants.Any(c => c.Status == ConditionVerdict.CannotBeEvaluated) ? ConditionVerdict.CannotBeEvaluated
            : ConditionVerdict.Held;
        foreach (var covenant in report.Covenants.Where(c => c.Status == ConditionVerdict.CannotBeEvaluated && c.Uncovered.Count > 0))
        {
            var reason = $"covenant '{covenant.Covenant}': {UncoveredReason(covenant.Uncovered)}";
            if (!reasons.Contains(reason))
            {
                reasons.Add(reason);
            }
        }
        var uncoveredMs = Total(report.Uncovered);
        return new ConditionVerdict(range, covenants, uncoveredMs, reasons);
    }

    /// <summary>"2.5 h uncovered: chiller-1 temperature from … to …; …" (at most three stretches named).</summary>
    public static string UncoveredReason(IReadOnlyList<UncoveredInterval> uncovered)
    {
        ArgumentNullException.ThrowIfNull(uncovered);
        var total = Total(uncovered);
        var named = uncovered.OrderByDescending(u => u.ToMs - u.FromMs).Take(3)
            .Select(u => $"{(u.Site is null ? "" : u.Site + " ")}{u.Zone} {u.Quantity} {Iso(u.FromMs)} to {Iso(u.ToMs)} ({(u.Reason == UncoveredInterval.NoSensor ? "no sensor" : "no readings")})");
        var more = uncovered.Count > 3 ? $" and {uncovered.Count - 3} more" : "";
        return $"{Hours(total)} uncovered: {string.Join("; ", named)}{more}";
    }

    private static long Total(IEnumerable<UncoveredInterval> uncovered) =>
        uncovered.GroupBy(u => u.Quantity).Select(g => Union(g.Select(u => new StorageInterval(null, "", u.FromMs, u.ToMs))).Sum(i => i.ToMs - i.FromMs)).DefaultIfEmpty(0).Max();

    private static string Hours(long ms) =>
        ms >= 3_600_000 ? (ms / 3_600_000.0).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " h"
        : ms >= 60_000 ? (ms / 60_000.0).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " min"
        : (ms / 1000.0).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " s";

    private static string Iso(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The periods during which <paramref name="beyond"/> holds for consecutive readings of one
    /// covered part [<paramref name="from"/>, <paramref name="to"/>), with the hold rule above.
    /// </summary>
    public static IReadOnlyList<Period> Periods(IReadOnlyList<Sample> readings, long from, long to, long intervalMs, Func<double, LimitSide?> beyond)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(beyond);
        var periods = new List<Period>();
        var i = 0;
        while (i < readings.Count)
        {
            if (readings[i].TimeMs < from || readings[i].TimeMs >= to || beyond(readings[i].Value) is not { } side)
            {
                i++;
                continue;
            }
            var j = i;
            var peak = readings[i].Value;
            while (j + 1 < readings.Count && readings[j + 1].TimeMs < to && beyond(readings[j + 1].Value) == side)
            {
                j++;
                peak = side == LimitSide.Above ? Math.Max(peak, readings[j].Value) : Math.Min(peak, readings[j].Value);
            }
            var ongoing = j + 1 >= readings.Count || readings[j + 1].TimeMs >= to;
            periods.Add(new Period(side, readings[i].TimeMs, HoldEnd(readings, j, to, intervalMs), peak, j - i + 1, ongoing));
            i = j + 1;
        }
        return periods;
    }

    private static SensorReport Report(SensorSeries series, List<StorageInterval> parts, StorageBand? band, ReportParameters p)
    {
        var samples = new List<Sample>();
        var excursions = new List<Excursion>();
        var gaps = new List<Gap>();
        long outOfRange = 0, expected = 0;
        foreach (var part in parts)
        {
            var readings = series.Samples.Where(s => s.TimeMs >= part.FromMs && s.TimeMs < part.ToMs).ToList();
            samples.AddRange(readings);
            expected += (part.ToMs - part.FromMs + p.IntervalMs - 1) / p.IntervalMs;
            gaps.AddRange(Gaps(readings, part.FromMs, part.ToMs, p.IntervalMs));
            if (band is null)
            {
                continue;
            }
            foreach (var period in Periods(readings, part.FromMs, part.ToMs, p.IntervalMs, v => band.Contains(v) ? null : v > (double)band.Max ? LimitSide.Above : LimitSide.Below))
            {
                outOfRange += period.DurationMs;
                if (period.DurationMs > p.DelayMs)
                {
                    excursions.Add(new Excursion(period.Side == LimitSide.Above ? "above" : "below", period.Side == LimitSide.Above ? band.Max : band.Min,
                        period.StartMs, period.EndMs, period.DurationMs, period.Peak, period.Readings, period.Ongoing));
                }
            }
        }
        var values = samples.Select(s => s.Value).ToList();
        return new SensorReport
        {
            DeviceId = series.DeviceId,
            SensorId = series.SensorId,
            Quantity = series.Quantity,
            Unit = Readings.Senml.UnitOf(series.Quantity) ?? "",
            Site = series.Site,
            Zone = series.Zone,
            Covered = parts,
            Count = values.Count,
            Min = values.Count > 0 ? values.Min() : null,
            Max = values.Count > 0 ? values.Max() : null,
            Mean = values.Count > 0 ? values.Sum() / values.Count : null,
            Mkt = values.Count > 0 && series.Quantity == Readings.Senml.Temperature ? MeanKineticTemperature.Compute(values, p.ActivationEnergyK) : null,
            TimeOutOfRangeMs = outOfRange,
            CumulativeExceeded = p.CumulativeMs is { } allowed && outOfRange > allowed,
            Excursions = excursions,
            Expected = expected,
            Received = values.Count,
            Completeness = expected == 0 ? 1 : Math.Min(1, values.Count / (double)expected),
            Gaps = gaps,
            Faults = series.Faults.Where(f => parts.Any(part => f.TimeMs >= part.FromMs && f.TimeMs < part.ToMs)).ToList(),
        };
    }

    private static CovenantStatus Evaluate(Covenant covenant, List<(SensorSeries Series, SensorReport Report)> sensors, ReportParameters p,
        List<UncoveredInterval> uncovered, IReadOnlyList<string> caveats)
    {
        var status = Breaches(covenant, sensors, p);
        var blind = uncovered.Where(u => u.Quantity == covenant.Quantity).ToList();
        return status with
        {
            Uncovered = blind,
            Status = status.Breached ? ConditionVerdict.Breached : blind.Count > 0 || caveats.Count > 0 ? ConditionVerdict.CannotBeEvaluated : ConditionVerdict.Held,
        };
    }

    private static CovenantStatus Breaches(Covenant covenant, List<(SensorSeries Series, SensorReport Report)> sensors, ReportParameters p)
    {
        var breaches = new List<CovenantBreach>();
        foreach (var (series, report) in sensors.Where(s => s.Series.Quantity == covenant.Quantity))
        {
            var periods = report.Covered
                .SelectMany(part => Periods(series.Samples, part.FromMs, part.ToMs, p.IntervalMs, v => covenant.IsBeyond(v) ? covenant.Side : null))
                .ToList();
            if (covenant.Mode == CovenantMode.Continuous)
            {
                breaches.AddRange(periods.Where(x => x.DurationMs > covenant.DurationMs)
                    .Select(x => new CovenantBreach(series.DeviceId, series.SensorId, x.StartMs, x.EndMs, x.DurationMs, x.StartMs + covenant.DurationMs, x.Peak, x.Ongoing)));
                continue;
            }
            long used = 0;
            long? exceededAt = null;
            foreach (var x in periods)
            {
                if (exceededAt is null && used + x.DurationMs > covenant.DurationMs)
                {
                    exceededAt = x.StartMs + (covenant.DurationMs - used);
                }
                used += x.DurationMs;
            }
            if (exceededAt is { } at)
            {
                var peak = covenant.Side == LimitSide.Above ? periods.Max(x => x.Peak) : periods.Min(x => x.Peak);
                breaches.Add(new CovenantBreach(series.DeviceId, series.SensorId, periods[0].StartMs, periods[^1].EndMs, used, at, peak, periods[^1].Ongoing));
            }
        }
        return new CovenantStatus(covenant.ToValue(), breaches.Count > 0, breaches);
    }

    private static List<Gap> Gaps(List<Sample> readings, long from, long to, long intervalMs)
    {
        var limit = 2 * intervalMs;
        var gaps = new List<Gap>();
        var previous = from;
        foreach (var reading in readings)
        {
            if (reading.TimeMs - previous > limit)
            {
                gaps.Add(new Gap(previous, reading.TimeMs, reading.TimeMs - previous));
            }
            previous = reading.TimeMs;
        }
        if (to - previous > limit)
        {
            gaps.Add(new Gap(previous, to, to - previous));
        }
        return gaps;
    }

    private static long HoldEnd(IReadOnlyList<Sample> readings, int j, long to, long intervalMs)
    {
        var time = readings[j].TimeMs;
        if (j + 1 < readings.Count && readings[j + 1].TimeMs < to && readings[j + 1].TimeMs - time <= 2 * intervalMs)
        {
            return readings[j + 1].TimeMs;
        }
        return Math.Min(time + intervalMs, to);
    }

    private static bool Matches(SensorSeries series, StorageInterval interval) =>
        series.Zone == interval.Zone && (series.Site is null || interval.Site is null || series.Site == interval.Site);

    private static List<StorageInterval> Union(IEnumerable<StorageInterval> intervals)
    {
        var merged = new List<StorageInterval>();
        foreach (var s in intervals.OrderBy(s => s.FromMs))
        {
            if (merged.Count > 0 && s.FromMs <= merged[^1].ToMs)
            {
                merged[^1] = merged[^1] with { ToMs = Math.Max(merged[^1].ToMs, s.ToMs) };
            }
            else
            {
                merged.Add(s);
            }
        }
        return merged;
    }
}

/// <summary>A period beyond a limit on one side.</summary>
/// <param name="Side">Above or below.</param>
/// <param name="StartMs">The first reading beyond the limit.</param>
/// <param name="EndMs">The end of the last such reading's hold.</param>
/// <param name="Peak">The most extreme value.</param>
/// <param name="Readings">How many readings.</param>
/// <param name="Ongoing">True when no reading back within the limit came before the covered part ended.</param>
public sealed record Period(LimitSide Side, long StartMs, long EndMs, double Peak, int Readings, bool Ongoing)
{
    /// <summary>End − start.</summary>
    public long DurationMs => EndMs - StartMs;
}
