using AnchorNode.Evidence;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Inventory;

/// <summary>What a lot bundle is for, and the report it reproduces.</summary>
public sealed record LotBundleRequest
{
    /// <summary>
    /// A public bundle (for consumers): the lot's public entries and the readings only, no title,
    /// no status chain (pledges, lenders, amounts, owner), no covenants.
    /// </summary>
    public bool Public { get; init; }

    /// <summary>The pledge whose term and covenants the report covers; default the active pledge, else the latest.</summary>
    public long? Pledge { get; init; }

    /// <summary>Window start; default the pledge's start (public: the issue).</summary>
    public long? FromMs { get; init; }

    /// <summary>Window end; default the pledge's end, the last delivery, or the newest anchored reading.</summary>
    public long? ToMs { get; init; }

    /// <summary>ΔH/R for the MKT, kelvin.</summary>
    public double ActivationEnergyK { get; init; } = MeanKineticTemperature.DefaultActivationEnergyK;

    /// <summary>The sensors' logging interval.</summary>
    public long IntervalMs { get; init; } = 60_000;

    /// <summary>Out-of-range periods up to this long are not excursions.</summary>
    public long DelayMs { get; init; }

    /// <summary>The most time out of range allowed per sensor, or null.</summary>
    public long? CumulativeMs { get; init; }
}

/// <summary>
/// Writes lot bundles: the lot's entries (and for lenders its title, status chain and the owner's
/// registration), the enrolment and anchor of every device whose sensors cover a zone the lot was
/// in or whose readers saw its cargo, each device's readings from the lot's issue to the window's
/// end (so the storage history can be derived again), all proven against one ledger checkpoint, and
/// the report parameters. Like <see cref="BundleExporter"/> it writes what the database holds.
/// </summary>
public sealed class LotBundleExporter
{
    private readonly NodeReaders _readers;

    /// <summary>An exporter reading through <paramref name="readers"/>.</summary>
    public LotBundleExporter(NodeReaders readers) => _readers = readers;

    /// <summary>The bundle, or why there is none yet.</summary>
    public Result<ExportedBundle> Export(string receipt, LotBundleRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var lease = _readers.Rent();
        var reader = lease.Reader;
        using var snapshot = reader.Snapshot();
        var state = reader.State;
        if (state.Lot(receipt) is not { } lot)
        {
            return Result<ExportedBundle>.Fail(LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
        }
        LotEntries entries;
        try
        {
            entries = LotChains.Read(reader, lot);
        }
        catch (InvalidDataException e)
        {
            return Result<ExportedBundle>.Fail("damaged-store", e.Message);
        }

        PledgeRecord? pledge = null;
        if (!request.Public)
        {
            var pledges = state.PledgesOf(receipt);
            pledge = request.Pledge is { } wanted
                ? pledges.FirstOrDefault(p => p.Index == wanted)
                : pledges.FirstOrDefault(p => p.Index == lot.ActivePledge) ?? pledges.LastOrDefault();
            if (request.Pledge is not null && pledge is null)
            {
                return Result<ExportedBundle>.Fail(LedgerFailures.NotPledged, $"ledger index {request.Pledge} is not a pledge of lot '{receipt}'");
            }
        }
        var closedMs = ClosedAt(entries);
        var fromMs = request.FromMs ?? pledge?.StartMs ?? lot.IssuedMs;
        var fixedEnd = request.ToMs ?? pledge?.EndedAtMs ?? closedMs;

        var needed = request.Public ? lot.LocationHead : Math.Max(lot.LocationHead, lot.StatusHead);
        var checkpoint = reader.CheckpointsCovering(needed, 256)
            .OrderByDescending(c => c.Signatures).ThenByDescending(c => c.Size).FirstOrDefault();
        if (checkpoint is null)
        {
            return Result<ExportedBundle>.Fail("no-checkpoint", $"no signed ledger checkpoint covers the entries of lot '{receipt}' up to ledger index {needed} yet; wait for the next checkpoint (about a second) and try again");
        }

        var devices = new List<BundleDevice>();
        var indices = new SortedSet<long> { 0, lot.LotIndex };
        indices.UnionWith(entries.Moves.Select(m => m.Index));
        indices.UnionWith(reader.EntryIndices(EntryKinds.Admit).Where(i => i < checkpoint.Size));
        var warnings = new List<string>();
        long horizon = long.MinValue;
        foreach (var device in RelevantDevices(reader, lot, entries))
        {
            if (reader.DeviceLog(device.DeviceId) is not { } log || reader.AnchorCovering(device.DeviceId, 0, checkpoint.Size) is not { } anchor)
            {
                continue;
            }
            var anchorEntry = reader.Entry(anchor.Index) is { } bytes && LedgerEntry.Parse(bytes) is { Succeeded: true } parsed && AnchorEntry.From(parsed.Value) is { Succeeded: true } a
                ? a.Value
                : null;
            if (anchorEntry is null)
            {
                warnings.Add($"the anchor entry {anchor.Index} of {device.DeviceId} is missing or unreadable");
                continue;
            }
            var range = reader.SequenceRange(log.LogId, lot.IssuedMs, fixedEnd is { } end ? end - 1 : long.MaxValue);
            var readings = new List<BundleReading>();
            if (range is { } r && r.First < anchor.Size)
            {
                var last = Math.Min(r.Last, anchor.Size - 1);
                var tree = reader.DeviceTree(log.LogId);
                List<StoredLeaf> stored;
                try
                {
                    stored = reader.Leaves(log.LogId, r.First, last - r.First + 1);
                }
                catch (InvalidDataException e)
                {
                    return Result<ExportedBundle>.Fail("damaged-store", $"the node's copy of {device.DeviceId}'s readings is damaged: {e.Message}");
                }
                foreach (var leaf in stored)
                {
                    readings.Add(new BundleReading(leaf.Seq, Convert.ToBase64String(leaf.Bytes.Span), tree.InclusionProof(leaf.Seq, anchor.Size).Select(h => h.ToBase64()).ToList()));
                    horizon = Math.Max(horizon, leaf.TimeMs);
                }
                if (readings.Count != last - r.First + 1)
                {
                    warnings.Add($"{last - r.First + 1 - readings.Count} of the readings {r.First}..{last} of {device.DeviceId} are missing from the database");
                }
            }
            indices.Add(anchorEntry.EnrolmentIndex);
            indices.Add(anchor.Index);
            devices.Add(new BundleDevice(device.DeviceId, anchorEntry.EnrolmentIndex, anchor.Index, readings));
        }

        var toMs = fixedEnd ?? (horizon == long.MinValue ? Math.Max(fromMs, lot.LocationTimeMs) + 1 : horizon + 1);
        if (toMs <= fromMs)
        {
            return Result<ExportedBundle>.Fail("empty-window", $"the window from {EvidenceVerifier.Iso(fromMs)} to {EvidenceVerifier.Iso(toMs)} is empty: no anchored reading of lot '{receipt}' is that recent yet");
        }

        BundleLot bundleLot;
        if (request.Public)
        {
            bundleLot = new BundleLot(receipt, lot.LotIndex, entries.Moves.Select(m => m.Index).ToList());
        }
        else
        {
            var events = entries.Events.Select(e => e.Index).ToList();
            var parties = reader.EntryIndices(EntryKinds.Party)
                .Where(i => i < checkpoint.Size && LotChains.StatementAt(reader, i, EntryKinds.Party) is { } s && PartyStatement.From(s) is { Succeeded: true } p
                    && (p.Value.PartyId == lot.Owner || entries.Events.Any(e => e.Kind == EntryKinds.Pledge && PledgeStatement.From(e.Statement) is { Succeeded: true } ps && ps.Value.Owner == p.Value.PartyId)))
                .ToList();
            indices.Add(lot.TitleIndex);
            indices.UnionWith(events);
            indices.UnionWith(parties);
            bundleLot = new BundleLot(receipt, lot.LotIndex, entries.Moves.Select(m => m.Index).ToList(), lot.TitleIndex, events, parties);
        }

        var bundleEntries = new List<BundleEntry>();
        foreach (var index in indices.Where(i => i < checkpoint.Size))
        {
            if (reader.Entry(index) is not { } bytes)
            {
                warnings.Add($"ledger entry {index} is missing from the database");
                continue;
            }
            bundleEntries.Add(new BundleEntry(index, Convert.ToBase64String(bytes), reader.Ledger.InclusionProof(index, checkpoint.Size).Select(h => h.ToBase64()).ToList()));
        }
        var parameters = new ReportParameters
        {
            FromMs = fromMs, ToMs = toMs, ActivationEnergyK = request.ActivationEnergyK, IntervalMs = request.IntervalMs, DelayMs = request.DelayMs, CumulativeMs = request.CumulativeMs,
        };
        if (parameters.Problem() is { } problem)
        {
            return Result<ExportedBundle>.Fail(Firmware.Contracts.Uplink.ProblemTypes.MalformedRequest, problem);
        }
        return new ExportedBundle(new EvidenceBundle
        {
            Format = EvidenceBundle.FormatV1,
            Ledger = new BundleLedger(LedgerNames.Origin(state.Consortium), checkpoint.Note),
            Entries = bundleEntries,
            Devices = devices,
            Lot = bundleLot,
            Report = BundleReport.Of(parameters, request.Public ? null : pledge?.Index),
        }, warnings);
    }

    /// <summary>When the last unit was delivered, from the status chain and the title's quantity; null while in store.</summary>
    public static long? ClosedAt(LotEntries entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var remaining = entries.Title.Quantity;
        foreach (var e in entries.Events.Where(e => e.Kind == EntryKinds.Deliver))
        {
            if (DeliverStatement.From(e.Statement) is { Succeeded: true } delivered)
            {
                remaining -= delivered.Value.Quantity;
                if (remaining <= 0)
                {
                    return delivered.Value.AtMs;
                }
            }
        }
        return null;
    }

    /// <summary>The lot's storage history from this node's data (moves, deliveries, and the RFID reads it holds).</summary>
    public static IReadOnlyList<StorageInterval> LocalHistory(NodeReader reader, LotRecord lot, LotEntries entries, long endMs)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(lot);
        ArgumentNullException.ThrowIfNull(entries);
        var devices = new Dictionary<string, DeviceRecord?>(StringComparer.Ordinal);
        var sightings = new List<EpcSighting>();
        foreach (var epc in entries.Lot.Epcs)
        {
            foreach (var seen in reader.Observations(epc))
            {
                if (!devices.TryGetValue(seen.DeviceId, out var device))
                {
                    device = devices[seen.DeviceId] = reader.State.Device(seen.DeviceId);
                }
                if (device?.Sensors.FirstOrDefault(s => s.SensorId == seen.SensorId) is { } sensor && (sensor.Zone ?? device.Zone) is { } zone)
                {
                    sightings.Add(new EpcSighting(seen.TimeMs, seen.DeviceId, seen.Seq, epc, device.Site, zone));
                }
            }
        }
        var departures = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in entries.Events.Where(e => e.Kind == EntryKinds.Deliver))
        {
            if (DeliverStatement.From(e.Statement) is { Succeeded: true } delivered)
            {
                foreach (var epc in delivered.Value.Epcs)
                {
                    departures.TryAdd(epc, delivered.Value.AtMs);
                }
            }
        }
        return StorageHistory.Derive(new HistoryInput
        {
            IssuedMs = entries.Lot.IssuedMs,
            Site = entries.Lot.Site,
            Zone = entries.Lot.Zone,
            Epcs = entries.Lot.Epcs,
            Moves = entries.Moves.Select(m => new LotMove(m.Index, m.Move.AtMs, m.Move.Site, m.Move.Zone)).ToList(),
            Sightings = sightings,
            Departures = departures,
            ClosedMs = ClosedAt(entries),
            EndMs = endMs,
        });
    }

    // Devices with a sensor (other than a reader) in a zone the lot was in, or whose readers saw its cargo.
    private static List<DeviceRecord> RelevantDevices(NodeReader reader, LotRecord lot, LotEntries entries)
    {
        var places = LocalHistory(reader, lot, entries, long.MaxValue / 2).Select(h => (h.Site, h.Zone)).Distinct().ToList();
        var readers = entries.Lot.Epcs.SelectMany(reader.Observations).Select(o => o.DeviceId).ToHashSet(StringComparer.Ordinal);
        return reader.State.Devices()
            .Where(d => readers.Contains(d.DeviceId)
                || d.Sensors.Any(s => s.Quantity != Firmware.Contracts.Readings.Senml.Epc && (s.Zone ?? d.Zone) is { } zone
                    && places.Any(p => p.Zone == zone && (p.Site is null || d.Site is null || p.Site == d.Site))))
            .ToList();
    }
}
