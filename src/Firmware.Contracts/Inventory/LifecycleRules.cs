using Firmware.Contracts;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Ledger.Rules;

namespace Firmware.Contracts.Inventory;

/// <summary>
/// What a status entry of the receipt lifecycle (endorse, split, merge, freeze, unfreeze, dispose)
/// shares: its statement, the lot it names, and the member signers.
/// </summary>
internal static class LifecycleEntries
{
    public static Result<(Statement Statement, T Body, LotRecord Lot)> Read<T>(LedgerEntry entry, ILedgerState state, Func<Statement, Result<T>> parse, Func<T, LotReference> reference, string what)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var body = parse(statement.Value);
        if (!body.Succeeded)
        {
            return body.Failure!;
        }
        var lot = LotTargets.Find(reference(body.Value), state, what);
        return lot.Succeeded ? (statement.Value, body.Value, lot.Value) : lot.Failure!;
    }

    /// <summary>As <see cref="Read"/> for an operator's dealing in the receipt (split, merge): signed by an operator member, the lot open, not frozen, pledged or enforced, and the status head current.</summary>
    public static Result<(Statement Statement, T Body, LotRecord Lot)> ReadDealing<T>(LedgerEntry entry, ILedgerState state, SignatureChecker signatures, Func<Statement, Result<T>> parse,
        Func<T, LotReference> reference, string what)
    {
        var read = ReadSigned(entry, state, signatures, MemberRoles.Operator, parse, reference, what);
        if (!read.Succeeded)
        {
            return read;
        }
        return LotTargets.Dealing(read.Value.Lot, reference(read.Value.Body).After) is { } refused ? refused : read;
    }

    /// <summary>As <see cref="Read"/>, signed by members only, one of them with <paramref name="role"/>.</summary>
    public static Result<(Statement Statement, T Body, LotRecord Lot)> ReadSigned<T>(LedgerEntry entry, ILedgerState state, SignatureChecker signatures, MemberRoles role,
        Func<Statement, Result<T>> parse, Func<T, LotReference> reference, string what)
    {
        var read = Read(entry, state, parse, reference, what);
        if (!read.Succeeded)
        {
            return read;
        }
        var signers = StatementEntries.Signers(entry, state, signatures, role);
        return signers.Succeeded ? read : signers.Failure!;
    }
}

/// <summary>
/// An endorsement of the receipt's title to another party: signed by an operator member, the owner
/// (its registered party key) and the new owner (its registered party key). Refused while pledged or
/// enforced (the lender releases first: a pledge covers the title it was signed over) and while frozen.
/// </summary>
internal sealed class EndorseRule : IEntryRule
{
    public string Kind => EntryKinds.Endorse;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var read = LifecycleEntries.Read(entry, state, EndorseStatement.From, e => e.Lot, "endorsement");
        if (!read.Succeeded)
        {
            return read.Failure!;
        }
        var (statement, endorse, lot) = read.Value;
        var from = state.Party(endorse.Owner);
        var to = state.Party(endorse.NewOwner);
        if (from is null || to is null)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.UnknownParty, $"party '{(from is null ? endorse.Owner : endorse.NewOwner)}' is not registered; an operator registers it with its public key first");
        }
        var signed = PartySignatures.Verify(entry.Note, state.Member, signatures, [from, to]);
        if (!signed.Succeeded)
        {
            return signed.Failure!;
        }
        if (!signed.Value.Members.Any(m => m.Roles.HasFlag(MemberRoles.Operator)))
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.RoleRequired, "an endorsement is recorded by a member with role operator (the keeper of the register); it must sign too");
        }
        if (endorse.Owner != lot.Owner)
        {
            return LotTargets.Dealing(lot, endorse.Lot.After)
                ?? new Failure(LedgerFailures.NotTheOwner, $"the endorsement is from '{endorse.Owner}', but receipt '{lot.Receipt}' is held by another party; only its owner can endorse it");
        }
        if (!signed.Value.Parties.Contains(endorse.Owner))
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.OwnerConsentRequired, $"the endorsement lacks the signature of the owner '{endorse.Owner}' ({InventoryNames.PartyKeyName(endorse.Owner)})");
        }
        if (!signed.Value.Parties.Contains(endorse.NewOwner))
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.PartyConsentRequired, $"the endorsement lacks the signature of the new owner '{endorse.NewOwner}' ({InventoryNames.PartyKeyName(endorse.NewOwner)}), who accepts the title");
        }
        if (LotTargets.Dealing(lot, endorse.Lot.After) is { } refused)
        {
            return refused;
        }
        return new LotChange(statement, index => lot with { Owner = endorse.NewOwner, StatusHead = index });
    }
}

/// <summary>
/// A split, signed by an operator member: the quantities add up to what the receipt holds and every
/// EPC of its cargo goes to one child; the receipt closes and its cargo is held for the children,
/// which are issued next (lots naming it in <c>split-from</c>). Refused while pledged, enforced or frozen.
/// </summary>
internal sealed class SplitRule : IEntryRule
{
    public string Kind => EntryKinds.Split;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var read = LifecycleEntries.ReadDealing(entry, state, signatures, SplitStatement.From, e => e.Lot, "split");
        if (!read.Succeeded)
        {
            return read.Failure!;
        }
        var (statement, split, lot) = read.Value;
        var total = split.Children.Sum(c => c.Quantity);
        if (total != lot.Quantity)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.QuantityMismatch,
                $"the children take {CanonicalValues.Decimal(total)} {lot.Unit}, but receipt '{lot.Receipt}' holds {CanonicalValues.Decimal(lot.Quantity)} {lot.Unit}; a split hands over all of it");
        }
        if (NewReceipts.Check(split.Children.Select(c => c.Receipt), state, merging: false) is { } taken)
        {
            return taken;
        }
        var cargo = state.Cargo(lot.Receipt);
        var assigned = split.Epcs.Select(e => e.Epc).ToHashSet(StringComparer.Ordinal);
        if (!assigned.SetEquals(cargo))
        {
            var stray = assigned.Except(cargo).FirstOrDefault();
            return Result<IEntryEffect>.Fail(LedgerFailures.EntryField, stray is not null
                ? $"EPC {stray} is not in the cargo of receipt '{lot.Receipt}'"
                : $"EPC {cargo.First(e => !assigned.Contains(e))} of the cargo goes to no child; a split hands every EPC of the cargo to one child");
        }
        return new Effect(lot, split, statement);
    }

    private sealed class Effect(LotRecord lot, SplitStatement split, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutLot(lot with { Status = LotStatus.Split, Quantity = 0, ClosedAt = index, DeliveredMs = split.AtMs, Children = split.Children, StatusHead = index });
            foreach (var (child, epc) in split.Epcs)
            {
                state.PutEpcHolder(epc, child);
            }
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>
/// A merge, signed by an operator member: the receipt closes and all it holds, with its cargo, goes
/// to the receipt <c>into</c>, which is issued next as a lot naming every receipt merged into it.
/// Refused while pledged, enforced or frozen.
/// </summary>
internal sealed class MergeRule : IEntryRule
{
    public string Kind => EntryKinds.Merge;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var read = LifecycleEntries.ReadDealing(entry, state, signatures, MergeStatement.From, e => e.Lot, "merge");
        if (!read.Succeeded)
        {
            return read.Failure!;
        }
        var (statement, merge, lot) = read.Value;
        if (NewReceipts.Check([merge.Into], state, merging: true) is { } taken)
        {
            return taken;
        }
        if (state.Parents(merge.Into).FirstOrDefault() is { } other && (other.Gtin != lot.Gtin || other.Site != lot.Site || other.Terms != lot.Terms || other.Unit != lot.Unit))
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.ParentMismatch,
                $"receipt '{other.Receipt}' merges into '{merge.Into}' already; only receipts of the same product (GTIN, storage conditions, unit) at the same site merge");
        }
        return new Effect(lot, merge, state.Cargo(lot.Receipt), statement);
    }

    private sealed class Effect(LotRecord lot, MergeStatement merge, IReadOnlyList<string> cargo, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutLot(lot with
            {
                Status = LotStatus.Merged, Quantity = 0, ClosedAt = index, DeliveredMs = merge.AtMs, Children = [new LotChild(merge.Into, lot.Quantity)], StatusHead = index,
            });
            foreach (var epc in cargo)
            {
                state.PutEpcHolder(epc, merge.Into);
            }
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>Receipt numbers a split or merge hands goods to: not a lot yet, and not promised to another split.</summary>
internal static class NewReceipts
{
    public static Failure? Check(IEnumerable<string> receipts, ILedgerState state, bool merging)
    {
        foreach (var receipt in receipts)
        {
            if (state.Lot(receipt) is { } existing)
            {
                return new Failure(LedgerFailures.ReceiptExists, $"receipt '{receipt}' was issued at ledger index {existing.LotIndex}; a split or merge hands goods to a new receipt number") { LedgerIndex = existing.LotIndex };
            }
            if (state.Parents(receipt).FirstOrDefault(p => !merging || p.Status != LotStatus.Merged) is { } promised)
            {
                return new Failure(LedgerFailures.ReceiptExists, $"receipt number '{receipt}' is promised to the children of receipt '{promised.Receipt}' (ledger index {promised.ClosedAt})") { LedgerIndex = promised.ClosedAt };
            }
        }
        return null;
    }
}

/// <summary>
/// The parents a lot names (<c>split-from</c>, <c>merged-from</c>) against the receipts whose split or
/// merge handed goods to its receipt number: exactly those, and the lot carries on what they held.
/// A split child keeps its parent's goods, conditions, batch, issue date, validity and place (so
/// its history before the split is the parent's); a merged lot holds receipts of one product and
/// site, from the merge on. Its quantity is what they handed over, its owner theirs, its EPCs the
/// cargo they handed over.
/// </summary>
internal static class LotParents
{
    public static Failure? Check(LotStatement lot, TitleRecord title, ILedgerState state)
    {
        var parents = state.Parents(lot.Receipt);
        IReadOnlyList<string> named = lot.SplitFrom is { } from ? [from] : lot.MergedFrom;
        if (!parents.Select(p => p.Receipt).Order(StringComparer.Ordinal).SequenceEqual(named.Order(StringComparer.Ordinal)))
        {
            return Fail(parents.Count == 0
                ? $"no split or merge hands goods to receipt '{lot.Receipt}', yet the lot names {string.Join(", ", named)}"
                : $"receipt '{lot.Receipt}' takes the goods of {string.Join(", ", parents.Select(p => $"'{p.Receipt}' ({p.Status.Name()})"))}; the lot must name exactly those (split-from one, merged-from all)");
        }
        if (parents.Count == 0)
        {
            return null;
        }
        var split = lot.SplitFrom is not null;
        foreach (var parent in parents)
        {
            if (parent.Status != (split ? LotStatus.Split : LotStatus.Merged))
            {
                return Fail($"receipt '{parent.Receipt}' was {parent.Status.Name()}; the lot names it as {(split ? "split-from" : "merged-from")}");
            }
            if (parent.Gtin != lot.Gtin || parent.Terms != lot.ConditionTerms() || parent.Site != lot.Site || parent.Unit != title.Unit)
            {
                return Fail($"the lot's GTIN, product, storage conditions, site or unit differ from those of receipt '{parent.Receipt}'");
            }
            if (split && (parent.Batch != lot.Batch || parent.Zone != lot.Zone || parent.IssuedMs != lot.IssuedMs || parent.ValidUntilMs != lot.ValidUntilMs))
            {
                return Fail($"a split child keeps the batch, zone, issue date and validity of receipt '{parent.Receipt}' (its history before the split is the parent's)");
            }
            if (!split && (lot.IssuedMs < parent.DeliveredMs || lot.ValidUntilMs > parent.ValidUntilMs))
            {
                return Fail($"a merged lot is issued no earlier than the merge of '{parent.Receipt}' and valid no longer than it was");
            }
            if (parent.Owner != title.Owner)
            {
                return new Failure(LedgerFailures.NotTheOwner, $"receipt '{parent.Receipt}' is held by another party than the title names; the goods keep their owner");
            }
            if (split && parent.Depositor != title.Depositor)
            {
                return Fail($"a split child keeps the depositor of receipt '{parent.Receipt}'");
            }
        }
        var handed = parents.Sum(p => p.Children.First(c => c.Receipt == lot.Receipt).Quantity);
        if (handed != title.Quantity)
        {
            return new Failure(LedgerFailures.QuantityMismatch,
                $"the title says {CanonicalValues.Decimal(title.Quantity)} {title.Unit}, but {string.Join(" and ", parents.Select(p => p.Receipt))} handed over {CanonicalValues.Decimal(handed)}");
        }
        var held = state.Cargo(lot.Receipt);
        if (!held.ToHashSet(StringComparer.Ordinal).SetEquals(lot.Epcs))
        {
            return Fail($"the lot must list exactly the {held.Count} EPCs handed over to it, no more and no fewer");
        }
        return null;
    }

    private static Failure Fail(string message) => new(LedgerFailures.ParentMismatch, message);
}

/// <summary>A freeze by a regulator member (role regulator): any open receipt, pledged or not; nothing but an unfreeze follows until it is lifted.</summary>
internal sealed class FreezeRule : IEntryRule
{
    public string Kind => EntryKinds.Freeze;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var read = LifecycleEntries.ReadSigned(entry, state, signatures, MemberRoles.Regulator, FreezeStatement.From, e => e.Lot, "freeze");
        if (!read.Succeeded)
        {
            return read.Failure!;
        }
        var (statement, freeze, lot) = read.Value;
        var refused = LotTargets.Closed(lot) ?? LotTargets.Frozen(lot) ?? LotTargets.StaleStatus(lot, freeze.Lot.After);
        return refused is not null ? refused : new LotChange(statement, index => lot with { FrozenAt = index, StatusHead = index });
    }
}

/// <summary>The lifting of the freeze in force, by a regulator member.</summary>
internal sealed class UnfreezeRule : IEntryRule
{
    public string Kind => EntryKinds.Unfreeze;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var read = LifecycleEntries.ReadSigned(entry, state, signatures, MemberRoles.Regulator, UnfreezeStatement.From, e => e.Lot, "unfreeze");
        if (!read.Succeeded)
        {
            return read.Failure!;
        }
        var (statement, unfreeze, lot) = read.Value;
        if (lot.FrozenAt != unfreeze.FreezeIndex)
        {
            return new Failure(LedgerFailures.NotFrozen, lot.FrozenAt is { } freeze
                ? $"ledger index {unfreeze.FreezeIndex} is not the freeze in force on receipt '{lot.Receipt}'; that is ledger index {freeze}"
                : $"receipt '{lot.Receipt}' is not frozen")
            { LedgerIndex = lot.FrozenAt };
        }
        return LotTargets.StaleStatus(lot, unfreeze.Lot.After) is { } stale ? stale : new LotChange(statement, index => lot with { FrozenAt = null, StatusHead = index });
    }
}

/// <summary>A status entry that changes only the lot's record (owner, freeze) and moves its status head.</summary>
internal sealed class LotChange(Statement statement, Func<long, LotRecord> changed) : IEntryEffect
{
    public void Apply(ILedgerStateWriter state, long index)
    {
        state.PutLot(changed(index));
        state.AddStatement(statement.Hash, index);
    }
}

/// <summary>
/// A disposal: after an enforcement, the lender the goods are held for records that it sold them;
/// the receipt closes and its cargo is freed. Signed by that lender; refused while frozen.
/// </summary>
internal sealed class DisposeRule : IEntryRule
{
    public string Kind => EntryKinds.Dispose;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var read = LifecycleEntries.Read(entry, state, DisposeStatement.From, e => e.Lot, "disposal");
        if (!read.Succeeded)
        {
            return read.Failure!;
        }
        var (statement, dispose, lot) = read.Value;
        var signers = signatures.VerifyMembers(entry.Note, state.Member);
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        if ((LotTargets.Closed(lot) ?? LotTargets.Frozen(lot)) is { } refused)
        {
            return refused;
        }
        if (lot.Status != LotStatus.Enforced)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.NotEnforced, $"receipt '{lot.Receipt}' is {lot.Status.Name()}; a lender disposes of goods only after enforcing its pledge");
        }
        if (!signers.Value.Any(s => s.Name == lot.Controller))
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.NotTheLender, $"the goods of receipt '{lot.Receipt}' are held to the order of '{lot.Controller}'; only it records their disposal");
        }
        if (LotTargets.StaleStatus(lot, dispose.Lot.After) is { } stale)
        {
            return stale;
        }
        if (dispose.AtMs < lot.IssuedMs)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.TimeOrder, $"the disposal at {dispose.AtMs} is before the receipt was issued ({lot.IssuedMs})");
        }
        return new Effect(lot, dispose, state.Cargo(lot.Receipt), statement);
    }

    private sealed class Effect(LotRecord lot, DisposeStatement dispose, IReadOnlyList<string> cargo, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutLot(lot with { Status = LotStatus.Disposed, Quantity = 0, ClosedAt = index, DeliveredMs = dispose.AtMs, StatusHead = index });
            foreach (var epc in cargo)
            {
                state.PutEpcHolder(epc, null);
            }
            state.AddStatement(statement.Hash, index);
        }
    }
}
