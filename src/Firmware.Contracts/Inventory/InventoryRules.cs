using Firmware.Contracts;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Ledger.Rules;
using Firmware.Contracts.Notes;

namespace Firmware.Contracts.Inventory;

/// <summary>
/// The ledger rules of warehouse receipts: parties, titles, lots, moves, deliveries, cancellations,
/// pledges, releases, transfers and enforcements. Pass <see cref="All"/> to <see cref="LedgerRules"/>;
/// like every rule they read nothing but the ledger state, so every replica decides alike.
/// </summary>
public static class InventoryRules
{
    /// <summary>One rule per inventory entry kind.</summary>
    public static IReadOnlyList<IEntryRule> All { get; } =
    [
        new PartyRule(), new TitleRule(), new LotRule(), new MoveRule(), new DeliverRule(), new CancelRule(),
        new PledgeRule(), new ReleaseRule(), new TransferRule(), new EnforceRule(),
        new EndorseRule(), new SplitRule(), new MergeRule(), new FreezeRule(), new UnfreezeRule(), new DisposeRule(),
    ];

    /// <summary>The kinds of the status chain (after the lot entry).</summary>
    public static readonly IReadOnlyList<string> StatusKinds =
    [
        EntryKinds.Pledge, EntryKinds.Release, EntryKinds.Transfer, EntryKinds.Enforce, EntryKinds.Deliver, EntryKinds.Cancel,
        EntryKinds.Endorse, EntryKinds.Split, EntryKinds.Merge, EntryKinds.Freeze, EntryKinds.Unfreeze, EntryKinds.Dispose,
    ];
}

/// <summary>The lot a statement names, checked against the state.</summary>
internal static class LotTargets
{
    public static Result<LotRecord> Find(LotReference reference, ILedgerState state, string kind)
    {
        var lot = state.Lot(reference.Receipt);
        if (lot is null)
        {
            return Result<LotRecord>.Fail(LedgerFailures.UnknownLot, $"the {kind} names receipt '{reference.Receipt}', which no lot has");
        }
        if (lot.LotIndex != reference.LotIndex)
        {
            return Result<LotRecord>.Fail(LedgerFailures.UnknownLot, $"the {kind} names lot entry {reference.LotIndex}, but receipt '{lot.Receipt}' is lot entry {lot.LotIndex}");
        }
        return lot;
    }

    /// <summary>Why the lot cannot take a title change now (pledged, enforced, closed), or null.</summary>
    public static Failure? Closed(LotRecord lot) =>
        lot.IsOpen
            ? null
            : new Failure(LedgerFailures.LotClosed, $"lot '{lot.Receipt}' was {lot.Status.Name()} at ledger index {lot.ClosedAt}") { LedgerIndex = lot.ClosedAt };

    /// <summary>Why a frozen lot takes nothing but an unfreeze, or null when it is not frozen.</summary>
    public static Failure? Frozen(LotRecord lot) =>
        lot.FrozenAt is { } freeze
            ? new Failure(LedgerFailures.LotFrozen, $"lot '{lot.Receipt}' is frozen (ledger index {freeze}); nothing but an unfreeze by a regulator member applies until then") { LedgerIndex = freeze }
            : null;

    /// <summary>
    /// Why a status entry that deals in the receipt (endorse, split, merge, cancel) cannot follow now:
    /// closed, frozen, pledged, enforced, or signed against an older head; null when it can.
    /// </summary>
    public static Failure? Dealing(LotRecord lot, long after) =>
        Closed(lot) ?? Frozen(lot) ?? lot.Status switch
        {
            LotStatus.Pledged => Pledged(lot),
            LotStatus.Enforced => Enforced(lot),
            _ => StaleStatus(lot, after),
        };

    public static Failure Pledged(LotRecord lot) =>
        new(LedgerFailures.LotPledged, $"lot '{lot.Receipt}' is pledged (active pledge at ledger index {lot.ActivePledge}); it must be released first") { LedgerIndex = lot.ActivePledge };

    public static Failure Enforced(LotRecord lot) =>
        new(LedgerFailures.LotEnforced, $"the pledge of lot '{lot.Receipt}' was enforced (ledger index {lot.StatusHead}); the goods are held to the order of '{lot.Controller}'") { LedgerIndex = lot.StatusHead };

    public static Failure? StaleStatus(LotRecord lot, long after) =>
        after == lot.StatusHead
            ? null
            : new Failure(LedgerFailures.StaleReference, $"the statement follows entry {after}, but lot '{lot.Receipt}' changed since: its last status entry is {lot.StatusHead}; sign a new statement") { LedgerIndex = lot.StatusHead };

    public static Result<PledgeRecord> ActivePledge(LotRecord lot, long pledgeIndex, ILedgerState state)
    {
        var pledge = state.Pledge(pledgeIndex);
        if (pledge is null || pledge.Receipt != lot.Receipt || pledge.Status != PledgeStatus.Active)
        {
            return new Failure(LedgerFailures.NotPledged, lot.ActivePledge is { } active
                ? $"ledger index {pledgeIndex} is not the active pledge of lot '{lot.Receipt}'; the active one is at ledger index {active}"
                : $"lot '{lot.Receipt}' has no active pledge (ledger index {pledgeIndex} is {(pledge is null ? "not a pledge of it" : pledge.Status.Name())})")
            { LedgerIndex = lot.ActivePledge };
        }
        return pledge;
    }

    public static string OperatorOf(IReadOnlyList<LedgerMember> signers) => signers.First(s => s.Roles.HasFlag(MemberRoles.Operator)).Name;
}

/// <summary>A party registration (or a new key for it), signed by an operator member.</summary>
internal sealed class PartyRule : IEntryRule
{
    public string Kind => EntryKinds.Party;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var party = PartyStatement.From(statement.Value);
        if (!party.Succeeded)
        {
            return party.Failure!;
        }
        var existing = state.Party(party.Value.PartyId);
        if (party.Value.Replaces is not { } replaces)
        {
            var signers = StatementEntries.Signers(entry, state, signatures, MemberRoles.Operator);
            if (!signers.Succeeded)
            {
                return signers.Failure!;
            }
            if (existing is not null)
            {
                return new Failure(LedgerFailures.PartyExists, $"party '{existing.PartyId}' is registered (ledger index {existing.RegistrationIndex}); to change its key, name that registration in 'replaces'") { LedgerIndex = existing.RegistrationIndex };
            }
            return new Effect(party.Value, LotTargets.OperatorOf(signers.Value), statement.Value);
        }
        if (existing is null)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.UnknownParty, $"party '{party.Value.PartyId}' is not registered, so there is no key to replace");
        }
        if (existing.RegistrationIndex != replaces)
        {
            return new Failure(LedgerFailures.StaleReference, $"the statement replaces registration {replaces}, but the one in force is {existing.RegistrationIndex}") { LedgerIndex = existing.RegistrationIndex };
        }
        var consent = KeyReplacement.Check(entry.Note, state.Member, state.Quorum, signatures, existing);
        return consent.Succeeded ? new Effect(party.Value, consent.Value, statement.Value) : consent.Failure!;
    }

    private sealed class Effect(PartyStatement party, string operatorName, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutParty(new PartyRecord(party.PartyId, party.PublicKey, index, operatorName));
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>The private part of a receipt, signed by an operator member, before its lot entry.</summary>
internal sealed class TitleRule : IEntryRule
{
    public string Kind => EntryKinds.Title;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var title = TitleStatement.From(statement.Value);
        if (!title.Succeeded)
        {
            return title.Failure!;
        }
        var signers = StatementEntries.Signers(entry, state, signatures, MemberRoles.Operator);
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        foreach (var party in new[] { title.Value.Depositor, title.Value.Owner })
        {
            if (state.Party(party) is null)
            {
                return Result<IEntryEffect>.Fail(LedgerFailures.UnknownParty, $"party '{party}' is not registered; an operator registers it with its public key first");
            }
        }
        if (state.Lot(title.Value.Receipt) is { } lot)
        {
            return new Failure(LedgerFailures.ReceiptExists, $"receipt '{lot.Receipt}' was issued at ledger index {lot.LotIndex}; receipt numbers are unique in the consortium") { LedgerIndex = lot.LotIndex };
        }
        return new Effect(title.Value, statement.Value);
    }

    private sealed class Effect(TitleStatement title, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutTitle(new TitleRecord
            {
                Hash = statement.Hash, Index = index, Receipt = title.Receipt, Depositor = title.Depositor, Owner = title.Owner,
                Quantity = title.Quantity, Unit = title.Unit, Nonce = statement.Nonce,
            });
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>A receipt's public facts, signed by an operator member, committing to an unused title entry of the same receipt.</summary>
internal sealed class LotRule : IEntryRule
{
    public string Kind => EntryKinds.Lot;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var parsed = LotStatement.From(statement.Value);
        if (!parsed.Succeeded)
        {
            return parsed.Failure!;
        }
        var lot = parsed.Value;
        var signers = StatementEntries.Signers(entry, state, signatures, MemberRoles.Operator);
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        if (state.Lot(lot.Receipt) is { } existing)
        {
            return new Failure(LedgerFailures.ReceiptExists, $"receipt '{existing.Receipt}' was issued at ledger index {existing.LotIndex}; receipt numbers are unique in the consortium") { LedgerIndex = existing.LotIndex };
        }
        var title = state.Title(lot.Title);
        if (title is null || title.Receipt != lot.Receipt)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.UnknownTitle, title is null
                ? $"no title entry has statement hash {lot.Title.ToBase64()}; append the title (private part) of receipt '{lot.Receipt}' first"
                : $"the title at ledger index {title.Index} is for receipt '{title.Receipt}', not '{lot.Receipt}'");
        }
        if (title.LotIndex is { } used)
        {
            return new Failure(LedgerFailures.UnknownTitle, $"the title at ledger index {title.Index} belongs to the lot at ledger index {used} already") { LedgerIndex = used };
        }
        if (LotParents.Check(lot, title, state) is { } parentProblem)
        {
            return parentProblem;
        }
        foreach (var epc in lot.Epcs)
        {
            // A split or merge hands its EPCs to the child's receipt number before the child's lot exists.
            if (state.EpcHolder(epc) is { } holder && holder != lot.Receipt)
            {
                var other = state.Lot(holder);
                return new Failure(LedgerFailures.EpcInUse, $"EPC {epc} is in the cargo of lot '{holder}' (ledger index {other?.LotIndex}), which is open; deliver or cancel it there first") { LedgerIndex = other?.LotIndex };
            }
        }
        return new Effect(lot, title, statement.Value);
    }

    private sealed class Effect(LotStatement lot, TitleRecord title, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutLot(new LotRecord
            {
                Receipt = lot.Receipt, LotIndex = index, TitleIndex = title.Index, Gtin = lot.Gtin, Batch = lot.Batch, Site = lot.Site, Zone = lot.Zone,
                Status = LotStatus.Issued, Depositor = title.Depositor, Owner = title.Owner, Quantity = title.Quantity, Unit = title.Unit,
                IssuedMs = lot.IssuedMs, ValidUntilMs = lot.ValidUntilMs, LocationHead = index, LocationTimeMs = lot.IssuedMs, StatusHead = index,
                Terms = lot.ConditionTerms(),
            });
            state.PutTitle(title with { LotIndex = index });
            foreach (var epc in lot.Epcs)
            {
                state.PutEpcHolder(epc, lot.Receipt);
            }
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>A move of an open lot, signed by an operator member, following the lot's last location entry and not earlier than it.</summary>
internal sealed class MoveRule : IEntryRule
{
    public string Kind => EntryKinds.Move;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var move = MoveStatement.From(statement.Value);
        if (!move.Succeeded)
        {
            return move.Failure!;
        }
        var signers = StatementEntries.Signers(entry, state, signatures, MemberRoles.Operator);
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        var lot = LotTargets.Find(move.Value.Lot, state, "move");
        if (!lot.Succeeded)
        {
            return lot.Failure!;
        }
        if (LotTargets.Closed(lot.Value) is { } closed)
        {
            return closed;
        }
        if (move.Value.Lot.After != lot.Value.LocationHead)
        {
            return new Failure(LedgerFailures.StaleReference, $"the move follows entry {move.Value.Lot.After}, but the last location entry of lot '{lot.Value.Receipt}' is {lot.Value.LocationHead}") { LedgerIndex = lot.Value.LocationHead };
        }
        if (move.Value.AtMs < lot.Value.LocationTimeMs)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.TimeOrder, $"the move at {move.Value.AtMs} is earlier than the lot's last location entry ({lot.Value.LocationTimeMs})");
        }
        return new Effect(lot.Value, move.Value, statement.Value);
    }

    private sealed class Effect(LotRecord lot, MoveStatement move, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutLot(lot with { Site = move.Site, Zone = move.Zone, LocationHead = index, LocationTimeMs = move.AtMs });
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>
/// A delivery, signed by an operator member (and, after an enforcement, by the lender the goods are
/// held for). Refused while pledged: the lender releases first. Delivering less than what remains
/// splits the quantity; delivering the rest closes the lot and frees its EPCs.
/// </summary>
internal sealed class DeliverRule : IEntryRule
{
    public string Kind => EntryKinds.Deliver;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var deliver = DeliverStatement.From(statement.Value);
        if (!deliver.Succeeded)
        {
            return deliver.Failure!;
        }
        var signers = StatementEntries.Signers(entry, state, signatures, MemberRoles.Operator);
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        var found = LotTargets.Find(deliver.Value.Lot, state, "delivery");
        if (!found.Succeeded)
        {
            return found.Failure!;
        }
        var lot = found.Value;
        if ((LotTargets.Closed(lot) ?? LotTargets.Frozen(lot)) is { } closed)
        {
            return closed;
        }
        if (lot.Status == LotStatus.Pledged)
        {
            return LotTargets.Pledged(lot);
        }
        if (lot.Status == LotStatus.Enforced && !signers.Value.Any(s => s.Name == lot.Controller))
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.NotTheLender, $"the goods of lot '{lot.Receipt}' are held to the order of '{lot.Controller}' after enforcement; its signature is needed to deliver them");
        }
        if (LotTargets.StaleStatus(lot, deliver.Value.Lot.After) is { } stale)
        {
            return stale;
        }
        if (deliver.Value.Quantity > lot.Quantity)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.QuantityExceeded, $"the delivery is {CanonicalValues.Decimal(deliver.Value.Quantity)} {lot.Unit}, but lot '{lot.Receipt}' holds {CanonicalValues.Decimal(lot.Quantity)} {lot.Unit}");
        }
        if (deliver.Value.AtMs < lot.IssuedMs)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.TimeOrder, $"the delivery at {deliver.Value.AtMs} is before the receipt was issued ({lot.IssuedMs})");
        }
        foreach (var epc in deliver.Value.Epcs)
        {
            if (state.EpcHolder(epc) != lot.Receipt)
            {
                return Result<IEntryEffect>.Fail(LedgerFailures.EntryField, $"EPC {epc} is not in the cargo of lot '{lot.Receipt}'");
            }
        }
        return new Effect(lot, deliver.Value, state.Cargo(lot.Receipt), statement.Value);
    }

    private sealed class Effect(LotRecord lot, DeliverStatement deliver, IReadOnlyList<string> cargo, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            var remaining = lot.Quantity - deliver.Quantity;
            var all = remaining == 0;
            state.PutLot(lot with
            {
                Quantity = remaining,
                Status = all ? LotStatus.Delivered : lot.Status,
                ClosedAt = all ? index : null,
                DeliveredMs = all ? deliver.AtMs : null,
                StatusHead = index,
            });
            foreach (var epc in all ? cargo : deliver.Epcs)
            {
                state.PutEpcHolder(epc, null);
            }
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>A cancellation of an issued, unpledged receipt, signed by an operator member; frees its EPCs.</summary>
internal sealed class CancelRule : IEntryRule
{
    public string Kind => EntryKinds.Cancel;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var cancel = CancelStatement.From(statement.Value);
        if (!cancel.Succeeded)
        {
            return cancel.Failure!;
        }
        var signers = StatementEntries.Signers(entry, state, signatures, MemberRoles.Operator);
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        var found = LotTargets.Find(cancel.Value.Lot, state, "cancellation");
        if (!found.Succeeded)
        {
            return found.Failure!;
        }
        var lot = found.Value;
        var refused = LotTargets.Dealing(lot, cancel.Value.Lot.After);
        return refused is not null ? refused : new Effect(lot, state.Cargo(lot.Receipt), statement.Value);
    }

    private sealed class Effect(LotRecord lot, IReadOnlyList<string> cargo, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutLot(lot with { Status = LotStatus.Cancelled, ClosedAt = index, StatusHead = index });
            foreach (var epc in cargo)
            {
                state.PutEpcHolder(epc, null);
            }
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>
/// A pledge: the statement is signed by the lender member (role lender) and by the lot's owner
/// party; no other key may sign it but members. At most one pledge per lot is active: a pledge of a
/// pledged lot is refused with <c>lot-pledged</c>, naming the active pledge.
/// </summary>
internal sealed class PledgeRule : IEntryRule
{
    public string Kind => EntryKinds.Pledge;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var parsed = PledgeStatement.From(statement.Value);
        if (!parsed.Succeeded)
        {
            return parsed.Failure!;
        }
        var pledge = parsed.Value;
        var found = LotTargets.Find(pledge.Lot, state, "pledge");
        if (!found.Succeeded)
        {
            return found.Failure!;
        }
        var lot = found.Value;
        var lender = state.Member(pledge.Lender);
        if (lender is null)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.NotAMember, $"lender '{pledge.Lender}' is not a member");
        }
        if (!lender.Roles.HasFlag(MemberRoles.Lender))
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.RoleRequired, $"member '{lender.Name}' has roles {MemberRoleNames.Format(lender.Roles)}; only a member with role lender may take a pledge");
        }
        if (pledge.Owner != lot.Owner)
        {
            // Signed before an endorsement changed the owner, it met a changed lot (a conflict), not a forgery.
            return LotTargets.Dealing(lot, pledge.Lot.After)
                ?? new Failure(LedgerFailures.NotTheOwner, $"the pledge names '{pledge.Owner}' as owner, but lot '{lot.Receipt}' is held by another party; only its owner can consent");
        }
        var owner = state.Party(pledge.Owner);
        if (owner is null)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.UnknownParty, $"owner '{pledge.Owner}' is not a registered party");
        }
        var signed = PartySignatures.Verify(entry.Note, state, signatures, owner);
        if (!signed.Succeeded)
        {
            return signed.Failure!;
        }
        if (!signed.Value.Members.Any(m => m.Name == lender.Name))
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.NotTheLender, $"the pledge is not signed by its lender '{lender.Name}'");
        }
        if (!signed.Value.PartySigned)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.OwnerConsentRequired,
                $"the pledge lacks the consent of the owner '{owner.PartyId}': the statement must also carry a signature by {InventoryNames.PartyKeyName(owner.PartyId)}");
        }
        if (LotTargets.Dealing(lot, pledge.Lot.After) is { } refused)
        {
            return refused;
        }
        if (pledge.StartMs >= lot.ValidUntilMs)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.ReceiptExpired, $"receipt '{lot.Receipt}' expired at {lot.ValidUntilMs}; a pledge starting at {pledge.StartMs} comes after it: an expired receipt takes no new pledge (deliver the goods)");
        }
        if (pledge.EndMs > lot.ValidUntilMs)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.TermBeyondValidity, $"the pledge runs to {pledge.EndMs}, after receipt '{lot.Receipt}' expires ({lot.ValidUntilMs})");
        }
        return new Effect(lot, pledge, statement.Value);
    }

    private sealed class Effect(LotRecord lot, PledgeStatement pledge, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutPledge(new PledgeRecord
            {
                Index = index, Receipt = lot.Receipt, LotIndex = lot.LotIndex, Lender = pledge.Lender, Owner = pledge.Owner, Amount = pledge.Amount,
                Currency = pledge.Currency, StartMs = pledge.StartMs, EndMs = pledge.EndMs, Status = PledgeStatus.Active,
            });
            state.PutLot(lot with { Status = LotStatus.Pledged, ActivePledge = index, StatusHead = index });
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>A release by the pledge's lender.</summary>
internal sealed class ReleaseRule : IEntryRule
{
    public string Kind => EntryKinds.Release;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var release = ReleaseStatement.From(statement.Value);
        if (!release.Succeeded)
        {
            return release.Failure!;
        }
        var checkedPledge = PledgeEvents.Check(entry, state, signatures, release.Value.Lot, release.Value.PledgeIndex, release.Value.AtMs, "release");
        if (!checkedPledge.Succeeded)
        {
            return checkedPledge.Failure!;
        }
        var (lot, pledge, _) = checkedPledge.Value;
        return new Effect(lot, pledge, release.Value, statement.Value);
    }

    private sealed class Effect(LotRecord lot, PledgeRecord pledge, ReleaseStatement release, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutPledge(pledge with { Status = PledgeStatus.Released, EndedAt = index, EndedAtMs = release.AtMs });
            state.PutLot(lot with { Status = LotStatus.Issued, ActivePledge = null, StatusHead = index });
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>A transfer of the active pledge from its lender to another member with role lender, signed by both.</summary>
internal sealed class TransferRule : IEntryRule
{
    public string Kind => EntryKinds.Transfer;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var transfer = TransferStatement.From(statement.Value);
        if (!transfer.Succeeded)
        {
            return transfer.Failure!;
        }
        var checkedPledge = PledgeEvents.Check(entry, state, signatures, transfer.Value.Lot, transfer.Value.PledgeIndex, transfer.Value.AtMs, "transfer");
        if (!checkedPledge.Succeeded)
        {
            return checkedPledge.Failure!;
        }
        var (lot, pledge, signers) = checkedPledge.Value;
        if (transfer.Value.FromLender != pledge.Lender)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.NotTheLender, $"the transfer is from '{transfer.Value.FromLender}', but pledge {pledge.Index} is held by '{pledge.Lender}'");
        }
        var to = state.Member(transfer.Value.ToLender);
        if (to is null || !to.Roles.HasFlag(MemberRoles.Lender))
        {
            return Result<IEntryEffect>.Fail(to is null ? LedgerFailures.NotAMember : LedgerFailures.RoleRequired, $"'{transfer.Value.ToLender}' must be a member with role lender to take over a pledge");
        }
        if (!signers.Any(s => s.Name == to.Name))
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.NotTheLender, $"the transfer needs the signature of the new lender '{to.Name}' too");
        }
        return new Effect(lot, pledge, to.Name, statement.Value);
    }

    private sealed class Effect(LotRecord lot, PledgeRecord pledge, string to, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutPledge(pledge with { Lender = to });
            state.PutLot(lot with { StatusHead = index });
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>An enforcement by the pledge's lender: the pledge ends and the goods are held to its order.</summary>
internal sealed class EnforceRule : IEntryRule
{
    public string Kind => EntryKinds.Enforce;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var enforce = EnforceStatement.From(statement.Value);
        if (!enforce.Succeeded)
        {
            return enforce.Failure!;
        }
        var checkedPledge = PledgeEvents.Check(entry, state, signatures, enforce.Value.Lot, enforce.Value.PledgeIndex, enforce.Value.AtMs, "enforcement");
        if (!checkedPledge.Succeeded)
        {
            return checkedPledge.Failure!;
        }
        var (lot, pledge, _) = checkedPledge.Value;
        return new Effect(lot, pledge, enforce.Value, statement.Value);
    }

    private sealed class Effect(LotRecord lot, PledgeRecord pledge, EnforceStatement enforce, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutPledge(pledge with { Status = PledgeStatus.Enforced, EndedAt = index, EndedAtMs = enforce.AtMs });
            state.PutLot(lot with { Status = LotStatus.Enforced, ActivePledge = null, Controller = pledge.Lender, StatusHead = index });
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>What release, transfer and enforcement share: the active pledge of the named lot, signed by its lender.</summary>
internal static class PledgeEvents
{
    public static Result<(LotRecord Lot, PledgeRecord Pledge, IReadOnlyList<LedgerMember> Signers)> Check(
        LedgerEntry entry, ILedgerState state, SignatureChecker signatures, LotReference reference, long pledgeIndex, long atMs, string kind)
    {
        var signers = signatures.VerifyMembers(entry.Note, state.Member);
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        var lot = LotTargets.Find(reference, state, kind);
        if (!lot.Succeeded)
        {
            return lot.Failure!;
        }
        if (LotTargets.Frozen(lot.Value) is { } frozen)
        {
            return frozen;
        }
        var pledge = LotTargets.ActivePledge(lot.Value, pledgeIndex, state);
        if (!pledge.Succeeded)
        {
            return pledge.Failure!;
        }
        if (!signers.Value.Any(s => s.Name == pledge.Value.Lender))
        {
            return new Failure(LedgerFailures.NotTheLender,
                $"pledge {pledge.Value.Index} is held by '{pledge.Value.Lender}'; a {kind} signed by {string.Join(", ", signers.Value.Select(s => s.Name))} is not its lender's")
            { LedgerIndex = pledge.Value.Index };
        }
        if (LotTargets.StaleStatus(lot.Value, reference.After) is { } stale)
        {
            return stale;
        }
        if (atMs < pledge.Value.StartMs)
        {
            return Result<(LotRecord, PledgeRecord, IReadOnlyList<LedgerMember>)>.Fail(LedgerFailures.TimeOrder, $"the {kind} at {atMs} is before the pledge started ({pledge.Value.StartMs})");
        }
        return (lot.Value, pledge.Value, signers.Value);
    }
}

/// <summary>
/// Who may replace a party's key: an operator member together with the party's current key (the
/// party consents), or, to recover a lost key, an operator member and at least a quorum of members.
/// So the operator alone can never put a key of its choosing in the owner's name.
/// </summary>
public static class KeyReplacement
{
    /// <summary>The operator member that signed the replacement, or why it is not allowed.</summary>
    public static Result<string> Check(SignedNote note, Func<string, LedgerMember?> members, int quorum, SignatureChecker signatures, PartyRecord current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var signed = PartySignatures.Verify(note, members, signatures, current);
        if (!signed.Succeeded)
        {
            return signed.Failure!;
        }
        var operatorMember = signed.Value.Members.FirstOrDefault(m => m.Roles.HasFlag(MemberRoles.Operator));
        if (operatorMember is null)
        {
            return Result<string>.Fail(LedgerFailures.RoleRequired, "a party statement needs the signature of a member with role operator");
        }
        if (!signed.Value.PartySigned && signed.Value.Members.Count < quorum)
        {
            return Result<string>.Fail(LedgerFailures.PartyConsentRequired,
                $"replacing the key of party '{current.PartyId}' needs a signature by its current key ({InventoryNames.PartyKeyName(current.PartyId)}), "
                + $"or, to recover a lost key, by at least {quorum} members (the quorum); signed by {string.Join(", ", signed.Value.Members.Select(m => m.Name))}");
        }
        return operatorMember.Name;
    }
}

/// <summary>Signatures on a statement that a party (not a member) co-signs: members' lines and the party's line, nothing else.</summary>
public static class PartySignatures
{
    /// <summary>
    /// Every signature line must be a member's (name and key ID as the state knows them) or
    /// <paramref name="party"/>'s (key name <c>edgetrace/party/&lt;id&gt;</c>, its registered key), and
    /// must verify. Returns the member signers and whether the party signed.
    /// </summary>
    public static Result<(IReadOnlyList<LedgerMember> Members, bool PartySigned)> Verify(SignedNote note, ILedgerState state, SignatureChecker signatures, PartyRecord party)
    {
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(signatures);
        ArgumentNullException.ThrowIfNull(party);
        return Verify(note, state.Member, signatures, party);
    }

    /// <inheritdoc cref="Verify(SignedNote, ILedgerState, SignatureChecker, PartyRecord)"/>
    public static Result<(IReadOnlyList<LedgerMember> Members, bool PartySigned)> Verify(SignedNote note, Func<string, LedgerMember?> members, SignatureChecker signatures, PartyRecord party)
    {
        ArgumentNullException.ThrowIfNull(party);
        var signed = Verify(note, members, signatures, [party]);
        return signed.Succeeded ? (signed.Value.Members, signed.Value.Parties.Count == 1) : signed.Failure!;
    }

    /// <summary>
    /// As <see cref="Verify(SignedNote, ILedgerState, SignatureChecker, PartyRecord)"/> for a statement
    /// that several parties co-sign (an endorsement: the owner and the new owner): every line is a
    /// member's or one of <paramref name="parties"/>'. Returns the member signers and the parties that signed.
    /// </summary>
    public static Result<(IReadOnlyList<LedgerMember> Members, IReadOnlyList<string> Parties)> Verify(SignedNote note, Func<string, LedgerMember?> members, SignatureChecker signatures,
        IReadOnlyList<PartyRecord> parties)
    {
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(signatures);
        ArgumentNullException.ThrowIfNull(parties);
        var keys = parties.Select(p => (Party: p, Key: signatures.Key(InventoryNames.PartyKeyName(p.PartyId), p.PublicKey))).ToList();
        var signed = new List<LedgerMember>();
        var partiesSigned = new List<string>();
        foreach (var signature in note.Signatures)
        {
            var match = keys.FirstOrDefault(k => k.Key.Name == signature.KeyName);
            if (match.Party is { } party)
            {
                if (signature.KeyId != match.Key.KeyId)
                {
                    return Result<(IReadOnlyList<LedgerMember>, IReadOnlyList<string>)>.Fail(LedgerFailures.BadSignature,
                        $"the signature of party '{party.PartyId}' has key ID {signature.KeyId:x8}, but its registered key has {match.Key.KeyId:x8}");
                }
                if (!signatures.Verify(match.Key, note, signature))
                {
                    return Result<(IReadOnlyList<LedgerMember>, IReadOnlyList<string>)>.Fail(LedgerFailures.BadSignature, $"the signature of party '{party.PartyId}' does not verify: the statement was altered or forged");
                }
                if (!partiesSigned.Contains(party.PartyId))
                {
                    partiesSigned.Add(party.PartyId);
                }
                continue;
            }
            if (signature.KeyName.StartsWith(InventoryNames.PartyKeyPrefix, StringComparison.Ordinal))
            {
                return Result<(IReadOnlyList<LedgerMember>, IReadOnlyList<string>)>.Fail(LedgerFailures.NotTheOwner,
                    $"the statement is signed by {signature.KeyName}, which is not {(parties.Count == 1 ? $"the owner '{parties[0].PartyId}'" : $"one of the parties {string.Join(", ", parties.Select(p => p.PartyId))}")}");
            }
            var member = members(signature.KeyName);
            if (member is null)
            {
                return Result<(IReadOnlyList<LedgerMember>, IReadOnlyList<string>)>.Fail(LedgerFailures.NotAMember, $"the statement is signed by '{signature.KeyName}', which is neither a member nor {(parties.Count == 1 ? "the owner" : "a party to it")}");
            }
            var key = signatures.Key(member.Name, member.PublicKey);
            if (signature.KeyId != key.KeyId)
            {
                return Result<(IReadOnlyList<LedgerMember>, IReadOnlyList<string>)>.Fail(LedgerFailures.NotAMember, $"the signature of '{member.Name}' has key ID {signature.KeyId:x8}, but the member's key has {key.KeyId:x8}");
            }
            if (!signatures.Verify(key, note, signature))
            {
                return Result<(IReadOnlyList<LedgerMember>, IReadOnlyList<string>)>.Fail(LedgerFailures.BadSignature, $"the signature of member '{member.Name}' does not verify: the statement was altered or forged");
            }
            if (!signed.Any(s => s.Name == member.Name))
            {
                signed.Add(member);
            }
        }
        return (signed, partiesSigned);
    }
}
