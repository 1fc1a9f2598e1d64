using System.Globalization;
using Firmware.Contracts;
using Firmware.Contracts.Checkpoints;
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

    /// <summary>The verified location chain, complete up to the checkpoint.</summary>
    public required IReadOnlyList<MoveEvidence> Moves { get; init; }

    /// <summary>When the last unit was delivered (from the state), or null while in store.</summary>
    public long? DeliveredMs { get; init; }

    /// <summary>The private part, verified against the lot's commitment (lender bundles), or null.</summary>
    public TitleStatement? Title { get; init; }

    /// <summary>The title entry's index, or null.</summary>
    public long? TitleIndex { get; init; }

    /// <summary>The verified status chain (lender bundles), complete up to the checkpoint; null in a public bundle.</summary>
    public IReadOnlyList<LotEventEvidence>? Events { get; init; }

    /// <summary>The lot's status at the checkpoint (lender bundles), or null.</summary>
    public LotStatus? Status { get; init; }

    /// <summary>The party holding the title at the checkpoint: the title's owner, then each endorsement's (lender bundles), or null.</summary>
    public string? Owner { get; init; }

    /// <summary>The freeze in force at the checkpoint (lender bundles), or null.</summary>
    public long? FrozenAt { get; init; }

    /// <summary>True when the checkpoint's time is at or after the receipt's validity: expired (derived from signed times, not a state).</summary>
    public bool ExpiredAt(long checkpointTimeMs) => checkpointTimeMs >= Lot.ValidUntilMs;

    /// <summary>The pledges of the status chain, with who held each at its end.</summary>
    public IReadOnlyList<PledgeEvidence> Pledges { get; init; } = [];

    /// <summary>The report the bundle is for: its window, parameters and whose terms they are.</summary>
    public required ReportTerms Report { get; init; }

    /// <summary>The devices the lot's sites and zones need over the window, each in the bundle and complete.</summary>
    public required IReadOnlyList<string> RequiredDevices { get; init; }

    /// <summary>A split child's ancestors, nearest first (none for other lots).</summary>
    public IReadOnlyList<AncestorEvidence> Ancestors { get; init; } = [];

    /// <summary>
    /// Every calibration on record at the checkpoint for each measuring sensor of the bundle's devices,
    /// keyed by (device, sensor), by ledger index (empty: no calibration on record, the key proven absent).
    /// </summary>
    public IReadOnlyDictionary<(string Device, string Sensor), IReadOnlyList<CalibrationRecord>> Calibrations { get; init; } =
        new Dictionary<(string Device, string Sensor), IReadOnlyList<CalibrationRecord>>();

    /// <summary>The lot as its storage history starts: issued where the oldest ancestor was (the lot itself when it has none).</summary>
    public LotStatement? HistoryLot { get; init; }

    /// <summary>Every move of its history: the ancestors' (oldest first), then its own.</summary>
    public IReadOnlyList<MoveEvidence>? HistoryMoves { get; init; }
}

/// <summary>The window and rules of a lot's condition report, and where they come from.</summary>
/// <param name="Parameters">Window and condition parameters.</param>
/// <param name="Source"><c>pledge</c> (its signed terms), <c>lot</c> (the lot's own history, signed terms) or <c>custom</c> (chosen at export: not a verdict on any pledge).</param>
/// <param name="Pledge">The pledge whose covenants are checked, or null.</param>
public sealed record ReportTerms(ReportParameters Parameters, string Source, PledgeEvidence? Pledge)
{
    /// <summary>The pledge's signed terms.</summary>
    public const string PledgeTerms = "pledge";

    /// <summary>The lot's own history with its signed parameters.</summary>
    public const string LotTerms = "lot";

    /// <summary>Window and parameters chosen at export time.</summary>
    public const string CustomTerms = "custom";

    /// <summary>True for a custom analysis.</summary>
    public bool IsCustom => Source == CustomTerms;
}

/// <summary>A verified ancestor of a split child: its receipt, lot entry, lot statement and whole location chain.</summary>
public sealed record AncestorEvidence(string Receipt, long LotIndex, LotStatement Lot, IReadOnlyList<MoveEvidence> Moves);

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

    /// <summary>The release or enforcement entry, or null while active.</summary>
    public long? EndedBy { get; init; }

    /// <summary>The kind of <see cref="EndedBy"/>.</summary>
    public string? EndedHow { get; init; }

    /// <summary>When it ended, Unix ms, or null.</summary>
    public long? EndedAtMs { get; init; }
}

public static partial class EvidenceVerifier
{
    /// <summary>The spec's default logging interval when the lot statement names none.</summary>
    public const long DefaultIntervalMs = 60_000;

    private static Result<LotEvidence> VerifyLot(BundleLot bundleLot, BundleReport? report, SortedDictionary<long, LedgerEntry> entries, ProvenState state,
        List<LedgerMember> members, int quorum, string consortium, SignatureChecker signatures, Checkpoint checkpoint, List<DeviceEvidence> devices, HashSet<long> used)
    {
        var who = $"lot {bundleLot.Receipt}";
        var located = VerifyLocation(bundleLot.Receipt, bundleLot.LotEntry, bundleLot.Moves, entries, state, members, consortium, signatures, who, used);
        if (!located.Succeeded)
        {
            return located.Failure!;
        }
        var (lot, issuedBy, moves, deliveredMs) = located.Value;
        var ancestors = VerifyAncestors(lot, bundleLot.Parents, entries, state, members, consortium, signatures, who, used);
        if (!ancestors.Succeeded)
        {
            return ancestors.Failure!;
        }

        var lender = (bundleLot.Title, bundleLot.Events, bundleLot.Parties) switch
        {
            (null, null, null) => false,
            (not null, not null, not null) => true,
            _ => (bool?)null,
        };
        if (lender is null)
        {
            return Fail("bundle-format", $"{who}: a lender's bundle has 'title', 'events' and 'parties' (a public one none of them)");
        }

        TitleStatement? title = null;
        Statement? titleStatement = null;
        var pledges = new List<PledgeEvidence>();
        List<LotEventEvidence>? events = null;
        LotStatus? status = null;
        string? owner = null;
        long? frozen = null;
        if (lender == true)
        {
            var entry = Member(entries, bundleLot.Title!.Value, EntryKinds.Title, consortium, members, signatures, MemberRoles.Operator, who, used);
            if (!entry.Succeeded)
            {
                return entry.Failure!;
            }
            if (entry.Value.Statement.Hash != lot.Title)
            {
                return Fail("title-mismatch", $"{who}: ledger entry {bundleLot.Title} is not the title the lot commits to (statement hash {entry.Value.Statement.Hash.ToBase64()}, the lot names {lot.Title.ToBase64()})");
            }
            var parsed = TitleStatement.From(entry.Value.Statement);
            if (!parsed.Succeeded || parsed.Value.Receipt != lot.Receipt)
            {
                return Fail("title-mismatch", $"{who}: ledger entry {bundleLot.Title} (title): {parsed.Failure?.Message ?? "it is for another receipt"}");
            }
            title = parsed.Value;
            titleStatement = entry.Value.Statement;

            var parties = VerifyParties(bundleLot.Parties!, entries, state, members, quorum, consortium, signatures, who, used);
            if (!parties.Succeeded)
            {
                return parties.Failure!;
            }
            var chain = VerifyStatusChain(bundleLot.Events!, bundleLot, title, parties.Value, entries, members, consortium, signatures, who, used);
            if (!chain.Succeeded)
            {
                return chain.Failure!;
            }
            (events, pledges, var computed, var signing) = chain.Value;
            status = computed.Status;
            owner = computed.Owner;
            frozen = computed.Frozen;
            var statusState = state.Require(LedgerStateMap.LotStatusKey(bundleLot.Receipt), "the lot's status head, status, quantity and pledge");
            if (!statusState.Succeeded)
            {
                return statusState.Failure!;
            }
            var expected = LedgerStateMap.LotStatusValue(new LotStatusState(titleStatement.Nonce, computed.Head, computed.Status, computed.Owner, computed.Quantity,
                computed.ActivePledge, computed.Controller, computed.Frozen));
            if (expected != statusState.Value)
            {
                var stateHead = StateFields.Of(statusState.Value) is var f && f.Text("salt") is not null ? f.Number("head") : -1;
                return stateHead != computed.Head
                    ? Fail("incomplete-bundle", $"{who}: the status chain in the bundle ends at ledger entry {computed.Head}, but at this checkpoint it ends at {stateHead}: status entries (pledges, releases, deliveries …) are left out")
                    : Fail("state-mismatch", $"{who}: the status chain gives '{expected.Replace('\n', ';')}', the state at this checkpoint '{statusState.Value.Replace('\n', ';')}'");
            }
            if (parties.Value.Select(p => p.Party.PartyId).Distinct(StringComparer.Ordinal).FirstOrDefault(p => !signing.Contains(p)) is { } extraParty)
            {
                return Fail("bundle-format", $"{who}: the bundle carries the registrations of party '{extraParty}', which signs nothing in the status chain");
            }
        }

        var terms = Terms(report, lot, pledges, deliveredMs, checkpoint, who);
        if (!terms.Succeeded)
        {
            return terms.Failure!;
        }
        var (historyLot, historyMoves) = History(lot, moves, ancestors.Value);
        var required = RequiredDevices(historyLot, historyMoves, terms.Value.Parameters, state, devices, who);
        if (!required.Succeeded)
        {
            return required.Failure!;
        }
        var calibrations = VerifyCalibrations(devices, entries, state, members, consortium, signatures, who, used);
        if (!calibrations.Succeeded)
        {
            return calibrations.Failure!;
        }
        return new LotEvidence
        {
            Receipt = lot.Receipt,
            LotIndex = bundleLot.LotEntry,
            Lot = lot,
            IssuedBy = issuedBy,
            Moves = moves,
            DeliveredMs = deliveredMs,
            Title = title,
            TitleIndex = bundleLot.Title,
            Events = events,
            Status = status,
            Owner = owner,
            FrozenAt = frozen,
            Pledges = pledges,
            Report = terms.Value,
            RequiredDevices = required.Value,
            Ancestors = ancestors.Value,
            Calibrations = calibrations.Value,
            HistoryLot = historyLot,
            HistoryMoves = historyMoves,
        };
    }

    // The lot entry and its location chain, ending at the head the state's 'lot/<receipt>' names.
    private static Result<(LotStatement Lot, string IssuedBy, List<MoveEvidence> Moves, long? DeliveredMs)> VerifyLocation(string receipt, long lotIndex, IReadOnlyList<long> moveIndices,
        SortedDictionary<long, LedgerEntry> entries, ProvenState state, List<LedgerMember> members, string consortium, SignatureChecker signatures, string who, HashSet<long> used)
    {
        var lotEntry = Member(entries, lotIndex, EntryKinds.Lot, consortium, members, signatures, MemberRoles.Operator, who, used);
        if (!lotEntry.Succeeded)
        {
            return lotEntry.Failure!;
        }
        var lot = LotStatement.From(lotEntry.Value.Statement);
        if (!lot.Succeeded)
        {
            return Fail("bad-lot", $"{who}: ledger entry {lotIndex} (lot): {lot.Failure!.Message}");
        }
        if (lot.Value.Receipt != receipt)
        {
            return Fail("bad-lot", $"{who}: ledger entry {lotIndex} is the lot of receipt '{lot.Value.Receipt}', not '{receipt}'");
        }
        var publicState = state.Require(LedgerStateMap.LotKey(receipt), $"the entry and location head of lot {receipt}");
        if (!publicState.Succeeded)
        {
            return publicState.Failure!;
        }
        var lotFields = StateFields.Of(publicState.Value);
        var (stateEntry, stateLocation, deliveredMs) = (lotFields.Number("entry"), lotFields.Number("location"), lotFields.OptionalNumber("delivered"));
        if (lotFields.End() is not null || LedgerStateMap.LotValue(stateEntry, stateLocation, deliveredMs) != publicState.Value)
        {
            return Fail("state-format", $"{who}: the lot state value is 'entry', 'location', 'delivered'?: got '{publicState.Value}'");
        }
        if (stateEntry != lotIndex)
        {
            return Fail("state-mismatch", $"{who}: the state names lot entry {stateEntry} for receipt {receipt}, the bundle {lotIndex}");
        }
        var moves = new List<MoveEvidence>();
        var previous = lotIndex;
        var previousTime = lot.Value.IssuedMs;
        foreach (var index in moveIndices)
        {
            var entry = Member(entries, index, EntryKinds.Move, consortium, members, signatures, MemberRoles.Operator, who, used);
            if (!entry.Succeeded)
            {
                return entry.Failure!;
            }
            var move = MoveStatement.From(entry.Value.Statement);
            if (!move.Succeeded)
            {
                return Fail("bad-lot", $"{who}: ledger entry {index} (move): {move.Failure!.Message}");
            }
            if (Chain(move.Value.Lot, receipt, lotIndex, previous, index, who) is { } broken)
            {
                return broken;
            }
            if (move.Value.AtMs < previousTime)
            {
                return Fail("broken-chain", $"{who}: ledger entry {index} (move) is dated before the entry it follows");
            }
            moves.Add(new MoveEvidence(index, move.Value, entry.Value.Signers[0]));
            previous = index;
            previousTime = move.Value.AtMs;
        }
        if (previous != stateLocation)
        {
            return Fail("incomplete-bundle", $"{who}: the location chain of {receipt} in the bundle ends at ledger entry {previous}, but at this checkpoint it ends at {stateLocation}: moves are left out");
        }
        return (lot.Value, lotEntry.Value.Signers[0], moves, deliveredMs);
    }

    // A split child's ancestors, nearest first: each the receipt its predecessor names in 'split-from',
    // with its lot entry and whole location chain (a closed lot moves no more, so its chain ends where
    // the child starts); the child carries its parent's goods, conditions, batch, issue and validity.
    // So the child's history before the split, the parent's, is proven in the child's own bundle.
    private static Result<List<AncestorEvidence>> VerifyAncestors(LotStatement lot, IReadOnlyList<BundleParent>? parents, SortedDictionary<long, LedgerEntry> entries,
        ProvenState state, List<LedgerMember> members, string consortium, SignatureChecker signatures, string who, HashSet<long> used)
    {
        var ancestors = new List<AncestorEvidence>();
        var child = lot;
        foreach (var parent in parents ?? [])
        {
            if (child.SplitFrom is not { } from)
            {
                return Fail("bundle-format", $"{who}: the bundle carries parent '{parent.Receipt}', but lot '{child.Receipt}' was not split from another");
            }
            if (parent.Receipt != from)
            {
                return Fail("broken-chain", $"{who}: lot '{child.Receipt}' was split from '{from}', the bundle's parent is '{parent.Receipt}'");
            }
            var located = VerifyLocation(parent.Receipt, parent.LotEntry, parent.Moves, entries, state, members, consortium, signatures, who, used);
            if (!located.Succeeded)
            {
                return located.Failure!;
            }
            var (statement, _, moves, _) = located.Value;
            var (site, zone) = moves.Count > 0 ? (moves[^1].Move.Site, moves[^1].Move.Zone) : (statement.Site, statement.Zone);
            if (statement.Gtin != child.Gtin || statement.Batch != child.Batch || statement.ConditionTerms() != child.ConditionTerms() || statement.IssuedMs != child.IssuedMs
                || statement.ValidUntilMs != child.ValidUntilMs || site != child.Site || zone != child.Zone || child.Epcs.Except(statement.Epcs, StringComparer.Ordinal).Any())
            {
                return Fail(LedgerFailures.ParentMismatch, $"{who}: lot '{child.Receipt}' does not carry on receipt '{parent.Receipt}' (its goods, conditions, batch, dates, place and EPCs)");
            }
            ancestors.Add(new AncestorEvidence(parent.Receipt, parent.LotEntry, statement, moves));
            child = statement;
        }
        if (child.SplitFrom is { } missing)
        {
            return Fail("incomplete-bundle", $"{who}: lot '{child.Receipt}' was split from '{missing}', whose lot entry and moves the bundle leaves out: its history before the split is that receipt's");
        }
        return ancestors;
    }

    // The lot as its history sees it: issued where and when the oldest ancestor was, moved by every
    // ancestor's moves and then its own.
    private static (LotStatement Lot, List<MoveEvidence> Moves) History(LotStatement lot, List<MoveEvidence> moves, List<AncestorEvidence> ancestors)
    {
        if (ancestors.Count == 0)
        {
            return (lot, moves);
        }
        var root = ancestors[^1].Lot;
        return (lot with { Site = root.Site, Zone = root.Zone }, [.. Enumerable.Reverse(ancestors).SelectMany(a => a.Moves), .. moves]);
    }

    // The window and parameters: the pledge's signed terms, the lot's own history, or a custom analysis.
    private static Result<ReportTerms> Terms(BundleReport? report, LotStatement lot, List<PledgeEvidence> pledges, long? deliveredMs, Checkpoint checkpoint, string who)
    {
        var asOf = checkpoint.TimeMs!.Value;
        PledgeEvidence? pledge = null;
        if (report?.Pledge is { } pledgeIndex)
        {
            pledge = pledges.Find(p => p.Index == pledgeIndex);
            if (pledge is null)
            {
                return Fail("bad-report", $"{who}: the report is for pledge {pledgeIndex}, which is not in the lot's status chain in this bundle");
            }
        }
        if (report?.Custom is { } custom)
        {
            var parameters = custom.ToParameters();
            if (parameters.Problem() is { } problem)
            {
                return Fail("bad-report", $"{who}: custom analysis: {problem}");
            }
            if (parameters.ToMs > asOf)
            {
                return Fail("bad-report", $"{who}: custom analysis: the window ends at {Iso(parameters.ToMs)}, after the checkpoint ({Iso(asOf)}) the evidence runs to");
            }
            return new ReportTerms(parameters, ReportTerms.CustomTerms, pledge);
        }
        var (from, to) = SignedWindow(lot, pledge?.Statement, pledge?.EndedAtMs, deliveredMs, asOf);
        if (to <= from)
        {
            return Fail("bad-report", pledge is not null
                ? $"{who}: pledge {pledge.Index} runs from {Iso(from)}, but the evidence ends at {Iso(to)}: nothing to judge yet"
                : $"{who}: the lot was issued at {Iso(from)}, but the evidence ends at {Iso(to)}: nothing to judge yet");
        }
        return new ReportTerms(SignedParameters(lot, from, to), pledge is null ? ReportTerms.LotTerms : ReportTerms.PledgeTerms, pledge);
    }

    /// <summary>
    /// The window of a report on signed terms: a pledge's from its start to the earliest of its end,
    /// its release or enforcement, and the checkpoint's time; otherwise the lot's from its issue to the
    /// earlier of its delivery and the checkpoint's time. Empty (to ≤ from) when nothing can be judged yet.
    /// </summary>
    public static (long From, long To) SignedWindow(LotStatement lot, PledgeStatement? pledge, long? pledgeEndedAtMs, long? deliveredMs, long asOfMs)
    {
        ArgumentNullException.ThrowIfNull(lot);
        return pledge is not null
            ? (pledge.StartMs, Math.Min(Math.Min(pledge.EndMs, pledgeEndedAtMs ?? long.MaxValue), asOfMs))
            : (lot.IssuedMs, Math.Min(deliveredMs ?? long.MaxValue, asOfMs));
    }

    /// <summary>The lot statement's signed condition parameters (or the spec's defaults) over [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static ReportParameters SignedParameters(LotStatement lot, long from, long to)
    {
        ArgumentNullException.ThrowIfNull(lot);
        return new ReportParameters
        {
            FromMs = from,
            ToMs = to,
            ActivationEnergyK = lot.ActivationEnergyK is { } k ? (double)k : MeanKineticTemperature.DefaultActivationEnergyK,
            IntervalMs = lot.LoggingIntervalMs ?? DefaultIntervalMs,
            DelayMs = lot.ExcursionDelayMs ?? 0,
            CumulativeMs = lot.AllowanceMs,
        };
    }

    /// <summary>The reader keys of the lot's sites (in the order the verifier asks for them).</summary>
    public static IReadOnlyList<string> ReaderKeys(LotStatement lot, IEnumerable<string> moveSites)
    {
        ArgumentNullException.ThrowIfNull(lot);
        return moveSites.Prepend(lot.Site).Distinct(StringComparer.Ordinal).Select(LedgerStateMap.ReadersKey).Append(LedgerStateMap.ReadersKey(null)).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The zone keys of the places the lot was in during [<paramref name="fromMs"/>, <paramref name="toMs"/>) of <paramref name="history"/>.</summary>
    public static IReadOnlyList<string> ZoneKeys(IEnumerable<Conditions.StorageInterval> history, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(history);
        return history.Where(s => s.ToMs > fromMs && s.FromMs < toMs).Select(s => (s.Site, s.Zone)).Distinct()
            .SelectMany(p => new[] { LedgerStateMap.ZoneKey(p.Site, p.Zone), LedgerStateMap.ZoneKey(null, p.Zone) })
            .Distinct(StringComparer.Ordinal).ToList();
    }

    // Which devices the lot needs: every reader at the lot's sites (they place its pallets), and
    // every device with a sensor in a zone the lot was in during the window; the state lists both,
    // so a device cannot be left out. Each must be in the bundle and its readings complete: readers
    // from the issue (the history starts there), zone sensors over the window.
    private static Result<IReadOnlyList<string>> RequiredDevices(LotStatement lot, List<MoveEvidence> moves, ReportParameters window, ProvenState state,
        List<DeviceEvidence> devices, string who)
    {
        var byId = devices.ToDictionary(d => d.DeviceId, StringComparer.Ordinal);
        var required = new SortedSet<string>(StringComparer.Ordinal);
        var readers = new List<DeviceEvidence>();
        foreach (var key in ReaderKeys(lot, moves.Select(m => m.Move.Site)))
        {
            var listed = Listed(state, key, "the RFID readers that place the lot's pallets", who);
            if (!listed.Succeeded)
            {
                return listed.Failure!;
            }
            foreach (var id in listed.Value)
            {
                var device = Present(byId, id, key, who);
                if (!device.Succeeded)
                {
                    return device.Failure!;
                }
                if (required.Add(id))
                {
                    readers.Add(device.Value);
                }
                if (Complete(device.Value, lot.IssuedMs, window.ToMs, who) is { } incomplete)
                {
                    return incomplete;
                }
            }
        }
        var history = LotConditions.History(lot, moves, null, null, readers, window.ToMs);
        {
            foreach (var key in ZoneKeys(history, window.FromMs, window.ToMs))
            {
                var listed = Listed(state, key, "the devices that measure a zone the lot was in", who);
                if (!listed.Succeeded)
                {
                    return listed.Failure!;
                }
                foreach (var id in listed.Value)
                {
                    var device = Present(byId, id, key, who);
                    if (!device.Succeeded)
                    {
                        return device.Failure!;
                    }
                    required.Add(id);
                    if (Complete(device.Value, window.FromMs, window.ToMs, who) is { } incomplete)
                    {
                        return incomplete;
                    }
                }
            }
        }
        if (devices.FirstOrDefault(d => !required.Contains(d.DeviceId)) is { } extra)
        {
            return Fail("bundle-format", $"{who}: device {extra.DeviceId} is in the bundle, but no site or zone of the lot lists it");
        }
        return required.ToList();
    }

    /// <summary>The sensors of an enrolment whose readings a calibration may correct: every one whose quantity is not <c>epc</c>, in enrolment order.</summary>
    public static IEnumerable<string> CalibratedSensors(EnrolStatement enrolment)
    {
        ArgumentNullException.ThrowIfNull(enrolment);
        return enrolment.Sensors.Where(s => s.Quantity != "epc").Select(s => s.SensorId).Distinct(StringComparer.Ordinal);
    }

    // Step 11a: for each measuring sensor of each device, the state's 'calibration/<device>/<sensor>'
    // (present or proven absent) and every calibrate entry it lists, each signed by an operator
    // member and about that sensor: so a reader knows the calibration in force at every reading.
    private static Result<Dictionary<(string Device, string Sensor), IReadOnlyList<CalibrationRecord>>> VerifyCalibrations(List<DeviceEvidence> devices,
        SortedDictionary<long, LedgerEntry> entries, ProvenState state, List<LedgerMember> members, string consortium, SignatureChecker signatures, string who, HashSet<long> used)
    {
        var found = new Dictionary<(string Device, string Sensor), IReadOnlyList<CalibrationRecord>>();
        foreach (var device in devices)
        {
            foreach (var sensor in CalibratedSensors(device.Enrolment))
            {
                var key = LedgerStateMap.CalibrationKey(device.DeviceId, sensor);
                var value = state.Get(key, "the calibrations of a sensor whose readings the report judges");
                if (!value.Succeeded)
                {
                    return Fail(value.Failure!.Code, $"{who}: {value.Failure.Message}");
                }
                var records = new List<CalibrationRecord>();
                if (value.Value is not null)
                {
                    var indices = StateFields.Of(value.Value).Repeated("entry");
                    var parsed = indices.Select(i => long.TryParse(i, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).ToList();
                    if (parsed.Count == 0 || parsed.Contains(-1) || LedgerStateMap.CalibrationValue(parsed) != value.Value)
                    {
                        return Fail("state-format", $"{who}: state key '{key}' holds 'entry <index>' lines, got '{value.Value}'");
                    }
                    foreach (var index in parsed)
                    {
                        var entry = Member(entries, index, EntryKinds.Calibrate, consortium, members, signatures, MemberRoles.Operator, who, used);
                        if (!entry.Succeeded)
                        {
                            return entry.Failure!;
                        }
                        var calibration = CalibrateStatement.From(entry.Value.Statement);
                        if (!calibration.Succeeded || calibration.Value.DeviceId != device.DeviceId || calibration.Value.SensorId != sensor)
                        {
                            return Fail("bad-lot", $"{who}: ledger entry {index} (calibrate): {calibration.Failure?.Message ?? $"it calibrates {calibration.Value.DeviceId} {calibration.Value.SensorId}, not {device.DeviceId} {sensor}"}");
                        }
                        records.Add(new CalibrationRecord(index, entry.Value.Signers[0], calibration.Value));
                    }
                }
                found[(device.DeviceId, sensor)] = records;
            }
        }
        return found;
    }

    private static Result<List<string>> Listed(ProvenState state, string key, string why, string who)
    {
        var value = state.Get(key, why);
        if (!value.Succeeded)
        {
            return Fail(value.Failure!.Code, $"{who}: {value.Failure.Message}");
        }
        if (value.Value is null)
        {
            return new List<string>();
        }
        var fields = StateFields.Of(value.Value);
        var ids = fields.Repeated("device");
        return fields.End() is null && ids.Count > 0 && LedgerStateMap.DeviceListValue(ids) == value.Value
            ? ids
            : Fail("state-format", $"state key '{key}' holds 'device <id>' lines in ordinal order, got '{value.Value}'");
    }

    private static Result<DeviceEvidence> Present(Dictionary<string, DeviceEvidence> devices, string id, string key, string who) =>
        devices.TryGetValue(id, out var device)
            ? device
            : Fail("incomplete-bundle", $"{who}: state key '{key}' lists device {id}, which the bundle leaves out");

    private static Failure? Complete(DeviceEvidence device, long fromMs, long toMs, string who) =>
        !device.CoversFrom(fromMs)
            ? Fail("incomplete-bundle", $"{who}: the readings of {device.DeviceId} start at {device.First} ({Iso(device.Readings[0].Content.TimeMs)}), after {Iso(fromMs)}: earlier readings are left out")
            : !device.CoversTo(toMs)
                ? Fail("incomplete-bundle", $"{who}: the readings of {device.DeviceId} end at {device.First + device.Readings.Count - 1} ({Iso(device.Readings[^1].Content.TimeMs)}), before {Iso(toMs)}, but {device.State.Size} are anchored: later readings are left out")
                : null;

    // The registrations of the parties the status chain relies on: for each, its first registration
    // and every replacement in order, each replacement signed by the key it replaces (or a quorum of
    // members, to recover a lost key), the last one the registration the state names.
    private static Result<List<(long Index, PartyRecord Party)>> VerifyParties(IReadOnlyList<long> indices, SortedDictionary<long, LedgerEntry> entries, ProvenState state,
        List<LedgerMember> members, int quorum, string consortium, SignatureChecker signatures, string who, HashSet<long> used)
    {
        var registrations = new List<(long Index, PartyRecord Party)>();
        long last = -1;
        foreach (var index in indices)
        {
            if (index <= last)
            {
                return Fail("bundle-format", $"{who}: party registrations are listed by ascending ledger index");
            }
            last = index;
            if (!entries.TryGetValue(index, out var entry))
            {
                return Fail("missing-entry", $"{who}: the bundle lacks ledger entry {index} (party)");
            }
            used.Add(index);
            var where = $"{who}: ledger entry {index} (party)";
            var statement = Statement.Parse(entry.Note.Text);
            if (entry.Kind != EntryKinds.Party || !statement.Succeeded || statement.Value.Kind != EntryKinds.Party || statement.Value.Consortium != consortium)
            {
                return Fail("bad-lot", $"{where}: not a party statement of this consortium");
            }
            var party = PartyStatement.From(statement.Value);
            if (!party.Succeeded)
            {
                return Fail("bad-lot", $"{where}: {party.Failure!.Message}");
            }
            var known = members.Where(m => m.AdmittedAt < index).ToList();
            var previous = registrations.Where(r => r.Party.PartyId == party.Value.PartyId).Select(r => r.Party).LastOrDefault();
            string registeredBy;
            if (party.Value.Replaces is { } replaces)
            {
                if (previous is null || previous.RegistrationIndex != replaces)
                {
                    return Fail("incomplete-bundle", $"{where} replaces registration {replaces} of '{party.Value.PartyId}', which the bundle does not carry before it");
                }
                var consent = KeyReplacement.Check(entry.Note, name => known.Find(m => m.Name == name), quorum, signatures, previous);
                if (!consent.Succeeded)
                {
                    return Fail(consent.Failure!.Code, $"{where}: {consent.Failure.Message}");
                }
                registeredBy = consent.Value;
            }
            else
            {
                if (previous is not null)
                {
                    return Fail("bad-lot", $"{where} registers '{party.Value.PartyId}' again without replacing registration {previous.RegistrationIndex}");
                }
                var signers = signatures.VerifyMembers(entry.Note, name => known.Find(m => m.Name == name));
                if (!signers.Succeeded)
                {
                    return Fail(signers.Failure!.Code, $"{where}: {signers.Failure.Message}");
                }
                var operatorMember = signers.Value.FirstOrDefault(m => m.Roles.HasFlag(MemberRoles.Operator));
                if (operatorMember is null)
                {
                    return Fail(LedgerFailures.RoleRequired, $"{where} is not signed by an operator member");
                }
                registeredBy = operatorMember.Name;
            }
            registrations.Add((index, new PartyRecord(party.Value.PartyId, party.Value.PublicKey, index, registeredBy)));
        }
        foreach (var party in registrations.GroupBy(r => r.Party.PartyId).Select(g => g.Last().Party))
        {
            var value = state.Require(LedgerStateMap.PartyKey(party.PartyId), $"the registration in force of party {party.PartyId}");
            if (!value.Succeeded)
            {
                return value.Failure!;
            }
            if (value.Value != LedgerStateMap.PartyValue(party))
            {
                return Fail("incomplete-bundle", $"{who}: the bundle's last registration of party '{party.PartyId}' is ledger entry {party.RegistrationIndex}, but the state at this checkpoint names '{value.Value.Replace('\n', ';')}': a key replacement is left out");
            }
        }
        return registrations;
    }

    private sealed record ChainState(long Head, LotStatus Status, string Owner, decimal Quantity, long? ActivePledge, string? Controller, long? Frozen);

    // Replays the status chain as the rules would, from what the bundle holds: who signed each entry
    // (members admitted before it, parties with the key registered for them at its index), what it
    // needs (the lot open, not frozen, pledged or not) and what it changes (status, owner, quantity,
    // active pledge, controller, freeze). The result must be the state's 'lot-status' value.
    private static Result<(List<LotEventEvidence> Events, List<PledgeEvidence> Pledges, ChainState State, HashSet<string> Signing)> VerifyStatusChain(IReadOnlyList<long> indices,
        BundleLot bundleLot, TitleStatement title, List<(long Index, PartyRecord Party)> parties, SortedDictionary<long, LedgerEntry> entries,
        List<LedgerMember> members, string consortium, SignatureChecker signatures, string who, HashSet<long> used)
    {
        var events = new List<LotEventEvidence>();
        var pledges = new List<PledgeEvidence>();
        var signing = new HashSet<string>(StringComparer.Ordinal);
        var previous = bundleLot.LotEntry;
        PledgeEvidence? active = null;
        string? controller = null;
        long? frozen = null;
        var owner = title.Owner;
        var lotStatus = LotStatus.Issued;
        var quantity = title.Quantity;
        foreach (var index in indices)
        {
            if (!entries.TryGetValue(index, out var entry))
            {
                return Fail("missing-entry", $"{who}: the bundle lacks ledger entry {index} of the lot's status chain");
            }
            used.Add(index);
            var where = $"{who}: ledger entry {index} ({entry.Kind})";
            if (!InventoryRules.StatusKinds.Contains(entry.Kind))
            {
                return Fail("bad-lot", $"{where} is not an entry of the status chain ({string.Join(", ", InventoryRules.StatusKinds)})");
            }
            if (lotStatus is not (LotStatus.Issued or LotStatus.Pledged or LotStatus.Enforced))
            {
                return Fail("bad-lot", $"{where} follows the lot's closing entry");
            }
            if (frozen is { } frozenAt && entry.Kind != EntryKinds.Unfreeze)
            {
                return Fail(LedgerFailures.LotFrozen, $"{where}: the lot is frozen (ledger index {frozenAt}); nothing but an unfreeze follows");
            }
            var statement = Statement.Parse(entry.Note.Text);
            if (!statement.Succeeded || statement.Value.Kind != entry.Kind || statement.Value.Consortium != consortium)
            {
                return Fail("bad-lot", $"{where}: {statement.Failure?.Message ?? "not a statement of this kind and consortium"}");
            }
            var known = members.Where(m => m.AdmittedAt < index).ToList();
            PartyRecord? PartyAt(string id) => parties.Where(p => p.Party.PartyId == id && p.Index < index).Select(p => p.Party).LastOrDefault();
            Result<IReadOnlyList<string>> Members(MemberRoles role, string what)
            {
                var signed = signatures.VerifyMembers(entry.Note, name => known.Find(m => m.Name == name));
                if (!signed.Succeeded)
                {
                    return Fail(signed.Failure!.Code, $"{where}: {signed.Failure.Message}");
                }
                return role == MemberRoles.None || signed.Value.Any(m => m.Roles.HasFlag(role))
                    ? signed.Value.Select(m => m.Name).ToList()
                    : Fail(LedgerFailures.RoleRequired, $"{where}: not signed by {what}");
            }
            Failure? Dealing(string kind) =>
                active is not null ? Fail(LedgerFailures.LotPledged, $"{where}: the lot is pledged (ledger index {active.Index})")
                : lotStatus != LotStatus.Issued ? Fail(LedgerFailures.LotEnforced, $"{where}: a {lotStatus.Name()} lot cannot be {kind}")
                : null;
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
                    if (pledge.Value.Owner != owner)
                    {
                        return Fail(LedgerFailures.NotTheOwner, $"{where}: the pledge names owner '{pledge.Value.Owner}', but the title is held by '{owner}'");
                    }
                    var party = PartyAt(pledge.Value.Owner);
                    if (party is null)
                    {
                        return Fail("missing-entry", $"{where}: the bundle lacks the registration of owner '{pledge.Value.Owner}' in force at the pledge, so its consent cannot be checked");
                    }
                    var signed = PartySignatures.Verify(entry.Note, name => known.Find(m => m.Name == name), signatures, party);
                    if (!signed.Succeeded)
                    {
                        return Fail(signed.Failure!.Code, $"{where}: {signed.Failure.Message}");
                    }
                    var lenderMember = signed.Value.Members.FirstOrDefault(m => m.Name == pledge.Value.Lender);
                    if (lenderMember is null || !lenderMember.Roles.HasFlag(MemberRoles.Lender))
                    {
                        return Fail(LedgerFailures.NotTheLender, $"{where}: not signed by its lender '{pledge.Value.Lender}' (a member with role lender)");
                    }
                    if (!signed.Value.PartySigned)
                    {
                        return Fail(LedgerFailures.OwnerConsentRequired, $"{where}: the owner '{pledge.Value.Owner}' did not sign");
                    }
                    if (Dealing("pledged") is { } refused)
                    {
                        return refused;
                    }
                    signing.Add(pledge.Value.Owner);
                    signers = [.. signed.Value.Members.Select(m => m.Name), InventoryNames.PartyKeyName(pledge.Value.Owner)];
                    active = new PledgeEvidence { Index = index, Statement = pledge.Value, Lender = pledge.Value.Lender };
                    pledges.Add(active);
                    lotStatus = LotStatus.Pledged;
                    break;
                }
                case EntryKinds.Release or EntryKinds.Enforce or EntryKinds.Transfer:
                {
                    var membersSigned = Members(MemberRoles.None, "");
                    if (!membersSigned.Succeeded)
                    {
                        return membersSigned.Failure!;
                    }
                    signers = membersSigned.Value;
                    long pledgeIndex, at;
                    if (entry.Kind == EntryKinds.Transfer)
                    {
                        var transfer = TransferStatement.From(statement.Value);
                        if (!transfer.Succeeded)
                        {
                            return Fail("bad-pledge", $"{where}: {transfer.Failure!.Message}");
                        }
                        (reference, pledgeIndex) = (transfer.Value.Lot, transfer.Value.PledgeIndex);
                        var to = known.Find(m => m.Name == transfer.Value.ToLender);
                        if (active is null || active.Index != pledgeIndex || transfer.Value.FromLender != active.Lender || !signers.Contains(transfer.Value.FromLender)
                            || to is null || !to.Roles.HasFlag(MemberRoles.Lender) || !signers.Contains(to.Name))
                        {
                            return Fail(LedgerFailures.NotTheLender, $"{where}: a transfer of the active pledge needs the signatures of its lender and of the new lender (a member with role lender)");
                        }
                        var at2 = pledges.IndexOf(active);
                        active = active with { Lender = to.Name };
                        pledges[at2] = active;
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
                    }
                    if (active is null || active.Index != pledgeIndex || !signers.Contains(active.Lender))
                    {
                        return Fail(LedgerFailures.NotTheLender, $"{where}: it must end the active pledge and be signed by its lender");
                    }
                    if (entry.Kind == EntryKinds.Enforce)
                    {
                        controller = active.Lender;
                        lotStatus = LotStatus.Enforced;
                    }
                    else
                    {
                        lotStatus = LotStatus.Issued;
                    }
                    pledges[pledges.IndexOf(active)] = active with { EndedBy = index, EndedHow = entry.Kind, EndedAtMs = at };
                    active = null;
                    break;
                }
                case EntryKinds.Endorse:
                {
                    var endorse = EndorseStatement.From(statement.Value);
                    if (!endorse.Succeeded)
                    {
                        return Fail("bad-lot", $"{where}: {endorse.Failure!.Message}");
                    }
                    reference = endorse.Value.Lot;
                    var (from, to) = (PartyAt(endorse.Value.Owner), PartyAt(endorse.Value.NewOwner));
                    if (from is null || to is null)
                    {
                        return Fail("missing-entry", $"{where}: the bundle lacks the registration of party '{(from is null ? endorse.Value.Owner : endorse.Value.NewOwner)}' in force at the endorsement");
                    }
                    var signed = PartySignatures.Verify(entry.Note, name => known.Find(m => m.Name == name), signatures, [from, to]);
                    if (!signed.Succeeded)
                    {
                        return Fail(signed.Failure!.Code, $"{where}: {signed.Failure.Message}");
                    }
                    if (!signed.Value.Members.Any(m => m.Roles.HasFlag(MemberRoles.Operator)))
                    {
                        return Fail(LedgerFailures.RoleRequired, $"{where}: not signed by an operator member");
                    }
                    if (endorse.Value.Owner != owner || !signed.Value.Parties.Contains(endorse.Value.Owner))
                    {
                        return Fail(LedgerFailures.OwnerConsentRequired, $"{where}: an endorsement is signed by the owner '{owner}' it is from");
                    }
                    if (!signed.Value.Parties.Contains(endorse.Value.NewOwner))
                    {
                        return Fail(LedgerFailures.PartyConsentRequired, $"{where}: the new owner '{endorse.Value.NewOwner}' did not sign");
                    }
                    if (Dealing("endorsed") is { } refused)
                    {
                        return refused;
                    }
                    signing.Add(endorse.Value.Owner);
                    signing.Add(endorse.Value.NewOwner);
                    signers = [.. signed.Value.Members.Select(m => m.Name), .. signed.Value.Parties.Select(InventoryNames.PartyKeyName)];
                    owner = endorse.Value.NewOwner;
                    break;
                }
                case EntryKinds.Freeze or EntryKinds.Unfreeze:
                {
                    var regulators = Members(MemberRoles.Regulator, "a member with role regulator");
                    if (!regulators.Succeeded)
                    {
                        return regulators.Failure!;
                    }
                    signers = regulators.Value;
                    if (entry.Kind == EntryKinds.Freeze)
                    {
                        var freeze = FreezeStatement.From(statement.Value);
                        if (!freeze.Succeeded)
                        {
                            return Fail("bad-lot", $"{where}: {freeze.Failure!.Message}");
                        }
                        reference = freeze.Value.Lot;
                        frozen = index;
                        break;
                    }
                    var unfreeze = UnfreezeStatement.From(statement.Value);
                    if (!unfreeze.Succeeded)
                    {
                        return Fail("bad-lot", $"{where}: {unfreeze.Failure!.Message}");
                    }
                    if (frozen != unfreeze.Value.FreezeIndex)
                    {
                        return Fail(LedgerFailures.NotFrozen, $"{where}: it lifts freeze {unfreeze.Value.FreezeIndex}, but the freeze in force is {(frozen is { } f ? $"ledger index {f}" : "none")}");
                    }
                    reference = unfreeze.Value.Lot;
                    frozen = null;
                    break;
                }
                case EntryKinds.Dispose:
                {
                    var dispose = DisposeStatement.From(statement.Value);
                    if (!dispose.Succeeded)
                    {
                        return Fail("bad-lot", $"{where}: {dispose.Failure!.Message}");
                    }
                    var membersSigned = Members(MemberRoles.None, "");
                    if (!membersSigned.Succeeded)
                    {
                        return membersSigned.Failure!;
                    }
                    signers = membersSigned.Value;
                    if (lotStatus != LotStatus.Enforced || controller is null || !signers.Contains(controller))
                    {
                        return Fail(LedgerFailures.NotEnforced, $"{where}: a disposal follows an enforcement and is signed by the lender the goods are held for");
                    }
                    reference = dispose.Value.Lot;
                    lotStatus = LotStatus.Disposed;
                    quantity = 0;
                    break;
                }
                default:
                {
                    var membersSigned = Members(MemberRoles.Operator, "an operator member");
                    if (!membersSigned.Succeeded)
                    {
                        return membersSigned.Failure!;
                    }
                    if (active is not null)
                    {
                        return Fail(LedgerFailures.LotPledged, $"{where}: the lot is pledged (ledger index {active.Index})");
                    }
                    signers = membersSigned.Value;
                    switch (entry.Kind)
                    {
                        case EntryKinds.Deliver:
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
                            if (deliver.Value.Quantity > quantity)
                            {
                                return Fail(LedgerFailures.QuantityExceeded, $"{where}: delivers {CanonicalValues.Decimal(deliver.Value.Quantity)}, more than the {CanonicalValues.Decimal(quantity)} left");
                            }
                            quantity -= deliver.Value.Quantity;
                            if (quantity == 0)
                            {
                                lotStatus = LotStatus.Delivered;
                            }
                            reference = deliver.Value.Lot;
                            break;
                        }
                        case EntryKinds.Split:
                        {
                            var split = SplitStatement.From(statement.Value);
                            if (!split.Succeeded)
                            {
                                return Fail("bad-lot", $"{where}: {split.Failure!.Message}");
                            }
                            if (Dealing("split") is { } refused)
                            {
                                return refused;
                            }
                            if (split.Value.Children.Sum(c => c.Quantity) != quantity)
                            {
                                return Fail(LedgerFailures.QuantityMismatch, $"{where}: the children take {CanonicalValues.Decimal(split.Value.Children.Sum(c => c.Quantity))}, the lot holds {CanonicalValues.Decimal(quantity)}");
                            }
                            (reference, lotStatus, quantity) = (split.Value.Lot, LotStatus.Split, 0);
                            break;
                        }
                        case EntryKinds.Merge:
                        {
                            var merge = MergeStatement.From(statement.Value);
                            if (!merge.Succeeded)
                            {
                                return Fail("bad-lot", $"{where}: {merge.Failure!.Message}");
                            }
                            if (Dealing("merged") is { } refused)
                            {
                                return refused;
                            }
                            (reference, lotStatus, quantity) = (merge.Value.Lot, LotStatus.Merged, 0);
                            break;
                        }
                        default:
                        {
                            var cancel = CancelStatement.From(statement.Value);
                            if (!cancel.Succeeded)
                            {
                                return Fail("bad-lot", $"{where}: {cancel.Failure!.Message}");
                            }
                            if (Dealing("cancelled") is { } refused)
                            {
                                return refused;
                            }
                            lotStatus = LotStatus.Cancelled;
                            reference = cancel.Value.Lot;
                            break;
                        }
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
        return (events, pledges, new ChainState(previous, lotStatus, owner, quantity, active?.Index, lotStatus == LotStatus.Enforced ? controller : null, frozen), signing);
    }

    private static Failure? Chain(LotReference reference, BundleLot bundleLot, long previous, long index, string who) =>
        Chain(reference, bundleLot.Receipt, bundleLot.LotEntry, previous, index, who);

    private static Failure? Chain(LotReference reference, string receipt, long lotIndex, long previous, long index, string who) =>
        reference.Receipt != receipt || reference.LotIndex != lotIndex
            ? Fail("broken-chain", $"{who}: ledger entry {index} is about receipt '{reference.Receipt}' (lot entry {reference.LotIndex})")
            : reference.After != previous
                ? Fail("broken-chain", $"{who}: ledger entry {index} follows entry {reference.After}, but the bundle's chain has {previous} before it: an entry is missing or out of order")
                : null;

    // An entry of the given kind, a statement of this consortium, signed by members admitted before it, one of them with the role.
    private static Result<(Statement Statement, IReadOnlyList<string> Signers)> Member(SortedDictionary<long, LedgerEntry> entries, long index, string kind, string consortium,
        List<LedgerMember> members, SignatureChecker signatures, MemberRoles role, string who, HashSet<long> used)
    {
        if (!entries.TryGetValue(index, out var entry))
        {
            return Fail("missing-entry", $"{who}: the bundle lacks ledger entry {index} ({kind})");
        }
        used.Add(index);
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
