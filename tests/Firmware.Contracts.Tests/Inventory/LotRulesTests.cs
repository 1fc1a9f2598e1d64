using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using static Firmware.Contracts.Tests.Inventory.TestInventory;

namespace Firmware.Contracts.Tests.Inventory;

public class LotRulesTests : IDisposable
{
    private readonly TestInventory _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public void Issue_TitleThenLot_HoldsThePrivatePartsInState()
    {
        var lot = _t.Issue("WR-1", [EpcOf(1), EpcOf(2)]);

        Assert.Equal((LotStatus.Issued, "acme", "acme", 120m, "carton"), (lot.Status, lot.Owner, lot.Depositor, lot.Quantity, lot.Unit));
        Assert.Equal(lot.LotIndex, lot.StatusHead);
        Assert.Equal([EpcOf(1), EpcOf(2)], _t.State.Cargo("WR-1"));
        Assert.Equal("WR-1", _t.State.EpcHolder(EpcOf(2)));
        Assert.Equal(lot.LotIndex, _t.State.Titles().Single().LotIndex);
    }

    [Fact]
    public void Lot_WithoutItsTitle_IsRefused()
    {
        var unknown = _t.Ledger.Signed(EntryKinds.Lot, _t.Lot("WR-1", Firmware.Contracts.Hashing.Hash32.Sha256("no such title"u8)).ToBody(), _t.Ledger.Warehouse);

        AssertRefused(unknown, LedgerFailures.UnknownTitle);
    }

    [Fact]
    public void Lot_TitleOfAnotherReceiptOrUsedTwice_IsRefused()
    {
        var title = _t.Ledger.Signed(EntryKinds.Title, _t.Title("WR-1").ToBody(), _t.Ledger.Warehouse);
        Ok(_t.Append(title));
        var hash = Statement.Parse(title.Note.Text).Value.Hash;

        AssertRefused(_t.Ledger.Signed(EntryKinds.Lot, _t.Lot("WR-2", hash).ToBody(), _t.Ledger.Warehouse), LedgerFailures.UnknownTitle);
        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Lot, _t.Lot("WR-1", hash).ToBody(), _t.Ledger.Warehouse)));
        var second = _t.Ledger.Signed(EntryKinds.Lot, _t.Lot("WR-1", hash).ToBody(), _t.Ledger.Warehouse);
        var failure = AssertRefused(second, LedgerFailures.ReceiptExists);
        Assert.Equal(_t.State.Lot("WR-1")!.LotIndex, failure.LedgerIndex);
    }

    [Fact]
    public void Title_ForAnIssuedReceipt_OrUnknownParty_IsRefused()
    {
        _t.Issue("WR-1");

        AssertRefused(_t.Ledger.Signed(EntryKinds.Title, _t.Title("WR-1").ToBody(), _t.Ledger.Warehouse), LedgerFailures.ReceiptExists);
        AssertRefused(_t.Ledger.Signed(EntryKinds.Title, (_t.Title("WR-2") with { Owner = "nobody" }).ToBody(), _t.Ledger.Warehouse), LedgerFailures.UnknownParty);
    }

    [Fact]
    public void LotEntries_SignedByALender_AreRefused()
    {
        AssertRefused(_t.Ledger.Signed(EntryKinds.Title, _t.Title("WR-1").ToBody(), _t.Ledger.Bank), LedgerFailures.RoleRequired);
    }

    [Fact]
    public void Lot_WithAnEpcOfAnotherOpenLot_IsRefused_UntilThatLotIsDelivered()
    {
        _t.Issue("WR-1", [EpcOf(1)]);
        var title = _t.Ledger.Signed(EntryKinds.Title, _t.Title("WR-2").ToBody(), _t.Ledger.Warehouse);
        Ok(_t.Append(title));
        var lot2 = _t.Lot("WR-2", Statement.Parse(title.Note.Text).Value.Hash, [EpcOf(1)]);

        var failure = AssertRefused(_t.Ledger.Signed(EntryKinds.Lot, lot2.ToBody(), _t.Ledger.Warehouse), LedgerFailures.EpcInUse);
        Assert.Equal(_t.State.Lot("WR-1")!.LotIndex, failure.LedgerIndex);

        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Deliver, new DeliverStatement(_t.Status("WR-1"), 120, T0 + 1000, []).ToBody(), _t.Ledger.Warehouse)));
        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Lot, lot2.ToBody(), _t.Ledger.Warehouse)));
        Assert.Equal("WR-2", _t.State.EpcHolder(EpcOf(1)));
    }

    [Fact]
    public void Pledge_SignedByLenderAndOwner_IsActive()
    {
        _t.Issue("WR-1");

        var pledge = Ok(_t.Append(_t.PledgeEntry("WR-1")));

        var index = _t.State.Size - 1;
        var lot = _t.State.Lot("WR-1")!;
        Assert.Equal((LotStatus.Pledged, index, index), (lot.Status, lot.ActivePledge, lot.StatusHead));
        var record = _t.State.Pledge(index)!;
        Assert.Equal(("bank", "acme", 1_000_000m, "CNY", PledgeStatus.Active), (record.Lender, record.Owner, record.Amount, record.Currency, record.Status));
        Assert.Equal(EntryKinds.Pledge, pledge.Kind);
    }

    [Fact]
    public void Pledge_WhileAnotherIsActive_IsRefusedNamingTheActivePledge_AndChangesNothing()
    {
        _t.Issue("WR-1");
        var first = _t.PledgeEntry("WR-1");
        var second = _t.PledgeEntry("WR-1");
        Ok(_t.Append(first));
        var active = _t.State.Size - 1;

        var failure = AssertRefused(second, LedgerFailures.LotPledged);

        Assert.Equal(active, failure.LedgerIndex);
        Assert.Contains($"ledger index {active}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pledge_WithoutTheOwnersConsent_IsRefused()
    {
        _t.Issue("WR-1");

        var failure = AssertRefused(_t.PledgeEntry("WR-1", _t.Ledger.Bank), LedgerFailures.OwnerConsentRequired);

        Assert.Contains("edgetrace/party/acme", failure.Message, StringComparison.Ordinal);
        Assert.Equal(LotStatus.Issued, _t.State.Lot("WR-1")!.Status);
    }

    [Fact]
    public void Pledge_SignedByAnotherPartyOrNamingAnotherOwner_IsRefused()
    {
        _t.Issue("WR-1");

        AssertRefused(_t.PledgeEntry("WR-1", _t.Ledger.Bank, _t.Beta), LedgerFailures.NotTheOwner);
        AssertRefused(_t.Entry(EntryKinds.Pledge, _t.Pledge("WR-1", owner: "beta").ToBody(), _t.Ledger.Bank, _t.Beta), LedgerFailures.NotTheOwner);
    }

    [Fact]
    public void Pledge_WithoutTheLendersSignatureOrByANonLender_IsRefused()
    {
        _t.Issue("WR-1");

        AssertRefused(_t.PledgeEntry("WR-1", _t.Acme), LedgerFailures.NotTheLender);
        AssertRefused(_t.Entry(EntryKinds.Pledge, _t.Pledge("WR-1", lender: "warehouse").ToBody(), _t.Ledger.Warehouse, _t.Acme), LedgerFailures.RoleRequired);
    }

    [Fact]
    public void Pledge_OfADeliveredLot_IsRefused()
    {
        _t.Issue("WR-1");
        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Deliver, new DeliverStatement(_t.Status("WR-1"), 120, T0 + 1000, []).ToBody(), _t.Ledger.Warehouse)));
        var delivered = _t.State.Size - 1;

        var failure = AssertRefused(_t.PledgeEntry("WR-1"), LedgerFailures.LotClosed);

        Assert.Equal(delivered, failure.LedgerIndex);
    }

    [Fact]
    public void Pledge_SignedAgainstAnOlderState_IsStale()
    {
        _t.Issue("WR-1");
        var stale = _t.PledgeEntry("WR-1");
        Ok(_t.Append(_t.PledgeEntry("WR-1")));
        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Release, new ReleaseStatement(_t.Status("WR-1"), _t.State.Size - 1, T0 + 7_200_000).ToBody(), _t.Ledger.Bank)));

        AssertRefused(stale, LedgerFailures.StaleReference);
    }

    [Fact]
    public void Pledge_TermBeyondTheReceiptsValidity_IsRefused()
    {
        _t.Issue("WR-1");
        var pledge = _t.Pledge("WR-1") with { EndMs = T0 + 400L * 86_400_000 };

        AssertRefused(_t.Entry(EntryKinds.Pledge, pledge.ToBody(), _t.Ledger.Bank, _t.Acme), LedgerFailures.TermBeyondValidity);
    }

    [Fact]
    public void Release_BySomeoneElse_IsRefused_ByItsLender_ReopensTheLot()
    {
        _t.Issue("WR-1");
        Ok(_t.Append(_t.PledgeEntry("WR-1")));
        var pledge = _t.State.Size - 1;
        var release = new ReleaseStatement(_t.Status("WR-1"), pledge, T0 + 7_200_000, "repaid");

        var failure = AssertRefused(_t.Entry(EntryKinds.Release, release.ToBody(), _t.Bank2), LedgerFailures.NotTheLender);
        Assert.Equal(pledge, failure.LedgerIndex);
        AssertRefused(_t.Entry(EntryKinds.Release, release.ToBody(), _t.Ledger.Warehouse), LedgerFailures.NotTheLender);

        Ok(_t.Append(_t.Entry(EntryKinds.Release, release.ToBody(), _t.Ledger.Bank)));
        Assert.Equal((LotStatus.Issued, (long?)null), (_t.State.Lot("WR-1")!.Status, _t.State.Lot("WR-1")!.ActivePledge));
        Assert.Equal((PledgeStatus.Released, T0 + 7_200_000), (_t.State.Pledge(pledge)!.Status, _t.State.Pledge(pledge)!.EndedAtMs));
        // pledged ↔ released, again
        Ok(_t.Append(_t.Entry(EntryKinds.Pledge, _t.Pledge("WR-1", lender: "bank2").ToBody(), _t.Bank2, _t.Acme)));
        Assert.Equal(LotStatus.Pledged, _t.State.Lot("WR-1")!.Status);
    }

    [Fact]
    public void Release_OfAPledgeThatIsNotActive_IsRefused()
    {
        _t.Issue("WR-1");

        AssertRefused(_t.Entry(EntryKinds.Release, new ReleaseStatement(_t.Status("WR-1"), 3, T0).ToBody(), _t.Ledger.Bank), LedgerFailures.NotPledged);
    }

    [Fact]
    public void Transfer_NeedsBothLenders_ThenTheNewLenderReleases()
    {
        _t.Issue("WR-1");
        Ok(_t.Append(_t.PledgeEntry("WR-1")));
        var pledge = _t.State.Size - 1;
        var transfer = new TransferStatement(_t.Status("WR-1"), pledge, "bank", "bank2", T0 + 7_200_000);

        AssertRefused(_t.Entry(EntryKinds.Transfer, transfer.ToBody(), _t.Ledger.Bank), LedgerFailures.NotTheLender);
        AssertRefused(_t.Entry(EntryKinds.Transfer, transfer.ToBody(), _t.Bank2), LedgerFailures.NotTheLender);
        Ok(_t.Append(_t.Entry(EntryKinds.Transfer, transfer.ToBody(), _t.Ledger.Bank, _t.Bank2)));

        Assert.Equal("bank2", _t.State.Pledge(pledge)!.Lender);
        var release = new ReleaseStatement(_t.Status("WR-1"), pledge, T0 + 8_000_000);
        AssertRefused(_t.Entry(EntryKinds.Release, release.ToBody(), _t.Ledger.Bank), LedgerFailures.NotTheLender);
        Ok(_t.Append(_t.Entry(EntryKinds.Release, release.ToBody(), _t.Bank2)));
    }

    [Fact]
    public void Enforce_HoldsTheGoodsForTheLender_WhoseSignatureDeliveryThenNeeds()
    {
        _t.Issue("WR-1");
        Ok(_t.Append(_t.PledgeEntry("WR-1")));
        var pledge = _t.State.Size - 1;
        Ok(_t.Append(_t.Entry(EntryKinds.Enforce, new EnforceStatement(_t.Status("WR-1"), pledge, T0 + 7_200_000, "default on repayment").ToBody(), _t.Ledger.Bank)));

        Assert.Equal((LotStatus.Enforced, "bank"), (_t.State.Lot("WR-1")!.Status, _t.State.Lot("WR-1")!.Controller));
        AssertRefused(_t.PledgeEntry("WR-1"), LedgerFailures.LotEnforced);
        var deliver = new DeliverStatement(_t.Status("WR-1"), 120, T0 + 8_000_000, []);
        AssertRefused(_t.Entry(EntryKinds.Deliver, deliver.ToBody(), _t.Ledger.Warehouse), LedgerFailures.NotTheLender);
        Ok(_t.Append(_t.Entry(EntryKinds.Deliver, deliver.ToBody(), _t.Ledger.Warehouse, _t.Ledger.Bank)));
        Assert.Equal(LotStatus.Delivered, _t.State.Lot("WR-1")!.Status);
    }

    [Fact]
    public void Deliver_WhilePledged_IsRefused()
    {
        _t.Issue("WR-1");
        Ok(_t.Append(_t.PledgeEntry("WR-1")));

        AssertRefused(_t.Ledger.Signed(EntryKinds.Deliver, new DeliverStatement(_t.Status("WR-1"), 10, T0 + 1000, []).ToBody(), _t.Ledger.Warehouse), LedgerFailures.LotPledged);
    }

    [Fact]
    public void Deliver_Partly_SplitsTheQuantity_AndFreesTheEpcsThatLeft_TheRestClosesTheLot()
    {
        _t.Issue("WR-1", [EpcOf(1), EpcOf(2), EpcOf(3)]);

        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Deliver, new DeliverStatement(_t.Status("WR-1"), 40, T0 + 1000, [EpcOf(1)]).ToBody(), _t.Ledger.Warehouse)));
        Assert.Equal((LotStatus.Issued, 80m), (_t.State.Lot("WR-1")!.Status, _t.State.Lot("WR-1")!.Quantity));
        Assert.Equal([EpcOf(2), EpcOf(3)], _t.State.Cargo("WR-1"));

        AssertRefused(_t.Ledger.Signed(EntryKinds.Deliver, new DeliverStatement(_t.Status("WR-1"), 80.5m, T0 + 2000, []).ToBody(), _t.Ledger.Warehouse), LedgerFailures.QuantityExceeded);
        AssertRefused(_t.Ledger.Signed(EntryKinds.Deliver, new DeliverStatement(_t.Status("WR-1"), 1, T0 + 2000, [EpcOf(1)]).ToBody(), _t.Ledger.Warehouse), LedgerFailures.EntryField);

        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Deliver, new DeliverStatement(_t.Status("WR-1"), 80, T0 + 3000, []).ToBody(), _t.Ledger.Warehouse)));
        var lot = _t.State.Lot("WR-1")!;
        Assert.Equal((LotStatus.Delivered, 0m, _t.State.Size - 1), (lot.Status, lot.Quantity, lot.ClosedAt!.Value));
        Assert.Empty(_t.State.Cargo("WR-1"));
    }

    [Fact]
    public void Cancel_OfAPledgedLot_IsRefused_OfAnIssuedOneClosesIt()
    {
        _t.Issue("WR-1", [EpcOf(1)]);
        Ok(_t.Append(_t.PledgeEntry("WR-1")));
        AssertRefused(_t.Ledger.Signed(EntryKinds.Cancel, new CancelStatement(_t.Status("WR-1"), "issued in error").ToBody(), _t.Ledger.Warehouse), LedgerFailures.LotPledged);

        _t.Issue("WR-2");
        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Cancel, new CancelStatement(_t.Status("WR-2"), "issued in error").ToBody(), _t.Ledger.Warehouse)));
        Assert.Equal(LotStatus.Cancelled, _t.State.Lot("WR-2")!.Status);
    }

    [Fact]
    public void Move_FollowsTheLocationChain_InTimeOrder()
    {
        var lot = _t.Issue("WR-1");
        var move = new MoveStatement(new LotReference("WR-1", lot.LotIndex, lot.LotIndex), "site-1", "freezer-1", T0 + 60_000);

        AssertRefused(_t.Ledger.Signed(EntryKinds.Move, (move with { AtMs = T0 - 1 }).ToBody(), _t.Ledger.Warehouse), LedgerFailures.TimeOrder);
        AssertRefused(_t.Ledger.Signed(EntryKinds.Move, (move with { Lot = move.Lot with { After = 1 } }).ToBody(), _t.Ledger.Warehouse), LedgerFailures.StaleReference);
        AssertRefused(_t.Ledger.Signed(EntryKinds.Move, (move with { Lot = move.Lot with { LotIndex = 1 } }).ToBody(), _t.Ledger.Warehouse), LedgerFailures.UnknownLot);
        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Move, move.ToBody(), _t.Ledger.Warehouse)));

        var moved = _t.State.Lot("WR-1")!;
        Assert.Equal(("freezer-1", _t.State.Size - 1, T0 + 60_000), (moved.Zone, moved.LocationHead, moved.LocationTimeMs));
        // The status chain is untouched by moves: a pledge drafted before the move still applies.
        Assert.Equal(lot.LotIndex, moved.StatusHead);
    }

    [Fact]
    public void Party_NewKey_NeedsTheRegistrationInForce()
    {
        var registration = _t.State.Party("acme")!.RegistrationIndex;
        using var newKey = Firmware.Contracts.Notes.EcdsaNoteSigner.Generate(InventoryNames.PartyKeyName("acme"));

        AssertRefused(_t.Ledger.Signed(EntryKinds.Party, new PartyStatement("acme", Spki(newKey)).ToBody(), _t.Ledger.Warehouse), LedgerFailures.PartyExists);
        AssertRefused(_t.Ledger.Signed(EntryKinds.Party, new PartyStatement("acme", Spki(newKey), registration - 1).ToBody(), _t.Ledger.Warehouse, _t.Acme), LedgerFailures.StaleReference);
        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Party, new PartyStatement("acme", Spki(newKey), registration).ToBody(), _t.Ledger.Warehouse, _t.Acme)));

        _t.Issue("WR-1");
        AssertRefused(_t.PledgeEntry("WR-1"), LedgerFailures.BadSignature);
        Ok(_t.Append(_t.PledgeEntry("WR-1", _t.Ledger.Bank, newKey)));
    }

    [Fact]
    public void Party_NewKey_ByTheOperatorAlone_IsRefused()
    {
        var registration = _t.State.Party("acme")!.RegistrationIndex;
        using var operatorsKey = Firmware.Contracts.Notes.EcdsaNoteSigner.Generate(InventoryNames.PartyKeyName("acme"));

        // The operator cannot put a key of its choosing in the owner's name, and then sign "with the owner's consent".
        AssertRefused(_t.Ledger.Signed(EntryKinds.Party, new PartyStatement("acme", Spki(operatorsKey), registration).ToBody(), _t.Ledger.Warehouse), LedgerFailures.PartyConsentRequired);
        // Nor can the new key vouch for itself.
        AssertRefused(_t.Ledger.Signed(EntryKinds.Party, new PartyStatement("acme", Spki(operatorsKey), registration).ToBody(), _t.Ledger.Warehouse, operatorsKey), LedgerFailures.BadSignature);
        Assert.Equal(registration, _t.State.Party("acme")!.RegistrationIndex);
    }

    [Fact]
    public void Party_LostKey_IsRecoveredByAQuorumOfMembers()
    {
        var registration = _t.State.Party("acme")!.RegistrationIndex;
        using var newKey = Firmware.Contracts.Notes.EcdsaNoteSigner.Generate(InventoryNames.PartyKeyName("acme"));

        // Quorum 2: the operator and the bank together may replace a lost key.
        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Party, new PartyStatement("acme", Spki(newKey), registration).ToBody(), _t.Ledger.Warehouse, _t.Ledger.Bank)));

        Assert.Equal(Spki(newKey), _t.State.Party("acme")!.PublicKey);
    }

    [Fact]
    public void Replay_OfTheSameEntries_ReachesTheSameStateAndDecisions()
    {
        _t.Issue("WR-1", [EpcOf(1), EpcOf(2)]);
        _t.Issue("WR-2", [EpcOf(3)], quantity: 10.5m);
        Ok(_t.Append(_t.Entry(EntryKinds.Pledge, _t.Pledge("WR-1", covenants: Covenant.Parse("temperature above 8 for 30m").Value).ToBody(), _t.Ledger.Bank, _t.Acme)));
        var pledge = _t.State.Size - 1;
        var lot = _t.State.Lot("WR-1")!;
        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Move, new MoveStatement(new LotReference("WR-1", lot.LotIndex, lot.LocationHead), "site-1", "chiller-2", T0 + 100).ToBody(), _t.Ledger.Warehouse)));
        Ok(_t.Append(_t.Entry(EntryKinds.Transfer, new TransferStatement(_t.Status("WR-1"), pledge, "bank", "bank2", T0 + 7_200_000).ToBody(), _t.Ledger.Bank, _t.Bank2)));
        Ok(_t.Append(_t.Entry(EntryKinds.Release, new ReleaseStatement(_t.Status("WR-1"), pledge, T0 + 7_300_000).ToBody(), _t.Bank2)));
        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Deliver, new DeliverStatement(_t.Status("WR-2"), 10.5m, T0 + 5000, []).ToBody(), _t.Ledger.Warehouse)));
        Ok(_t.Append(_t.Ledger.Signed(EntryKinds.Cancel, new CancelStatement(_t.Status("WR-1"), "replaced").ToBody(), _t.Ledger.Warehouse)));
        var refusedLater = _t.PledgeEntry("WR-2");

        var replica = new InMemoryLedgerState(Firmware.Contracts.Tests.Ledger.TestLedger.Consortium);
        var rules = new LedgerRules(null, InventoryRules.All);
        foreach (var entry in _t.Ledger.Entries)
        {
            Ok(rules.Append(entry.Bytes.ToArray(), replica));
        }

        Assert.Equal(_t.State.Describe(), replica.Describe());
        Assert.Contains("lot WR-1 ", replica.Describe(), StringComparison.Ordinal);
        Assert.Contains("status=cancelled", replica.Describe(), StringComparison.Ordinal);
        Assert.Equal(rules.Append(refusedLater.Bytes.ToArray(), replica).Failure!.Code, _t.Append(refusedLater).Failure!.Code);
    }

    private Failure AssertRefused(LedgerEntry entry, string code)
    {
        var before = _t.State.Describe();
        var size = _t.State.Size;
        var result = _t.Append(entry);
        Assert.False(result.Succeeded, $"expected {code}, but the {entry.Kind} entry was appended");
        Assert.Equal(code, result.Failure!.Code);
        Assert.Equal(size, _t.State.Size);
        Assert.Equal(before, _t.State.Describe());
        return result.Failure;
    }
}
