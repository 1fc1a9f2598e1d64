using AnchorNode.Ledger;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;

namespace AnchorNode.Inventory;

/// <summary>A receipt just issued.</summary>
/// <param name="Receipt">The receipt number.</param>
/// <param name="TitleIndex">The title entry.</param>
/// <param name="LotIndex">The lot entry.</param>
/// <param name="LedgerSize">The ledger size after both.</param>
public sealed record IssuedLot(string Receipt, long TitleIndex, long LotIndex, long LedgerSize);

/// <summary>A split and the children it issued.</summary>
/// <param name="SplitIndex">The split entry.</param>
/// <param name="Children">The children's title and lot entries.</param>
public sealed record SplitLots(long SplitIndex, IReadOnlyList<IssuedLot> Children);

/// <summary>The terms a lender proposes for a pledge.</summary>
/// <param name="Lender">The lender member.</param>
/// <param name="Amount">The amount secured.</param>
/// <param name="Currency">ISO 4217 code.</param>
/// <param name="StartMs">Term start, Unix ms.</param>
/// <param name="EndMs">Term end, Unix ms.</param>
/// <param name="Covenants">Condition covenants.</param>
public sealed record PledgeTerms(string Lender, decimal Amount, string Currency, long StartMs, long EndMs, IReadOnlyList<Covenant> Covenants);

/// <summary>
/// Writes the inventory entries. What the operator signs (parties, titles, lots, moves, deliveries,
/// cancellations) this node signs with its member key; what lenders and owners sign (pledges,
/// releases, transfers, enforcements) it drafts as statement text for them to sign, and appends
/// once they have. The API, the CLI and tests all come through here.
/// </summary>
public sealed class LotRegistry
{
    /// <summary>The kinds a lender submits, signed elsewhere.</summary>
    public static readonly IReadOnlyList<string> SignedElsewhere =
        [EntryKinds.Pledge, EntryKinds.Release, EntryKinds.Transfer, EntryKinds.Enforce, EntryKinds.Freeze, EntryKinds.Unfreeze, EntryKinds.Dispose];

    private const int Attempts = 3;

    private readonly ILedgerSequencer _sequencer;
    private readonly StatementSigner _signer;
    private readonly NodeReaders _readers;
    private readonly TimeProvider _time;

    /// <summary>A registry appending through <paramref name="sequencer"/>.</summary>
    public LotRegistry(ILedgerSequencer sequencer, StatementSigner signer, NodeReaders readers, TimeProvider time)
    {
        _sequencer = sequencer;
        _signer = signer;
        _readers = readers;
        _time = time;
    }

    /// <summary>
    /// Registers a party. A new key for a registered one is not this operator's to give: it takes the
    /// party's consent (<see cref="DraftPartyKey"/>, then <see cref="ReplacePartyKeyAsync"/>).
    /// </summary>
    public async Task<Result<AppendedEntry>> RegisterPartyAsync(string partyId, string publicKey, bool newKey, CancellationToken cancellationToken)
    {
        if (newKey)
        {
            return Result<AppendedEntry>.Fail(LedgerFailures.PartyConsentRequired, $"a new key for party '{partyId}' needs its consent: {RekeySteps(partyId)}");
        }
        using (var lease = _readers.Rent())
        {
            if (lease.Reader.State.Party(partyId) is { } registered)
            {
                return new Failure(LedgerFailures.PartyExists,
                    $"party '{partyId}' is registered (ledger index {registered.RegistrationIndex}); a new key needs its consent: {RekeySteps(partyId)}")
                { LedgerIndex = registered.RegistrationIndex };
            }
        }
        var party = new PartyStatement(partyId, publicKey);
        var check = party.Check();
        if (!check.Succeeded)
        {
            return check.Failure!;
        }
        return await _sequencer.AppendAsync(new LedgerProposal(_signer.Sign(EntryKinds.Party, party.ToBody())), cancellationToken);
    }

    private static string RekeySteps(string partyId) =>
        $"draft the replacement (POST /v1/parties/{partyId}/key-drafts, or 'party rekey-draft'), have the party sign it with its current key "
        + $"(or, for a lost key, members making up the quorum), then submit it (POST /v1/parties/{partyId}/keys, or 'party rekey')";

    /// <summary>
    /// The statement that replaces <paramref name="partyId"/>'s key with <paramref name="publicKey"/>,
    /// for the party to sign with its current key (or, to recover a lost key, a quorum of members).
    /// </summary>
    public Result<Statement> DraftPartyKey(string partyId, string publicKey)
    {
        PartyRecord? current;
        using (var lease = _readers.Rent())
        {
            current = lease.Reader.State.Party(partyId);
        }
        if (current is null)
        {
            return Result<Statement>.Fail(LedgerFailures.UnknownParty, $"party '{partyId}' is not registered, so it has no key to replace");
        }
        if (current.PublicKey == publicKey)
        {
            return Result<Statement>.Fail(LedgerFailures.EntryField, $"party '{partyId}' is registered with this key already");
        }
        var party = new PartyStatement(partyId, publicKey, current.RegistrationIndex);
        var check = party.Check();
        return check.Succeeded ? _signer.Create(EntryKinds.Party, party.ToBody()) : check.Failure!;
    }

    /// <summary>
    /// Appends a key replacement that the party (or a quorum of members) signed, adding this operator
    /// member's signature; the rules refuse it without the party's or the quorum's.
    /// </summary>
    public async Task<Result<AppendedEntry>> ReplacePartyKeyAsync(string partyId, string signedNote, CancellationToken cancellationToken)
    {
        var note = SignedNote.Parse(signedNote ?? "");
        if (!note.Succeeded)
        {
            return Result<AppendedEntry>.Fail(LedgerFailures.EntryFormat, $"the body is not a signed note (statement text, a blank line, signature lines): {note.Failure!.Message}");
        }
        var statement = Statement.Parse(note.Value.Text);
        var party = statement.Succeeded && statement.Value.Kind == EntryKinds.Party ? PartyStatement.From(statement.Value) : Result<PartyStatement>.Fail(LedgerFailures.EntryField, statement.Failure?.Message ?? "not a party statement");
        if (!party.Succeeded)
        {
            return party.Failure!;
        }
        if (party.Value.PartyId != partyId || party.Value.Replaces is null)
        {
            return Result<AppendedEntry>.Fail(LedgerFailures.EntryField, $"the statement must replace the key of party '{partyId}' (it names '{party.Value.PartyId}'{(party.Value.Replaces is null ? " and replaces nothing" : "")})");
        }
        var signed = note.Value.Signatures.Any(s => s.KeyName == _signer.Member.KeyName) ? note.Value : note.Value.WithSignature(_signer.Member);
        return await _sequencer.AppendAsync(new LedgerProposal(LedgerEntry.Create(EntryKinds.Party, [], signed)), cancellationToken);
    }

    /// <summary>
    /// Issues a receipt: the title (private part), then the lot statement committing to its hash
    /// (<paramref name="lot"/>'s own <c>Title</c> is replaced). Both are proposed together, so they
    /// normally commit in one transaction.
    /// </summary>
    public async Task<Result<IssuedLot>> IssueAsync(TitleStatement title, LotStatement lot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(lot);
        var titleCheck = title.Check();
        if (!titleCheck.Succeeded)
        {
            return titleCheck.Failure!;
        }
        if (title.Receipt != lot.Receipt)
        {
            return Result<IssuedLot>.Fail(LedgerFailures.EntryField, $"the title is for receipt '{title.Receipt}', the lot for '{lot.Receipt}'");
        }
        using (var lease = _readers.Rent())
        {
            // Checked here too so that a doomed lot does not leave an orphan title on the ledger.
            var state = lease.Reader.State;
            if (state.Lot(lot.Receipt) is { } existing)
            {
                return new Failure(LedgerFailures.ReceiptExists, $"receipt '{existing.Receipt}' was issued at ledger index {existing.LotIndex}") { LedgerIndex = existing.LotIndex };
            }
            foreach (var party in new[] { title.Depositor, title.Owner })
            {
                if (state.Party(party) is null)
                {
                    return Result<IssuedLot>.Fail(LedgerFailures.UnknownParty, $"party '{party}' is not registered; register it with its public key first");
                }
            }
            foreach (var epc in lot.Epcs)
            {
                if (state.EpcHolder(epc) is { } holder)
                {
                    return new Failure(LedgerFailures.EpcInUse, $"EPC {epc} is in the cargo of open lot '{holder}'") { LedgerIndex = state.Lot(holder)?.LotIndex };
                }
            }
        }
        var titleEntry = _signer.Sign(EntryKinds.Title, title.ToBody());
        var hash = Statement.Parse(titleEntry.Note.Text).Value.Hash;
        var publicPart = lot with { Title = hash };
        var lotCheck = publicPart.Check();
        if (!lotCheck.Succeeded)
        {
            return lotCheck.Failure!;
        }
        var lotEntry = _signer.Sign(EntryKinds.Lot, publicPart.ToBody());
        var titleAppend = _sequencer.AppendAsync(new LedgerProposal(titleEntry), cancellationToken);
        var lotAppend = _sequencer.AppendAsync(new LedgerProposal(lotEntry), cancellationToken);
        var appendedTitle = await titleAppend;
        var appendedLot = await lotAppend;
        if (!appendedTitle.Succeeded)
        {
            return appendedTitle.Failure!;
        }
        if (!appendedLot.Succeeded)
        {
            return appendedLot.Failure! with { Message = $"{appendedLot.Failure.Message} (the title was appended at ledger index {appendedTitle.Value.Index} and stays unused)" };
        }
        return new IssuedLot(lot.Receipt, appendedTitle.Value.Index, appendedLot.Value.Index, appendedLot.Value.LedgerSize);
    }

    /// <summary>Records a move of the whole lot (site defaults to where it is).</summary>
    public Task<Result<AppendedEntry>> MoveAsync(string receipt, string? site, string zone, long? atMs, CancellationToken cancellationToken) =>
        WithLotAsync(receipt, lot => new MoveStatement(new LotReference(receipt, lot.LotIndex, lot.LocationHead), site ?? lot.Site, zone, atMs ?? Now()).ToBody(),
            EntryKinds.Move, cancellationToken);

    /// <summary>Records a delivery of <paramref name="quantity"/> (all that remains when null), and the EPCs that left.</summary>
    public Task<Result<AppendedEntry>> DeliverAsync(string receipt, decimal? quantity, IReadOnlyList<string> epcs, long? atMs, CancellationToken cancellationToken) =>
        WithLotAsync(receipt, lot => new DeliverStatement(Status(lot), quantity ?? lot.Quantity, atMs ?? Now(), epcs).ToBody(), EntryKinds.Deliver, cancellationToken);

    /// <summary>
    /// The delivery statement for a lot whose pledge was enforced: the lender it is held for signs
    /// it first, then <see cref="DeliverSignedAsync"/> adds this operator's signature and appends it.
    /// </summary>
    public Result<Statement> DraftDelivery(string receipt, decimal? quantity, IReadOnlyList<string> epcs, long? atMs)
    {
        using var lease = _readers.Rent();
        if (lease.Reader.State.Lot(receipt) is not { } lot)
        {
            return Result<Statement>.Fail(LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
        }
        return _signer.Create(EntryKinds.Deliver, new DeliverStatement(Status(lot), quantity ?? lot.Quantity, atMs ?? Now(), epcs).ToBody());
    }

    /// <summary>Adds this operator member's signature to a delivery statement the lender signed, and appends it.</summary>
    public Task<Result<AppendedEntry>> DeliverSignedAsync(string signedNote, CancellationToken cancellationToken) =>
        CountersignAsync(signedNote, EntryKinds.Deliver, null, cancellationToken);

    /// <summary>Cancels an issued, unpledged receipt.</summary>
    public Task<Result<AppendedEntry>> CancelAsync(string receipt, string reason, CancellationToken cancellationToken) =>
        WithLotAsync(receipt, lot => new CancelStatement(Status(lot), reason).ToBody(), EntryKinds.Cancel, cancellationToken);

    /// <summary>The pledge statement for the lender and the lot's owner to sign, against the lot's current state.</summary>
    public Result<Statement> DraftPledge(string receipt, PledgeTerms terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        using var lease = _readers.Rent();
        if (lease.Reader.State.Lot(receipt) is not { } lot)
        {
            return Result<Statement>.Fail(LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
        }
        if (Now() >= lot.ValidUntilMs)
        {
            return Result<Statement>.Fail(LedgerFailures.ReceiptExpired, $"receipt '{receipt}' expired at {Firmware.Contracts.Evidence.EvidenceVerifier.Iso(lot.ValidUntilMs)}; an expired receipt takes no new pledge (it can still be delivered)");
        }
        var pledge = new PledgeStatement
        {
            Lot = Status(lot), Lender = terms.Lender, Owner = lot.Owner, Amount = terms.Amount, Currency = terms.Currency,
            StartMs = terms.StartMs, EndMs = terms.EndMs, Covenants = terms.Covenants,
        };
        var check = pledge.Check();
        return check.Succeeded ? _signer.Create(EntryKinds.Pledge, pledge.ToBody()) : check.Failure!;
    }

    /// <summary>The release statement for the pledge's lender to sign.</summary>
    public Result<Statement> DraftRelease(long pledgeIndex, long? atMs, string? reason) =>
        Draft(pledgeIndex, EntryKinds.Release, (lot, pledge) => new ReleaseStatement(Status(lot), pledge.Index, atMs ?? Now(), reason).ToBody());

    /// <summary>The transfer statement for the pledge's lender and <paramref name="to"/> to sign.</summary>
    public Result<Statement> DraftTransfer(long pledgeIndex, string to, long? atMs) =>
        Draft(pledgeIndex, EntryKinds.Transfer, (lot, pledge) => new TransferStatement(Status(lot), pledge.Index, pledge.Lender, to, atMs ?? Now()).ToBody());

    /// <summary>The enforcement statement for the pledge's lender to sign.</summary>
    public Result<Statement> DraftEnforce(long pledgeIndex, long? atMs, string reason) =>
        Draft(pledgeIndex, EntryKinds.Enforce, (lot, pledge) => new EnforceStatement(Status(lot), pledge.Index, atMs ?? Now(), reason).ToBody());

    /// <summary>
    /// Appends a pledge, release, transfer or enforcement signed elsewhere: <paramref name="signedNote"/>
    /// is the statement text with the signature lines of the lender (and, for a pledge, the owner).
    /// </summary>
    public Task<Result<AppendedEntry>> SubmitAsync(string signedNote, CancellationToken cancellationToken) =>
        SubmitAsync(signedNote, SignedElsewhere, null, cancellationToken);

    /// <summary>As <see cref="SubmitAsync(string, CancellationToken)"/> for statements of <paramref name="kinds"/> only, about <paramref name="receipt"/> when given.</summary>
    public async Task<Result<AppendedEntry>> SubmitAsync(string signedNote, IReadOnlyList<string> kinds, string? receipt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        var note = SignedNote.Parse(signedNote ?? "");
        if (!note.Succeeded)
        {
            return Result<AppendedEntry>.Fail(LedgerFailures.EntryFormat, $"the body is not a signed note (statement text, a blank line, signature lines): {note.Failure!.Message}");
        }
        var statement = Statement.Parse(note.Value.Text);
        if (!statement.Succeeded)
        {
            return Result<AppendedEntry>.Fail(LedgerFailures.EntryField, statement.Failure!.Message);
        }
        if (!kinds.Contains(statement.Value.Kind))
        {
            return Result<AppendedEntry>.Fail(LedgerFailures.EntryField, $"a {statement.Value.Kind} statement is not submitted here; this takes {string.Join(", ", kinds)} statements");
        }
        if (OtherReceipt(statement.Value, receipt) is { } other)
        {
            return other;
        }
        return await _sequencer.AppendAsync(new LedgerProposal(LedgerEntry.Create(statement.Value.Kind, [], note.Value)), cancellationToken);
    }

    /// <summary>The endorsement of <paramref name="receipt"/> from its owner to <paramref name="to"/>, for both parties to sign; then <see cref="EndorseSignedAsync"/>.</summary>
    public Result<Statement> DraftEndorse(string receipt, string to, long? atMs) =>
        DraftOnLot(receipt, EntryKinds.Endorse, lot => new EndorseStatement(Status(lot), lot.Owner, to, atMs ?? Now()).ToBody());

    /// <summary>A regulator's freeze of <paramref name="receipt"/>, for it to sign and submit.</summary>
    public Result<Statement> DraftFreeze(string receipt, string reason, long? atMs) =>
        DraftOnLot(receipt, EntryKinds.Freeze, lot => new FreezeStatement(Status(lot), atMs ?? Now(), reason).ToBody());

    /// <summary>A regulator's lifting of the freeze in force on <paramref name="receipt"/>, for it to sign and submit.</summary>
    public Result<Statement> DraftUnfreeze(string receipt, string reason, long? atMs) =>
        DraftOnLot(receipt, EntryKinds.Unfreeze, lot => lot.FrozenAt is { } freeze
            ? new UnfreezeStatement(Status(lot), freeze, atMs ?? Now(), reason).ToBody()
            : throw new InvalidOperationException($"receipt '{receipt}' is not frozen"));

    /// <summary>The disposal of <paramref name="receipt"/>'s goods after enforcement, for the lender they are held for to sign and submit.</summary>
    public Result<Statement> DraftDispose(string receipt, string reason, long? atMs) =>
        DraftOnLot(receipt, EntryKinds.Dispose, lot => new DisposeStatement(Status(lot), atMs ?? Now(), reason).ToBody());

    /// <summary>Adds this operator member's signature to an endorsement both parties signed, and appends it.</summary>
    public Task<Result<AppendedEntry>> EndorseSignedAsync(string signedNote, string? receipt, CancellationToken cancellationToken) =>
        CountersignAsync(signedNote, EntryKinds.Endorse, receipt, cancellationToken);

    /// <summary>
    /// Splits <paramref name="receipt"/> into <paramref name="children"/> (receipt, quantity, EPCs) and
    /// issues each child (title and lot, <c>split-from</c> the parent, its facts carried on), all proposed together.
    /// </summary>
    public async Task<Result<SplitLots>> SplitAsync(string receipt, IReadOnlyList<(string Receipt, decimal Quantity, IReadOnlyList<string> Epcs)> children, long? atMs,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(children);
        LotRecord? lot;
        LotStatement parent;
        using (var lease = _readers.Rent())
        {
            lot = lease.Reader.State.Lot(receipt);
            if (lot is null)
            {
                return Result<SplitLots>.Fail(LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
            }
            parent = LotStatement.From(LotChains.StatementAt(lease.Reader, lot.LotIndex, EntryKinds.Lot)).Value;
        }
        var split = new SplitStatement(Status(lot), atMs ?? Now(), children.Select(c => new LotChild(c.Receipt, c.Quantity)).ToList(),
            children.SelectMany(c => c.Epcs.Select(e => (c.Receipt, e))).ToList());
        if (split.Check() is { Succeeded: false } bad)
        {
            return bad.Failure!;
        }
        // The split first, on its own: of two splits (or a split and another status entry) against the
        // same head only one is appended, and the loser leaves nothing behind.
        var splitEntry = await _sequencer.AppendAsync(new LedgerProposal(_signer.Sign(EntryKinds.Split, split.ToBody())), cancellationToken);
        if (!splitEntry.Succeeded)
        {
            return splitEntry.Failure!;
        }
        var proposals = new List<LedgerEntry>();
        foreach (var child in children)
        {
            var title = new TitleStatement { Receipt = child.Receipt, Depositor = lot.Depositor, Owner = lot.Owner, Quantity = child.Quantity, Unit = lot.Unit };
            var titleEntry = _signer.Sign(EntryKinds.Title, title.ToBody());
            proposals.Add(titleEntry);
            proposals.Add(_signer.Sign(EntryKinds.Lot, (parent with
            {
                Receipt = child.Receipt, Title = Statement.Parse(titleEntry.Note.Text).Value.Hash, Site = lot.Site, Zone = lot.Zone, SplitFrom = receipt, MergedFrom = [], Epcs = child.Epcs,
            }).ToBody()));
        }
        var appended = await Task.WhenAll(proposals.Select(p => _sequencer.AppendAsync(new LedgerProposal(p), cancellationToken)));
        // Result is a value type: FirstOrDefault of none would be a default, not null.
        if (appended.Where(a => !a.Succeeded).Select(a => a.Failure).FirstOrDefault() is { } failed)
        {
            return failed with { Message = $"{failed.Message} (the split was appended at ledger index {splitEntry.Value.Index}; issue the child again)" };
        }
        return new SplitLots(splitEntry.Value.Index, children.Select((c, i) => new IssuedLot(c.Receipt, appended[2 * i].Value.Index, appended[1 + 2 * i].Value.Index, appended[^1].Value.LedgerSize)).ToList());
    }

    /// <summary>
    /// Merges <paramref name="receipts"/> into a new receipt <paramref name="into"/> and issues it (title and lot,
    /// <c>merged-from</c> all of them; its batch <paramref name="batch"/> or the first's), all proposed together.
    /// </summary>
    public async Task<Result<IssuedLot>> MergeAsync(IReadOnlyList<string> receipts, string into, string? batch, long? atMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receipts);
        var at = atMs ?? Now();
        var lots = new List<(LotRecord Record, LotStatement Statement, IReadOnlyList<string> Cargo)>();
        using (var lease = _readers.Rent())
        {
            foreach (var receipt in receipts)
            {
                if (lease.Reader.State.Lot(receipt) is not { } lot)
                {
                    return Result<IssuedLot>.Fail(LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
                }
                lots.Add((lot, LotStatement.From(LotChains.StatementAt(lease.Reader, lot.LotIndex, EntryKinds.Lot)).Value, lease.Reader.State.Cargo(receipt)));
            }
        }
        if (lots.Count < 2)
        {
            return Result<IssuedLot>.Fail(LedgerFailures.EntryField, "a merge takes two or more receipts");
        }
        var first = lots[0];
        // Checked here too (the rules check each merge against those before it) so that a doomed
        // merge does not close the first receipts and leave their goods promised to nothing.
        if (lots.Select(l => l.Record).FirstOrDefault(l => l.Gtin != first.Record.Gtin || l.Site != first.Record.Site || l.Terms != first.Record.Terms || l.Unit != first.Record.Unit) is { } other)
        {
            return Result<IssuedLot>.Fail(LedgerFailures.ParentMismatch,
                $"receipts '{first.Record.Receipt}' and '{other.Receipt}' differ in product (GTIN, storage conditions, unit) or site; only receipts of the same product at the same site merge");
        }
        var proposals = new List<LedgerEntry>();
        var title = new TitleStatement { Receipt = into, Depositor = first.Record.Depositor, Owner = first.Record.Owner, Quantity = lots.Sum(l => l.Record.Quantity), Unit = first.Record.Unit };
        var titleEntry = _signer.Sign(EntryKinds.Title, title.ToBody());
        proposals.Add(titleEntry);
        var merged = first.Statement with
        {
            Receipt = into, Title = Statement.Parse(titleEntry.Note.Text).Value.Hash, Site = first.Record.Site, Zone = first.Record.Zone, Batch = batch ?? first.Statement.Batch,
            IssuedMs = at, ValidUntilMs = lots.Min(l => l.Record.ValidUntilMs), SplitFrom = null, MergedFrom = receipts, Epcs = lots.SelectMany(l => l.Cargo).ToList(),
        };
        if (merged.Check() is { Succeeded: false } bad)
        {
            return bad.Failure!;
        }
        proposals.Add(_signer.Sign(EntryKinds.Lot, merged.ToBody()));
        // The merges one by one: the first refused (another member's entry came first) stops it, and
        // only what was merged before it stays merged, promised to the new receipt number.
        foreach (var (record, _, _) in lots)
        {
            var merge = await _sequencer.AppendAsync(new LedgerProposal(_signer.Sign(EntryKinds.Merge, new MergeStatement(Status(record), at, into).ToBody())), cancellationToken);
            if (!merge.Succeeded)
            {
                return record == first.Record ? merge.Failure! : merge.Failure! with { Message = $"{merge.Failure.Message} (receipts before '{record.Receipt}' were merged into '{into}' already)" };
            }
        }
        var appended = await Task.WhenAll(proposals.Select(p => _sequencer.AppendAsync(new LedgerProposal(p), cancellationToken)));
        if (appended.Where(a => !a.Succeeded).Select(a => a.Failure).FirstOrDefault() is { } failed)
        {
            return failed;
        }
        return new IssuedLot(into, appended[^2].Value.Index, appended[^1].Value.Index, appended[^1].Value.LedgerSize);
    }

    private Result<Statement> DraftOnLot(string receipt, string kind, Func<LotRecord, IEnumerable<EntryField>> body)
    {
        using var lease = _readers.Rent();
        if (lease.Reader.State.Lot(receipt) is not { } lot)
        {
            return Result<Statement>.Fail(LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
        }
        try
        {
            return _signer.Create(kind, body(lot));
        }
        catch (InvalidOperationException e)
        {
            return new Failure(LedgerFailures.NotFrozen, e.Message);
        }
    }

    // A statement sent to a lot's own route must be about that lot.
    private static Failure? OtherReceipt(Statement statement, string? receipt) =>
        receipt is not null && LotReference.Of(statement) is { Succeeded: true } reference && reference.Value.Receipt != receipt
            ? new Failure(LedgerFailures.EntryField, $"the statement is about receipt '{reference.Value.Receipt}', not '{receipt}'")
            : null;

    private async Task<Result<AppendedEntry>> CountersignAsync(string signedNote, string kind, string? receipt, CancellationToken cancellationToken)
    {
        var note = SignedNote.Parse(signedNote ?? "");
        if (!note.Succeeded)
        {
            return Result<AppendedEntry>.Fail(LedgerFailures.EntryFormat, $"not a signed note (statement text, a blank line, signature lines): {note.Failure!.Message}");
        }
        if (Statement.Parse(note.Value.Text) is not { Succeeded: true } statement || statement.Value.Kind != kind)
        {
            return Result<AppendedEntry>.Fail(LedgerFailures.EntryField, $"this takes a signed {kind} statement");
        }
        if (OtherReceipt(statement.Value, receipt) is { } other)
        {
            return other;
        }
        var signed = note.Value.Signatures.Any(s => s.KeyName == _signer.Member.KeyName) ? note.Value : note.Value.WithSignature(_signer.Member);
        return await _sequencer.AppendAsync(new LedgerProposal(LedgerEntry.Create(kind, [], signed)), cancellationToken);
    }

    private Result<Statement> Draft(long pledgeIndex, string kind, Func<LotRecord, PledgeRecord, IEnumerable<EntryField>> body)
    {
        using var lease = _readers.Rent();
        var state = lease.Reader.State;
        if (state.Pledge(pledgeIndex) is not { } pledge)
        {
            return Result<Statement>.Fail(Firmware.Contracts.Uplink.ProblemTypes.NotFound, $"ledger index {pledgeIndex} is not a pledge");
        }
        var lot = state.Lot(pledge.Receipt)!;
        if (pledge.Status != PledgeStatus.Active)
        {
            return new Failure(LedgerFailures.NotPledged, $"pledge {pledgeIndex} was {pledge.Status.Name()} at ledger index {pledge.EndedAt}") { LedgerIndex = lot.ActivePledge };
        }
        return _signer.Create(kind, body(lot, pledge));
    }

    private async Task<Result<AppendedEntry>> WithLotAsync(string receipt, Func<LotRecord, IEnumerable<EntryField>> body, string kind, CancellationToken cancellationToken)
    {
        // The statement names the lot's last entry; if another entry lands in between, the rules
        // refuse it as stale and it is written again against the new state.
        for (var attempt = 1; ; attempt++)
        {
            LotRecord? lot;
            using (var lease = _readers.Rent())
            {
                lot = lease.Reader.State.Lot(receipt);
            }
            if (lot is null)
            {
                return Result<AppendedEntry>.Fail(LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
            }
            IEnumerable<EntryField> lines;
            try
            {
                lines = body(lot).ToList();
            }
            catch (ArgumentException e)
            {
                return Result<AppendedEntry>.Fail(LedgerFailures.EntryField, e.Message);
            }
            var result = await _sequencer.AppendAsync(new LedgerProposal(_signer.Sign(kind, lines)), cancellationToken);
            if (result.Succeeded || result.Failure!.Code != LedgerFailures.StaleReference || attempt == Attempts)
            {
                return result;
            }
        }
    }

    private static LotReference Status(LotRecord lot) => new(lot.Receipt, lot.LotIndex, lot.StatusHead);

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
