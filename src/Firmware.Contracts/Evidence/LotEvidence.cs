using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;

namespace Firmware.Contracts.Evidence;

/// <summary>What a bundle proves about a lot.</summary>
public sealed record LotEvidence
{
    /// <summary>The receipt number.</summary>
    public required string Receipt { get; init; }

    /// <summary>The lot entry's ledger index.</summary>
    public required long LotIndex { get; init; }

    /// <summary>The verified public facts.</summary>
    public required LotStatement Lot { get; init; }

    /// <summary>The operator member that issued the receipt.</summary>
    public required string IssuedBy { get; init; }

    /// <summary>The verified location chain.</summary>
    public required IReadOnlyList<MoveEvidence> Moves { get; init; }

    /// <summary>The private part, verified against the lot's commitment (lender bundles), or null.</summary>
    public TitleStatement? Title { get; init; }

    /// <summary>The title entry's index, or null.</summary>
    public long? TitleIndex { get; init; }

    /// <summary>The verified status chain (lender bundles), in order; null in a public bundle.</summary>
    public IReadOnlyList<LotEventEvidence>? Events { get; init; }

    /// <summary>The pledges of the status chain, with who held each at its end.</summary>
    public IReadOnlyList<PledgeEvidence> Pledges { get; init; } = [];

    /// <summary>The report parameters, or null.</summary>
    public ReportParameters? Report { get; init; }

    /// <summary>The pledge whose covenants the report checks, or null.</summary>
    public PledgeEvidence? ReportPledge { get; init; }
}

/// <summary>A verified move.</summary>
public sealed record MoveEvidence(long Index, MoveStatement Move, string SignedBy);

/// <summary>A verified entry of the status chain: its kind, its statement and the members (and party) that signed it.</summary>
public sealed record LotEventEvidence(long Index, string Kind, Statement Statement, IReadOnlyList<string> Signers);

/// <summary>A verified pledge: its statement, the lender holding it after any transfers, and how it ended.</summary>
public sealed record PledgeEvidence
{
    /// <summary>The pledge entry's index.</summary>
    public required long Index { get; init; }

    /// <summary>What the lender and the owner signed.</summary>
    public required PledgeStatement Statement { get; init; }

    /// <summary>The lender holding it at the end of the chain.</summary>
    public required string Lender { get; init; }

    /// <summary>The release or enforcement entry, or null while active (in the bundle).</summary>
    public long? EndedBy { get; init; }

    /// <summary>The kind of <see cref="EndedBy"/>.</summary>
    public string? EndedHow { get; init; }

    /// <summary>When it ended, Unix ms, or null.</summary>
    public long? EndedAtMs { get; init; }
}

public static partial class EvidenceVerifier
{
    private static Result<LotEvidence> VerifyLot(BundleLot bundleLot, BundleReport? report, SortedDictionary<long, LedgerEntry> entries, List<LedgerMember> members,
        string consortium, SignatureChecker signatures)
    {
        var who = $"lot {bundleLot.Receipt}";
        var lotEntry = Member(entries, bundleLot.LotEntry, EntryKinds.Lot, consortium, members, signatures, MemberRoles.Operator, who);
        if (!lotEntry.Succeeded)
        {
            return lotEntry.Failure!;
        }
        var lot = LotStatement.From(lotEntry.Value.Statement);
        if (!lot.Succeeded)
        {
            return Fail("bad-lot", $"{who}: ledger entry {bundleLot.LotEntry} (lot): {lot.Failure!.Message}");
        }
        if (lot.Value.Receipt != bundleLot.Receipt)
        {
            return Fail("bad-lot", $"{who}: ledger entry {bundleLot.LotEntry} is the lot of receipt '{lot.Value.Receipt}'");
        }

        var moves = new List<MoveEvidence>();
        var previous = bundleLot.LotEntry;
        var previousTime = lot.Value.IssuedMs;
        foreach (var index in bundleLot.Moves)
        {
            var entry = Member(entries, index, EntryKinds.Move, consortium, members, signatures, MemberRoles.Operator, who);
            if (!entry.Succeeded)
            {
                return entry.Failure!;
            }
            var move = MoveStatement.From(entry.Value.Statement);
            if (!move.Succeeded)
            {
                return Fail("bad-lot", $"{who}: ledger entry {index} (move): {move.Failure!.Message}");
            }
            if (Chain(move.Value.Lot, bundleLot, previous, index, who) is { } broken)
            {
                return broken;
            }
            if (move.Value.AtMs < previousTime)
            {
                return Fail("bad-lot", $"{who}: ledger entry {index} (move) is dated before the entry it follows");
            }
            moves.Add(new MoveEvidence(index, move.Value, entry.Value.Signers[0]));
            previous = index;
            previousTime = move.Value.AtMs;
        }

        TitleStatement? title = null;
        if (bundleLot.Title is { } titleIndex)
        {
            var entry = Member(entries, titleIndex, EntryKinds.Title, consortium, members, signatures, MemberRoles.Operator, who);
            if (!entry.Succeeded)
            {
                return entry.Failure!;
            }
            if (entry.Value.Statement.Hash != lot.Value.Title)
            {
                return Fail("title-mismatch", $"{who}: ledger entry {titleIndex} is not the title the lot commits to (statement hash {entry.Value.Statement.Hash.ToBase64()}, the lot names {lot.Value.Title.ToBase64()})");
            }
            var parsed = TitleStatement.From(entry.Value.Statement);
            if (!parsed.Succeeded || parsed.Value.Receipt != lot.Value.Receipt)
            {
                return Fail("title-mismatch", $"{who}: ledger entry {titleIndex} (title): {parsed.Failure?.Message ?? "it is for another receipt"}");
            }
            title = parsed.Value;
        }

        var parties = new List<(long Index, PartyRecord Party)>();
        foreach (var index in bundleLot.Parties ?? [])
        {
            var entry = Member(entries, index, EntryKinds.Party, consortium, members, signatures, MemberRoles.Operator, who);
            if (!entry.Succeeded)
            {
                return entry.Failure!;
            }
            var party = PartyStatement.From(entry.Value.Statement);
            if (!party.Succeeded)
            {
                return Fail("bad-lot", $"{who}: ledger entry {index} (party): {party.Failure!.Message}");
            }
            parties.Add((index, new PartyRecord(party.Value.PartyId, party.Value.PublicKey, index, entry.Value.Signers[0])));
        }

        List<LotEventEvidence>? events = null;
        var pledges = new List<PledgeEvidence>();
        if (bundleLot.Events is { } eventIndices)
        {
            var chain = VerifyStatusChain(eventIndices, bundleLot, lot.Value, title, parties, entries, members, consortium, signatures, who);
            if (!chain.Succeeded)
            {
                return chain.Failure!;
            }
            (events, pledges) = chain.Value;
        }

        ReportParameters? parameters = null;
        PledgeEvidence? reportPledge = null;
        if (report is not null)
        {
            parameters = report.ToParameters();
            if (parameters.Problem() is { } problem)
            {
                return Fail("bad-report", $"report parameters: {problem}");
            }
            if (report.Pledge is { } pledgeIndex)
            {
                reportPledge = pledges.Find(p => p.Index == pledgeIndex);
                if (reportPledge is null)
                {
                    return Fail("bad-report", $"the report checks pledge {pledgeIndex}, which is not in the lot's status chain in this bundle");
                }
            }
        }
        return new LotEvidence
        {
            Receipt = lot.Value.Receipt,
            LotIndex = bundleLot.LotEntry,
            Lot = lot.Value,
            IssuedBy = lotEntry.Value.Signers[0],
            Moves = moves,
            Title = title,
            TitleIndex = bundleLot.Title,
            Events = events,
            Pledges = pledges,
            Report = parameters,
            ReportPledge = reportPledge,
        };
    }

    private static Result<(List<LotEventEvidence> Events, List<PledgeEvidence> Pledges)> VerifyStatusChain(IReadOnlyList<long> indices, BundleLot bundleLot,
        LotStatement lot, TitleStatement? title, List<(long Index, PartyRecord Party)> parties, SortedDictionary<long, LedgerEntry> entries,
        List<LedgerMember> members, string consortium, SignatureChecker signatures, string who)
    {
        var events = new List<LotEventEvidence>();
        var pledges = new List<PledgeEvidence>();
        var previous = bundleLot.LotEntry;
        PledgeEvidence? active = null;
        string? controller = null;
        foreach (var index in indices)
        {
            if (!entries.TryGetValue(index, out var entry))
            {
                return Fail("missing-entry", $"{who}: the bundle lacks ledger entry {index} of the lot's status chain");
            }
            var where = $"{who}: ledger entry {index} ({entry.Kind})";
            if (!InventoryRules.StatusKinds.Contains(entry.Kind))
            {
                return Fail("bad-lot", $"{where} is not a pledge, release, transfer, enforcement, delivery or cancellation");
            }
            var statement = Statement.Parse(entry.Note.Text);
            if (!statement.Succeeded || statement.Value.Kind != entry.Kind || statement.Value.Consortium != consortium)
            {
                return Fail("bad-lot", $"{where}: {statement.Failure?.Message ?? "not a statement of this kind and consortium"}");
            }
            var known = members.Where(m => m.AdmittedAt < index).ToList();
            LotReference reference;
            IReadOnlyList<string> signers;
            switch (entry.Kind)
            {
                case EntryKinds.Pledge:
                {
                    var pledge = PledgeStatement.From(statement.Value);
                    if (!pledge.Succeeded)
                    {
                        return Fail("bad-pledge", $"{where}: {pledge.Failure!.Message}");
                    }
                    reference = pledge.Value.Lot;
                    if (title is not null && pledge.Value.Owner != title.Owner)
                    {
                        return Fail(LedgerFailures.NotTheOwner, $"{where}: the pledge names owner '{pledge.Value.Owner}', the title names '{title.Owner}'");
                    }
                    var party = parties.Where(p => p.Party.PartyId == pledge.Value.Owner && p.Index < index).OrderBy(p => p.Index).LastOrDefault();
                    if (party.Party is null)
                    {
                        return Fail("missing-entry", $"{where}: the bundle lacks the registration of owner '{pledge.Value.Owner}', so its consent cannot be checked");
                    }
                    var signed = PartySignatures.Verify(entry.Note, name => known.Find(m => m.Name == name), signatures, party.Party);
                    if (!signed.Succeeded)
                    {
                        return Fail(signed.Failure!.Code, $"{where}: {signed.Failure.Message}");
                    }
                    var lender = signed.Value.Members.FirstOrDefault(m => m.Name == pledge.Value.Lender);
                    if (lender is null || !lender.Roles.HasFlag(MemberRoles.Lender))
                    {
                        return Fail(LedgerFailures.NotTheLender, $"{where}: not signed by its lender '{pledge.Value.Lender}' (a member with role lender)");
                    }
                    if (!signed.Value.PartySigned)
                    {
                        return Fail(LedgerFailures.OwnerConsentRequired, $"{where}: the owner '{pledge.Value.Owner}' did not sign");
                    }
                    if (active is not null)
                    {
                        return Fail(LedgerFailures.LotPledged, $"{where}: the lot was already pledged at ledger index {active.Index}");
                    }
                    signers = [.. signed.Value.Members.Select(m => m.Name), InventoryNames.PartyKeyName(pledge.Value.Owner)];
                    active = new PledgeEvidence { Index = index, Statement = pledge.Value, Lender = pledge.Value.Lender };
                    pledges.Add(active);
                    break;
                }
                case EntryKinds.Release or EntryKinds.Enforce or EntryKinds.Transfer:
                {
                    var membersSigned = signatures.VerifyMembers(entry.Note, name => known.Find(m => m.Name == name));
                    if (!membersSigned.Succeeded)
                    {
                        return Fail(membersSigned.Failure!.Code, $"{where}: {membersSigned.Failure.Message}");
                    }
                    signers = membersSigned.Value.Select(m => m.Name).ToList();
                    long pledgeIndex, at;
                    if (entry.Kind == EntryKinds.Transfer)
                    {
                        var transfer = TransferStatement.From(statement.Value);
                        if (!transfer.Succeeded)
                        {
                            return Fail("bad-pledge", $"{where}: {transfer.Failure!.Message}");
                        }
                        (reference, pledgeIndex, at) = (transfer.Value.Lot, transfer.Value.PledgeIndex, transfer.Value.AtMs);
                        var to = known.Find(m => m.Name == transfer.Value.ToLender);
                        if (active is null || active.Index != pledgeIndex || transfer.Value.FromLender != active.Lender || !signers.Contains(transfer.Value.FromLender)
                            || to is null || !to.Roles.HasFlag(MemberRoles.Lender) || !signers.Contains(to.Name))
                        {
                            return Fail(LedgerFailures.NotTheLender, $"{where}: a transfer of the active pledge needs the signatures of its lender and of the new lender (a member with role lender)");
                        }
                        var index2 = pledges.IndexOf(active);
                        active = active with { Lender = to.Name };
                        pledges[index2] = active;
                        break;
                    }
                    if (entry.Kind == EntryKinds.Release)
                    {
                        var release = ReleaseStatement.From(statement.Value);
                        if (!release.Succeeded)
                        {
                            return Fail("bad-pledge", $"{where}: {release.Failure!.Message}");
                        }
                        (reference, pledgeIndex, at) = (release.Value.Lot, release.Value.PledgeIndex, release.Value.AtMs);
                    }
                    else
                    {
                        var enforce = EnforceStatement.From(statement.Value);
                        if (!enforce.Succeeded)
                        {
                            return Fail("bad-pledge", $"{where}: {enforce.Failure!.Message}");
                        }
                        (reference, pledgeIndex, at) = (enforce.Value.Lot, enforce.Value.PledgeIndex, enforce.Value.AtMs);
                        controller = active?.Lender;
                    }
                    if (active is null || active.Index != pledgeIndex || !signers.Contains(active.Lender))
                    {
                        return Fail(LedgerFailures.NotTheLender, $"{where}: it must end the active pledge and be signed by its lender");
                    }
                    pledges[pledges.IndexOf(active)] = active with { EndedBy = index, EndedHow = entry.Kind, EndedAtMs = at };
                    active = null;
                    break;
                }
                default:
                {
                    var membersSigned = signatures.VerifyMembers(entry.Note, name => known.Find(m => m.Name == name));
                    if (!membersSigned.Succeeded)
                    {
                        return Fail(membersSigned.Failure!.Code, $"{where}: {membersSigned.Failure.Message}");
                    }
                    if (!membersSigned.Value.Any(m => m.Roles.HasFlag(MemberRoles.Operator)))
                    {
                        return Fail(LedgerFailures.RoleRequired, $"{where}: not signed by an operator member");
                    }
                    if (active is not null)
                    {
                        return Fail(LedgerFailures.LotPledged, $"{where}: the lot is pledged (ledger index {active.Index})");
                    }
                    signers = membersSigned.Value.Select(m => m.Name).ToList();
                    if (entry.Kind == EntryKinds.Deliver)
                    {
                        var deliver = DeliverStatement.From(statement.Value);
                        if (!deliver.Succeeded)
                        {
                            return Fail("bad-lot", $"{where}: {deliver.Failure!.Message}");
                        }
                        if (controller is not null && !signers.Contains(controller))
                        {
                            return Fail(LedgerFailures.NotTheLender, $"{where}: after enforcement a delivery needs the signature of '{controller}'");
                        }
                        reference = deliver.Value.Lot;
                    }
                    else
                    {
                        var cancel = CancelStatement.From(statement.Value);
                        if (!cancel.Succeeded)
                        {
                            return Fail("bad-lot", $"{where}: {cancel.Failure!.Message}");
                        }
                        reference = cancel.Value.Lot;
                    }
                    break;
                }
            }
            if (Chain(reference, bundleLot, previous, index, who) is { } broken)
            {
                return broken;
            }
            events.Add(new LotEventEvidence(index, entry.Kind, statement.Value, signers));
            previous = index;
        }
        return (events, pledges);
    }

    private static Failure? Chain(LotReference reference, BundleLot bundleLot, long previous, long index, string who) =>
        reference.Receipt != bundleLot.Receipt || reference.LotIndex != bundleLot.LotEntry
            ? Fail("broken-chain", $"{who}: ledger entry {index} is about receipt '{reference.Receipt}' (lot entry {reference.LotIndex})")
            : reference.After != previous
                ? Fail("broken-chain", $"{who}: ledger entry {index} follows entry {reference.After}, but the bundle's chain has {previous} before it: an entry is missing or out of order")
                : null;

    // An entry of the given kind, a statement of this consortium, signed by members admitted before it, one of them with the role.
    private static Result<(Statement Statement, IReadOnlyList<string> Signers)> Member(SortedDictionary<long, LedgerEntry> entries, long index, string kind, string consortium,
        List<LedgerMember> members, SignatureChecker signatures, MemberRoles role, string who)
    {
        if (!entries.TryGetValue(index, out var entry))
        {
            return Fail("missing-entry", $"{who}: the bundle lacks ledger entry {index} ({kind})");
        }
        if (entry.Kind != kind)
        {
            return Fail("bad-lot", $"{who}: ledger entry {index} is a {entry.Kind} entry, not a {kind} entry");
        }
        var statement = Statement.Parse(entry.Note.Text);
        if (!statement.Succeeded || statement.Value.Kind != kind || statement.Value.Consortium != consortium)
        {
            return Fail("bad-lot", $"{who}: ledger entry {index} ({kind}): {statement.Failure?.Message ?? "not a statement of this kind and consortium"}");
        }
        var known = members.Where(m => m.AdmittedAt < index).ToList();
        var signers = signatures.VerifyMembers(entry.Note, name => known.Find(m => m.Name == name));
        if (!signers.Succeeded)
        {
            return Fail(signers.Failure!.Code, $"{who}: ledger entry {index} ({kind}): {signers.Failure.Message}");
        }
        var withRole = signers.Value.Where(s => s.Roles.HasFlag(role)).Select(s => s.Name).ToList();
        if (withRole.Count == 0)
        {
            return Fail(LedgerFailures.RoleRequired, $"{who}: ledger entry {index} ({kind}) is not signed by a member with role {MemberRoleNames.Format(role)}");
        }
        return (statement.Value, withRole);
    }
}
