using AnchorNode.Alarms;
using AnchorNode.Evidence;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Notes;

namespace AnchorNode.Inventory;

/// <summary>
/// Whether a report's readings are proven: every reading, entry, state proof and checkpoint
/// signature of its bundle verified, and whether the ledger checkpoint meets the policy asked for:
/// <see cref="Threshold"/> member signatures, or by default the consortium's quorum.
/// </summary>
public sealed record ProofStatus
{
    /// <summary>True when the bundle verifies under the policy.</summary>
    public required bool Verified { get; init; }

    /// <summary>How many member signatures the policy needs.</summary>
    public required int Threshold { get; init; }

    /// <summary>True when the threshold was asked for rather than the consortium's quorum.</summary>
    public required bool ExplicitThreshold { get; init; }

    /// <summary>The consortium's quorum, as the state records it.</summary>
    public required int Quorum { get; init; }

    /// <summary>The members whose keys the policy trusts.</summary>
    public required IReadOnlyList<string> TrustedMembers { get; init; }

    /// <summary>The members that signed the ledger checkpoint.</summary>
    public required IReadOnlyList<string> Signers { get; init; }

    /// <summary>The ledger size the evidence is proven against.</summary>
    public required long LedgerSize { get; init; }

    /// <summary>The checkpoint's time, Unix ms.</summary>
    public long? LedgerTimeMs { get; init; }

    /// <summary>Readings verified to that checkpoint.</summary>
    public required int Readings { get; init; }

    /// <summary>Why the policy is not met, or null.</summary>
    public string? Failure { get; init; }
}

/// <summary>A lot's condition report with the bundle it was computed from and what that bundle proves.</summary>
/// <param name="Bundle">The evidence bundle (what <c>verify report</c> takes).</param>
/// <param name="Evidence">What the bundle proves.</param>
/// <param name="Conditions">The report.</param>
/// <param name="Proof">The proof status under the requested policy.</param>
public sealed record LotReport(ExportedBundle Bundle, EvidenceSummary Evidence, ConditionReport Conditions, ProofStatus Proof)
{
    /// <summary>
    /// The alarms of the report's gateways and zones in its window, with their acknowledgement: from this
    /// node's store and ledger; the bundle does not carry them yet (docs/spec-ledger.md §7.2).
    /// </summary>
    public IReadOnlyList<AlarmRecord> Alarms { get; init; } = [];

    /// <summary>The lot part of <see cref="Evidence"/>.</summary>
    public LotEvidence Lot => Evidence.Lot!;
}

/// <summary>
/// Condition reports the way a lender would compute them: export the lot bundle, verify it like
/// the offline verifier does (every member key trusted), compute the report from what it proves,
/// and check the ledger checkpoint against the requested policy. The node's numbers and verdict are
/// thus the ones <c>verify report</c> prints for the downloaded bundle.
/// </summary>
public sealed class ConditionReports
{
    private readonly LotBundleExporter _exporter;
    private readonly NodeReaders _readers;

    /// <summary>Reports over <paramref name="exporter"/>'s bundles.</summary>
    public ConditionReports(LotBundleExporter exporter, NodeReaders readers)
    {
        _exporter = exporter;
        _readers = readers;
    }

    /// <summary>
    /// The report of <paramref name="receipt"/>; <paramref name="threshold"/> null for the consortium's
    /// quorum; against <paramref name="at"/> when given, else the best-signed checkpoint that includes the lot.
    /// </summary>
    public Result<LotReport> Build(string receipt, LotBundleRequest request, int? threshold = null, StoredCheckpoint? at = null)
    {
        var exported = _exporter.Export(receipt, request, at);
        if (!exported.Succeeded)
        {
            return exported.Failure!;
        }
        List<NoteVerifierKey> keys;
        using (var lease = _readers.Rent())
        {
            keys = lease.Reader.State.Members().Select(m => NoteVerifierKey.FromSpki(m.Name, Convert.FromBase64String(m.PublicKey))).ToList();
        }
        if (threshold is < 1 || threshold > keys.Count)
        {
            return Result<LotReport>.Fail(Firmware.Contracts.Uplink.ProblemTypes.MalformedRequest, $"the threshold must be between 1 and the {keys.Count} members, got {threshold}");
        }
        var bundle = exported.Value.Bundle;
        // Under the policy asked for (by default the consortium's quorum); when the checkpoint does not
        // meet it, the numbers still come from the verified bundle, and the proof says why it falls short.
        var policy = EvidenceVerifier.Verify(bundle, new EvidencePolicy(keys, threshold));
        var evidence = policy.Succeeded ? policy : EvidenceVerifier.Verify(bundle, new EvidencePolicy(keys, threshold: 1));
        if (!evidence.Succeeded)
        {
            return Result<LotReport>.Fail("evidence-invalid", $"the node's own evidence for lot '{receipt}' does not verify ({evidence.Failure}); the database may be damaged");
        }
        var conditions = LotConditions.Compute(evidence.Value);
        if (!conditions.Succeeded)
        {
            return conditions.Failure!;
        }
        var checkpoint = evidence.Value.LedgerCheckpoint;
        var proof = new ProofStatus
        {
            Verified = policy.Succeeded,
            Threshold = policy.Succeeded ? policy.Value.RequiredSignatures : threshold ?? evidence.Value.Quorum,
            ExplicitThreshold = threshold is not null,
            Quorum = evidence.Value.Quorum,
            TrustedMembers = keys.Select(k => k.Name).ToList(),
            Signers = evidence.Value.Signers,
            LedgerSize = checkpoint.Size,
            LedgerTimeMs = checkpoint.TimeMs,
            Readings = evidence.Value.Devices.Sum(d => d.Readings.Count),
            Failure = policy.Succeeded ? null : policy.Failure!.ToString(),
        };
        IReadOnlyList<AlarmRecord> alarms;
        using (var lease = _readers.Rent())
        {
            var window = conditions.Value.Parameters;
            alarms = AlarmBook.InWindow(lease.Reader, conditions.Value.Sensors.Select(s => (s.DeviceId, s.Zone)), window.FromMs, window.ToMs);
        }
        return new LotReport(exported.Value, evidence.Value, conditions.Value, proof) { Alarms = alarms };
    }
}
