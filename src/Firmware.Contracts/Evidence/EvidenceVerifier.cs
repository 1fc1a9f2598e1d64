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

    /// <summary>The trusted members that signed it.</summary>
    public required IReadOnlyList<string> Signers { get; init; }

    /// <summary>The ledger's members as the bundle's genesis and admission entries state them.</summary>
    public required IReadOnlyList<LedgerMember> Members { get; init; }

    /// <summary>Every entry of the bundle, verified to be in the ledger, by index.</summary>
    public required IReadOnlyDictionary<long, LedgerEntry> Entries { get; init; }

    /// <summary>Per device, what its readings prove.</summary>
    public required IReadOnlyList<DeviceEvidence> Devices { get; init; }

    /// <summary>What the bundle proves about a lot, or null when it is about devices only.</summary>
    public LotEvidence? Lot { get; init; }
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

    /// <summary>Ledger index of the anchor.</summary>
    public required long AnchorIndex { get; init; }

    /// <summary>The anchored device checkpoint the readings are proven against.</summary>
    public required Checkpoint DeviceCheckpoint { get; init; }

    /// <summary>When the node received that checkpoint (Unix ms, as the anchor entry states it).</summary>
    public required long AnchorReceivedMs { get; init; }

    /// <summary>The verified readings, in sequence order.</summary>
    public required IReadOnlyList<ReadingLeaf> Readings { get; init; }
}

/// <summary>
/// Verifies an evidence bundle offline against a trust policy over member keys. Checks, in order:
/// the ledger checkpoint's signatures; every entry's inclusion in it; the genesis and admissions
/// (the member keys the bundle relies on); per device the enrolment (signed by an operator member),
/// the anchor (names that enrolment, comes after it, carries a checkpoint signed with the enrolled
/// key), and every reading (well-formed, this device's, at its sequence, included in the anchored
/// checkpoint, no gaps). The first failure is returned and names what failed.
/// </summary>
/// <remarks>
/// That no revocation came between enrolment and anchor, and that each anchored checkpoint extends
/// the device's previous one, are ledger rules: the members whose signatures the policy requires
/// attest to them by signing a checkpoint of a ledger that includes the anchor.
/// </remarks>
public static partial class EvidenceVerifier
{
    /// <summary>Parses and verifies bundle JSON.</summary>
    public static Result<EvidenceSummary> Verify(ReadOnlySpan<byte> json, TrustPolicy policy)
    {
        var bundle = EvidenceBundle.Parse(json);
        return bundle.Succeeded ? Verify(bundle.Value, policy) : bundle.Failure!;
    }

    /// <summary>Verifies a parsed bundle.</summary>
    public static Result<EvidenceSummary> Verify(EvidenceBundle bundle, TrustPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(policy);
        var consortium = LedgerNames.ConsortiumOf(bundle.Ledger.Origin);
        if (consortium is null)
        {
            return Fail("bundle-format", $"ledger origin '{bundle.Ledger.Origin}' is not edgetrace/ledger/<consortium>");
        }
        var ledger = CheckpointVerifier.Verify(bundle.Ledger.Checkpoint, policy, bundle.Ledger.Origin);
        if (!ledger.Succeeded)
        {
            return Fail(ledger.Failure!.Code, $"ledger checkpoint: {ledger.Failure.Message}");
        }
        var checkpoint = ledger.Value.Checkpoint;

        var entries = new SortedDictionary<long, LedgerEntry>();
        foreach (var item in bundle.Entries)
        {
            var entry = VerifyEntry(item, checkpoint);
            if (!entry.Succeeded)
            {
                return entry.Failure!;
            }
            if (!entries.TryAdd(item.Index, entry.Value))
            {
                return Fail("bundle-format", $"ledger entry {item.Index} appears twice");
            }
        }

        var signatures = new SignatureChecker(capacity: 0);
        var members = Members(entries, consortium, signatures);
        if (!members.Succeeded)
        {
            return members.Failure!;
        }

        var devices = new List<DeviceEvidence>();
        foreach (var device in bundle.Devices)
        {
            var evidence = VerifyDevice(device, entries, members.Value, consortium, signatures);
            if (!evidence.Succeeded)
            {
                return evidence.Failure!;
            }
            devices.Add(evidence.Value);
        }
        LotEvidence? lot = null;
        if (bundle.Lot is not null)
        {
            var verified = VerifyLot(bundle.Lot, bundle.Report, entries, members.Value, consortium, signatures);
            if (!verified.Succeeded)
            {
                return verified.Failure!;
            }
            lot = verified.Value;
        }
        else if (bundle.Report is not null)
        {
            return Fail("bundle-format", "the bundle has report parameters but no lot to report on");
        }
        return new EvidenceSummary
        {
            Consortium = consortium,
            LedgerCheckpoint = checkpoint,
            Signers = ledger.Value.Signers,
            Members = members.Value,
            Entries = entries,
            Devices = devices,
            Lot = lot,
        };
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

    // The members the bundle relies on: the genesis (index 0) and the admissions it carries, each
    // checked as the ledger rules check them.
    private static Result<List<LedgerMember>> Members(SortedDictionary<long, LedgerEntry> entries, string consortium, SignatureChecker signatures)
    {
        if (!entries.TryGetValue(0, out var first) || first.Kind != EntryKinds.Genesis)
        {
            return Fail("missing-genesis", "the bundle lacks the genesis entry (ledger index 0), so no member key can be known");
        }
        var genesisStatement = Statement.Parse(first.Note.Text);
        if (!genesisStatement.Succeeded || genesisStatement.Value.Kind != EntryKinds.Genesis)
        {
            return Fail("bad-genesis", $"ledger entry 0 (genesis): {genesisStatement.Failure?.Message ?? "not a genesis statement"}");
        }
        if (genesisStatement.Value.Consortium != consortium)
        {
            return Fail("bad-genesis", $"ledger entry 0 (genesis) is for consortium '{genesisStatement.Value.Consortium}', the ledger is '{consortium}'");
        }
        var genesis = GenesisStatement.From(genesisStatement.Value);
        if (!genesis.Succeeded)
        {
            return Fail("bad-genesis", $"ledger entry 0 (genesis): {genesis.Failure!.Message}");
        }
        var members = genesis.Value.Members.Select(m => new LedgerMember(m.Name, m.Roles, m.PublicKey, 0)).ToList();
        var signed = signatures.VerifyMembers(first.Note, name => members.Find(m => m.Name == name));
        if (!signed.Succeeded)
        {
            return Fail(signed.Failure!.Code, $"ledger entry 0 (genesis): {signed.Failure.Message}");
        }
        foreach (var (index, entry) in entries.Where(e => e.Value.Kind == EntryKinds.Admit))
        {
            var statement = Statement.Parse(entry.Note.Text);
            var admit = statement.Succeeded && statement.Value.Consortium == consortium ? AdmitStatement.From(statement.Value) : Result<AdmitStatement>.Fail("entry-field", "not an admit statement of this consortium");
            if (!admit.Succeeded)
            {
                return Fail("bad-admission", $"ledger entry {index} (admit): {admit.Failure!.Message}");
            }
            var known = members.Where(m => m.AdmittedAt < index).ToList();
            var signers = signatures.VerifyMembers(entry.Note, name => known.Find(m => m.Name == name));
            if (!signers.Succeeded)
            {
                return Fail(signers.Failure!.Code, $"ledger entry {index} (admit): {signers.Failure.Message}");
            }
            if (signers.Value.Count < genesis.Value.Quorum)
            {
                return Fail(LedgerFailures.QuorumNotMet, $"ledger entry {index} (admit): signed by {signers.Value.Count} members, the quorum is {genesis.Value.Quorum}");
            }
            var member = admit.Value.Member;
            members.Add(new LedgerMember(member.Name, member.Roles, member.PublicKey, index));
        }
        return members;
    }

    private static Result<DeviceEvidence> VerifyDevice(BundleDevice device, SortedDictionary<long, LedgerEntry> entries, List<LedgerMember> members, string consortium, SignatureChecker signatures)
    {
        var who = $"device {device.Device}";
        if (!entries.TryGetValue(device.Enrolment, out var enrolEntry))
        {
            return Fail("missing-enrolment", $"{who}: the bundle lacks its enrolment entry (ledger index {device.Enrolment})");
        }
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
        var operatorMember = signers.Value.FirstOrDefault(s => s.Roles.HasFlag(MemberRoles.Operator));
        if (operatorMember is null)
        {
            return Fail(LedgerFailures.RoleRequired, $"{who}: enrolment (ledger entry {device.Enrolment}) is not signed by an operator member");
        }

        if (!entries.TryGetValue(device.Anchor, out var anchorEntry))
        {
            return Fail("missing-anchor", $"{who}: the bundle lacks its anchor entry (ledger index {device.Anchor})");
        }
        var anchor = AnchorEntry.From(anchorEntry);
        if (!anchor.Succeeded)
        {
            return Fail("bad-anchor", $"{who}: ledger entry {device.Anchor}: {anchor.Failure!.Message}");
        }
        if (anchor.Value.DeviceId != device.Device)
        {
            return Fail("bad-anchor", $"{who}: ledger entry {device.Anchor} anchors '{anchor.Value.DeviceId}', another device");
        }
        if (anchor.Value.EnrolmentIndex != device.Enrolment || device.Anchor <= device.Enrolment)
        {
            return Fail("bad-anchor", $"{who}: anchor (ledger entry {device.Anchor}) names enrolment {anchor.Value.EnrolmentIndex}, not the bundle's enrolment {device.Enrolment} before it");
        }
        var deviceSigned = signatures.VerifyDevice(anchor.Value.DeviceNote, device.Device, enrol.Value.PublicKey);
        if (!deviceSigned.Succeeded)
        {
            return Fail(deviceSigned.Failure!.Code, $"{who}: device checkpoint in anchor (ledger entry {device.Anchor}): {deviceSigned.Failure.Message}");
        }
        var deviceCheckpoint = anchor.Value.Checkpoint;

        var readings = new List<ReadingLeaf>(device.Readings.Count);
        long? previous = null;
        foreach (var reading in device.Readings)
        {
            var verified = VerifyReading(reading, device.Device, deviceCheckpoint);
            if (!verified.Succeeded)
            {
                return verified.Failure!;
            }
            if (previous is { } p && reading.Seq != p + 1)
            {
                return Fail("reading-gap", reading.Seq > p + 1
                    ? $"{who}: readings {p + 1}..{reading.Seq - 1} are missing between reading {p} and reading {reading.Seq}"
                    : $"{who}: reading {reading.Seq} comes after reading {p}; readings must be in ascending sequence order");
            }
            previous = reading.Seq;
            readings.Add(verified.Value);
        }
        return new DeviceEvidence
        {
            DeviceId = device.Device,
            Enrolment = enrol.Value,
            EnrolmentIndex = device.Enrolment,
            EnrolledBy = operatorMember.Name,
            AnchorIndex = device.Anchor,
            DeviceCheckpoint = deviceCheckpoint,
            AnchorReceivedMs = anchor.Value.ReceivedMs,
            Readings = readings,
        };
    }

    private static Result<ReadingLeaf> VerifyReading(BundleReading reading, string deviceId, Checkpoint deviceCheckpoint)
    {
        var where = $"reading {reading.Seq} of {deviceId}";
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(reading.Leaf ?? "");
        }
        catch (FormatException)
        {
            return Fail("bundle-format", $"{where}: the leaf is not valid base64");
        }
        var leaf = ReadingLeaf.Parse(bytes);
        if (!leaf.Succeeded)
        {
            return Fail(leaf.Failure!.Code, $"{where}: {leaf.Failure.Message}");
        }
        var content = leaf.Value.Content;
        if (content.DeviceId != deviceId)
        {
            return Fail("reading-device", $"{where}: the leaf belongs to device '{content.DeviceId}'");
        }
        if (content.Sequence != reading.Seq)
        {
            return Fail("reading-sequence", $"{where}: the leaf says it is reading {content.Sequence}");
        }
        var path = EvidenceBundle.Hashes(reading.Proof, where);
        if (!path.Succeeded)
        {
            return path.Failure!;
        }
        var included = MerkleVerifier.VerifyInclusion(reading.Seq, deviceCheckpoint.Size, leaf.Value.LeafHash, path.Value, deviceCheckpoint.Root);
        if (!included.Succeeded)
        {
            return Fail(included.Failure!.Code,
                $"{where} ({content.Name} at {Iso(content.TimeMs)}): not included in device checkpoint {DeviceLogs.Origin(deviceId)} at size {deviceCheckpoint.Size}: {included.Failure.Message}");
        }
        return leaf.Value;
    }

    /// <summary>Unix milliseconds as ISO 8601 UTC with milliseconds.</summary>
    public static string Iso(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static Failure Fail(string code, string message) => new(code, message);
}
