using System.Globalization;
using System.Text;
using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Ledger;

/// <summary>
/// What a member signs: the text of a C2SP signed note,
/// <code>
/// edgetrace/statement/v1 &lt;kind&gt;
/// consortium &lt;id&gt;
/// time &lt;unix ms&gt;
/// nonce &lt;32 lower-case hex digits&gt;
/// &lt;key&gt; &lt;value&gt;        (the kind's body, in its canonical order)
/// </code>
/// The first line has a space, which no checkpoint origin may have, so a member's signature on a
/// statement can never be passed off as a signature on a checkpoint (or the other way round).
/// The consortium binds the statement to one ledger; the nonce makes each statement unique, and
/// the ledger refuses a statement text it has seen before, so a signed statement cannot be replayed.
/// The time is the signer's clock, for people; no rule depends on it.
/// </summary>
public sealed class Statement
{
    /// <summary>The first line's prefix.</summary>
    public const string FormatPrefix = "edgetrace/statement/v1 ";

    /// <summary>Bytes in a nonce.</summary>
    public const int NonceLength = 16;

    /// <summary>The most body lines accepted.</summary>
    public const int MaxBodyLines = 1000;

    private Statement(string kind, string consortium, long timeMs, string nonce, IReadOnlyList<EntryField> body, string text)
    {
        Kind = kind;
        Consortium = consortium;
        TimeMs = timeMs;
        Nonce = nonce;
        Body = body;
        Text = text;
        Hash = Hash32.Sha256(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>The statement kind.</summary>
    public string Kind { get; }

    /// <summary>The consortium the statement is for.</summary>
    public string Consortium { get; }

    /// <summary>The signer's clock when it signed, Unix milliseconds.</summary>
    public long TimeMs { get; }

    /// <summary>The nonce, lower-case hex.</summary>
    public string Nonce { get; }

    /// <summary>The kind-specific lines.</summary>
    public IReadOnlyList<EntryField> Body { get; }

    /// <summary>The note text (ends with a newline).</summary>
    public string Text { get; }

    /// <summary>SHA-256 of the UTF-8 text: the statement's identity for replay protection.</summary>
    public Hash32 Hash { get; }

    /// <summary>Writes a statement.</summary>
    /// <exception cref="ArgumentException">When a part is not well-formed.</exception>
    public static Statement Create(string kind, string consortium, long timeMs, ReadOnlySpan<byte> nonce, IEnumerable<EntryField> body)
    {
        if (!EntryKinds.IsValidKindName(kind))
        {
            throw new ArgumentException($"statement kind '{kind}' must be a lower-case word", nameof(kind));
        }
        if (!LedgerNames.IsValidConsortium(consortium))
        {
            throw new ArgumentException($"consortium '{consortium}' must be 1-64 of a-z 0-9 . _ -", nameof(consortium));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(timeMs);
        if (nonce.Length != NonceLength)
        {
            throw new ArgumentException($"a nonce is {NonceLength} bytes, got {nonce.Length}", nameof(nonce));
        }
        var lines = body.ToList();
        if (lines.Count > MaxBodyLines)
        {
            throw new ArgumentException($"a statement has at most {MaxBodyLines} body lines", nameof(body));
        }
        var nonceHex = Convert.ToHexStringLower(nonce);
        var sb = new StringBuilder(256);
        sb.Append(FormatPrefix).Append(kind).Append('\n')
            .Append("consortium ").Append(consortium).Append('\n')
            .Append("time ").Append(timeMs.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("nonce ").Append(nonceHex).Append('\n');
        foreach (var line in lines)
        {
            if (!EntryField.IsValid(line.Key, line.Value))
            {
                throw new ArgumentException($"body line '{line}' is not 'key value' without control characters", nameof(body));
            }
            sb.Append(line.Key).Append(' ').Append(line.Value).Append('\n');
        }
        return new Statement(kind, consortium, timeMs, nonceHex, lines, sb.ToString());
    }

    /// <summary>Parses a statement from note text (unverified: check the note's signatures first).</summary>
    public static Result<Statement> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith(FormatPrefix, StringComparison.Ordinal) || !text.EndsWith('\n'))
        {
            return Result<Statement>.Fail("statement-format", $"a statement starts with '{FormatPrefix}<kind>' and ends with a newline");
        }
        var lines = text[..^1].Split('\n');
        var kind = lines[0][FormatPrefix.Length..];
        if (!EntryKinds.IsValidKindName(kind))
        {
            return Result<Statement>.Fail("statement-format", $"statement kind '{kind}' is not a lower-case word");
        }
        if (lines.Length - 4 > MaxBodyLines)
        {
            return Result<Statement>.Fail("statement-format", $"a statement has at most {MaxBodyLines} body lines");
        }
        var fields = new List<EntryField>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            if (EntryField.ParseLine(lines[i]) is not { } field)
            {
                return Result<Statement>.Fail("statement-format", $"{kind} statement line {i + 1} is not 'key value'");
            }
            fields.Add(field);
        }
        var reader = new FieldReader(fields, $"{kind} statement");
        var consortium = reader.Required("consortium");
        var time = reader.RequiredNumber("time");
        var nonce = reader.Required("nonce");
        if (reader.Failure is { } failure)
        {
            return failure;
        }
        if (!LedgerNames.IsValidConsortium(consortium))
        {
            return Result<Statement>.Fail("statement-format", $"consortium '{consortium}' is not a valid id");
        }
        if (nonce.Length != NonceLength * 2 || !nonce.All(ch => ch is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            return Result<Statement>.Fail("statement-format", $"the nonce must be {NonceLength * 2} lower-case hex digits");
        }
        return new Statement(kind, consortium, time, nonce, fields.Skip(3).ToList(), text);
    }
}
