using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Evidence;

/// <summary>A bundle and what the exporter noticed while writing it.</summary>
/// <param name="Bundle">The bundle.</param>
/// <param name="Warnings">What the reader should know (none when the database is sound).</param>
public sealed record ExportedBundle(EvidenceBundle Bundle, IReadOnlyList<string> Warnings);

/// <summary>
/// Writes device bundles from the node database: against the best-signed ledger checkpoint (the
/// most member signatures, then the newest), the device's enrolment and last anchor as the state
/// at that checkpoint names them, and the run of its readings that covers a time window, with one
/// range proof. A damaged database gives an error naming the damage, not a bundle.
/// </summary>
public sealed class BundleExporter
{
    private readonly NodeReaders _readers;

    /// <summary>An exporter reading through <paramref name="readers"/>.</summary>
    public BundleExporter(NodeReaders readers) => _readers = readers;

    /// <summary>Exports the bundle for <paramref name="deviceId"/>, readings dated in [from, to) with one either side (either bound optional).</summary>
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
        var builder = Builder(reader, device.EnrolmentIndex);
        if (!builder.Succeeded)
        {
            return builder.Failure!;
        }
        var bundle = builder.Value.Device(deviceId, from?.ToUnixTimeMilliseconds(), to?.ToUnixTimeMilliseconds());
        return bundle.Succeeded ? new ExportedBundle(bundle.Value, []) : bundle.Failure!;
    }

    /// <summary>
    /// A builder against the checkpoint with the most member signatures (then the newest) that
    /// includes entry <paramref name="needed"/> and commits to the ledger state.
    /// </summary>
    internal static Result<BundleBuilder> Builder(NodeReader reader, long needed)
    {
        var checkpoint = reader.BestCheckpoint(needed);
        if (checkpoint is null)
        {
            return NoCheckpoint(needed);
        }
        return Builder(reader, checkpoint);
    }

    /// <summary>The failure when no signed checkpoint includes entry <paramref name="needed"/> yet.</summary>
    internal static Failure NoCheckpoint(long needed) =>
        new("no-checkpoint", $"no signed ledger checkpoint includes ledger entry {needed} yet; the node signs one within a second of the ledger growing: try again");

    /// <summary>A builder against <paramref name="checkpoint"/> (as stored, with the signatures it had then).</summary>
    internal static Result<BundleBuilder> Builder(NodeReader reader, StoredCheckpoint checkpoint)
    {
        try
        {
            return new BundleBuilder(new NodeEvidenceSource(reader), checkpoint.Note, reader.StateAt(checkpoint.Size));
        }
        catch (ArgumentException e)
        {
            return Result<BundleBuilder>.Fail("damaged-store", $"the stored ledger checkpoint of size {checkpoint.Size} does not match the stored ledger state: {e.Message}");
        }
    }
}
