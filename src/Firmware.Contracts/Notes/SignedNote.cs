using System.Buffers.Binary;
using System.Text;

namespace Firmware.Contracts.Notes;

/// <summary>One signature line of a note: <c>— name base64(keyID ‖ signature)</c>.</summary>
public sealed class NoteSignature
{
    private readonly byte[] _signature;

    /// <summary>A signature by the key (<paramref name="keyName"/>, <paramref name="keyId"/>).</summary>
    public NoteSignature(string keyName, uint keyId, ReadOnlySpan<byte> signature)
    {
        if (!NoteKeys.IsValidKeyName(keyName))
        {
            throw new ArgumentException($"key name '{keyName}' must be non-empty, without spaces or '+'", nameof(keyName));
        }
        KeyName = keyName;
        KeyId = keyId;
        _signature = signature.ToArray();
    }

    /// <summary>The key name.</summary>
    public string KeyName { get; }

    /// <summary>The key ID.</summary>
    public uint KeyId { get; }

    /// <summary>The signature bytes, without the key ID.</summary>
    public ReadOnlyMemory<byte> Signature => _signature;

    /// <summary>The signature line without its final newline.</summary>
    public string ToLine()
    {
        var payload = new byte[4 + _signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, KeyId);
        _signature.CopyTo(payload, 4);
        return $"{SignedNote.SignatureLinePrefix}{KeyName} {Convert.ToBase64String(payload)}";
    }
}

/// <summary>
/// A C2SP signed note: text ending in a newline, a blank line, and one or more signature lines.
/// Parsing checks the form only. Nothing in <see cref="Text"/> is to be trusted until
/// <see cref="NoteVerifier"/> has checked the signatures against a <see cref="TrustPolicy"/>.
/// </summary>
public sealed class SignedNote
{
    /// <summary>Em dash (U+2014) and a space: how every signature line starts.</summary>
    public const string SignatureLinePrefix = "\u2014 ";

    /// <summary>The largest note accepted, in bytes.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The most signature lines accepted (C2SP asks for at least 16).</summary>
    public const int MaxSignatures = 100;

    private SignedNote(string text, IReadOnlyList<NoteSignature> signatures)
    {
        Text = text;
        Signatures = signatures;
    }

    /// <summary>The signed text, including its final newline (unverified).</summary>
    public string Text { get; }

    /// <summary>The signature lines, in order.</summary>
    public IReadOnlyList<NoteSignature> Signatures { get; }

    /// <summary>Signs <paramref name="text"/> with every signer given, in order.</summary>
    public static SignedNote Sign(string text, params IEnumerable<INoteSigner> signers)
    {
        var problem = CheckText(text);
        if (problem is not null)
        {
            throw new ArgumentException(problem.Message, nameof(text));
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        var signatures = signers.Select(s => new NoteSignature(s.KeyName, s.KeyId, s.Sign(bytes))).ToList();
        if (signatures.Count == 0)
        {
            throw new ArgumentException("a signed note needs at least one signature", nameof(signers));
        }
        return new SignedNote(text, signatures);
    }

    /// <summary>The same note with <paramref name="signer"/>'s signature added (a cosignature).</summary>
    public SignedNote WithSignature(INoteSigner signer)
    {
        var signature = new NoteSignature(signer.KeyName, signer.KeyId, signer.Sign(Encoding.UTF8.GetBytes(Text)));
        return new SignedNote(Text, [.. Signatures, signature]);
    }

    /// <summary>The same note with the signatures of <paramref name="other"/> over the same text added.</summary>
    public SignedNote Merge(SignedNote other)
    {
        if (!string.Equals(Text, other.Text, StringComparison.Ordinal))
        {
            throw new ArgumentException("cannot merge signatures of notes with different texts", nameof(other));
        }
        var lines = Signatures.Select(s => s.ToLine()).ToHashSet(StringComparer.Ordinal);
        return new SignedNote(Text, [.. Signatures, .. other.Signatures.Where(s => !lines.Contains(s.ToLine()))]);
    }

    /// <summary>The note in its wire form: text, blank line, signature lines, each ending in a newline.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(Text.Length + 128 * Signatures.Count);
        sb.Append(Text).Append('\n');
        foreach (var signature in Signatures)
        {
            sb.Append(signature.ToLine()).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Parses a note from UTF-8 bytes; invalid UTF-8 is refused.</summary>
    public static Result<SignedNote> Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxBytes)
        {
            return Result<SignedNote>.Fail("note-too-large", $"a note is at most {MaxBytes} bytes, got {utf8.Length}");
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            return Result<SignedNote>.Fail("note-encoding", "a note must be valid UTF-8");
        }
        return Parse(text);
    }

    /// <summary>Parses a note in its wire form. Checks the form, not the signatures.</summary>
    public static Result<SignedNote> Parse(string note)
    {
        ArgumentNullException.ThrowIfNull(note);
        if (Encoding.UTF8.GetByteCount(note) > MaxBytes)
        {
            return Result<SignedNote>.Fail("note-too-large", $"a note is at most {MaxBytes} bytes");
        }
        foreach (var ch in note)
        {
            if (IsControl(ch))
            {
                return Result<SignedNote>.Fail("note-control-character", $"a note may not contain control character U+{(int)ch:X4}");
            }
            if (char.IsSurrogate(ch) && !IsWellFormed(note))
            {
                return Result<SignedNote>.Fail("note-encoding", "a note must be valid Unicode text");
            }
        }
        if (!note.EndsWith('\n'))
        {
            return Result<SignedNote>.Fail("note-format", "a note ends with a newline");
        }
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            return Result<SignedNote>.Fail("note-format", "a note has a blank line between its text and its signatures");
        }
        var text = note[..(split + 1)];
        var problem = CheckText(text);
        if (problem is not null)
        {
            return problem;
        }
        var signatureBlock = note[(split + 2)..];
        var lines = signatureBlock.Split('\n');
        // The block ends with '\n', so the last element is empty.
        if (lines.Length < 2)
        {
            return Result<SignedNote>.Fail("note-format", "a note carries at least one signature line");
        }
        if (lines.Length - 1 > MaxSignatures)
        {
            return Result<SignedNote>.Fail("note-too-many-signatures", $"a note carries at most {MaxSignatures} signatures, got {lines.Length - 1}");
        }
        var signatures = new List<NoteSignature>(lines.Length - 1);
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var parsed = ParseSignatureLine(lines[i]);
            if (!parsed.Succeeded)
            {
                return Result<SignedNote>.Fail(parsed.Failure!.Code, $"signature line {i + 1}: {parsed.Failure.Message}");
            }
            signatures.Add(parsed.Value);
        }
        return new SignedNote(text, signatures);
    }

    private static Result<NoteSignature> ParseSignatureLine(string line)
    {
        if (!line.StartsWith(SignatureLinePrefix, StringComparison.Ordinal))
        {
            return Result<NoteSignature>.Fail("note-signature-format", "does not start with an em dash (U+2014) and a space");
        }
        var rest = line[SignatureLinePrefix.Length..];
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || space != rest.LastIndexOf(' '))
        {
            return Result<NoteSignature>.Fail("note-signature-format", "expected a key name, one space and a base64 signature");
        }
        var name = rest[..space];
        if (!NoteKeys.IsValidKeyName(name))
        {
            return Result<NoteSignature>.Fail("note-signature-format", $"key name '{name}' is empty or has spaces or '+'");
        }
        if (!NoteKeys.TryFromCanonicalBase64(rest[(space + 1)..], out var payload))
        {
            return Result<NoteSignature>.Fail("note-signature-format", $"the signature of '{name}' is not canonical base64 (RFC 4648 §4, padded, unused bits zero)");
        }
        if (payload.Length < 5)
        {
            return Result<NoteSignature>.Fail("note-signature-format", $"the signature of '{name}' is shorter than a key ID and a signature");
        }
        return new NoteSignature(name, BinaryPrimitives.ReadUInt32BigEndian(payload), payload.AsSpan(4));
    }

    private static Failure? CheckText(string text)
    {
        if (text.Length == 0 || text == "\n")
        {
            return new Failure("note-format", "the note text is empty");
        }
        if (!text.EndsWith('\n'))
        {
            return new Failure("note-format", "the note text ends with a newline");
        }
        foreach (var ch in text)
        {
            if (IsControl(ch))
            {
                return new Failure("note-control-character", $"the note text may not contain control character U+{(int)ch:X4}");
            }
        }
        return IsWellFormed(text) ? null : new Failure("note-encoding", "the note text is not valid Unicode");
    }

    // C2SP forbids U+0000-U+001F other than line feed; EdgeTrace also forbids DEL (U+007F) and the
    // C1 controls (U+0080-U+009F), which no EdgeTrace writer produces and some terminals obey.
    private static bool IsControl(char ch) => char.IsControl(ch) && ch != '\n';

    private static bool IsWellFormed(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    return false;
                }
                i++;
            }
            else if (char.IsLowSurrogate(s[i]))
            {
                return false;
            }
        }
        return true;
    }
}
