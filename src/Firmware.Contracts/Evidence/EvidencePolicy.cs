using Firmware.Contracts.Notes;

namespace Firmware.Contracts.Evidence;

/// <summary>
/// What a bundle's reader trusts: member keys (name and P-256 SPKI, given out of band), how many of
/// them must have signed the ledger checkpoint, and how old the evidence may be.
/// </summary>
/// <remarks>
/// Without <see cref="Threshold"/>, the checkpoint needs the consortium's quorum as its state records
/// it, and never fewer than a majority of the trusted keys that are members: the quorum in the
/// state is only as good as the signatures on it, so one member alone can never vouch for a state
/// that says one signature is enough. Only trusted keys that are members under the same name and
/// key count; a trusted key that is not a member is reported. A threshold of 1 trusts whichever
/// single member signed, and every result then says so.
/// </remarks>
public sealed record EvidencePolicy
{
    /// <summary>A policy over <paramref name="trustedKeys"/>.</summary>
    /// <exception cref="ArgumentException">When no key is given or the threshold is not positive.</exception>
    public EvidencePolicy(IReadOnlyList<NoteVerifierKey> trustedKeys, int? threshold = null, long? notBeforeMs = null)
    {
        ArgumentNullException.ThrowIfNull(trustedKeys);
        if (trustedKeys.Count == 0)
        {
            throw new ArgumentException("a policy trusts at least one member key", nameof(trustedKeys));
        }
        if (threshold is < 1)
        {
            throw new ArgumentException($"the threshold must be at least 1, got {threshold}", nameof(threshold));
        }
        TrustedKeys = trustedKeys;
        Threshold = threshold;
        NotBeforeMs = notBeforeMs;
    }

    /// <summary>The trusted member keys.</summary>
    public IReadOnlyList<NoteVerifierKey> TrustedKeys { get; }

    /// <summary>How many trusted members must have signed, or null for the consortium's quorum (see remarks).</summary>
    public int? Threshold { get; }

    /// <summary>Evidence from a checkpoint older than this (Unix ms) is refused, or null.</summary>
    public long? NotBeforeMs { get; }

    /// <summary>The same keys with another threshold.</summary>
    public EvidencePolicy WithThreshold(int? threshold) => new(TrustedKeys, threshold, NotBeforeMs);
}
