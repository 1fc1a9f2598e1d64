namespace Firmware.Contracts.Notes;

/// <summary>
/// Which keys a verifier trusts and how many of them must have signed: a note is accepted only
/// when at least <see cref="Threshold"/> distinct trusted keys signed it.
/// </summary>
public sealed class TrustPolicy
{
    /// <summary>A policy requiring <paramref name="threshold"/> of <paramref name="keys"/>.</summary>
    /// <exception cref="ArgumentException">
    /// When the threshold is below 1 or above the number of distinct public keys (one key trusted
    /// under two names counts once when signatures are counted, so it counts once here too).
    /// </exception>
    public TrustPolicy(IEnumerable<NoteVerifierKey> keys, int threshold = 1)
    {
        var list = keys.ToList();
        var distinct = list.Select(k => k.PublicKeyBase64).Distinct(StringComparer.Ordinal).Count();
        if (threshold < 1 || threshold > distinct)
        {
            throw new ArgumentException($"the threshold must be between 1 and the {distinct} distinct trusted public keys, got {threshold}", nameof(threshold));
        }
        Keys = list;
        Threshold = threshold;
    }

    /// <summary>The trusted keys.</summary>
    public IReadOnlyList<NoteVerifierKey> Keys { get; }

    /// <summary>How many distinct trusted keys must have signed.</summary>
    public int Threshold { get; }

    /// <summary>A policy trusting one key.</summary>
    public static TrustPolicy Single(NoteVerifierKey key) => new([key], 1);

    /// <summary>The trusted keys with this name and key ID (normally zero or one).</summary>
    public IEnumerable<NoteVerifierKey> Match(string name, uint keyId) =>
        Keys.Where(k => k.KeyId == keyId && string.Equals(k.Name, name, StringComparison.Ordinal));
}
