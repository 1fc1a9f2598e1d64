using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using static Firmware.Contracts.Tests.Inventory.TestInventory;

namespace Firmware.Contracts.Tests.Inventory;

/// <summary>
/// The receipt lifecycle beyond pledges: endorsement of the title, split and merge with parent
/// links, freeze and unfreeze by a regulator, disposal after enforcement, and expiry. Each refusal
/// has its code and changes nothing.
/// </summary>
public sealed class LifecycleRulesTests : IDisposable
{
    private readonly TestInventory _t = new();

    public void Dispose() => _t.Dispose();

    private Result<LedgerEntry> Endorse(string receipt, string from, string to, params Firmware.Contracts.Notes.INoteSigner[] signers) =>
        _t.Act(EntryKinds.Endorse, receipt, r => new EndorseStatement(r, from, to, T0 + 60_000).ToBody(), signers);

    private Result<LedgerEntry> Split(string receipt, IReadOnlyList<LotChild> children, IReadOnlyList<(string, string)> epcs, params Firmware.Contracts.Notes.INoteSigner[] signers) =>
        _t.Act(EntryKinds.Split, receipt, r => new SplitStatement(r, T0 + 120_000, children, epcs).ToBody(), signers.Length == 0 ? [_t.Ledger.Warehouse] : signers);

    private Result<LedgerEntry> Freeze(string receipt, params Firmware.Contracts.Notes.INoteSigner[] signers) =>
        _t.Act(EntryKinds.Freeze, receipt, r => new FreezeStatement(r, T0 + 60_000, "court order 2026-17").ToBody(), signers);

    [Fact]
    public void Endorse_ByOperatorOwnerAndNewOwner_ChangesTheOwner_WhoThenConsentsToPledges()
    {
        _t.Issue("WR-1");

        Ok(Endorse("WR-1", "acme", "beta", _t.Ledger.Warehouse, _t.Acme, _t.Beta));

        Assert.Equal("beta", _t.State.Lot("WR-1")!.Owner);
        Assert.Equal(LedgerFailures.NotTheOwner, _t.Append(_t.PledgeEntry("WR-1")).Failure!.Code);
        Ok(_t.Append(_t.Entry(EntryKinds.Pledge, _t.Pledge("WR-1", owner: "beta").ToBody(), _t.Ledger.Bank, _t.Beta)));
        Assert.Contains("owner beta\n", LedgerStateMap.Entries(_t.State).Single(e => e.Key == "lot-status/WR-1").Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Endorse_WithoutEitherPartyOrTheOperator_OrByANonOwner_IsRefused()
    {
        _t.Issue("WR-1");

        AssertRefused(() => Endorse("WR-1", "acme", "beta", _t.Ledger.Warehouse, _t.Acme), LedgerFailures.PartyConsentRequired);
        AssertRefused(() => Endorse("WR-1", "acme", "beta", _t.Ledger.Warehouse, _t.Beta), LedgerFailures.OwnerConsentRequired);
        AssertRefused(() => Endorse("WR-1", "acme", "beta", _t.Ledger.Bank, _t.Acme, _t.Beta), LedgerFailures.RoleRequired);
        AssertRefused(() => Endorse("WR-1", "beta", "acme", _t.Ledger.Warehouse, _t.Acme, _t.Beta), LedgerFailures.NotTheOwner);
        AssertRefused(() => Endorse("WR-1", "acme", "nobody", _t.Ledger.Warehouse, _t.Acme), LedgerFailures.UnknownParty);
    }

    [Fact]
    public void Endorse_WhilePledged_IsRefused_TheLenderReleasesFirst()
    {
        _t.Issue("WR-1");
        Ok(_t.Append(_t.PledgeEntry("WR-1")));

        var failure = AssertRefused(() => Endorse("WR-1", "acme", "beta", _t.Ledger.Warehouse, _t.Acme, _t.Beta), LedgerFailures.LotPledged);

        Assert.Equal(_t.State.Lot("WR-1")!.ActivePledge, failure.LedgerIndex);
    }

    [Fact]
    public void Split_HandsQuantityAndEpcsToChildren_WhoCarryOnTheParent()
    {
        _t.Issue("WR-1", [EpcOf(1), EpcOf(2), EpcOf(3)]);

        Ok(Split("WR-1", [new LotChild("WR-1-A", 80), new LotChild("WR-1-B", 40)], [("WR-1-A", EpcOf(1)), ("WR-1-A", EpcOf(2)), ("WR-1-B", EpcOf(3))]));
        var parent = _t.State.Lot("WR-1")!;
        Assert.Equal((LotStatus.Split, 0m, T0 + 120_000), (parent.Status, parent.Quantity, parent.DeliveredMs));
        Assert.Equal("WR-1-A", _t.State.EpcHolder(EpcOf(2)));

        Ok(_t.Append(_t.ChildLot("WR-1-A", 80, [EpcOf(1), EpcOf(2)], l => l with { SplitFrom = "WR-1" })));
        Ok(_t.Append(_t.ChildLot("WR-1-B", 40, [EpcOf(3)], l => l with { SplitFrom = "WR-1" })));
        Assert.Equal([EpcOf(1), EpcOf(2)], _t.State.Cargo("WR-1-A"));
        Assert.Equal((LotStatus.Issued, 40m), (_t.State.Lot("WR-1-B")!.Status, _t.State.Lot("WR-1-B")!.Quantity));
        Ok(_t.Append(_t.PledgeEntry("WR-1-A")));
        AssertRefused(() => _t.Append(_t.PledgeEntry("WR-1")), LedgerFailures.LotClosed);
    }

    [Fact]
    public void Split_ThatDoesNotAddUp_LeavesAnEpcBehind_OrWhilePledged_IsRefused()
    {
        _t.Issue("WR-1", [EpcOf(1), EpcOf(2)]);

        AssertRefused(() => Split("WR-1", [new LotChild("A", 80), new LotChild("B", 30)], [("A", EpcOf(1)), ("B", EpcOf(2))]), LedgerFailures.QuantityMismatch);
        AssertRefused(() => Split("WR-1", [new LotChild("A", 80), new LotChild("B", 40)], [("A", EpcOf(1))]), LedgerFailures.EntryField);
        AssertRefused(() => Split("WR-1", [new LotChild("A", 80), new LotChild("B", 40)], [("A", EpcOf(1)), ("B", EpcOf(2))], _t.Ledger.Bank), LedgerFailures.RoleRequired);
        Ok(_t.Append(_t.PledgeEntry("WR-1")));
        AssertRefused(() => Split("WR-1", [new LotChild("A", 80), new LotChild("B", 40)], [("A", EpcOf(1)), ("B", EpcOf(2))]), LedgerFailures.LotPledged);
    }

    [Fact]
    public void SplitChild_ThatDiffersFromItsParent_OrIsNotOne_IsRefused()
    {
        _t.Issue("WR-1");
        Ok(Split("WR-1", [new LotChild("WR-1-A", 100), new LotChild("WR-1-B", 20)], []));

        var batch = _t.ChildLot("WR-1-A", 100, [], l => l with { SplitFrom = "WR-1", Batch = "OTHER" });
        AssertRefused(() => _t.Append(batch), LedgerFailures.ParentMismatch);
        var tooFew = _t.ChildLot("WR-1-A", 90, [], l => l with { SplitFrom = "WR-1" });
        AssertRefused(() => _t.Append(tooFew), LedgerFailures.QuantityMismatch);
        var batch8 = _t.ChildLot("WR-1-A", 100, [], l => l);
        AssertRefused(() => _t.Append(batch8), LedgerFailures.ParentMismatch);
        var owner = _t.ChildLot("WR-1-A", 100, [], l => l with { SplitFrom = "WR-1" }, t => t with { Owner = "beta" });
        AssertRefused(() => _t.Append(owner), LedgerFailures.NotTheOwner);
        var stranger = _t.ChildLot("WR-9", 100, [], l => l with { SplitFrom = "WR-1" });
        AssertRefused(() => _t.Append(stranger), LedgerFailures.ParentMismatch);
        // A split hands goods to new receipt numbers only.
        _t.Issue("WR-2");
        AssertRefused(() => Split("WR-2", [new LotChild("WR-1-A", 100), new LotChild("WR-2-B", 20)], []), LedgerFailures.ReceiptExists);
    }

    [Fact]
    public void Merge_OfTwoReceipts_IssuesOneHoldingBoth_NamingEachParent()
    {
        _t.Issue("WR-1", [EpcOf(1)], quantity: 50);
        _t.Issue("WR-2", [EpcOf(2)], quantity: 70);
        Ok(_t.Act(EntryKinds.Merge, "WR-1", r => new MergeStatement(r, T0 + 120_000, "WR-3").ToBody(), _t.Ledger.Warehouse));
        Ok(_t.Act(EntryKinds.Merge, "WR-2", r => new MergeStatement(r, T0 + 120_000, "WR-3").ToBody(), _t.Ledger.Warehouse));

        var unknown = _t.ChildLot("WR-3", 120, [EpcOf(1), EpcOf(2)], l => l with { MergedFrom = ["WR-1", "WR-9"], IssuedMs = T0 + 120_000 });
        AssertRefused(() => _t.Append(unknown), LedgerFailures.ParentMismatch);
        var early = _t.ChildLot("WR-3", 120, [EpcOf(1), EpcOf(2)], l => l with { MergedFrom = ["WR-1", "WR-2"], IssuedMs = T0 });
        AssertRefused(() => _t.Append(early), LedgerFailures.ParentMismatch);
        Ok(_t.Append(_t.ChildLot("WR-3", 120, [EpcOf(1), EpcOf(2)], l => l with { MergedFrom = ["WR-1", "WR-2"], IssuedMs = T0 + 120_000 })));

        Assert.Equal((LotStatus.Merged, LotStatus.Issued), (_t.State.Lot("WR-1")!.Status, _t.State.Lot("WR-3")!.Status));
        Assert.Equal(120m, _t.State.Lot("WR-3")!.Quantity);
        Assert.Equal([EpcOf(1), EpcOf(2)], _t.State.Cargo("WR-3"));
    }

    [Fact]
    public void Freeze_ByARegulator_StopsEverythingButAnUnfreeze_MovesStillRecorded()
    {
        _t.Issue("WR-1");
        Ok(_t.Append(_t.PledgeEntry("WR-1")));
        var pledge = _t.State.Lot("WR-1")!.ActivePledge!.Value;
        AssertRefused(() => Freeze("WR-1", _t.Ledger.Auditor), LedgerFailures.RoleRequired);

        Ok(Freeze("WR-1", _t.Regulator));
        var freeze = _t.State.Size - 1;

        Assert.Contains($"frozen {freeze}\n", LedgerStateMap.Entries(_t.State).Single(e => e.Key == "lot-status/WR-1").Value, StringComparison.Ordinal);
        var refused = AssertRefused(() => _t.Act(EntryKinds.Release, "WR-1", r => new ReleaseStatement(r, pledge, T0 + 2 * 3_600_000).ToBody(), _t.Ledger.Bank), LedgerFailures.LotFrozen);
        Assert.Equal(freeze, refused.LedgerIndex);
        AssertRefused(() => Freeze("WR-1", _t.Regulator), LedgerFailures.LotFrozen);
        Ok(_t.Append(_t.Entry(EntryKinds.Move, new MoveStatement(new LotReference("WR-1", _t.State.Lot("WR-1")!.LotIndex, _t.State.Lot("WR-1")!.LocationHead), "site-1", "chiller-2", T0 + 90_000).ToBody(), _t.Ledger.Warehouse)));
        AssertRefused(() => _t.Act(EntryKinds.Unfreeze, "WR-1", r => new UnfreezeStatement(r, freeze - 1, T0 + 3_600_000, "lifted").ToBody(), _t.Regulator), LedgerFailures.NotFrozen);
        AssertRefused(() => _t.Act(EntryKinds.Unfreeze, "WR-1", r => new UnfreezeStatement(r, freeze, T0 + 3_600_000, "lifted").ToBody(), _t.Ledger.Warehouse), LedgerFailures.RoleRequired);

        Ok(_t.Act(EntryKinds.Unfreeze, "WR-1", r => new UnfreezeStatement(r, freeze, T0 + 3_600_000, "court order lifted").ToBody(), _t.Regulator));
        Ok(_t.Act(EntryKinds.Release, "WR-1", r => new ReleaseStatement(r, pledge, T0 + 2 * 3_600_000).ToBody(), _t.Ledger.Bank));
    }

    [Fact]
    public void Dispose_AfterEnforcement_ByItsLender_ClosesTheReceipt()
    {
        _t.Issue("WR-1", [EpcOf(1)]);
        AssertRefused(() => _t.Act(EntryKinds.Dispose, "WR-1", r => new DisposeStatement(r, T0 + 3_600_000, "sold at auction").ToBody(), _t.Ledger.Bank), LedgerFailures.NotEnforced);
        Ok(_t.Append(_t.PledgeEntry("WR-1")));
        var pledge = _t.State.Lot("WR-1")!.ActivePledge!.Value;
        Ok(_t.Act(EntryKinds.Enforce, "WR-1", r => new EnforceStatement(r, pledge, T0 + 2 * 3_600_000, "loan in default").ToBody(), _t.Ledger.Bank));
        AssertRefused(() => _t.Act(EntryKinds.Dispose, "WR-1", r => new DisposeStatement(r, T0 + 3 * 3_600_000, "sold").ToBody(), _t.Bank2), LedgerFailures.NotTheLender);

        Ok(_t.Act(EntryKinds.Dispose, "WR-1", r => new DisposeStatement(r, T0 + 3 * 3_600_000, "sold at auction").ToBody(), _t.Ledger.Bank));

        var lot = _t.State.Lot("WR-1")!;
        Assert.Equal((LotStatus.Disposed, T0 + 3 * 3_600_000), (lot.Status, lot.DeliveredMs));
        Assert.Null(_t.State.EpcHolder(EpcOf(1)));
        Assert.DoesNotContain("controller", LedgerStateMap.Entries(_t.State).Single(e => e.Key == "lot-status/WR-1").Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Pledge_StartingAtOrAfterTheValidity_IsRefusedAsExpired()
    {
        _t.Issue("WR-1");
        var expired = _t.Pledge("WR-1") with { StartMs = T0 + 365L * 86_400_000, EndMs = T0 + 366L * 86_400_000 };

        AssertRefused(() => _t.Append(_t.Entry(EntryKinds.Pledge, expired.ToBody(), _t.Ledger.Bank, _t.Acme)), LedgerFailures.ReceiptExpired);
    }

    [Theory]
    [InlineData("regulator", MemberRoles.Regulator)]
    [InlineData("operator,regulator", MemberRoles.Operator | MemberRoles.Regulator)]
    public void RegulatorRole_HasItsWireName(string text, MemberRoles roles)
    {
        Assert.Equal(text, MemberRoleNames.Format(roles));
        Assert.True(MemberRoleNames.TryParse(text, out var parsed));
        Assert.Equal(roles, parsed);
        Assert.False(MemberRoleNames.TryParse("regulator,operator", out _));
    }

    private Failure AssertRefused(Func<Result<LedgerEntry>> append, string code)
    {
        var before = _t.State.Describe();
        var size = _t.State.Size;
        var result = append();
        Assert.False(result.Succeeded, $"expected {code}, but it was appended");
        Assert.Equal(code, result.Failure!.Code);
        Assert.Equal(size, _t.State.Size);
        Assert.Equal(before, _t.State.Describe());
        return result.Failure;
    }
}
