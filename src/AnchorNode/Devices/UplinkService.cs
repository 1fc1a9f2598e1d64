using System.Globalization;
using AnchorNode.Ledger;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Devices;

/// <summary>The answer to an upload: a receipt, or why it was refused (nothing of the upload was kept).</summary>
public sealed record UplinkOutcome(UplinkReceipt? Receipt, Failure? Failure)
{
    internal static UplinkOutcome Fail(string code, string detail) => new(null, new Failure(code, detail));
}

/// <summary>Failure codes of the device services beyond the uplink contract's.</summary>
public static class DeviceFailures
{
    /// <summary>The node's stored leaves of a device disagree with what the ledger anchors: it cannot check uploads until repaired.</summary>
    public const string NodeOutOfStep = "node-out-of-step";
}

/// <summary>
/// Takes a device's new leaves and signed checkpoint (the uplink contract) and anchors them.
/// Everything that can be checked without the writer is checked here, in parallel with other
/// uploads: the request's form, the device's standing, the signature with the enrolled key, each
/// leaf, re-sent leaves against stored ones, the root over stored plus new leaves, and the
/// consistency proof for the anchor entry. The writer then appends the entry and stores the leaves
/// in one transaction, and only after it committed does the device get its receipt.
/// </summary>
public sealed partial class UplinkService
{
    private const int Attempts = 4;

    private readonly ILedgerSequencer _sequencer;
    private readonly NodeReaders _readers;
    private readonly SignatureChecker _signatures;
    private readonly TimeProvider _time;
    private readonly ILogger<UplinkService> _logger;
    private readonly DeviceEdges _edges = new();

    /// <summary>A service appending through <paramref name="sequencer"/>.</summary>
    public UplinkService(ILedgerSequencer sequencer, NodeReaders readers, SignatureChecker signatures, TimeProvider time, ILogger<UplinkService> logger)
    {
        _sequencer = sequencer;
        _readers = readers;
        _signatures = signatures;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Stores leaves an upload re-sends for anchors this node applied without them (another member
    /// received them); null: such uploads are answered <see cref="DeviceFailures.NodeOutOfStep"/>.
    /// </summary>
    public LeafReplicator? Replicator { get; set; }

    /// <summary>
    /// Waits until this node holds every entry the consortium ordered before the call (a member node
    /// of an etcd-ordered consortium); null when this node orders alone. An upload refused against a
    /// store that lags (a device enrolled through another member a moment ago) is checked once more after it.
    /// </summary>
    public Func<CancellationToken, Task>? CatchUp { get; set; }

    /// <summary>How far the node got with a device's log; null when the device was never enrolled.</summary>
    public DeviceLogStatus? Status(string deviceId)
    {
        using var lease = _readers.Rent();
        var reader = lease.Reader;
        using var snapshot = reader.Snapshot();
        var device = reader.State.Device(deviceId);
        if (device is null)
        {
            return null;
        }
        string? checkpoint = null;
        if (device.AnchorIndex is { } anchor && reader.Entry(anchor) is { } bytes && LedgerEntry.Parse(bytes) is { Succeeded: true } entry)
        {
            checkpoint = entry.Value.Note.ToString();
        }
        var held = reader.DeviceLog(deviceId)?.Size ?? 0;
        return new DeviceLogStatus(deviceId, true, !device.IsActive, device.EquivocationIndex is not null, held, checkpoint, device.AnchorIndex);
    }

    /// <summary>Checks and anchors an upload in the contract's form (leaves as base64 strings).</summary>
    public Task<UplinkOutcome> UploadAsync(string deviceId, UplinkRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        IReadOnlyList<byte[]?>? leaves = request.Leaves is { Count: > UplinkRoutes.MaxLeavesPerUpload }
            ? new byte[]?[request.Leaves.Count] // refused for its count before any leaf is read
            : request.Leaves?.Select(Base64OrNull).ToList();
        return UploadAsync(deviceId, request.Checkpoint, request.FirstSequence, leaves, cancellationToken);
    }

    private static byte[]? Base64OrNull(string? text)
    {
        try
        {
            return text is null ? null : Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Checks and anchors an upload whose leaves are decoded already (null for a leaf that was not valid base64).</summary>
    public async Task<UplinkOutcome> UploadAsync(string deviceId, string? checkpoint, long firstSequence, IReadOnlyList<byte[]?>? leaves, CancellationToken cancellationToken)
    {
        var parsed = Parse(deviceId, checkpoint, firstSequence, leaves);
        if (parsed.Problem is not null)
        {
            return parsed.Problem;
        }
        var upload = parsed.Upload!;
        var caughtUp = CatchUp is null;
        for (var attempt = 1; ; attempt++)
        {
            var plan = Check(upload);
            if (plan.Outcome is { Failure: not null } && !caughtUp)
            {
                caughtUp = true;
                await CatchUp!(cancellationToken);
                plan = Check(upload);
            }
            if (plan.Outcome is not null)
            {
                return plan.Outcome;
            }
            if (plan.Fill is { } fill)
            {
                // The upload re-sent leaves this node lacked: store them, then check the rest as usual.
                var stored = await Replicator!.StoreAsync(fill, cancellationToken);
                if (!stored.Succeeded && stored.Failure!.Code != DeviceLeavesAttachment.Moved)
                {
                    return UplinkOutcome.Fail(stored.Failure.Code, stored.Failure.Message);
                }
                LogFilled(_logger, deviceId, fill.Gap.Held, fill.Size);
                continue;
            }
            var result = await _sequencer.AppendAsync(plan.Proposal!, cancellationToken);
            if (result.Succeeded)
            {
                if (plan.Edge is { } edge)
                {
                    _edges.Committed(deviceId, upload.Checkpoint.Size, edge);
                }
                return plan.Equivocation
                    ? Equivocated(deviceId, result.Value.Index, "the checkpoint contradicts the device's anchored history; the evidence is recorded")
                    : new UplinkOutcome(new UplinkReceipt(deviceId, upload.Checkpoint.Size, result.Value.Index, result.Value.LedgerSize), null);
            }
            var failure = result.Failure!;
            // Another upload or entry for this device got in first: look again from the new state.
            if (failure.Code is LedgerFailures.StaleReference or DeviceLeavesAttachment.Moved or LedgerFailures.StaleCheckpoint)
            {
                if (attempt < Attempts)
                {
                    LogRetry(_logger, deviceId, failure.Message);
                    continue;
                }
                return UplinkOutcome.Fail(ProblemTypes.ConcurrentUpload, $"other uploads for {deviceId} kept committing first ({failure.Message}); ask {UplinkRoutes.DeviceLogPath(deviceId)} and resume");
            }
            return UplinkOutcome.Fail(failure.Code, failure.Message);
        }
    }

    private ParsedUpload.Result Parse(string deviceId, string? checkpointNote, long firstSequence, IReadOnlyList<byte[]?>? leafBytes)
    {
        if (!LedgerNames.IsValidDeviceId(deviceId))
        {
            return UplinkOutcome.Fail(ProblemTypes.UnknownDevice, $"'{deviceId}' is not a device id");
        }
        if (checkpointNote is null || leafBytes is null)
        {
            return UplinkOutcome.Fail(ProblemTypes.MalformedRequest, "the body needs 'checkpoint' (the signed note), 'firstSequence' and 'leaves' (base64 leaf bytes)");
        }
        if (leafBytes.Count > UplinkRoutes.MaxLeavesPerUpload)
        {
            return UplinkOutcome.Fail(ProblemTypes.TooLarge, $"{leafBytes.Count} leaves in one upload; send at most {UplinkRoutes.MaxLeavesPerUpload} per request");
        }
        if (firstSequence < 0)
        {
            return UplinkOutcome.Fail(ProblemTypes.MalformedRequest, $"firstSequence {firstSequence} is negative");
        }
        var note = SignedNote.Parse(checkpointNote);
        if (!note.Succeeded)
        {
            return UplinkOutcome.Fail(ProblemTypes.MalformedRequest, $"'checkpoint' is not a signed note: {note.Failure!.Message}");
        }
        var checkpoint = Checkpoint.ParseText(note.Value.Text);
        if (!checkpoint.Succeeded)
        {
            return UplinkOutcome.Fail(ProblemTypes.MalformedRequest, $"'checkpoint' is not a tlog checkpoint: {checkpoint.Failure!.Message}");
        }
        var origin = DeviceLogs.Origin(deviceId);
        if (checkpoint.Value.Origin != origin)
        {
            return UplinkOutcome.Fail(ProblemTypes.WrongOrigin, $"the checkpoint is for '{checkpoint.Value.Origin}', this upload is for '{origin}'");
        }
        var leaves = new ReadingLeaf[leafBytes.Count];
        for (var i = 0; i < leaves.Length; i++)
        {
            var seq = firstSequence + i;
            if (leafBytes[i] is not { } bytes)
            {
                return UplinkOutcome.Fail(ProblemTypes.BadBase64, $"leaf {i} (sequence {seq}) is not valid standard base64");
            }
            var leaf = ReadingLeaf.Parse(bytes);
            if (!leaf.Succeeded)
            {
                return UplinkOutcome.Fail(ProblemTypes.MalformedLeaf, $"leaf {i} (sequence {seq}) is not a v1 reading leaf: {leaf.Failure}");
            }
            var content = leaf.Value.Content;
            if (content.DeviceId != deviceId)
            {
                return UplinkOutcome.Fail(ProblemTypes.LeafOutOfSequence, $"leaf {i} belongs to device '{content.DeviceId}', not '{deviceId}'");
            }
            if (content.Sequence != seq)
            {
                return UplinkOutcome.Fail(ProblemTypes.LeafOutOfSequence, $"leaf {i} has sequence {content.Sequence}; at this position it must be {seq}");
            }
            if (content.TimeMs > Now() + ProblemTypes.MaxClockSkewMs)
            {
                return UplinkOutcome.Fail(ProblemTypes.TimeAhead,
                    $"leaf {i} (sequence {seq}) is dated {EvidenceVerifier.Iso(content.TimeMs)}, more than {ProblemTypes.MaxClockSkewMs / 60_000} minutes ahead of this node's clock ({EvidenceVerifier.Iso(Now())}): "
                    + "the device's clock runs ahead (check its time source); a reading cannot be anchored before it was taken, so this upload is accepted once that time has come");
            }
            leaves[i] = leaf.Value;
        }
        if (checkpoint.Value.Size != firstSequence + leaves.Length)
        {
            return UplinkOutcome.Fail(ProblemTypes.SizeMismatch, $"the leaves end at size {firstSequence + leaves.Length} but the checkpoint is for size {checkpoint.Value.Size}");
        }
        return new ParsedUpload(deviceId, note.Value, checkpoint.Value, firstSequence, leaves);
    }

    private Plan Check(ParsedUpload upload)
    {
        var deviceId = upload.DeviceId;
        var cp = upload.Checkpoint;
        using var lease = _readers.Rent();
        var reader = lease.Reader;
        // One statement, so the device's standing and the node's copy of its log agree. Whatever is
        // read later (stored hashes and leaves below that size) never changes once written.
        if (reader.DeviceStanding(deviceId) is not var (device, log, ledgerSize))
        {
            return UplinkOutcome.Fail(ProblemTypes.UnknownDevice, $"device '{deviceId}' is not enrolled; an operator enrols it first");
        }
        if (!device.IsActive)
        {
            return UplinkOutcome.Fail(ProblemTypes.RevokedDevice, $"the enrolment of '{deviceId}' was revoked at ledger index {device.RevocationIndex}; nothing more is anchored for it");
        }
        if (device.EquivocationIndex is { } flagged)
        {
            return Equivocated(deviceId, flagged, "uploads are refused until an operator reviews and clears the equivocation");
        }
        var signed = _signatures.VerifyDevice(upload.Note, deviceId, device.PublicKey);
        if (!signed.Succeeded)
        {
            return UplinkOutcome.Fail(ProblemTypes.BadSignature, signed.Failure!.Message);
        }
        var held = log?.Size ?? 0;
        if (held != device.AnchoredSize)
        {
            return held < device.AnchoredSize ? Fill(reader, upload, held, device.AnchoredSize) : UplinkOutcome.Fail(DeviceFailures.NodeOutOfStep,
                $"this node holds {held} leaves of {deviceId} but the ledger anchors {device.AnchoredSize}; it cannot check uploads for this device");
        }
        if (upload.FirstSequence > held)
        {
            return UplinkOutcome.Fail(ProblemTypes.Gap, $"the node holds {held} leaves of {deviceId}; the upload starts at {upload.FirstSequence}. Resend from sequence {held}");
        }
        if (cp.Size == 0)
        {
            return UplinkOutcome.Fail(ProblemTypes.StaleCheckpoint, "a checkpoint of size 0 anchors nothing");
        }

        var tree = log is null ? null : reader.DeviceTree(log.LogId);
        var mismatch = FirstMismatch(reader, log, upload, held);
        if (cp.Size <= held)
        {
            // The checkpoint alone says whether the device signed something else for this size.
            var trueRoot = cp.Size == held ? device.AnchoredRoot : tree!.Root(cp.Size);
            if (trueRoot != cp.Root)
            {
                var proof = cp.Size == held ? [] : tree!.ConsistencyProof(cp.Size, held);
                return ProposeEquivocation(device, upload, cp.Size == held ? null : trueRoot, proof);
            }
            if (mismatch is { } seq)
            {
                return UplinkOutcome.Fail(ProblemTypes.LeafMismatch, $"re-sent leaf {seq} differs from the one the node holds");
            }
            if (cp.Size == held)
            {
                return new UplinkOutcome(new UplinkReceipt(deviceId, held, device.AnchorIndex!.Value, ledgerSize), null);
            }
            return UplinkOutcome.Fail(ProblemTypes.StaleCheckpoint, $"the node already anchored {held} leaves of {deviceId} (ledger index {device.AnchorIndex}); this checkpoint of size {cp.Size} is older");
        }

        if (mismatch is { } differing)
        {
            // A re-sent leaf differs. If the device signed the tree with the different leaves, it
            // signed a second history: that is provable equivocation, not a transmission error.
            // A mismatch means the node holds leaves, so the stored tree exists.
            var stored = tree!;
            var prefix = upload.FirstSequence;
            var alternate = new ExtendedTree(stored.PerfectNode, prefix, prefix == 0 ? [] : stored.Peaks(prefix), upload.Leaves.Select(l => l.LeafHash).ToList());
            if (alternate.Root() == cp.Root)
            {
                return ProposeEquivocation(device, upload, alternate.PrefixRoot(held), alternate.ConsistencyProof(held, cp.Size));
            }
            return UplinkOutcome.Fail(ProblemTypes.LeafMismatch, $"re-sent leaf {differing} differs from the one the node holds");
        }

        var added = upload.Leaves.Skip((int)(held - upload.FirstSequence)).ToList();
        var extended = new ExtendedTree(StoredNode(tree), held, _edges.Peaks(deviceId, held, tree), added.Select(l => l.LeafHash).ToList());
        var root = extended.Root();
        if (root != cp.Root)
        {
            return UplinkOutcome.Fail(ProblemTypes.RootMismatch, $"the root over the node's {held} leaves and the {added.Count} new ones is {root.ToBase64()}, but the checkpoint says {cp.Root.ToBase64()}");
        }
        var consistency = held == 0 ? [] : extended.ConsistencyProof(held, cp.Size);
        var entry = AnchorEntry.Create(Now(), device.EnrolmentIndex, device.AnchorIndex, consistency, upload.Note);
        var attachment = new DeviceLeavesAttachment(deviceId, held, added, extended.StoredLevelNodes());
        return new Plan(new LedgerProposal(entry, attachment), false) { Edge = extended.Peaks() };
    }

    // Anchors another member received reach past the leaves this node holds. An upload that re-sends
    // the missing leaves through one or more of those anchors fills the gap that far (checked against
    // the anchors' roots), and is then checked again: through the anchored size it goes on as usual,
    // short of it it is answered out-of-step, and the gateway resumes from the new held size.
    // Without a re-send, the node waits for its replicator to pull the leaves from a peer.
    private Plan Fill(NodeReader reader, ParsedUpload upload, long held, long anchored)
    {
        var deviceId = upload.DeviceId;
        var end = upload.FirstSequence + upload.Leaves.Count;
        if (Replicator is null || LeafGap.Of(reader, deviceId) is not { } gap || upload.FirstSequence > gap.Held || end < gap.Anchors[0].Size)
        {
            Replicator?.Wake();
            return UplinkOutcome.Fail(DeviceFailures.NodeOutOfStep,
                $"this node holds {held} leaves of {deviceId} but the ledger anchors {anchored} (anchors another member received); it is pulling them from its peers. "
                + $"Try again shortly, or re-send from sequence {held} through at least {anchored}");
        }
        // The gap is read again: an upload or the replicator may have stored leaves since 'held' was read.
        var missing = upload.Leaves.Skip((int)(gap.Held - upload.FirstSequence)).Take((int)(gap.AnchoredSize - gap.Held)).ToList();
        var fill = AnchoredLeafFill.Check(reader, gap, missing);
        return fill.Succeeded
            ? new Plan(null, false) { Fill = fill.Value }
            : UplinkOutcome.Fail(ProblemTypes.LeafMismatch, $"the re-sent leaves are not the ones the ledger anchors: {fill.Failure!.Message}");
    }

    private static Func<int, long, Hash32> StoredNode(MerkleTreeReader? tree) =>
        (level, index) => (tree ?? throw new InvalidOperationException("the device log has no stored leaves")).PerfectNode(level, index);

    private Plan ProposeEquivocation(DeviceRecord device, ParsedUpload upload, Hash32? alternateRoot, IReadOnlyList<Hash32> proof)
    {
        var entry = EquivocationEntry.Create(Now(), device.AnchorIndex!.Value, alternateRoot, proof, upload.Note);
        LogEquivocation(_logger, device.DeviceId, upload.Checkpoint.Size, device.AnchoredSize);
        return new Plan(new LedgerProposal(entry), true);
    }

    private static long? FirstMismatch(NodeReader reader, DeviceLogInfo? log, ParsedUpload upload, long held)
    {
        var resent = Math.Min(held, upload.FirstSequence + upload.Leaves.Count) - upload.FirstSequence;
        if (resent <= 0 || log is null)
        {
            return null;
        }
        var stored = reader.Leaves(log.LogId, upload.FirstSequence, resent);
        for (var i = 0; i < resent; i++)
        {
            var seq = upload.FirstSequence + i;
            if (i >= stored.Count || stored[i].Seq != seq || !stored[i].Bytes.Span.SequenceEqual(upload.Leaves[i].Bytes.Span))
            {
                return seq;
            }
        }
        return null;
    }

    private static UplinkOutcome Equivocated(string deviceId, long index, string detail) =>
        new(null, new Failure(ProblemTypes.Equivocation, $"device '{deviceId}' signed two different histories (ledger index {index}); {detail}") { LedgerIndex = index });

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Upload for {DeviceId} raced another write ({Reason}); checking again")]
    private static partial void LogRetry(ILogger logger, string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload for {DeviceId} re-sent the leaves from {Held} to {Size} this node lacked; stored")]
    private static partial void LogFilled(ILogger logger, string deviceId, long held, long size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} equivocated: its checkpoint of size {Size} contradicts its anchored log of size {Anchored}")]
    private static partial void LogEquivocation(ILogger logger, string deviceId, long size, long anchored);

    private sealed record ParsedUpload(string DeviceId, SignedNote Note, Checkpoint Checkpoint, long FirstSequence, IReadOnlyList<ReadingLeaf> Leaves)
    {
        public sealed record Result(ParsedUpload? Upload, UplinkOutcome? Problem)
        {
            public static implicit operator Result(ParsedUpload upload) => new(upload, null);

            public static implicit operator Result(UplinkOutcome problem) => new(null, problem);
        }
    }

    private sealed record Plan(LedgerProposal? Proposal, bool Equivocation, UplinkOutcome? Outcome = null)
    {
        /// <summary>The device log's peaks once the proposal is committed.</summary>
        public Hash32[]? Edge { get; init; }

        /// <summary>Leaves to store before checking the upload again, instead of a proposal.</summary>
        public AnchoredLeafFill? Fill { get; init; }

        public static implicit operator Plan(UplinkOutcome outcome) => new(null, false, outcome);
    }
}
