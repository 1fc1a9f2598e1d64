using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Evidence;

/// <summary>A bundle and what the exporter noticed while writing it.</summary>
/// <param name="Bundle">The bundle.</param>
/// <param name="Warnings">Pieces the database lacked (the bundle will not verify without them).</param>
public sealed record ExportedBundle(EvidenceBundle Bundle, IReadOnlyList<string> Warnings);

/// <summary>
/// Writes evidence bundles from the node database: for a device and a time window, the contiguous
/// run of its leaves that covers the window, proven against one anchored device checkpoint, that
/// anchor and the device's enrolment (plus the genesis and admissions) proven against one ledger
/// checkpoint. It exports what the database holds and does not judge it: a damaged database gives
/// a bundle that fails verification, naming the damage.
/// </summary>
public sealed class BundleExporter
{
    private readonly NodeReaders _readers;

    /// <summary>An exporter reading through <paramref name="readers"/>.</summary>
    public BundleExporter(NodeReaders readers) => _readers = readers;

    /// <summary>Exports the bundle for <paramref name="deviceId"/>, readings with time in [from, to] (either bound optional).</summary>
    public Result<ExportedBundle> Export(string deviceId, DateTimeOffset? from, DateTimeOffset? to)
    {
        using var lease = _readers.Rent();
        var reader = lease.Reader;
        using var snapshot = reader.Snapshot();
        var device = reader.State.Device(deviceId);
        if (device is null)
        {
            return Result<ExportedBundle>.Fail(LedgerFailures.UnknownDevice, $"device '{deviceId}' was never enrolled");
        }
        var log = reader.DeviceLog(deviceId);
        if (log is null || log.Size == 0)
        {
            return Result<ExportedBundle>.Fail("no-readings", $"the node holds no readings of '{deviceId}'");
        }
        long first = 0, last = log.Size - 1;
        if (from is not null || to is not null)
        {
            var range = reader.SequenceRange(log.LogId, from?.ToUnixTimeMilliseconds() ?? 0, to?.ToUnixTimeMilliseconds() ?? long.MaxValue);
            if (range is null)
            {
                return Result<ExportedBundle>.Fail("no-readings", $"'{deviceId}' has no readings between {from?.ToString("O") ?? "the start"} and {to?.ToString("O") ?? "now"}");
            }
            (first, last) = range.Value;
        }

        // The ledger checkpoint with the most signatures (then the newest) that covers an anchor of
        // this device taking in the last reading.
        (StoredCheckpoint Checkpoint, long Anchor, long AnchoredSize)? chosen = null;
        foreach (var checkpoint in reader.CheckpointsCovering(device.EnrolmentIndex, 256))
        {
            if (reader.AnchorCovering(deviceId, last, checkpoint.Size) is { } anchor
                && (chosen is null || checkpoint.Signatures > chosen.Value.Checkpoint.Signatures))
            {
                chosen = (checkpoint, anchor.Index, anchor.Size);
            }
        }
        if (chosen is null)
        {
            return Result<ExportedBundle>.Fail("no-checkpoint", $"no signed ledger checkpoint covers an anchor of '{deviceId}' up to reading {last} yet; wait for the next checkpoint (about a second) and try again");
        }
        var (ledgerCheckpoint, anchorIndex, anchoredSize) = chosen.Value;
        var warnings = new List<string>();

        var anchorBytes = reader.Entry(anchorIndex);
        var enrolmentIndex = device.EnrolmentIndex;
        if (anchorBytes is not null && LedgerEntry.Parse(anchorBytes) is { Succeeded: true } parsed && AnchorEntry.From(parsed.Value) is { Succeeded: true } anchorEntry)
        {
            enrolmentIndex = anchorEntry.Value.EnrolmentIndex;
        }
        var indices = new SortedSet<long> { 0, enrolmentIndex, anchorIndex };
        foreach (var admit in reader.EntryIndices(EntryKinds.Admit).Where(i => i < ledgerCheckpoint.Size))
        {
            indices.Add(admit);
        }
        var entries = new List<BundleEntry>();
        foreach (var index in indices)
        {
            var bytes = reader.Entry(index);
            if (bytes is null)
            {
                warnings.Add($"ledger entry {index} is missing from the database");
                continue;
            }
            var proof = reader.Ledger.InclusionProof(index, ledgerCheckpoint.Size);
            entries.Add(new BundleEntry(index, Convert.ToBase64String(bytes), proof.Select(h => h.ToBase64()).ToList()));
        }

        var tree = reader.DeviceTree(log.LogId);
        var readings = new List<BundleReading>((int)(last - first + 1));
        List<StoredLeaf> stored;
        try
        {
            stored = reader.Leaves(log.LogId, first, last - first + 1);
        }
        catch (InvalidDataException e)
        {
            return Result<ExportedBundle>.Fail("damaged-store", $"the node's copy of {deviceId}'s readings is damaged: {e.Message}");
        }
        foreach (var leaf in stored)
        {
            var proof = tree.InclusionProof(leaf.Seq, anchoredSize);
            readings.Add(new BundleReading(leaf.Seq, Convert.ToBase64String(leaf.Bytes.Span), proof.Select(h => h.ToBase64()).ToList()));
        }
        if (readings.Count != last - first + 1)
        {
            warnings.Add($"{last - first + 1 - readings.Count} of the readings {first}..{last} are missing from the database");
        }
        var bundle = new EvidenceBundle
        {
            Format = EvidenceBundle.FormatV1,
            Ledger = new BundleLedger(LedgerNames.Origin(reader.State.Consortium), ledgerCheckpoint.Note),
            Entries = entries,
            Devices = [new BundleDevice(deviceId, enrolmentIndex, anchorIndex, readings)],
        };
        return new ExportedBundle(bundle, warnings);
    }
}
