using System.Text;

namespace Firmware.Contracts.Notes;

/// <summary>A note whose signatures met a trust policy. Only <see cref="NoteVerifier"/> makes one.</summary>
public sealed class VerifiedNote
{
    internal VerifiedNote(SignedNote note, IReadOnlyList<string> signers)
    {
        Note = note;
        Signers = signers;
    }

    /// <summary>The verified text.</summary>
    public string Text => Note.Text;

    /// <summary>The note, with all its signature lines (including ones the policy did not know).</summary>
    public SignedNote Note { get; }

    /// <summary>Names of the trusted keys whose signatures verified, each once.</summary>
    public IReadOnlyList<string> Signers { get; }
}

/// <summary>
/// Verifies C2SP signed notes: signatures from unknown keys are ignored, a bad signature from a
/// known key rejects the whole note, and the note is returned only when enough distinct trusted
/// keys signed it.
/// </summary>
public static class NoteVerifier
{
    /// <summary>Parses and verifies a note in its wire form.</summary>
    public static Result<VerifiedNote> Verify(string note, TrustPolicy policy)
    {
        var parsed = SignedNote.Parse(note);
        return parsed.Succeeded ? Verify(parsed.Value, policy) : parsed.Failure!;
    }

    /// <summary>Verifies a parsed note's signatures against <paramref name="policy"/>.</summary>
    public static Result<VerifiedNote> Verify(SignedNote note, TrustPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(policy);
        var text = Encoding.UTF8.GetBytes(note.Text);
        var verified = new List<NoteVerifierKey>();
        foreach (var signature in note.Signatures)
        {
            foreach (var key in policy.Match(signature.KeyName, signature.KeyId))
            {
                if (!key.Verify(text, signature.Signature.Span))
                {
                    return Result<VerifiedNote>.Fail("bad-signature", $"the signature by trusted key '{key.Name}' (ID {key.KeyId:x8}) does not verify: the note was altered or forged");
                }
                if (!verified.Contains(key))
                {
                    verified.Add(key);
                }
            }
        }
        var distinct = verified.Select(k => k.PublicKeyBase64).Distinct(StringComparer.Ordinal).Count();
        if (distinct == 0)
        {
            var names = string.Join(", ", note.Signatures.Select(s => $"{s.KeyName} ({s.KeyId:x8})"));
            return Result<VerifiedNote>.Fail("no-trusted-signature", $"none of the note's signatures is by a trusted key; it is signed by: {names}");
        }
        if (distinct < policy.Threshold)
        {
            return Result<VerifiedNote>.Fail("threshold-not-met", $"{distinct} trusted key(s) signed ({string.Join(", ", verified.Select(k => k.Name))}), the policy needs {policy.Threshold}");
        }
        return new VerifiedNote(note, verified.Select(k => k.Name).Distinct(StringComparer.Ordinal).ToList());
    }
}
