using System.Text;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;

namespace Firmware.Contracts.Ledger;

/// <summary>
/// A ledger entry: the bytes of one leaf of the consortium ledger. The text form is
/// <code>
/// edgetrace/entry/v1 &lt;kind&gt;
/// &lt;key&gt; &lt;value&gt;        (zero or more header lines, kind-specific, unsigned)
///
/// &lt;a C2SP signed note&gt;   (a member statement, or a device checkpoint)
/// </code>
/// The header carries what the proposing node adds (receive time, references, proofs); the
/// note carries what a member or a device signed. Parsing accepts only the canonical form, so
/// an entry has exactly one byte representation and its leaf hash is its identity.
/// </summary>
public sealed class LedgerEntry
{
    /// <summary>The first line's prefix.</summary>
    public const string FormatPrefix = "edgetrace/entry/v1 ";

    /// <summary>The largest entry accepted, in bytes.</summary>
    public const int MaxBytes = 128 * 1024;

    /// <summary>The most header lines accepted.</summary>
    public const int MaxHeaderLines = 100;

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly byte[] _bytes;

    private LedgerEntry(byte[] bytes, string kind, IReadOnlyList<EntryField> header, SignedNote note)
    {
        _bytes = bytes;
        Kind = kind;
        Header = header;
        Note = note;
        LeafHash = Rfc9162.HashLeaf(bytes);
    }

    /// <summary>The entry kind (see <see cref="EntryKinds"/>).</summary>
    public string Kind { get; }

    /// <summary>The header lines, in order.</summary>
    public IReadOnlyList<EntryField> Header { get; }

    /// <summary>The signed note (unverified until a rule or a verifier checks it).</summary>
    public SignedNote Note { get; }

    /// <summary>The entry's bytes, exactly as appended and hashed.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>SHA-256(0x00 ‖ bytes): the entry's leaf hash in the ledger.</summary>
    public Hash32 LeafHash { get; }

    /// <summary>The entry as text.</summary>
    public override string ToString() => Encoding.UTF8.GetString(_bytes);

    /// <summary>Writes an entry.</summary>
    /// <exception cref="ArgumentException">When the kind or a header field is not well-formed.</exception>
    public static LedgerEntry Create(string kind, IEnumerable<EntryField> header, SignedNote note)
    {
        ArgumentNullException.ThrowIfNull(note);
        if (!EntryKinds.IsValidKindName(kind))
        {
            throw new ArgumentException($"entry kind '{kind}' must be a lower-case word", nameof(kind));
        }
        var fields = header.ToList();
        if (fields.Count > MaxHeaderLines)
        {
            throw new ArgumentException($"an entry has at most {MaxHeaderLines} header lines", nameof(header));
        }
        var sb = new StringBuilder(512);
        sb.Append(FormatPrefix).Append(kind).Append('\n');
        foreach (var field in fields)
        {
            if (!EntryField.IsValid(field.Key, field.Value))
            {
                throw new ArgumentException($"header line '{field}' is not 'key value'", nameof(header));
            }
            sb.Append(field.Key).Append(' ').Append(field.Value).Append('\n');
        }
        sb.Append('\n').Append(note.ToString());
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        if (bytes.Length > MaxBytes)
        {
            throw new ArgumentException($"the entry is {bytes.Length} bytes, more than {MaxBytes}", nameof(note));
        }
        return new LedgerEntry(bytes, kind, fields, note);
    }

    /// <summary>Parses entry bytes. Checks the form only, not signatures or ledger rules.</summary>
    public static Result<LedgerEntry> Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes.Length > MaxBytes)
        {
            return Result<LedgerEntry>.Fail("entry-size", $"an entry is 1..{MaxBytes} bytes, got {bytes.Length}");
        }
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Result<LedgerEntry>.Fail("entry-format", "an entry is UTF-8 text");
        }
        if (!text.StartsWith(FormatPrefix, StringComparison.Ordinal))
        {
            return Result<LedgerEntry>.Fail("entry-format", $"an entry starts with '{FormatPrefix}<kind>'");
        }
        var blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0)
        {
            return Result<LedgerEntry>.Fail("entry-format", "an entry has a blank line before its signed note");
        }
        var headLines = text[..blank].Split('\n');
        var kind = headLines[0][FormatPrefix.Length..];
        if (!EntryKinds.IsValidKindName(kind))
        {
            return Result<LedgerEntry>.Fail("entry-format", $"entry kind '{kind}' is not a lower-case word");
        }
        if (headLines.Length - 1 > MaxHeaderLines)
        {
            return Result<LedgerEntry>.Fail("entry-format", $"an entry has at most {MaxHeaderLines} header lines");
        }
        var header = new List<EntryField>(headLines.Length - 1);
        for (var i = 1; i < headLines.Length; i++)
        {
            if (EntryField.ParseLine(headLines[i]) is not { } field)
            {
                return Result<LedgerEntry>.Fail("entry-format", $"header line {i} '{Shorten(headLines[i])}' is not 'key value'");
            }
            header.Add(field);
        }
        var note = SignedNote.Parse(text[(blank + 2)..]);
        if (!note.Succeeded)
        {
            return Result<LedgerEntry>.Fail("entry-format", $"the entry's signed note: {note.Failure}");
        }
        // One byte form per entry: what we would write must be what we read.
        var canonical = Create(kind, header, note.Value);
        if (!canonical._bytes.AsSpan().SequenceEqual(bytes))
        {
            return Result<LedgerEntry>.Fail("entry-format", "the entry is not in canonical form (signature base64 or line layout differ from how it would be written)");
        }
        return new LedgerEntry(bytes.ToArray(), kind, header, note.Value);
    }

    /// <summary>The value of the only header line with <paramref name="key"/>, or null when there is none.</summary>
    public string? Field(string key) => Header.FirstOrDefault(f => f.Key == key).Value;

    /// <summary>The values of every header line with <paramref name="key"/>, in order.</summary>
    public IEnumerable<string> Fields(string key) => Header.Where(f => f.Key == key).Select(f => f.Value);

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
