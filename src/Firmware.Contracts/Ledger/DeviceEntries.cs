using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;

namespace Firmware.Contracts.Ledger;

/// <summary>
/// An anchor entry: a device checkpoint note, verbatim, and what the proposing node adds:
/// <code>
/// edgetrace/entry/v1 anchor
/// received &lt;unix ms&gt;          the node's clock when the upload arrived (for people; no rule uses it)
/// enrolment &lt;index&gt;           the device's enrolment in force
/// previous &lt;index&gt;            the device's previous anchor entry (absent for the first)
/// consistency &lt;base64 hash&gt;   RFC 9162 proof from the previous anchored checkpoint to this one (repeated)
///
/// &lt;device checkpoint note&gt;
/// </code>
/// The proof makes every anchor checkable from the ledger alone: each device checkpoint provably
/// extends the one anchored before it, so no reading once anchored can disappear or change.
/// </summary>
public sealed class AnchorEntry
{
    private AnchorEntry(LedgerEntry entry, string deviceId, Checkpoint checkpoint, long receivedMs, long enrolmentIndex, long? previousIndex, IReadOnlyList<Hash32> consistency)
    {
        Entry = entry;
        DeviceId = deviceId;
        Checkpoint = checkpoint;
        ReceivedMs = receivedMs;
        EnrolmentIndex = enrolmentIndex;
        PreviousIndex = previousIndex;
        Consistency = consistency;
    }

    /// <summary>The entry.</summary>
    public LedgerEntry Entry { get; }

    /// <summary>The device, from the checkpoint's origin.</summary>
    public string DeviceId { get; }

    /// <summary>The device checkpoint (unverified until checked against the enrolled key).</summary>
    public Checkpoint Checkpoint { get; }

    /// <summary>The device's signed note, verbatim.</summary>
    public SignedNote DeviceNote => Entry.Note;

    /// <summary>When the node received it, Unix milliseconds.</summary>
    public long ReceivedMs { get; }

    /// <summary>Ledger index of the enrolment in force.</summary>
    public long EnrolmentIndex { get; }

    /// <summary>Ledger index of the device's previous anchor, or null for its first.</summary>
    public long? PreviousIndex { get; }

    /// <summary>The consistency proof from the previous anchored checkpoint.</summary>
    public IReadOnlyList<Hash32> Consistency { get; }

    /// <summary>Writes an anchor entry.</summary>
    public static LedgerEntry Create(long receivedMs, long enrolmentIndex, long? previousIndex, IReadOnlyList<Hash32> consistency, SignedNote deviceCheckpoint)
    {
        var header = new List<EntryField> { EntryField.Number("received", receivedMs), EntryField.Number("enrolment", enrolmentIndex) };
        if (previousIndex is { } previous)
        {
            header.Add(EntryField.Number("previous", previous));
        }
        header.AddRange(consistency.Select(h => EntryField.Hash("consistency", h)));
        return LedgerEntry.Create(EntryKinds.Anchor, header, deviceCheckpoint);
    }

    /// <summary>Reads an entry of kind <see cref="EntryKinds.Anchor"/>.</summary>
    public static Result<AnchorEntry> From(LedgerEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Kind != EntryKinds.Anchor)
        {
            return Result<AnchorEntry>.Fail("entry-kind", $"expected an anchor entry, got '{entry.Kind}'");
        }
        var reader = new FieldReader(entry.Header, "anchor entry");
        var received = reader.RequiredNumber("received");
        var enrolment = reader.RequiredNumber("enrolment");
        var previous = reader.OptionalNumber("previous");
        var proof = reader.RepeatedHashes("consistency", 64);
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var device = DeviceCheckpointOf(entry.Note, "anchor entry");
        if (!device.Succeeded)
        {
            return device.Failure!;
        }
        return new AnchorEntry(entry, device.Value.DeviceId, device.Value.Checkpoint, received, enrolment, previous, proof);
    }

    internal static Result<(string DeviceId, Checkpoint Checkpoint)> DeviceCheckpointOf(SignedNote note, string where)
    {
        var checkpoint = Checkpoint.ParseText(note.Text);
        if (!checkpoint.Succeeded)
        {
            return Result<(string, Checkpoint)>.Fail("entry-field", $"{where}: the device checkpoint: {checkpoint.Failure!.Message}");
        }
        var device = DeviceLogs.DeviceIdOf(checkpoint.Value.Origin);
        if (device is null || !LedgerNames.IsValidDeviceId(device))
        {
            return Result<(string, Checkpoint)>.Fail("entry-field", $"{where}: origin '{checkpoint.Value.Origin}' is not a device log");
        }
        return (device, checkpoint.Value);
    }
}

/// <summary>
/// An equivocation entry: a device checkpoint that contradicts the device's last anchored one,
/// with the proof, so that any replica (and any reader) can check the accusation:
/// <code>
/// edgetrace/entry/v1 equivocation
/// received &lt;unix ms&gt;
/// anchor &lt;index&gt;                the device's last anchor entry, with size n and root R
/// alternate-root &lt;base64&gt;       absent when the sizes are equal
/// consistency &lt;base64 hash&gt;     (repeated)
///
/// &lt;the contradicting device checkpoint note, size n', root R'&gt;
/// </code>
/// n' = n: R' ≠ R. n' &lt; n: the proof shows that (n', alternate-root) is consistent with (n, R), and
/// alternate-root ≠ R'. n' &gt; n: the proof shows that (n, alternate-root) is consistent with
/// (n', R'), and alternate-root ≠ R. Either way the device key signed two histories.
/// </summary>
public sealed class EquivocationEntry
{
    private EquivocationEntry(LedgerEntry entry, string deviceId, Checkpoint checkpoint, long receivedMs, long anchorIndex, Hash32? alternateRoot, IReadOnlyList<Hash32> consistency)
    {
        Entry = entry;
        DeviceId = deviceId;
        Checkpoint = checkpoint;
        ReceivedMs = receivedMs;
        AnchorIndex = anchorIndex;
        AlternateRoot = alternateRoot;
        Consistency = consistency;
    }

    /// <summary>The entry.</summary>
    public LedgerEntry Entry { get; }

    /// <summary>The device.</summary>
    public string DeviceId { get; }

    /// <summary>The contradicting checkpoint.</summary>
    public Checkpoint Checkpoint { get; }

    /// <summary>When the node received it.</summary>
    public long ReceivedMs { get; }

    /// <summary>Ledger index of the anchor it contradicts.</summary>
    public long AnchorIndex { get; }

    /// <summary>See the type's description; null when the sizes are equal.</summary>
    public Hash32? AlternateRoot { get; }

    /// <summary>The consistency proof.</summary>
    public IReadOnlyList<Hash32> Consistency { get; }

    /// <summary>Writes an equivocation entry.</summary>
    public static LedgerEntry Create(long receivedMs, long anchorIndex, Hash32? alternateRoot, IReadOnlyList<Hash32> consistency, SignedNote deviceCheckpoint)
    {
        var header = new List<EntryField> { EntryField.Number("received", receivedMs), EntryField.Number("anchor", anchorIndex) };
        if (alternateRoot is { } alternate)
        {
            header.Add(EntryField.Hash("alternate-root", alternate));
        }
        header.AddRange(consistency.Select(h => EntryField.Hash("consistency", h)));
        return LedgerEntry.Create(EntryKinds.Equivocation, header, deviceCheckpoint);
    }

    /// <summary>Reads an entry of kind <see cref="EntryKinds.Equivocation"/>.</summary>
    public static Result<EquivocationEntry> From(LedgerEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Kind != EntryKinds.Equivocation)
        {
            return Result<EquivocationEntry>.Fail("entry-kind", $"expected an equivocation entry, got '{entry.Kind}'");
        }
        var reader = new FieldReader(entry.Header, "equivocation entry");
        var received = reader.RequiredNumber("received");
        var anchor = reader.RequiredNumber("anchor");
        var alternate = reader.OptionalHash("alternate-root");
        var proof = reader.RepeatedHashes("consistency", 64);
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var device = AnchorEntry.DeviceCheckpointOf(entry.Note, "equivocation entry");
        if (!device.Succeeded)
        {
            return device.Failure!;
        }
        return new EquivocationEntry(entry, device.Value.DeviceId, device.Value.Checkpoint, received, anchor, alternate, proof);
    }
}
