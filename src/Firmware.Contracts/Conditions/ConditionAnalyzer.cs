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

        var uncovered = new List<UncoveredInterval>();
        foreach (var band in input.Bands)
        {
            foreach (var interval in storage)
            {
                if (!input.Series.Any(s => s.Quantity == band.Quantity && Matches(s, interval)))
                {
                    uncovered.Add(new UncoveredInterval(band.Quantity, interval.Site, interval.Zone, interval.FromMs, interval.ToMs));
                }
            }
        }

        var covenants = input.Covenants.Select(c => Evaluate(c, sensors, p)).ToList();
        return new ConditionReport
        {
            Parameters = p,
            Bands = input.Bands.Select(b => new BandView(b.Quantity, b.Unit, b.Min, b.Max)).ToList(),
            Storage = storage,
            Sensors = sensors.Select(s => s.Report).ToList(),
            Uncovered = uncovered,
            Covenants = covenants,
        };
    }

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

    private static CovenantStatus Evaluate(Covenant covenant, List<(SensorSeries Series, SensorReport Report)> sensors, ReportParameters p)
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
