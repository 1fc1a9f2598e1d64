using AnchorNode.Evidence;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Inventory;

/// <summary>
/// Writes lot bundles (docs/spec-ledger.md §7.1) against the best-signed ledger checkpoint that
/// includes the lot: its entries and chains up to the heads the state names, for lenders also its
/// title, status chain and the owner's key registrations, and every device the lot's sites and zones
/// need with its readings over the report's window. <see cref="BundleBuilder"/> decides what goes in,
/// by the verifier's own rules.
/// </summary>
public sealed class LotBundleExporter
{
    private readonly NodeReaders _readers;

    /// <summary>An exporter reading through <paramref name="readers"/>.</summary>
    public LotBundleExporter(NodeReaders readers) => _readers = readers;

    /// <summary>
    /// The bundle, or why there is none yet. A lender's request without a pledge is for the lot's
    /// active pledge, else its latest, else the lot's own report. Against <paramref name="at"/> when
    /// given (the lot as that checkpoint's state has it), else the best-signed checkpoint that
    /// includes the lot's newest entries.
    /// </summary>
    public Result<ExportedBundle> Export(string receipt, LotBundleRequest request, StoredCheckpoint? at = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var lease = _readers.Rent();
        var reader = lease.Reader;
        using var snapshot = reader.Snapshot();
        if (reader.State.Lot(receipt) is not { } lot)
        {
            return Result<ExportedBundle>.Fail(LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
        }
        // A checkpoint that includes the lot's newest entries, so the report is on the lot as it is
        // (a caller signs one and asks again when none does yet).
        var builder = at is not null ? BundleExporter.Builder(reader, at)
            : BundleExporter.Builder(reader, request.Public ? lot.LocationHead : Math.Max(lot.LocationHead, lot.StatusHead));
        if (!builder.Succeeded)
        {
            return builder.Failure!;
        }
        if (!request.Public && request.Pledge is null)
        {
            var pledges = reader.State.PledgesOf(receipt).Where(p => p.Index < builder.Value.Size).ToList();
            var chosen = pledges.FirstOrDefault(p => p.Status == PledgeStatus.Active) ?? pledges.LastOrDefault();
            request = request with { Pledge = chosen?.Index };
        }
        var bundle = builder.Value.Lot(receipt, request);
        return bundle.Succeeded ? new ExportedBundle(bundle.Value, []) : bundle.Failure!;
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
}
