using Firmware.Contracts.Conditions;

namespace Firmware.Contracts.Tests.Conditions;

/// <summary>
/// Excursions, delay and cumulative rules, covenants and gaps on series a minute apart, at the
/// boundaries. Times are minutes from <see cref="T0"/>.
/// </summary>
public class ConditionAnalyzerTests
{
    private const long T0 = 1_767_247_200_000;
    private const long Minute = 60_000;
    private static readonly StorageBand Chiller = new("temperature", 2, 8);

    [Fact]
    public void Analyze_ValueOnTheBandLimit_IsInRange()
    {
        var report = Analyze(Values(60, m => m is >= 10 and < 20 ? 8.0 : 5.0));

        var sensor = Assert.Single(report.Sensors);
        Assert.Empty(sensor.Excursions);
        Assert.Equal(0, sensor.TimeOutOfRangeMs);
        Assert.True(report.WithinRange);
    }

    [Fact]
    public void Analyze_PeriodOfExactlyTheDelay_IsNoExcursion_OneMinuteMoreIs()
    {
        // Readings 10..19 are above 8: the period runs from minute 10 to the reading back in range
        // at minute 20, ten minutes. The delay is ten minutes: not longer, so no excursion.
        var exactly = Analyze(Values(60, m => m is >= 10 and < 20 ? 8.5 : 5.0), delayMs: 10 * Minute);
        // Readings 10..20: eleven minutes.
        var longer = Analyze(Values(60, m => m is >= 10 and <= 20 ? 8.5 : 5.0), delayMs: 10 * Minute);

        Assert.Empty(exactly.Sensors[0].Excursions);
        Assert.Equal(10 * Minute, exactly.Sensors[0].TimeOutOfRangeMs);
        Assert.True(exactly.WithinRange);
        var excursion = Assert.Single(longer.Sensors[0].Excursions);
        Assert.Equal((T0 + 10 * Minute, T0 + 21 * Minute, 11 * Minute), (excursion.StartMs, excursion.EndMs, excursion.DurationMs));
        Assert.Equal("above", excursion.Side);
        Assert.Equal(8m, excursion.Limit);
        Assert.Equal(11, excursion.Readings);
        Assert.False(longer.WithinRange);
    }

    [Fact]
    public void Analyze_CumulativeAllowance_ExactlyUsedUpHolds_OneMinuteMoreExceeds()
    {
        // Two periods of 15 minutes: 30 minutes out of range against an allowance of 30.
        var exactly = Analyze(Values(120, m => m is (>= 10 and < 25) or (>= 60 and < 75) ? 9.0 : 5.0), delayMs: 20 * Minute, cumulativeMs: 30 * Minute);
        // 15 + 16 minutes.
        var over = Analyze(Values(120, m => m is (>= 10 and < 25) or (>= 60 and < 76) ? 9.0 : 5.0), delayMs: 20 * Minute, cumulativeMs: 30 * Minute);

        Assert.Equal(30 * Minute, exactly.Sensors[0].TimeOutOfRangeMs);
        Assert.False(exactly.Sensors[0].CumulativeExceeded);
        Assert.Empty(exactly.Sensors[0].Excursions);
        Assert.True(exactly.WithinRange);
        Assert.Equal(31 * Minute, over.Sensors[0].TimeOutOfRangeMs);
        Assert.True(over.Sensors[0].CumulativeExceeded);
        Assert.Empty(over.Sensors[0].Excursions);
        Assert.False(over.WithinRange);
    }

    [Fact]
    public void Analyze_BelowTheBand_IsAnExcursionBelow_WithItsLowestValueAsPeak()
    {
        var report = Analyze(Values(60, m => m switch { 30 => 1.5, 31 => 0.5, 32 => 1.9, _ => 4.0 }));

        var excursion = Assert.Single(report.Sensors[0].Excursions);
        Assert.Equal(("below", 2m, 0.5, 3 * Minute), (excursion.Side, excursion.Limit, excursion.Peak, excursion.DurationMs));
    }

    [Fact]
    public void Analyze_ExcursionAtTheEndOfTheWindow_IsOngoing_AndHoldsOneInterval()
    {
        var report = Analyze(Values(60, m => m >= 58 ? 9.0 : 5.0));

        var excursion = Assert.Single(report.Sensors[0].Excursions);
        Assert.True(excursion.Ongoing);
        // Readings at 58 and 59 minutes; the last holds one interval, to the window end at 60.
        Assert.Equal((T0 + 58 * Minute, T0 + 60 * Minute), (excursion.StartMs, excursion.EndMs));
    }

    [Fact]
    public void Analyze_ContinuousCovenant_BreachedOnlyByAPeriodLongerThanItsDuration()
    {
        var covenant = Covenant.Parse("temperature above 8 for 30m").Value;
        var exactly = Analyze(Values(120, m => m is >= 10 and < 40 ? 9.0 : 5.0), covenants: [covenant]);
        var longer = Analyze(Values(120, m => m is >= 10 and < 41 ? 9.0 : 5.0), covenants: [covenant]);

        Assert.False(Assert.Single(exactly.Covenants).Breached);
        var status = Assert.Single(longer.Covenants);
        Assert.True(status.Breached);
        var breach = Assert.Single(status.Breaches);
        Assert.Equal((T0 + 10 * Minute, T0 + 41 * Minute, T0 + 40 * Minute), (breach.StartMs, breach.EndMs, breach.ExceededAtMs));
        Assert.Equal("temperature above 8 for 30m", status.Covenant);
    }

    [Fact]
    public void Analyze_CumulativeCovenant_AddsUpPeriods_AndNamesWhenTheAllowanceRanOut()
    {
        var covenant = Covenant.Parse("temperature above 8 total 20m").Value;
        // 12 minutes, then 9 minutes: 21 in all; the allowance runs out 8 minutes into the second period.
        var report = Analyze(Values(120, m => m is (>= 10 and < 22) or (>= 50 and < 59) ? 8.2 : 5.0), covenants: [covenant]);

        var breach = Assert.Single(Assert.Single(report.Covenants).Breaches);
        Assert.Equal((T0 + 10 * Minute, T0 + 59 * Minute, 21 * Minute, T0 + 58 * Minute), (breach.StartMs, breach.EndMs, breach.DurationMs, breach.ExceededAtMs));
    }

    [Fact]
    public void Analyze_OneMissingReading_IsNoGap_TwoAre()
    {
        // A minute interval: readings 120 s apart are not a gap (not longer than two intervals), 180 s apart are.
        var oneMissing = Analyze(Values(60, _ => 5.0).Where(s => s.TimeMs != T0 + 30 * Minute).ToList());
        var twoMissing = Analyze(Values(60, _ => 5.0).Where(s => s.TimeMs != T0 + 30 * Minute && s.TimeMs != T0 + 31 * Minute).ToList());

        Assert.Empty(oneMissing.Sensors[0].Gaps);
        Assert.Equal((60L, 59L), (oneMissing.Sensors[0].Expected, oneMissing.Sensors[0].Received));
        var gap = Assert.Single(twoMissing.Sensors[0].Gaps);
        Assert.Equal((T0 + 29 * Minute, T0 + 32 * Minute, 3 * Minute), (gap.FromMs, gap.ToMs, gap.DurationMs));
        Assert.False(twoMissing.Complete);
        Assert.Equal(58.0 / 60, twoMissing.Sensors[0].Completeness, 12);
    }

    [Fact]
    public void Analyze_ExcursionAcrossAGap_CountsTheGapAsOutOfRange()
    {
        // Above at 10..14, nothing from 15 to 24, above at 25..29, back at 30: one excursion of 20 minutes.
        var samples = Values(60, m => m is >= 10 and < 30 ? 9.0 : 5.0).Where(s => s.TimeMs < T0 + 15 * Minute || s.TimeMs >= T0 + 25 * Minute).ToList();

        var sensor = Analyze(samples).Sensors[0];

        var excursion = Assert.Single(sensor.Excursions);
        Assert.Equal((T0 + 10 * Minute, T0 + 30 * Minute), (excursion.StartMs, excursion.EndMs));
        Assert.Single(sensor.Gaps);
    }

    [Fact]
    public void Analyze_SensorsOnlyCountWhileTheLotIsInTheirZone()
    {
        var storage = new List<StorageInterval>
        {
            new("site-1", "dock-1", T0, T0 + 10 * Minute),
            new("site-1", "chiller-1", T0 + 10 * Minute, T0 + 60 * Minute),
        };
        var chiller = Series("chiller-1", Values(60, m => m < 10 ? 20.0 : 5.0));
        var freezer = Series("freezer-1", Values(60, _ => -20.0)) with { SensorId = "f0" };

        var report = ConditionAnalyzer.Analyze(new ConditionInput
        {
            Parameters = new ReportParameters { FromMs = T0, ToMs = T0 + 60 * Minute },
            Bands = [Chiller],
            Storage = storage,
            Series = [chiller, freezer],
        });

        var sensor = Assert.Single(report.Sensors);
        Assert.Equal("t0", sensor.SensorId);
        Assert.Equal(50, sensor.Count);
        Assert.Empty(sensor.Excursions);
        var uncovered = Assert.Single(report.Uncovered);
        Assert.Equal(("dock-1", T0, T0 + 10 * Minute), (uncovered.Zone, uncovered.FromMs, uncovered.ToMs));
        Assert.Equal(5.0, sensor.Mkt!.Value, 9);
    }

    [Fact]
    public void Analyze_FaultsInTheCoveredTime_AreListed()
    {
        var series = Series("chiller-1", Values(60, _ => 5.0)) with
        {
            Faults = [new FaultView(T0 + 5 * Minute, "crc"), new FaultView(T0 + 90 * Minute, "io-error")],
        };

        var report = ConditionAnalyzer.Analyze(new ConditionInput
        {
            Parameters = new ReportParameters { FromMs = T0, ToMs = T0 + 60 * Minute },
            Bands = [Chiller],
            Storage = [new StorageInterval("site-1", "chiller-1", T0, T0 + 120 * Minute)],
            Series = [series],
        });

        Assert.Equal("crc", Assert.Single(report.Sensors[0].Faults).Code);
    }

    [Fact]
    public void Analyze_BadWindow_Throws()
    {
        Assert.Throws<ArgumentException>(() => ConditionAnalyzer.Analyze(new ConditionInput
        {
            Parameters = new ReportParameters { FromMs = T0, ToMs = T0 },
            Bands = [Chiller],
            Storage = [],
            Series = [],
        }));
    }

    private static List<Sample> Values(int minutes, Func<int, double> value) =>
        Enumerable.Range(0, minutes).Select(m => new Sample(T0 + m * Minute, value(m))).ToList();

    private static SensorSeries Series(string zone, IReadOnlyList<Sample> samples) =>
        new() { DeviceId = "gw-1", SensorId = "t0", Quantity = "temperature", Site = "site-1", Zone = zone, Samples = samples };

    private static ConditionReport Analyze(IReadOnlyList<Sample> samples, long delayMs = 0, long? cumulativeMs = null, IReadOnlyList<Covenant>? covenants = null)
    {
        var end = samples.Count == 0 ? T0 + Minute : Math.Max(T0 + 60 * Minute, (samples[^1].TimeMs / Minute + 1) * Minute);
        return ConditionAnalyzer.Analyze(new ConditionInput
        {
            Parameters = new ReportParameters { FromMs = T0, ToMs = end, DelayMs = delayMs, CumulativeMs = cumulativeMs },
            Bands = [Chiller],
            Storage = [new StorageInterval("site-1", "chiller-1", T0, end)],
            Series = [Series("chiller-1", samples)],
            Covenants = covenants ?? [],
        });
    }
}
