using Firmware.Contracts.Merkle;

namespace Firmware.Contracts.Ledger.Rules;

/// <summary>
/// An anchor: the device is enrolled, not revoked and not flagged; the entry names the enrolment in
/// force and the device's previous anchor; the checkpoint verifies with the enrolled key; it is
/// larger than the last anchored one and the proof shows it extends it.
/// </summary>
internal sealed class AnchorRule : IEntryRule
{
    public string Kind => EntryKinds.Anchor;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var parsed = AnchorEntry.From(entry);
        if (!parsed.Succeeded)
        {
            return parsed.Failure!;
        }
        var anchor = parsed.Value;
        var device = state.Device(anchor.DeviceId);
        if (device is null)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.UnknownDevice, $"device '{anchor.DeviceId}' is not enrolled");
        }
        if (!device.IsActive)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.RevokedDevice, $"the enrolment of '{device.DeviceId}' was revoked at ledger index {device.RevocationIndex}");
        }
        if (device.EquivocationIndex is { } flagged)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.Equivocation, $"device '{device.DeviceId}' equivocated (ledger index {flagged}); an operator must review and clear it first");
        }
        if (anchor.EnrolmentIndex != device.EnrolmentIndex)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.StaleReference, $"the anchor names enrolment {anchor.EnrolmentIndex}, but the enrolment in force is {device.EnrolmentIndex}");
        }
        if (anchor.PreviousIndex != device.AnchorIndex)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.StaleReference, $"the anchor names previous anchor {Show(anchor.PreviousIndex)}, but the device's last anchor is {Show(device.AnchorIndex)}");
        }
        var signature = signatures.VerifyDevice(anchor.DeviceNote, device.DeviceId, device.PublicKey);
        if (!signature.Succeeded)
        {
            return signature.Failure!;
        }
        var checkpoint = anchor.Checkpoint;
        if (checkpoint.Size <= device.AnchoredSize)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.StaleCheckpoint, $"checkpoint size {checkpoint.Size} does not grow the anchored size {device.AnchoredSize}");
        }
        if (device.AnchorIndex is null)
        {
            if (anchor.Consistency.Count != 0)
            {
                return Result<IEntryEffect>.Fail(LedgerFailures.EntryField, "a device's first anchor carries no consistency proof");
            }
        }
        else
        {
            var consistent = MerkleVerifier.VerifyConsistency(device.AnchoredSize, checkpoint.Size, device.AnchoredRoot, checkpoint.Root, anchor.Consistency.ToArray());
            if (!consistent.Succeeded)
            {
                return Result<IEntryEffect>.Fail(LedgerFailures.InconsistentCheckpoint,
                    $"checkpoint {checkpoint.Size} is not shown to extend the anchored checkpoint {device.AnchoredSize}: {consistent.Failure!.Message}");
            }
        }
        return new Effect(device, checkpoint.Size, checkpoint.Root);
    }

    private static string Show(long? index) => index?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";

    private sealed class Effect(DeviceRecord device, long size, Hashing.Hash32 root) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index) =>
            state.PutDevice(device with { AnchorIndex = index, AnchoredSize = size, AnchoredRoot = root });
    }
}

/// <summary>
/// An equivocation: a checkpoint signed with the device's enrolled key that, with the proof,
/// contradicts the device's last anchored checkpoint. Flags the device until an operator clears it.
/// </summary>
internal sealed class EquivocationRule : IEntryRule
{
    public string Kind => EntryKinds.Equivocation;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var parsed = EquivocationEntry.From(entry);
        if (!parsed.Succeeded)
        {
            return parsed.Failure!;
        }
        var evidence = parsed.Value;
        var device = state.Device(evidence.DeviceId);
        if (device is null)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.UnknownDevice, $"device '{evidence.DeviceId}' was never enrolled");
        }
        if (device.EquivocationIndex is { } open)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.Equivocation, $"device '{device.DeviceId}' is already flagged (ledger index {open})");
        }
        if (device.AnchorIndex is null || evidence.AnchorIndex != device.AnchorIndex)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.StaleReference, $"the evidence is against anchor {evidence.AnchorIndex}, but the device's last anchor is {device.AnchorIndex?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");
        }
        var signature = signatures.VerifyDevice(evidence.Entry.Note, device.DeviceId, device.PublicKey);
        if (!signature.Succeeded)
        {
            return signature.Failure!;
        }
        var shown = Contradicts(device.AnchoredSize, device.AnchoredRoot, evidence);
        return shown.Succeeded ? new Effect(device) : shown.Failure!;
    }

    private static Result Contradicts(long n, Hashing.Hash32 root, EquivocationEntry evidence)
    {
        var other = evidence.Checkpoint;
        if (other.Size == n)
        {
            if (evidence.AlternateRoot is not null || evidence.Consistency.Count != 0)
            {
                return Result.Fail(LedgerFailures.EntryField, "equal sizes need no alternate root and no proof");
            }
            return other.Root != root
                ? Result.Ok
                : Result.Fail(LedgerFailures.NoEquivocation, $"the checkpoint is the anchored one (size {n}, same root)");
        }
        if (evidence.AlternateRoot is not { } alternate)
        {
            return Result.Fail(LedgerFailures.EntryField, "different sizes need an alternate root");
        }
        var proof = evidence.Consistency.ToArray();
        if (other.Size < n)
        {
            var consistent = MerkleVerifier.VerifyConsistency(other.Size, n, alternate, root, proof);
            if (!consistent.Succeeded)
            {
                return Result.Fail(LedgerFailures.NoEquivocation, $"the proof does not show root {alternate.ToBase64()} at size {other.Size} in the anchored log: {consistent.Failure!.Message}");
            }
            return alternate != other.Root
                ? Result.Ok
                : Result.Fail(LedgerFailures.NoEquivocation, $"the checkpoint at size {other.Size} agrees with the anchored log (it is stale, not an equivocation)");
        }
        var extends = MerkleVerifier.VerifyConsistency(n, other.Size, alternate, other.Root, proof);
        if (!extends.Succeeded)
        {
            return Result.Fail(LedgerFailures.NoEquivocation, $"the proof does not show root {alternate.ToBase64()} at size {n} under the checkpoint: {extends.Failure!.Message}");
        }
        return alternate != root
            ? Result.Ok
            : Result.Fail(LedgerFailures.NoEquivocation, $"the checkpoint extends the anchored log at size {n} (no contradiction)");
    }

    private sealed class Effect(DeviceRecord device) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index) => state.PutDevice(device with { EquivocationIndex = index });
    }
}
