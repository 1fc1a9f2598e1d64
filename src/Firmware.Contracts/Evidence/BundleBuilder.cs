using System.Globalization;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Evidence;

/// <summary>
/// What a bundle is built from: a ledger (entries and their proofs) and the device logs anchored in
/// it, as one node holds them. The node's SQLite store implements it; so do test ledgers in memory.
/// </summary>
public interface IEvidenceSource
{
    /// <summary>The bytes of ledger entry <paramref name="index"/>, or null when missing.</summary>
    byte[]? Entry(long index);

    /// <summary>The RFC 9162 inclusion proof of entry <paramref name="index"/> in the ledger of <paramref name="size"/> entries.</summary>
    IReadOnlyList<Hash32> InclusionProof(long index, long size);

    /// <summary>The ledger index of the title entry with statement hash <paramref name="statementHash"/>, or null.</summary>
    long? TitleIndex(Hash32 statementHash);

    /// <summary>The smallest sequence number below <paramref name="size"/> of a leaf of <paramref name="deviceId"/> dated at or after <paramref name="timeMs"/>, or null.</summary>
    long? FirstSequenceAtOrAfter(string deviceId, long timeMs, long size);

    /// <summary>The leaves [<paramref name="first"/>, first + <paramref name="count"/>) of <paramref name="deviceId"/>'s log, all of them, in order.</summary>
    /// <exception cref="InvalidDataException">When a leaf is missing or damaged.</exception>
    IReadOnlyList<byte[]> Leaves(string deviceId, long first, long count);

    /// <summary>The range proof of leaves [<paramref name="first"/>, <paramref name="end"/>) in <paramref name="deviceId"/>'s log of <paramref name="size"/> leaves.</summary>
    IReadOnlyList<Hash32> RangeProof(string deviceId, long first, long end, long size);
}

/// <summary>What a lot bundle is for.</summary>
public sealed record LotBundleRequest
{
    /// <summary>A public bundle (for consumers): the lot's public entries and readings only; no title, status chain, parties or pledge.</summary>
    public bool Public { get; init; }

    /// <summary>The pledge (ledger index) the report is for, or null for the lot's own report.</summary>
    public long? Pledge { get; init; }

    /// <summary>A custom analysis (window and parameters chosen now, labelled as such), or null for signed terms.</summary>
    public BundleCustom? Custom { get; init; }
}

/// <summary>
/// Builds v2 bundles (docs/spec-ledger.md §7): exactly what the verifier needs and nothing else,
/// against one ledger checkpoint and the state map at its size. The rules that decide what a lot
/// bundle holds (which devices, which readings, which state keys) are the verifier's own, so a
/// bundle built here verifies wherever the ledger is sound, and fails, naming the damage, where not.
/// </summary>
public sealed class BundleBuilder
{
    private readonly IEvidenceSource _source;
    private readonly SignedNote _note;
    private readonly Checkpoint _checkpoint;
    private readonly Dictionary<string, StateEntry> _state;
    private readonly SparseMerkleTree _tree;
    private readonly SortedSet<long> _entries = [];
    private readonly SortedSet<string> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<long, LedgerEntry> _parsed = [];

    /// <summary>A builder for bundles against <paramref name="checkpointNote"/>, whose state map is <paramref name="state"/>.</summary>
    /// <exception cref="ArgumentException">When the checkpoint is not a ledger checkpoint committing to <paramref name="state"/>.</exception>
    public BundleBuilder(IEvidenceSource source, string checkpointNote, IReadOnlyList<StateEntry> state)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(state);
        _source = source;
        _note = SignedNote.Parse(checkpointNote) is { Succeeded: true } note ? note.Value : throw new ArgumentException("not a signed note", nameof(checkpointNote));
        _checkpoint = Checkpoint.ParseText(_note.Text) is { Succeeded: true } c ? c.Value : throw new ArgumentException("not a checkpoint", nameof(checkpointNote));
        if (_checkpoint.LedgerExtensionProblem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(checkpointNote));
        }
        _state = state.ToDictionary(e => e.Key, StringComparer.Ordinal);
        _tree = LedgerStateMap.Tree(state);
        if (_tree.Root != _checkpoint.StateRoot)
        {
            throw new ArgumentException($"the state given has root {_tree.Root.ToBase64()}, the checkpoint commits to {_checkpoint.StateRoot?.ToBase64()}", nameof(state));
        }
    }

    /// <summary>The checkpoint's size.</summary>
    public long Size => _checkpoint.Size;

    /// <summary>A device bundle: its enrolment and last anchor, and its readings dated in [<paramref name="fromMs"/>, <paramref name="toMs"/>) with the readings either side that show none was left out (the whole anchored log when both are null).</summary>
    public Result<EvidenceBundle> Device(string deviceId, long? fromMs, long? toMs)
    {
        var device = DeviceRun(deviceId, fromMs, toMs);
        return device.Succeeded ? Bundle([device.Value], null, null) : device.Failure!;
    }

    /// <summary>A lot bundle for <paramref name="request"/>.</summary>
    public Result<EvidenceBundle> Lot(string receipt, LotBundleRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var who = $"lot {receipt}";
        var lotState = Value(LedgerStateMap.LotKey(receipt));
        if (lotState is null)
        {
            return Result<EvidenceBundle>.Fail(LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}' at ledger size {Size}");
        }
        var fields = StateFields.Of(lotState);
        var (lotIndex, locationHead, deliveredMs) = (fields.Number("entry"), fields.Number("location"), fields.OptionalNumber("delivered"));
        var lotEntry = Statement(lotIndex, EntryKinds.Lot);
        if (!lotEntry.Succeeded)
        {
            return lotEntry.Failure!;
        }
        var lot = LotStatement.From(lotEntry.Value);
        if (!lot.Succeeded)
        {
            return lot.Failure!;
        }
        var moveChain = Moves(locationHead, lotIndex, who);
        if (!moveChain.Succeeded)
        {
            return moveChain.Failure!;
        }
        var moves = moveChain.Value.Moves;

        // A split child's history before the split is its ancestors': their lot entries and moves come along.
        var parents = new List<BundleParent>();
        var historyLot = lot.Value;
        var historyMoves = new List<MoveEvidence>(moves);
        for (var child = lot.Value; child.SplitFrom is { } parentReceipt;)
        {
            if (Value(LedgerStateMap.LotKey(parentReceipt)) is not { } parentState)
            {
                return Result<EvidenceBundle>.Fail("damaged-store", $"{who}: lot '{child.Receipt}' was split from '{parentReceipt}', which no lot is at ledger size {Size}");
            }
            _keys.Add(LedgerStateMap.LotKey(parentReceipt));
            var pf = StateFields.Of(parentState);
            var (parentIndex, parentHead) = (pf.Number("entry"), pf.Number("location"));
            var parentEntry = Statement(parentIndex, EntryKinds.Lot);
            if (!parentEntry.Succeeded || LotStatement.From(parentEntry.Value) is not { Succeeded: true } parentLot)
            {
                return Result<EvidenceBundle>.Fail("damaged-store", $"{who}: ledger entry {parentIndex} is not the lot of '{parentReceipt}'");
            }
            var parentMoves = Moves(parentHead, parentIndex, who);
            if (!parentMoves.Succeeded)
            {
                return parentMoves.Failure!;
            }
            _entries.Add(parentIndex);
            _entries.UnionWith(parentMoves.Value.Indices);
            parents.Add(new BundleParent(parentReceipt, parentIndex, parentMoves.Value.Indices));
            historyMoves.InsertRange(0, parentMoves.Value.Moves);
            historyLot = lot.Value with { Site = parentLot.Value.Site, Zone = parentLot.Value.Zone };
            child = parentLot.Value;
        }

        BundleLot bundleLot;
        PledgeStatement? pledge = null;
        long? pledgeEnded = null;
        if (request.Public)
        {
            if (request.Pledge is not null)
            {
                return Result<EvidenceBundle>.Fail("bad-report", "a public bundle is not about a pledge");
            }
            bundleLot = new BundleLot(receipt, lotIndex, moveChain.Value.Indices, Parents: parents.Count > 0 ? parents : null);
        }
        else
        {
            var statusState = Value(LedgerStateMap.LotStatusKey(receipt)) ?? "";
            var statusHead = StateFields.Of(statusState) is var sf && sf.Text("salt") is not null ? sf.Number("head") : lotIndex;
            var events = ChainBack(statusHead, lotIndex);
            if (!events.Succeeded)
            {
                return events.Failure!;
            }
            var title = _source.TitleIndex(lot.Value.Title);
            if (title is null)
            {
                return Result<EvidenceBundle>.Fail("damaged-store", $"{who}: no title entry has statement hash {lot.Value.Title.ToBase64()}");
            }
            var owners = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var index in events.Value)
            {
                var entry = Parsed(index);
                if (entry?.Kind == EntryKinds.Endorse && Ledger.Statement.Parse(entry.Note.Text) is { Succeeded: true } es && EndorseStatement.From(es.Value) is { Succeeded: true } endorse)
                {
                    owners.Add(endorse.Value.Owner);
                    owners.Add(endorse.Value.NewOwner);
                }
                else if (entry?.Kind == EntryKinds.Pledge && Ledger.Statement.Parse(entry.Note.Text) is { Succeeded: true } s && PledgeStatement.From(s.Value) is { Succeeded: true } p)
                {
                    owners.Add(p.Value.Owner);
                    if (index == request.Pledge)
                    {
                        pledge = p.Value;
                    }
                }
                else if (pledge is not null && entry?.Kind is EntryKinds.Release or EntryKinds.Enforce && pledgeEnded is null
                    && Ledger.Statement.Parse(entry.Note.Text) is { Succeeded: true } ended)
                {
                    pledgeEnded = entry.Kind == EntryKinds.Release
                        ? ReleaseStatement.From(ended.Value) is { Succeeded: true } r && r.Value.PledgeIndex == request.Pledge ? r.Value.AtMs : null
                        : EnforceStatement.From(ended.Value) is { Succeeded: true } f && f.Value.PledgeIndex == request.Pledge ? f.Value.AtMs : null;
                }
            }
            if (request.Pledge is { } wanted && pledge is null)
            {
                return Result<EvidenceBundle>.Fail(LedgerFailures.NotPledged, $"ledger index {wanted} is not a pledge of lot '{receipt}' at ledger size {Size}");
            }
            var parties = new List<long>();
            foreach (var owner in owners)
            {
                var chain = PartyChain(owner);
                if (!chain.Succeeded)
                {
                    return chain.Failure!;
                }
                parties.AddRange(chain.Value);
            }
            parties.Sort();
            _entries.Add(title.Value);
            _entries.UnionWith(events.Value);
            _entries.UnionWith(parties);
            _keys.Add(LedgerStateMap.LotStatusKey(receipt));
            bundleLot = new BundleLot(receipt, lotIndex, moveChain.Value.Indices, title, events.Value, parties, parents.Count > 0 ? parents : null);
        }
        _entries.Add(lotIndex);
        _entries.UnionWith(moveChain.Value.Indices);
        _keys.Add(LedgerStateMap.LotKey(receipt));

        var (from, to) = request.Custom is { } custom ? (custom.From, custom.To) : EvidenceVerifier.SignedWindow(lot.Value, pledge, pledgeEnded, deliveredMs, _checkpoint.TimeMs!.Value);
        if (to <= from)
        {
            return Result<EvidenceBundle>.Fail("empty-window", $"{who}: the report window from {EvidenceVerifier.Iso(from)} to {EvidenceVerifier.Iso(to)} is empty: nothing can be judged before the checkpoint of {EvidenceVerifier.Iso(_checkpoint.TimeMs!.Value)}");
        }

        // Readers of the lot's sites first (they place its pallets, from the issue on), then the
        // devices of every zone it was in during the window.
        var runs = new Dictionary<string, (long From, long To)>(StringComparer.Ordinal);
        var readers = new List<string>();
        foreach (var key in EvidenceVerifier.ReaderKeys(historyLot, historyMoves.Select(m => m.Move.Site)))
        {
            foreach (var id in Listed(key))
            {
                if (!runs.ContainsKey(id))
                {
                    readers.Add(id);
                }
                runs[id] = Widen(runs, id, lot.Value.IssuedMs, to);
            }
        }
        var readerRuns = new List<DeviceEvidence>();
        foreach (var id in readers)
        {
            var run = DeviceRun(id, runs[id].From, runs[id].To);
            if (!run.Succeeded)
            {
                return run.Failure!;
            }
            readerRuns.Add(run.Value.Evidence);
        }
        var history = LotConditions.History(historyLot, historyMoves, null, null, LotConditions.Sightings(lot.Value, readerRuns), to);
        foreach (var key in EvidenceVerifier.ZoneKeys(history, from, to))
        {
            foreach (var id in Listed(key))
            {
                runs[id] = Widen(runs, id, from, to);
            }
        }
        var devices = new List<(BundleDevice, DeviceEvidence)>();
        foreach (var (id, window) in runs.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var run = DeviceRun(id, window.From, window.To);
            if (!run.Succeeded)
            {
                return run.Failure!;
            }
            devices.Add(run.Value);
            foreach (var sensor in EvidenceVerifier.CalibratedSensors(run.Value.Evidence.Enrolment))
            {
                var key = LedgerStateMap.CalibrationKey(id, sensor);
                _keys.Add(key);
                if (Value(key) is { } calibrations)
                {
                    _entries.UnionWith(StateFields.Of(calibrations).Repeated("entry").Select(i => long.Parse(i, CultureInfo.InvariantCulture)));
                }
            }
        }
        var report = request.Public ? null : request.Pledge is not null || request.Custom is not null ? new BundleReport(request.Pledge, request.Custom) : null;
        if (request.Public && request.Custom is not null)
        {
            report = new BundleReport(null, request.Custom);
        }
        return Bundle(devices, bundleLot, report);
    }

    private static (long From, long To) Widen(Dictionary<string, (long From, long To)> runs, string id, long from, long to) =>
        runs.TryGetValue(id, out var had) ? (Math.Min(had.From, from), Math.Max(had.To, to)) : (from, to);

    private Result<EvidenceBundle> Bundle(IEnumerable<(BundleDevice Device, DeviceEvidence Evidence)> devices, BundleLot? lot, BundleReport? report)
    {
        _keys.Add(LedgerStateMap.ConsortiumKey);
        var entries = new List<BundleEntry>();
        foreach (var index in _entries)
        {
            var bytes = _source.Entry(index);
            if (bytes is null)
            {
                return Result<EvidenceBundle>.Fail("damaged-store", $"ledger entry {index} is missing from the database");
            }
            entries.Add(new BundleEntry(index, Convert.ToBase64String(bytes), _source.InclusionProof(index, Size).Select(h => h.ToBase64()).ToList()));
        }
        var state = new List<BundleState>();
        foreach (var key in _keys)
        {
            var proof = _tree.Prove(LedgerStateMap.HashKey(key));
            var value = _state.TryGetValue(key, out var present) ? present.Value : null;
            var other = value is null && proof.Terminal is { } leaf ? new BundleStateLeaf(leaf.Key.ToBase64(), leaf.Value.ToBase64()) : null;
            state.Add(new BundleState(key, proof.Siblings.Select(h => h.ToBase64()).ToList(), value, other));
        }
        return new EvidenceBundle
        {
            Format = EvidenceBundle.FormatV2,
            Ledger = new BundleLedger(_checkpoint.Origin, _note.ToString()),
            Entries = entries,
            State = state,
            Devices = devices.Select(d => d.Device).ToList(),
            Lot = lot,
            Report = report,
        };
    }

    // A device's enrolment and last anchor as the state names them, and the run of its leaves that
    // covers [from, to): from the last leaf dated before 'from' (or the first) to the first dated at
    // or after 'to' (or the last anchored).
    private Result<(BundleDevice Device, DeviceEvidence Evidence)> DeviceRun(string deviceId, long? fromMs, long? toMs)
    {
        var key = LedgerStateMap.DeviceKey(deviceId);
        if (Value(key) is not { } text)
        {
            return Result<(BundleDevice, DeviceEvidence)>.Fail(LedgerFailures.UnknownDevice, $"device '{deviceId}' is not enrolled at ledger size {Size}");
        }
        var state = DeviceState.Parse(text);
        if (!state.Succeeded)
        {
            return state.Failure!;
        }
        _keys.Add(key);
        var s = state.Value;
        _entries.Add(s.Enrolment);
        var enrol = Statement(s.Enrolment, EntryKinds.Enrol);
        if (!enrol.Succeeded || EnrolStatement.From(enrol.Value) is not { Succeeded: true } enrolment)
        {
            return Result<(BundleDevice, DeviceEvidence)>.Fail("damaged-store", $"device {deviceId}: ledger entry {s.Enrolment} is not its enrolment");
        }
        if (s.Anchor is not { } anchor || s.Size == 0)
        {
            return (new BundleDevice(deviceId, s.Enrolment, 0, [], [], s.Anchor), Evidence(deviceId, enrolment.Value, s, 0, []));
        }
        _entries.Add(anchor);
        var first = fromMs is { } from && _source.FirstSequenceAtOrAfter(deviceId, from, s.Size) is { } atFrom ? Math.Max(0, atFrom - 1)
            : fromMs is null ? 0 : s.Size - 1;
        var last = toMs is { } to && _source.FirstSequenceAtOrAfter(deviceId, to, s.Size) is { } atTo ? Math.Max(atTo, first) : s.Size - 1;
        IReadOnlyList<byte[]> leaves;
        try
        {
            leaves = _source.Leaves(deviceId, first, last - first + 1);
        }
        catch (InvalidDataException e)
        {
            return Result<(BundleDevice, DeviceEvidence)>.Fail("damaged-store", $"the node's copy of {deviceId}'s readings {first}..{last} is damaged or incomplete: {e.Message}");
        }
        var parsed = new List<ReadingLeaf>(leaves.Count);
        foreach (var leaf in leaves)
        {
            var reading = ReadingLeaf.Parse(leaf);
            if (!reading.Succeeded)
            {
                return Result<(BundleDevice, DeviceEvidence)>.Fail("damaged-store", $"a stored leaf of {deviceId} does not parse: {reading.Failure}");
            }
            parsed.Add(reading.Value);
        }
        var proof = _source.RangeProof(deviceId, first, last + 1, s.Size);
        return (new BundleDevice(deviceId, s.Enrolment, first, leaves.Select(Convert.ToBase64String).ToList(), proof.Select(h => h.ToBase64()).ToList(), anchor),
            Evidence(deviceId, enrolment.Value, s, first, parsed));
    }

    private static DeviceEvidence Evidence(string deviceId, EnrolStatement enrolment, DeviceState state, long first, IReadOnlyList<ReadingLeaf> readings) => new()
    {
        DeviceId = deviceId, Enrolment = enrolment, EnrolmentIndex = state.Enrolment, EnrolledBy = "", State = state, AnchorIndex = state.Anchor, First = first, Readings = readings,
    };

    // The location chain that ends at 'head': its indices and moves.
    private Result<(List<long> Indices, List<MoveEvidence> Moves)> Moves(long head, long lotIndex, string who)
    {
        var chain = ChainBack(head, lotIndex);
        if (!chain.Succeeded)
        {
            return chain.Failure!;
        }
        var moves = new List<MoveEvidence>();
        foreach (var index in chain.Value)
        {
            var move = Statement(index, EntryKinds.Move);
            if (!move.Succeeded || MoveStatement.From(move.Value) is not { Succeeded: true } parsed)
            {
                return Result<(List<long>, List<MoveEvidence>)>.Fail("damaged-store", $"{who}: ledger entry {index} is not a move");
            }
            moves.Add(new MoveEvidence(index, parsed.Value, ""));
        }
        return (chain.Value, moves);
    }

    // The chain of entries that ends at 'head' and starts after 'lotIndex', following each statement's 'after'.
    private Result<List<long>> ChainBack(long head, long lotIndex)
    {
        var chain = new List<long>();
        var at = head;
        while (at != lotIndex)
        {
            var entry = Parsed(at);
            if (entry is null || Ledger.Statement.Parse(entry.Note.Text) is not { Succeeded: true } statement || LotReference.Of(statement.Value) is not { Succeeded: true } reference
                || reference.Value.LotIndex != lotIndex || reference.Value.After >= at)
            {
                return Result<List<long>>.Fail("damaged-store", $"ledger entry {at} does not continue the chain of lot entry {lotIndex}");
            }
            chain.Add(at);
            at = reference.Value.After;
        }
        chain.Reverse();
        return chain;
    }

    // A party's registrations: the one in force (as the state names it) back through 'replaces' to the first.
    private Result<List<long>> PartyChain(string partyId)
    {
        var key = LedgerStateMap.PartyKey(partyId);
        if (Value(key) is not { } text)
        {
            return Result<List<long>>.Fail(LedgerFailures.UnknownParty, $"party '{partyId}' is not registered at ledger size {Size}");
        }
        _keys.Add(key);
        var chain = new List<long>();
        long? at = StateFields.Of(text).Number("registration");
        while (at is { } index)
        {
            var statement = Statement(index, EntryKinds.Party);
            if (!statement.Succeeded || PartyStatement.From(statement.Value) is not { Succeeded: true } party || party.Value.PartyId != partyId)
            {
                return Result<List<long>>.Fail("damaged-store", $"ledger entry {index} is not a registration of party '{partyId}'");
            }
            chain.Add(index);
            at = party.Value.Replaces;
        }
        chain.Reverse();
        return chain;
    }

    private IEnumerable<string> Listed(string key)
    {
        _keys.Add(key);
        return Value(key) is { } text ? StateFields.Of(text).Repeated("device") : [];
    }

    private string? Value(string key) => _state.TryGetValue(key, out var entry) ? entry.Value : null;

    private LedgerEntry? Parsed(long index)
    {
        if (_parsed.TryGetValue(index, out var entry))
        {
            return entry;
        }
        if (index >= Size || _source.Entry(index) is not { } bytes || LedgerEntry.Parse(bytes) is not { Succeeded: true } parsed)
        {
            return null;
        }
        _parsed[index] = parsed.Value;
        return parsed.Value;
    }

    private Result<Statement> Statement(long index, string kind)
    {
        var entry = Parsed(index);
        return entry is not null && entry.Kind == kind && Ledger.Statement.Parse(entry.Note.Text) is { Succeeded: true } statement
            ? statement.Value
            : Result<Statement>.Fail("damaged-store", $"ledger entry {index} is missing or is not a {kind} entry");
    }
}
