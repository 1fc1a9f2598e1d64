using System.Globalization;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;

namespace Firmware.Contracts.Evidence;

/// <summary>What a verified bundle proves.</summary>
public sealed record EvidenceSummary
{
    /// <summary>The consortium.</summary>
    public required string Consortium { get; init; }

    /// <summary>The verified ledger checkpoint.</summary>
    public required Checkpoint LedgerCheckpoint { get; init; }

    /// <summary>The checkpoint's time (its <c>time</c> line), Unix ms.</summary>
    public long CheckpointTimeMs => LedgerCheckpoint.TimeMs ?? 0;

    /// <summary>The trusted members whose signatures on the checkpoint count under the policy.</summary>
    public required IReadOnlyList<string> Signers { get; init; }

    /// <summary>How many member signatures the policy required.</summary>
    public required int RequiredSignatures { get; init; }

    /// <summary>True when the policy's threshold was given explicitly rather than taken from the consortium.</summary>
    public required bool ExplicitThreshold { get; init; }

    /// <summary>The consortium's quorum as the state records it.</summary>
    public required int Quorum { get; init; }

    /// <summary>The ledger's members as the state records them.</summary>
    public required IReadOnlyList<LedgerMember> Members { get; init; }

    /// <summary>What the reader should know about its own policy (e.g. a trusted key that is not a member).</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>Every entry of the bundle, verified to be in the ledger, by index.</summary>
    public required IReadOnlyDictionary<long, LedgerEntry> Entries { get; init; }

    /// <summary>The state map entries the bundle proved (null value: proven absent).</summary>
    public required IReadOnlyDictionary<string, string?> State { get; init; }

    /// <summary>Per device, what its readings prove.</summary>
    public required IReadOnlyList<DeviceEvidence> Devices { get; init; }

    /// <summary>What the bundle proves about a lot, or null when it is about devices only.</summary>
    public LotEvidence? Lot { get; init; }

    /// <summary>"as of &lt;time&gt; (ledger size n, signed by a, b; quorum k)": what every verdict rests on.</summary>
    public string AsOf =>
        $"as of {EvidenceVerifier.Iso(CheckpointTimeMs)} (ledger size {LedgerCheckpoint.Size}, signed by {string.Join(", ", Signers)}; "
        + (ExplicitThreshold ? $"trusting {RequiredSignatures} signature{(RequiredSignatures == 1 ? "" : "s")} by the reader's choice, the consortium's quorum is {Quorum})" : $"{RequiredSignatures} needed, the consortium's quorum is {Quorum})");
}

/// <summary>What a bundle proves about one device.</summary>
public sealed record DeviceEvidence
{
    /// <summary>The device.</summary>
    public required string DeviceId { get; init; }

    /// <summary>The verified enrolment.</summary>
    public required EnrolStatement Enrolment { get; init; }

    /// <summary>Ledger index of the enrolment.</summary>
    public required long EnrolmentIndex { get; init; }

    /// <summary>The operator member that signed the enrolment.</summary>
    public required string EnrolledBy { get; init; }

    /// <summary>The device's state at the checkpoint (enrolment, revocation, last anchor, anchored size and root, open equivocation).</summary>
    public required DeviceState State { get; init; }

    /// <summary>Ledger index of the anchor (the device's last as of the checkpoint), or null when it has none.</summary>
    public long? AnchorIndex { get; init; }

    /// <summary>The anchored device checkpoint the readings are proven against, or null.</summary>
    public Checkpoint? DeviceCheckpoint { get; init; }

    /// <summary>When the node received that checkpoint (Unix ms, as the anchor entry states it), or null.</summary>
    public long? AnchorReceivedMs { get; init; }

    /// <summary>The sequence number of the first reading.</summary>
    public required long First { get; init; }

    /// <summary>The verified readings, in sequence order, from <see cref="First"/>.</summary>
    public required IReadOnlyList<ReadingLeaf> Readings { get; init; }

    /// <summary>True when the run reaches the device's anchored size (nothing anchored after it is left out).</summary>
    public bool ReachesAnchoredEnd => First + Readings.Count == State.Size;

    /// <summary>True when the run holds every reading dated at or after <paramref name="startMs"/> that precedes it: it starts at the log's start or with a reading dated before.</summary>
    public bool CoversFrom(long startMs) => First == 0 || (Readings.Count > 0 && Readings[0].Content.TimeMs < startMs);

    /// <summary>True when the run holds every anchored reading dated before <paramref name="endMs"/>: it reaches the anchored size or a reading dated at or after it.</summary>
    public bool CoversTo(long endMs) => ReachesAnchoredEnd || (Readings.Count > 0 && Readings[^1].Content.TimeMs >= endMs);
}

/// <summary>
/// Verifies an evidence bundle offline against an <see cref="EvidencePolicy"/> (docs/spec-ledger.md §7),
/// in order: the checkpoint's signatures and extension lines; every entry's inclusion; every state
/// proof against the checkpoint's state root; the members and quorum (from the state) and the
/// policy; per device its enrolment and last anchor (as the state names them) and its readings (one
/// range proof, none dated after the anchor that proves them); the lot and its chains, ending at the
/// heads the state names; which devices the lot's sites and zones need, each present and complete
/// over the report's window. The first failure is returned and names what failed.
/// </summary>
public static partial class EvidenceVerifier
{
    /// <summary>How far a signer's clock may run ahead of the next signer's: readings vs. the node's receipt, receipts vs. the checkpoint.</summary>
    public const long ClockSkewMs = ProblemTypes.MaxClockSkewMs;

    /// <summary>Parses and verifies bundle JSON.</summary>
    public static Result<EvidenceSummary> Verify(ReadOnlySpan<byte> json, EvidencePolicy policy)
    {
        var bundle = EvidenceBundle.Parse(json);
        return bundle.Succeeded ? Verify(bundle.Value, policy) : bundle.Failure!;
    }

    /// <summary>Verifies a parsed bundle.</summary>
    public static Result<EvidenceSummary> Verify(EvidenceBundle bundle, EvidencePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(policy);
        var consortium = LedgerNames.ConsortiumOf(bundle.Ledger.Origin);
        if (consortium is null)
        {
            return Fail("bundle-format", $"ledger origin '{bundle.Ledger.Origin}' is not edgetrace/ledger/<consortium>");
        }
        var signed = CheckpointVerifier.Verify(bundle.Ledger.Checkpoint, new TrustPolicy(policy.TrustedKeys, 1), bundle.Ledger.Origin);
        if (!signed.Succeeded)
        {
            return Fail(signed.Failure!.Code, $"ledger checkpoint: {signed.Failure.Message}");
        }
        var checkpoint = signed.Value.Checkpoint;
        if (checkpoint.LedgerExtensionProblem() is { } extensionProblem)
        {
            return Fail("checkpoint-format", $"ledger checkpoint: {extensionProblem}");
        }
        if (policy.NotBeforeMs is { } notBefore && checkpoint.TimeMs < notBefore)
        {
            return Fail("stale-evidence", $"the ledger checkpoint is from {Iso(checkpoint.TimeMs!.Value)}, older than --not-before {Iso(notBefore)}; ask for a newer bundle");
        }

        var entries = new SortedDictionary<long, LedgerEntry>();
        long previousIndex = -1;
        foreach (var item in bundle.Entries)
        {
            if (item.Index <= previousIndex)
            {
                return Fail("bundle-format", $"ledger entry {item.Index}: entries are sorted by index, each once");
            }
            previousIndex = item.Index;
            var entry = VerifyEntry(item, checkpoint);
            if (!entry.Succeeded)
            {
                return entry.Failure!;
            }
            entries.Add(item.Index, entry.Value);
        }

        var state = ProvenState.Verify(bundle.State, checkpoint.StateRoot!.Value);
        if (!state.Succeeded)
        {
            return state.Failure!;
        }
        var members = Consortium(state.Value);
        if (!members.Succeeded)
        {
            return members.Failure!;
        }
        var (quorum, memberList) = members.Value;
        var trust = ApplyPolicy(policy, signed.Value.Signers, quorum, memberList);
        if (!trust.Succeeded)
        {
            return trust.Failure!;
        }

        var used = new HashSet<long>();
        var signatures = new SignatureChecker(capacity: 0);
        var devices = new List<DeviceEvidence>();
        foreach (var device in bundle.Devices)
        {
            if (devices.Any(d => d.DeviceId == device.Device))
            {
                return Fail("bundle-format", $"device {device.Device} appears twice");
            }
            var evidence = VerifyDevice(device, entries, state.Value, memberList, consortium, signatures, checkpoint, used);
            if (!evidence.Succeeded)
            {
                return evidence.Failure!;
            }
            devices.Add(evidence.Value);
        }
        LotEvidence? lot = null;
        if (bundle.Lot is not null)
        {
            var verified = VerifyLot(bundle.Lot, bundle.Report, entries, state.Value, memberList, quorum, consortium, signatures, checkpoint, devices, used);
            if (!verified.Succeeded)
            {
                return verified.Failure!;
            }
            lot = verified.Value;
        }
        else if (bundle.Report is not null)
        {
            return Fail("bundle-format", "the bundle has a report but no lot to report on");
        }
        if (entries.Keys.FirstOrDefault(i => !used.Contains(i), -1) is var extra and >= 0)
        {
            return Fail("bundle-format", $"ledger entry {extra} ({entries[extra].Kind}) is not used by any part of the bundle; a bundle carries only what its parts name");
        }
        if (state.Value.Unused() is { } unusedKey)
        {
            return Fail("bundle-format", $"state entry '{unusedKey}' is not needed by any part of the bundle; a bundle carries only what its parts need");
        }
        return new EvidenceSummary
        {
            Consortium = consortium,
            LedgerCheckpoint = checkpoint,
            Signers = trust.Value.Signers,
            RequiredSignatures = trust.Value.Required,
            ExplicitThreshold = policy.Threshold is not null,
            Quorum = quorum,
            Members = memberList,
            Warnings = trust.Value.Warnings,
            Entries = entries,
            State = state.Value.Values,
            Devices = devices,
            Lot = lot,
        };
    }

    // The members and quorum from the state's 'consortium' key.
    private static Result<(int Quorum, List<LedgerMember> Members)> Consortium(ProvenState state)
    {
        var value = state.Require(LedgerStateMap.ConsortiumKey, "the members and quorum");
        if (!value.Succeeded)
        {
            return value.Failure!;
        }
        var fields = StateFields.Of(value.Value);
        var quorum = fields.Number("quorum");
        var lines = fields.Repeated("member");
        if (fields.End() is not null || quorum < 1 || lines.Count == 0)
        {
            return Fail("state-format", $"the consortium value is 'quorum <k>' then 'member <name> <roles> <spki> <admitted at>' lines, got '{value.Value}'");
        }
        var members = new List<LedgerMember>();
        foreach (var line in lines)
        {
            var split = line.LastIndexOf(' ');
            var info = split > 0 ? MemberInfo.Parse(line[..split]) : Result<MemberInfo>.Fail("state-format", "no admission index");
            if (!info.Succeeded || !long.TryParse(line[(split + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var admitted))
            {
                return Fail("state-format", $"consortium member line '{line}': {info.Failure?.Message ?? "bad admission index"}");
            }
            members.Add(new LedgerMember(info.Value.Name, info.Value.Roles, info.Value.PublicKey, admitted));
        }
        if (LedgerStateMap.ConsortiumValue((int)quorum, members) != value.Value)
        {
            return Fail("state-format", "the consortium value is not in canonical form");
        }
        return ((int)quorum, members);
    }

    private static Result<(IReadOnlyList<string> Signers, int Required, IReadOnlyList<string> Warnings)> ApplyPolicy(
        EvidencePolicy policy, IReadOnlyList<string> verifiedNames, int quorum, List<LedgerMember> members)
    {
        var warnings = new List<string>();
        var trustedMembers = new List<string>();
        foreach (var key in policy.TrustedKeys)
        {
            var member = members.Find(m => m.Name == key.Name);
            if (member is null)
            {
                warnings.Add($"trusted key '{key.Name}' is not a member of this consortium; its signature does not count");
            }
            else if (member.PublicKey != key.PublicKeyBase64)
            {
                warnings.Add($"trusted key '{key.Name}' is not the key the consortium lists for member '{key.Name}'; its signature does not count");
            }
            else if (!trustedMembers.Contains(key.Name))
            {
                trustedMembers.Add(key.Name);
            }
        }
        var counted = verifiedNames.Where(trustedMembers.Contains).Distinct(StringComparer.Ordinal).ToList();
        var required = policy.Threshold ?? Math.Max(quorum, trustedMembers.Count / 2 + 1);
        if (policy.Threshold is { } explicitThreshold)
        {
            warnings.Add(explicitThreshold < quorum
                ? $"trusting {explicitThreshold} member signature{(explicitThreshold == 1 ? "" : "s")} by choice (--threshold), fewer than the consortium's quorum of {quorum}: the evidence is only as good as {(explicitThreshold == 1 ? "one member's word" : "those members' word")}"
                : $"trusting {explicitThreshold} member signatures by choice (--threshold); the consortium's quorum is {quorum}");
        }
        if (counted.Count < required)
        {
            return Fail(LedgerFailures.QuorumNotMet,
                $"the ledger checkpoint is signed by {counted.Count} trusted member{(counted.Count == 1 ? "" : "s")} ({(counted.Count == 0 ? "none" : string.Join(", ", counted))}); "
                + (policy.Threshold is null
                    ? $"{required} are needed (the consortium's quorum is {quorum}, and at least a majority of the {trustedMembers.Count} trusted member keys)"
                    : $"the threshold asked for is {required}"));
        }
        return (counted, required, warnings);
    }

    private static Result<LedgerEntry> VerifyEntry(BundleEntry item, Checkpoint checkpoint)
    {
        var where = $"ledger entry {item.Index}";
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(item.Entry ?? "");
        }
        catch (FormatException)
        {
            return Fail("bundle-format", $"{where}: not valid base64");
        }
        if (Convert.ToBase64String(bytes) != item.Entry)
        {
            return Fail("bundle-format", $"{where}: not canonical base64");
        }
        var entry = LedgerEntry.Parse(bytes);
        if (!entry.Succeeded)
        {
            return Fail(entry.Failure!.Code, $"{where}: {entry.Failure.Message}");
        }
        where = $"ledger entry {item.Index} ({entry.Value.Kind})";
        var path = EvidenceBundle.Hashes(item.Proof, where);
        if (!path.Succeeded)
        {
            return path.Failure!;
        }
        var included = MerkleVerifier.VerifyInclusion(item.Index, checkpoint.Size, entry.Value.LeafHash, path.Value, checkpoint.Root);
        if (!included.Succeeded)
        {
            return Fail(included.Failure!.Code, $"{where}: not included in the ledger checkpoint of size {checkpoint.Size}: {included.Failure.Message}");
        }
        return entry.Value;
    }

    private static Result<DeviceEvidence> VerifyDevice(BundleDevice device, SortedDictionary<long, LedgerEntry> entries, ProvenState provenState,
        List<LedgerMember> members, string consortium, SignatureChecker signatures, Checkpoint ledgerCheckpoint, HashSet<long> used)
    {
        var who = $"device {device.Device}";
        var stateText = provenState.Require(LedgerStateMap.DeviceKey(device.Device), $"the enrolment and last anchor of {device.Device}");
        if (!stateText.Succeeded)
        {
            return stateText.Failure!;
        }
        var state = DeviceState.Parse(stateText.Value);
        if (!state.Succeeded)
        {
            return Fail(state.Failure!.Code, $"{who}: {state.Failure.Message}");
        }
        var s = state.Value;
        if (device.Enrolment != s.Enrolment)
        {
            return Fail("incomplete-bundle", $"{who}: the bundle uses enrolment {device.Enrolment}, but at this checkpoint the device's enrolment is ledger index {s.Enrolment}");
        }
        if (device.Anchor != s.Anchor)
        {
            return Fail("incomplete-bundle", device.Anchor is null
                ? $"{who}: the bundle has no anchor, but at this checkpoint the device's last anchor is ledger index {s.Anchor}"
                : $"{who}: the bundle uses anchor {device.Anchor}, but at this checkpoint the device's last anchor is {(s.Anchor is { } a ? $"ledger index {a}" : "none")}: readings anchored later are left out");
        }
        if (!entries.TryGetValue(device.Enrolment, out var enrolEntry))
        {
            return Fail("missing-enrolment", $"{who}: the bundle lacks its enrolment entry (ledger index {device.Enrolment})");
        }
        used.Add(device.Enrolment);
        if (enrolEntry.Kind != EntryKinds.Enrol)
        {
            return Fail("missing-enrolment", $"{who}: ledger entry {device.Enrolment} is a {enrolEntry.Kind} entry, not an enrolment");
        }
        var statement = Statement.Parse(enrolEntry.Note.Text);
        var enrol = statement.Succeeded && statement.Value.Consortium == consortium && statement.Value.Kind == EntryKinds.Enrol
            ? EnrolStatement.From(statement.Value)
            : Result<EnrolStatement>.Fail("entry-field", statement.Failure?.Message ?? "not an enrol statement of this consortium");
        if (!enrol.Succeeded)
        {
            return Fail("bad-enrolment", $"{who}: ledger entry {device.Enrolment} (enrol): {enrol.Failure!.Message}");
        }
        if (enrol.Value.DeviceId != device.Device)
        {
            return Fail("bad-enrolment", $"{who}: ledger entry {device.Enrolment} enrols '{enrol.Value.DeviceId}', another device");
        }
        var known = members.Where(m => m.AdmittedAt < device.Enrolment).ToList();
        var signers = signatures.VerifyMembers(enrolEntry.Note, name => known.Find(m => m.Name == name));
        if (!signers.Succeeded)
        {
            return Fail(signers.Failure!.Code, $"{who}: enrolment (ledger entry {device.Enrolment}): {signers.Failure.Message}");
        }
        var operatorMember = signers.Value.FirstOrDefault(m => m.Roles.HasFlag(MemberRoles.Operator));
        if (operatorMember is null)
        {
            return Fail(LedgerFailures.RoleRequired, $"{who}: enrolment (ledger entry {device.Enrolment}) is not signed by an operator member");
        }

        if (device.Anchor is not { } anchorIndex)
        {
            if (device.Leaves.Count != 0 || device.Proof.Count != 0 || device.First != 0)
            {
                return Fail("bundle-format", $"{who}: a device with no anchor has no readings and no proof");
            }
            return new DeviceEvidence
            {
                DeviceId = device.Device, Enrolment = enrol.Value, EnrolmentIndex = device.Enrolment, EnrolledBy = operatorMember.Name, State = s,
                First = 0, Readings = [],
            };
        }
        if (!entries.TryGetValue(anchorIndex, out var anchorEntry))
        {
            return Fail("missing-anchor", $"{who}: the bundle lacks its anchor entry (ledger index {anchorIndex})");
        }
        used.Add(anchorIndex);
        var anchor = AnchorEntry.From(anchorEntry);
        if (!anchor.Succeeded)
        {
            return Fail("bad-anchor", $"{who}: ledger entry {anchorIndex}: {anchor.Failure!.Message}");
        }
        if (anchor.Value.DeviceId != device.Device)
        {
            return Fail("bad-anchor", $"{who}: ledger entry {anchorIndex} anchors '{anchor.Value.DeviceId}', another device");
        }
        if (anchor.Value.EnrolmentIndex != device.Enrolment || anchorIndex <= device.Enrolment)
        {
            return Fail("bad-anchor", $"{who}: anchor (ledger entry {anchorIndex}) names enrolment {anchor.Value.EnrolmentIndex}, not the bundle's enrolment {device.Enrolment} before it");
        }
        var deviceSigned = signatures.VerifyDevice(anchor.Value.DeviceNote, device.Device, enrol.Value.PublicKey);
        if (!deviceSigned.Succeeded)
        {
            return Fail(deviceSigned.Failure!.Code, $"{who}: device checkpoint in anchor (ledger entry {anchorIndex}): {deviceSigned.Failure.Message}");
        }
        var deviceCheckpoint = anchor.Value.Checkpoint;
        if (deviceCheckpoint.Size != s.Size || deviceCheckpoint.Root != s.Root)
        {
            return Fail("state-mismatch", $"{who}: the anchored checkpoint has size {deviceCheckpoint.Size} and root {deviceCheckpoint.Root.ToBase64()}, the state says {s.Size} and {s.Root.ToBase64()}");
        }
        if (anchor.Value.ReceivedMs > ledgerCheckpoint.TimeMs + ClockSkewMs)
        {
            return Fail("anchor-after-checkpoint", $"{who}: the anchor (ledger entry {anchorIndex}) says it was received at {Iso(anchor.Value.ReceivedMs)}, after the ledger checkpoint that includes it ({Iso(ledgerCheckpoint.TimeMs!.Value)})");
        }

        var readings = VerifyReadings(device, deviceCheckpoint, anchor.Value.ReceivedMs);
        if (!readings.Succeeded)
        {
            return readings.Failure!;
        }
        return new DeviceEvidence
        {
            DeviceId = device.Device,
            Enrolment = enrol.Value,
            EnrolmentIndex = device.Enrolment,
            EnrolledBy = operatorMember.Name,
            State = s,
            AnchorIndex = anchorIndex,
            DeviceCheckpoint = deviceCheckpoint,
            AnchorReceivedMs = anchor.Value.ReceivedMs,
            First = device.First,
            Readings = readings.Value,
        };
    }

    private static Result<List<ReadingLeaf>> VerifyReadings(BundleDevice device, Checkpoint deviceCheckpoint, long receivedMs)
    {
        var who = $"device {device.Device}";
        var readings = new List<ReadingLeaf>(device.Leaves.Count);
        var hashes = new List<Hash32>(device.Leaves.Count);
        for (var i = 0; i < device.Leaves.Count; i++)
        {
            var seq = device.First + i;
            var where = $"reading {seq} of {device.Device}";
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(device.Leaves[i]);
            }
            catch (FormatException)
            {
                return Fail("bundle-format", $"{where}: the leaf is not valid base64");
            }
            if (Convert.ToBase64String(bytes) != device.Leaves[i])
            {
                return Fail("bundle-format", $"{where}: the leaf is not in canonical base64");
            }
            var leaf = ReadingLeaf.Parse(bytes);
            if (!leaf.Succeeded)
            {
                return Fail(leaf.Failure!.Code, $"{where}: {leaf.Failure.Message}");
            }
            var content = leaf.Value.Content;
            if (content.DeviceId != device.Device)
            {
                return Fail("reading-device", $"{where}: the leaf belongs to device '{content.DeviceId}'");
            }
            if (content.Sequence != seq)
            {
                return Fail("reading-sequence", $"{where}: the leaf says it is reading {content.Sequence}; the run must be contiguous from {device.First}");
            }
            if (content.TimeMs > receivedMs + ClockSkewMs)
            {
                return Fail("reading-after-anchor", $"{where} ({content.Name} at {Iso(content.TimeMs)}) is dated after the node received the checkpoint that proves it ({Iso(receivedMs)}): the device's clock ran ahead, so its times cannot be trusted");
            }
            readings.Add(leaf.Value);
            hashes.Add(leaf.Value.LeafHash);
        }
        if (readings.Count == 0)
        {
            return device.Proof.Count == 0 && device.First == 0
                ? readings
                : Fail("bundle-format", $"{who}: an empty run of readings has no proof and starts at 0");
        }
        var path = EvidenceBundle.Hashes(device.Proof, $"{who}: readings", 128);
        if (!path.Succeeded)
        {
            return path.Failure!;
        }
        var included = MerkleVerifier.VerifyRange(device.First, hashes, deviceCheckpoint.Size, path.Value, deviceCheckpoint.Root);
        if (!included.Succeeded)
        {
            return Fail(included.Failure!.Code,
                $"{who}: readings {device.First}..{device.First + readings.Count - 1} are not included in device checkpoint {DeviceLogs.Origin(device.Device)} at size {deviceCheckpoint.Size}: {included.Failure.Message}");
        }
        return readings;
    }

    /// <summary>Unix milliseconds as ISO 8601 UTC with milliseconds.</summary>
    public static string Iso(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static Failure Fail(string code, string message) => new(code, message);
}
