using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;
using static Firmware.Contracts.Tests.Evidence.LotLedger;

namespace Firmware.Contracts.Tests.Evidence;

/// <summary>
/// Bundles over the receipt lifecycle: endorsements and freezes join the status chain (left out,
/// the chain stops short of the head the state names), and a split child's bundle carries its
/// parent's lot entry and moves, so its history before the split is proven, and cannot be left out.
/// </summary>
public sealed class LifecycleBundleTests : IDisposable
{
    private readonly LotLedger _l = new();
    private readonly EcdsaNoteSigner _buyer = EcdsaNoteSigner.Generate(InventoryNames.PartyKeyName("nordic-trade"));
    private readonly EcdsaNoteSigner _regulator = EcdsaNoteSigner.Generate("regulator");

    public LifecycleBundleTests()
    {
        _l.Append(_l.Signed(EntryKinds.Party, new PartyStatement("nordic-trade", Convert.ToBase64String(_buyer.PublicKey.Span)).ToBody(), _l.Warehouse));
        _l.Append(_l.Signed(EntryKinds.Admit, new AdmitStatement(new MemberInfo("regulator", MemberRoles.Regulator, Convert.ToBase64String(_regulator.PublicKey.Span))).ToBody(), _l.Warehouse, _l.Bank));
        _l.Append(_l.Signed(EntryKinds.Release, new ReleaseStatement(Status(), _l.Pledge, T0 + 100 * Minute).ToBody(), _l.Bank));
    }

    public void Dispose()
    {
        _l.Dispose();
        _buyer.Dispose();
        _regulator.Dispose();
    }

    private LotReference Status(string receipt = "WR-1") => new(receipt, _l.State.Lot(receipt)!.LotIndex, _l.State.Lot(receipt)!.StatusHead);

    private long Endorse() =>
        _l.Append(_l.Signed(EntryKinds.Endorse, new EndorseStatement(Status(), "acme-foods", "nordic-trade", T0 + 105 * Minute).ToBody(), _l.Warehouse, _l.Owner, _buyer));

    private EvidenceSummary Verifies(EvidenceBundle bundle)
    {
        var summary = EvidenceVerifier.Verify(bundle.ToJson(), _l.Policy);
        Assert.True(summary.Succeeded, summary.ToString());
        return summary.Value;
    }

    private Failure Fails(EvidenceBundle bundle)
    {
        var result = EvidenceVerifier.Verify(bundle.ToJson(), _l.Policy);
        Assert.False(result.Succeeded, "the bundle verified but should not have");
        return result.Failure!;
    }

    // Splits WR-1 (all 120 cartons and its one EPC) into WR-1-A (80, the EPC) and WR-1-B (40), and issues both.
    private long SplitAndIssueChildren()
    {
        var split = _l.Append(_l.Signed(EntryKinds.Split, new SplitStatement(Status(), T0 + 110 * Minute,
            [new LotChild("WR-1-A", 80), new LotChild("WR-1-B", 40)], [("WR-1-A", LotLedger.Epc)]).ToBody(), _l.Warehouse));
        foreach (var (receipt, quantity, epcs) in new[] { ("WR-1-A", 80m, new[] { LotLedger.Epc }), ("WR-1-B", 40m, Array.Empty<string>()) })
        {
            var title = _l.Signed(EntryKinds.Title, new TitleStatement { Receipt = receipt, Depositor = "acme-foods", Owner = "acme-foods", Quantity = quantity, Unit = "carton" }.ToBody(), _l.Warehouse);
            _l.Append(title);
            var lot = _l.LotStatement(Statement.Parse(title.Note.Text).Value.Hash) with { Receipt = receipt, SplitFrom = "WR-1", Epcs = epcs };
            _l.Append(_l.Signed(EntryKinds.Lot, lot.ToBody(), _l.Warehouse));
        }
        return split;
    }

    [Fact]
    public void Endorsement_JoinsTheChain_AndTheBundleShowsTheNewOwner_WithBothPartiesRegistrations()
    {
        Endorse();

        var summary = Verifies(_l.Bundle());

        Assert.Equal(("nordic-trade", "acme-foods"), (summary.Lot!.Owner, summary.Lot.Title!.Owner));
        Assert.Equal(EntryKinds.Endorse, summary.Lot.Events![^1].Kind);
        Assert.Contains(InventoryNames.PartyKeyName("nordic-trade"), summary.Lot.Events[^1].Signers);
        Assert.Equal(2, _l.Bundle().Lot!.Parties!.Count);
    }

    [Fact]
    public void AnEndorsementLeftOut_IsIncomplete()
    {
        var endorsement = Endorse();
        var bundle = _l.Bundle();
        var cut = bundle.With(lot: bundle.Lot! with { Events = bundle.Lot.Events!.Where(e => e != endorsement).ToList(), Parties = [_l.Party] },
            entries: bundle.Entries.Where(e => e.Index != endorsement && bundle.Lot.Parties!.Skip(1).All(p => p != e.Index)).ToList(),
            state: bundle.State.Where(s => s.Key != "party/nordic-trade").ToList());

        var failure = Fails(cut);

        Assert.Equal("incomplete-bundle", failure.Code);
        Assert.Contains($"at this checkpoint it ends at {endorsement}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFreezeLeftOut_IsIncomplete_AndAKeptOneShowsTheLotFrozen()
    {
        var freeze = _l.Append(_l.Signed(EntryKinds.Freeze, new FreezeStatement(Status(), T0 + 105 * Minute, "court order 17/2026").ToBody(), _regulator));
        var bundle = _l.Bundle();

        Assert.Equal(freeze, Verifies(bundle).Lot!.FrozenAt);
        var cut = bundle.With(lot: bundle.Lot! with { Events = bundle.Lot.Events!.Where(e => e != freeze).ToList() }, entries: bundle.Entries.Where(e => e.Index != freeze).ToList());
        var failure = Fails(cut);
        Assert.Equal("incomplete-bundle", failure.Code);
    }

    [Fact]
    public void AFreezeSignedByANonRegulator_IsRefused_EvenOnAForgedLedger()
    {
        var forged = _l.AppendRaw(_l.Signed(EntryKinds.Freeze, new FreezeStatement(Status(), T0 + 105 * Minute, "no authority").ToBody(), _l.Auditor));
        var bundle = _l.Bundle();

        var result = EvidenceVerifier.Verify(bundle.With(lot: bundle.Lot! with { Events = [.. bundle.Lot.Events!, forged] }).AddEntries(_l.EntryOf(forged)).ToJson(), _l.Policy);

        Assert.Equal(LedgerFailures.RoleRequired, result.Failure?.Code);
    }

    [Fact]
    public void SplitChild_BundleCarriesItsParentsHistory_SoTheExcursionBeforeTheSplitShows()
    {
        SplitAndIssueChildren();

        var bundle = _l.Builder().Lot("WR-1-A", new LotBundleRequest { Public = true });
        Assert.True(bundle.Succeeded, bundle.ToString());
        var summary = Verifies(bundle.Value);

        var ancestor = Assert.Single(summary.Lot!.Ancestors);
        Assert.Equal(("WR-1", _l.Lot), (ancestor.Receipt, ancestor.LotIndex));
        Assert.Equal([_l.Move], ancestor.Moves.Select(m => m.Index));
        Assert.DoesNotContain(bundle.Value.State, s => s.Key.StartsWith("party/", StringComparison.Ordinal) || s.Key.StartsWith("lot-status/", StringComparison.Ordinal));
        var report = LotConditions.Compute(summary).Value;
        Assert.Equal(T0, report.Parameters.FromMs);
        Assert.Equal(ConditionVerdict.OutOfRange, report.Verdict.Range);
        Assert.Contains(report.Sensors.SelectMany(s => s.Excursions), e => e.StartMs == T0 + 60 * Minute + 2000);
    }

    [Fact]
    public void SplitChild_LenderBundle_Verifies_ItsOwnChainStartingAfterTheSplit()
    {
        SplitAndIssueChildren();

        var summary = Verifies(_l.Builder().Lot("WR-1-B", new LotBundleRequest()).Value);

        Assert.Equal((LotStatus.Issued, 40m, "acme-foods"), (summary.Lot!.Status, summary.Lot.Title!.Quantity, summary.Lot.Owner));
        Assert.Equal("WR-1", summary.Lot.Lot.SplitFrom);
    }

    [Fact]
    public void SplitChild_WithoutItsParent_IsIncomplete()
    {
        SplitAndIssueChildren();
        var bundle = _l.Builder().Lot("WR-1-A", new LotBundleRequest { Public = true }).Value;
        var parent = bundle.Lot!.Parents![0];

        var orphan = bundle.With(lot: bundle.Lot with { Parents = null },
            entries: bundle.Entries.Where(e => e.Index != parent.LotEntry && !parent.Moves.Contains(e.Index)).ToList(),
            state: bundle.State.Where(s => s.Key != "lot/WR-1").ToList());
        var failure = Fails(orphan);

        Assert.Equal("incomplete-bundle", failure.Code);
        Assert.Contains("was split from 'WR-1'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SplitChild_WithAStrangersLotAsItsParent_IsRefused()
    {
        SplitAndIssueChildren();
        var bundle = _l.Builder().Lot("WR-1-A", new LotBundleRequest { Public = true }).Value;
        var sibling = _l.State.Lot("WR-1-B")!.LotIndex;

        var result = EvidenceVerifier.Verify(bundle.With(lot: bundle.Lot! with { Parents = [new BundleParent("WR-1-B", sibling, [])] }).AddEntries(_l.EntryOf(sibling)).ToJson(), _l.Policy);

        Assert.Equal("broken-chain", result.Failure?.Code);
    }
}
