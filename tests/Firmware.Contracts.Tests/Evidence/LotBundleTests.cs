using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using static Firmware.Contracts.Tests.Evidence.LotLedger;

namespace Firmware.Contracts.Tests.Evidence;

/// <summary>
/// Lot bundles: what a verified one proves, the verdict it gives on signed terms, and the attacks a
/// lender met with the first format, each of which now fails with a named code or is labelled.
/// </summary>
public sealed class LotBundleTests : IDisposable
{
    private readonly LotLedger _l = new();

    public void Dispose() => _l.Dispose();

    private static Failure Fails(Result<EvidenceSummary> result)
    {
        Assert.False(result.Succeeded, "the bundle verified but should not have");
        return result.Failure!;
    }

    private EvidenceSummary Verifies(EvidenceBundle bundle)
    {
        var summary = EvidenceVerifier.Verify(bundle.ToJson(), _l.Policy);
        Assert.True(summary.Succeeded, summary.ToString());
        return summary.Value;
    }

    // gw-1's run with its leaves [from, to) of the whole log, re-proven as a dishonest exporter would.
    private EvidenceBundle Cut(EvidenceBundle bundle, int from, int to) =>
        bundle.WithDevice("gw-1", d => d with
        {
            First = from,
            Leaves = _l.Leaves.Skip(from).Take(to - from).Select(l => Convert.ToBase64String(l.Bytes.Span)).ToList(),
            Proof = _l.DeviceLog.Reader.RangeProof(from, to, _l.DeviceLog.Size).Select(h => h.ToBase64()).ToList(),
        });

    [Fact]
    public void LenderBundle_Verifies_AndGivesTheBreachOnThePledgesSignedTerms()
    {
        var summary = Verifies(_l.Bundle());

        var lot = summary.Lot!;
        Assert.Equal(("WR-1", "warehouse", "acme-foods", 120m), (lot.Receipt, lot.IssuedBy, lot.Title!.Owner, lot.Title.Quantity));
        Assert.Equal(LotStatus.Pledged, lot.Status);
        Assert.Equal(["gw-1"], lot.RequiredDevices);
        Assert.Equal((ReportTerms.PledgeTerms, _l.Pledge), (lot.Report.Source, lot.Report.Pledge!.Index));
        // The pledge's window: from its start to the checkpoint (its end is a month away).
        Assert.Equal((T0 + 10 * Minute, _l.CheckpointTimeMs), (lot.Report.Parameters.FromMs, lot.Report.Parameters.ToMs));
        var report = LotConditions.Compute(summary).Value;
        var sensor = Assert.Single(report.Sensors);
        Assert.Equal(("t1", 110), (sensor.SensorId, sensor.Count));
        var excursion = Assert.Single(sensor.Excursions);
        Assert.Equal((T0 + 60 * Minute + 2000, T0 + 76 * Minute + 2000, 9.5), (excursion.StartMs, excursion.EndMs, excursion.Peak));
        var breach = Assert.Single(Assert.Single(report.Covenants).Breaches);
        Assert.Equal(T0 + 75 * Minute + 2000, breach.ExceededAtMs);
        Assert.Equal((ConditionVerdict.OutOfRange, ConditionVerdict.Breached), (report.Verdict.Range, report.Verdict.Covenants));
        Assert.Equal(("pledge", (long?)_l.Pledge), (report.Terms, report.Pledge));
        Assert.Equal(_l.CheckpointTimeMs, report.AsOf!.TimeMs);
    }

    [Fact]
    public void PublicBundle_Verifies_WithoutTitleOrPledges_AndShowsTheExcursion()
    {
        var bundle = _l.PublicBundle();

        var summary = Verifies(bundle);

        Assert.Null(summary.Lot!.Title);
        Assert.Null(summary.Lot.Events);
        Assert.DoesNotContain(bundle.Entries, e => LedgerEntry.Parse(Convert.FromBase64String(e.Entry)).Value.Kind is EntryKinds.Title or EntryKinds.Pledge or EntryKinds.Party);
        Assert.DoesNotContain(bundle.State, s => s.Key.StartsWith("lot-status/", StringComparison.Ordinal) || s.Key.StartsWith("party/", StringComparison.Ordinal));
        var report = LotConditions.Compute(summary).Value;
        Assert.Equal(ReportTerms.LotTerms, report.Terms);
        Assert.Empty(report.Covenants);
        Assert.Equal(ConditionVerdict.OutOfRange, report.Verdict.Range);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(0, 1)]
    [InlineData(0, 100)]
    public void ReadingsCutAtEitherEnd_AreIncomplete(int atStart, int atEnd)
    {
        var bundle = Cut(_l.Bundle(), atStart, _l.Leaves.Count - atEnd);

        var failure = Fails(EvidenceVerifier.Verify(bundle.ToJson(), _l.Policy));

        Assert.Equal("incomplete-bundle", failure.Code);
        Assert.Contains(atStart > 0 ? "earlier readings are left out" : "later readings are left out", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CutBeforeTheExcursion_WithTheWindowMoved_IsACustomAnalysis_NeverThePledgesVerdict()
    {
        // The signed window cannot be moved; what an exporter chooses is a custom analysis, labelled as such.
        var custom = _l.Bundle(new LotBundleRequest { Pledge = _l.Pledge, Custom = new BundleCustom(T0 + 10 * Minute, T0 + 55 * Minute, 10_000, Minute, 0) });

        var summary = Verifies(custom);
        var report = LotConditions.Compute(summary).Value;

        Assert.True(summary.Lot!.Report.IsCustom);
        Assert.Equal("custom", report.Terms);
        Assert.Equal(ConditionVerdict.Held, report.Verdict.Covenants);
        // Cutting the readings there instead, on the pledge's terms, is incomplete.
        var cut = Cut(_l.Bundle(), 0, 2 + 55);
        Assert.Equal("incomplete-bundle", Fails(EvidenceVerifier.Verify(cut.ToJson(), _l.Policy)).Code);
    }

    [Fact]
    public void TheDeviceThatSawTheExcursion_LeftOut_IsIncomplete()
    {
        var bundle = _l.Bundle();
        var without = bundle.With(devices: [], entries: bundle.Entries.Where(e => e.Index != _l.Enrolment && e.Index != _l.Anchor).ToList(),
            state: bundle.State.Where(s => s.Key != "device/gw-1").ToList());

        var failure = Fails(EvidenceVerifier.Verify(without.ToJson(), _l.Policy));

        Assert.Equal("incomplete-bundle", failure.Code);
        Assert.Contains("lists device gw-1, which the bundle leaves out", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADeviceTheLotDoesNotNeed_IsRefused()
    {
        var freezer = _l.Builder().Device("gw-2", null, null).Value;
        var bundle = _l.Bundle();
        var padded = bundle.With(devices: [.. bundle.Devices, freezer.Devices[0]], state: bundle.State.Concat(freezer.State.Where(s => s.Key == "device/gw-2")).OrderBy(s => s.Key, StringComparer.Ordinal).ToList())
            .AddEntries(freezer.Entries.Where(e => bundle.Entries.All(b => b.Index != e.Index)).ToArray());

        var failure = Fails(EvidenceVerifier.Verify(padded.ToJson(), _l.Policy));

        Assert.Equal("bundle-format", failure.Code);
        Assert.Contains("device gw-2 is in the bundle, but no site or zone of the lot lists it", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AZoneNoSensorCovers_CannotBeEvaluated_NeverHeld()
    {
        using var l = new LotLedger(chiller: _ => 5.0, moveZone: "ambient-1", moveMinute: 30);

        var summary = EvidenceVerifier.Verify(l.Bundle().ToJson(), l.Policy);
        Assert.True(summary.Succeeded, summary.ToString());
        var report = LotConditions.Compute(summary.Value).Value;

        Assert.Equal((ConditionVerdict.CannotBeEvaluated, ConditionVerdict.CannotBeEvaluated), (report.Verdict.Range, report.Verdict.Covenants));
        Assert.Contains(report.Uncovered, u => u.Zone == "ambient-1" && u.Reason == UncoveredInterval.NoSensor && u.FromMs == T0 + 30 * Minute);
        Assert.Contains(report.Verdict.Reasons, r => r.Contains("ambient-1 temperature", StringComparison.Ordinal) && r.Contains("no sensor", StringComparison.Ordinal));
        Assert.Equal(ConditionVerdict.CannotBeEvaluated, Assert.Single(report.Covenants).Status);
    }

    [Fact]
    public void ASilentSensor_CannotBeEvaluated_WhenNothingElseCoversTheZone()
    {
        // No readings from minute 20 to 50: more than twice the logging interval.
        using var l = new LotLedger(chiller: m => m is >= 20 and < 50 ? null : 5.0);
        l.CheckpointTimeMs = T0 + 121 * Minute;

        var report = LotConditions.Compute(EvidenceVerifier.Verify(l.Bundle().ToJson(), l.Policy).Value).Value;

        Assert.Equal(ConditionVerdict.CannotBeEvaluated, report.Verdict.Covenants);
        var gap = Assert.Single(report.Uncovered);
        Assert.Equal((T0 + 19 * Minute + 2000, T0 + 50 * Minute + 2000, UncoveredInterval.NoReadings), (gap.FromMs, gap.ToMs, gap.Reason));
    }

    [Fact]
    public void FullyCovered_AndNoBreach_IsHeld()
    {
        using var l = new LotLedger(chiller: _ => 5.0);
        l.CheckpointTimeMs = T0 + 121 * Minute;

        var report = LotConditions.Compute(EvidenceVerifier.Verify(l.Bundle().ToJson(), l.Policy).Value).Value;

        Assert.Equal((ConditionVerdict.WithinRange, ConditionVerdict.Held), (report.Verdict.Range, report.Verdict.Covenants));
        Assert.True(report.Verdict.Evaluated);
        Assert.Empty(report.Uncovered);
    }

    [Fact]
    public void AMoveLeftOut_IsIncomplete()
    {
        var bundle = _l.Bundle();
        _l.Append(_l.Signed(EntryKinds.Move, new MoveStatement(new LotReference("WR-1", _l.Lot, _l.Move), "site-1", "chiller-1", T0 + 95 * Minute).ToBody(), _l.Warehouse));
        var fresh = _l.Bundle();
        // The new checkpoint's bundle, with the chain as it was before the second move.
        var stale = fresh.With(lot: fresh.Lot! with { Moves = bundle.Lot!.Moves }, entries: fresh.Entries.Where(e => bundle.Lot.Moves.Contains(e.Index) || !fresh.Lot.Moves.Contains(e.Index)).ToList());

        var failure = Fails(EvidenceVerifier.Verify(stale.ToJson(), _l.Policy));

        Assert.Equal("incomplete-bundle", failure.Code);
        Assert.Contains("moves are left out", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AReleaseLeftOut_IsIncomplete()
    {
        _l.Append(_l.Signed(EntryKinds.Release, new ReleaseStatement(new LotReference("WR-1", _l.Lot, _l.Pledge), _l.Pledge, T0 + 100 * Minute).ToBody(), _l.Bank));
        var bundle = _l.Bundle();
        var release = bundle.Lot!.Events![^1];
        var cut = bundle.With(lot: bundle.Lot with { Events = bundle.Lot.Events.Take(1).ToList() }, entries: bundle.Entries.Where(e => e.Index != release).ToList());

        var failure = Fails(EvidenceVerifier.Verify(cut.ToJson(), _l.Policy));

        Assert.Equal("incomplete-bundle", failure.Code);
        Assert.Contains($"at this checkpoint it ends at {release}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AReleasedPledge_IsJudgedUpToItsRelease()
    {
        _l.Append(_l.Signed(EntryKinds.Release, new ReleaseStatement(new LotReference("WR-1", _l.Lot, _l.Pledge), _l.Pledge, T0 + 50 * Minute).ToBody(), _l.Bank));

        var summary = Verifies(_l.Bundle());
        var report = LotConditions.Compute(summary).Value;

        Assert.Equal(T0 + 50 * Minute, report.Parameters.ToMs);
        Assert.Equal(ConditionVerdict.Held, report.Verdict.Covenants);
    }

    [Fact]
    public void TheOperatorAlone_ReplacingTheOwnersKey_IsRefused_EvenOnAForgedLedger()
    {
        using var forger = Firmware.Contracts.Notes.EcdsaNoteSigner.Generate(InventoryNames.PartyKeyName("acme-foods"));
        var replaced = _l.AppendRaw(_l.Signed(EntryKinds.Party, new PartyStatement("acme-foods", Convert.ToBase64String(forger.PublicKey.Span), _l.Party).ToBody(), _l.Warehouse));
        var bundle = _l.Bundle();
        var forged = bundle.With(lot: bundle.Lot! with { Parties = [_l.Party, replaced] }).AddEntries(_l.EntryOf(replaced));

        var failure = Fails(EvidenceVerifier.Verify(forged.ToJson(), _l.Policy));

        Assert.Equal(LedgerFailures.PartyConsentRequired, failure.Code);
    }

    [Fact]
    public void Title_ThatIsNotTheCommittedOne_IsRefused()
    {
        var other = _l.AppendRaw(_l.Signed(EntryKinds.Title, new TitleStatement { Receipt = "WR-1", Depositor = "acme-foods", Owner = "acme-foods", Quantity = 999, Unit = "carton" }.ToBody(), _l.Warehouse));
        var bundle = _l.Bundle();

        var result = EvidenceVerifier.Verify(bundle.With(lot: bundle.Lot! with { Title = other }).AddEntries(_l.EntryOf(other)).ToJson(), _l.Policy);

        Assert.Equal("title-mismatch", result.Failure?.Code);
    }

    [Fact]
    public void Chain_Reordered_IsRefused()
    {
        var second = _l.Append(_l.Signed(EntryKinds.Move, new MoveStatement(new LotReference("WR-1", _l.Lot, _l.Move), "site-1", "chiller-1", T0 + 95 * Minute).ToBody(), _l.Warehouse));
        var bundle = _l.Bundle();

        var reordered = EvidenceVerifier.Verify(bundle.With(lot: bundle.Lot! with { Moves = [second, _l.Move] }).ToJson(), _l.Policy);

        Assert.Equal("broken-chain", reordered.Failure?.Code);
    }

    [Fact]
    public void Pledge_WithoutTheOwnersSignature_IsRefused_EvenOnAForgedLedger()
    {
        var forged = _l.AppendRaw(_l.Signed(EntryKinds.Pledge, new PledgeStatement
        {
            Lot = new LotReference("WR-1", _l.Lot, _l.Lot), Lender = "bank", Owner = "acme-foods", Amount = 1, Currency = "CNY", StartMs = T0, EndMs = T0 + 1,
        }.ToBody(), _l.Bank));
        var bundle = _l.Bundle();

        var result = EvidenceVerifier.Verify(bundle.With(lot: bundle.Lot! with { Events = [forged] }).AddEntries(_l.EntryOf(forged)).ToJson(), _l.Policy);

        Assert.Equal(LedgerFailures.OwnerConsentRequired, result.Failure?.Code);
    }

    [Fact]
    public void Report_OfAPledgeOutsideTheChain_OrWithoutALot_IsRefused()
    {
        var bundle = _l.Bundle();

        var notInChain = EvidenceVerifier.Verify(bundle.With(report: new BundleReport(_l.Move)).ToJson(), _l.Policy);
        var noLot = EvidenceVerifier.Verify(bundle.With(dropLot: true).ToJson(), _l.Policy);

        Assert.Equal("bad-report", notInChain.Failure?.Code);
        Assert.Equal("bundle-format", noLot.Failure?.Code);
    }

    [Fact]
    public void CustomAnalysis_BeyondTheCheckpoint_IsRefused()
    {
        var bundle = _l.Bundle(new LotBundleRequest { Pledge = _l.Pledge, Custom = new BundleCustom(T0, _l.CheckpointTimeMs + Minute, 10_000, Minute, 0) });

        Assert.Equal("bad-report", Fails(EvidenceVerifier.Verify(bundle.ToJson(), _l.Policy)).Code);
    }

    [Fact]
    public void LotMember_ItDoesNotKnow_IsRefused()
    {
        var json = System.Text.Encoding.UTF8.GetString(_l.Bundle().ToJson()).Replace("\"receipt\":\"WR-1\"", "\"receipt\":\"WR-1\",\"value\":1", StringComparison.Ordinal);

        Assert.Equal("bundle-format", EvidenceVerifier.Verify(System.Text.Encoding.UTF8.GetBytes(json), _l.Policy).Failure?.Code);
    }

    [Fact]
    public void EntryOfTheLot_MissingFromTheBundle_IsNamed()
    {
        var bundle = _l.Bundle();

        var result = EvidenceVerifier.Verify(bundle.With(entries: bundle.Entries.Where(e => e.Index != _l.Move).ToList()).ToJson(), _l.Policy);

        Assert.Equal("missing-entry", result.Failure?.Code);
        Assert.Contains($"ledger entry {_l.Move}", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TitleWithoutEvents_IsRefused()
    {
        var bundle = _l.Bundle();

        var result = EvidenceVerifier.Verify(bundle.With(lot: bundle.Lot! with { Events = null }).ToJson(), _l.Policy);

        Assert.Equal("bundle-format", result.Failure?.Code);
    }
}
