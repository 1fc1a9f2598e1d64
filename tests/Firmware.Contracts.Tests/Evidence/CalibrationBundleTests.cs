using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Ledger;
using static Firmware.Contracts.Tests.Evidence.LotLedger;

namespace Firmware.Contracts.Tests.Evidence;

/// <summary>
/// Calibrations in lot bundles and condition reports (docs/spec-ledger.md §7.1 step 11a, §7.2
/// "Calibrations"): the bundle carries every calibrate entry of each measuring sensor, the report
/// corrects each reading with the calibration in force at its time and flags overdue or missing ones.
/// </summary>
public sealed class CalibrationBundleTests
{
    private const long Day = 86_400_000;

    private static EvidenceSummary Verifies(LotLedger l, EvidenceBundle bundle)
    {
        var summary = EvidenceVerifier.Verify(bundle.ToJson(), l.Policy);
        Assert.True(summary.Succeeded, summary.ToString());
        return summary.Value;
    }

    private static ConditionReport Report(LotLedger l) => LotConditions.Compute(Verifies(l, l.Bundle())).Value;

    private static SensorCorrection Offset(string value) => new SensorCorrection.Offset(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void BundleWithACalibration_Verifies_CarriesItsEntry_AndTheReportSaysCurrent()
    {
        using var l = new LotLedger();
        var calibration = l.Calibrate("gw-1", "t1", Offset("-0.2"), T0 - 30 * Day, T0 + 300 * Day);
        var bundle = l.Bundle();
        Assert.Contains(bundle.Entries, e => e.Index == calibration);
        Assert.Contains(bundle.State, s => s.Key == "calibration/gw-1/t1" && s.Value == $"entry {calibration}\n");

        var summary = Verifies(l, bundle);
        Assert.Equal(calibration, Assert.Single(summary.Lot!.Calibrations[("gw-1", "t1")]).Index);
        var report = LotConditions.Compute(summary).Value;
        var t1 = Assert.Single(report.Sensors);
        Assert.Equal((ChannelCalibration.Current, (long?)null), (t1.Calibration!.Status, t1.Calibration.OverdueFromMs));
        Assert.Equal(new AppliedCalibration(calibration, "DKD-K-12345-2026-07", "Shanghai Institute of Measurement", T0 - 30 * Day, T0 + 300 * Day), Assert.Single(t1.Calibration.Applied));
        // 5.0 and 9.5 corrected by −0.2.
        Assert.Equal((4.8, 9.3), (t1.Min, t1.Max));
        Assert.Empty(report.Verdict.Calibration!);
        Assert.Contains("\"calibration\":{\"status\":\"current\"", report.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutCalibration_TheKeyIsProvenAbsent_AndTheReportFlagsNone()
    {
        using var l = new LotLedger();
        var bundle = l.Bundle();
        var key = Assert.Single(bundle.State, s => s.Key == "calibration/gw-1/t1");
        Assert.Null(key.Value);
        var report = Report(l);
        var t1 = Assert.Single(report.Sensors);
        Assert.Equal(ChannelCalibration.None, t1.Calibration!.Status);
        Assert.Empty(t1.Calibration.Applied);
        Assert.Equal("gw-1 t1 temperature: no calibration on record; its readings are not corrected", Assert.Single(report.Verdict.Calibration!));
        // Raw values, and the breach stands: a missing calibration changes no verdict.
        Assert.Equal((5.0, 9.5, ConditionVerdict.Breached), (t1.Min, t1.Max, report.Verdict.Covenants));
    }

    [Fact]
    public void ABundleWithoutTheCalibrationKey_IsIncomplete()
    {
        using var l = new LotLedger();
        var bundle = l.Bundle();
        var result = EvidenceVerifier.Verify(bundle.With(state: bundle.State.Where(s => s.Key != "calibration/gw-1/t1").ToList()).ToJson(), l.Policy);
        Assert.Equal("incomplete-bundle", result.Failure?.Code);
        Assert.Contains("calibration/gw-1/t1", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AListedCalibrateEntryLeftOut_FailsMissingEntry()
    {
        using var l = new LotLedger();
        var first = l.Calibrate("gw-1", "t1", Offset("-0.2"), T0 - 30 * Day, T0 + 300 * Day);
        l.Calibrate("gw-1", "t1", Offset("0.1"), T0 - 20 * Day, T0 + 300 * Day);
        var bundle = l.Bundle();
        var result = EvidenceVerifier.Verify(bundle.With(entries: bundle.Entries.Where(e => e.Index != first).ToList()).ToJson(), l.Policy);
        Assert.Equal("missing-entry", result.Failure?.Code);
        Assert.Contains($"ledger entry {first} (calibrate)", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExtraCalibrateEntry_IsRefused()
    {
        using var l = new LotLedger();
        // gw-2's freezer probe: gw-2 is not in the lot's bundle, so nothing names its calibration.
        var other = l.Calibrate("gw-2", "f1", Offset("0.5"), T0 - 30 * Day, T0 + 300 * Day);
        var bundle = l.Bundle();
        Assert.DoesNotContain(bundle.Entries, e => e.Index == other);
        var result = EvidenceVerifier.Verify(bundle.AddEntries(l.EntryOf(other)).ToJson(), l.Policy);
        Assert.Equal("bundle-format", result.Failure?.Code);
        Assert.Contains($"ledger entry {other} (calibrate) is not used", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadingsNearTheLimit_AnOffsetFlipsTheCovenantFromBreachedToHeld()
    {
        // 8.2 °C for 20 minutes: above 8 for more than 15 minutes, raw; 7.9 °C with offset −0.3.
        static double? Chiller(int m) => m is >= 60 and < 80 ? 8.2 : 5.0;
        // The checkpoint at the last reading, so that the window is covered throughout and the verdicts are facts.
        using var raw = new LotLedger(chiller: Chiller) { CheckpointTimeMs = T0 + 120 * Minute };
        Assert.Equal((ConditionVerdict.OutOfRange, ConditionVerdict.Breached), (Report(raw).Verdict.Range, Report(raw).Verdict.Covenants));

        using var calibrated = new LotLedger(chiller: Chiller) { CheckpointTimeMs = T0 + 120 * Minute };
        calibrated.Calibrate("gw-1", "t1", Offset("-0.3"), T0 - 30 * Day, T0 + 300 * Day);
        var report = Report(calibrated);
        Assert.Equal((ConditionVerdict.WithinRange, ConditionVerdict.Held), (report.Verdict.Range, report.Verdict.Covenants));
        var t1 = Assert.Single(report.Sensors);
        Assert.Equal(7.9, t1.Max);
        Assert.Empty(t1.Excursions);
    }

    [Fact]
    public void AnOverdueCalibration_IsAppliedAndFlagged_WithoutChangingTheVerdict()
    {
        using var l = new LotLedger();
        var calibration = l.Calibrate("gw-1", "t1", Offset("-0.2"), T0 - 300 * Day, T0 + 40 * Minute);
        var report = Report(l);
        var t1 = Assert.Single(report.Sensors);
        Assert.Equal((ChannelCalibration.Overdue, (long?)(T0 + 40 * Minute)), (t1.Calibration!.Status, t1.Calibration.OverdueFromMs));
        Assert.Equal(9.3, t1.Max);
        var flag = Assert.Single(report.Verdict.Calibration!);
        Assert.Equal($"gw-1 t1 temperature: calibration overdue from 2026-01-01T06:40:00Z (ledger entry {calibration}, certificate DKD-K-12345-2026-07, due 2026-01-01T06:40:00Z)", flag);
        Assert.Equal(ConditionVerdict.Breached, report.Verdict.Covenants);
    }

    [Fact]
    public void ASupersessionInsideTheWindow_CorrectsEachReadingWithTheCalibrationInForceAtItsTime()
    {
        using var l = new LotLedger();
        var before = l.Calibrate("gw-1", "t1", Offset("-0.3"), T0 - 30 * Day, T0 + 300 * Day, "CERT-A");
        var after = l.Calibrate("gw-1", "t1", Offset("0.5"), T0 + 65 * Minute, T0 + 300 * Day, "CERT-B");
        var report = Report(l);
        var t1 = Assert.Single(report.Sensors);
        Assert.Equal([before, after], t1.Calibration!.Applied.Select(a => a.Entry));
        Assert.Equal(ChannelCalibration.Current, t1.Calibration.Status);
        // 5.0 − 0.3 before minute 65; 9.5 + 0.5 from minute 65 (the excursion ran from 60 to 76).
        Assert.Equal((4.7, 10.0), (t1.Min, t1.Max));
        var excursion = Assert.Single(t1.Excursions);
        Assert.Equal(10.0, excursion.Peak);
    }
}
