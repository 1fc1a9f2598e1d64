using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Firmware.Contracts.Epc;

/// <summary>
/// A GS1 Digital Link URI path for a trade item: the GTIN (AI 01, primary key) and optionally its
/// batch/lot (AI 10) and serial number (AI 21) key qualifiers, as <c>/01/{gtin}[/10/{lot}][/21/{serial}]</c>
/// (GS1 Digital Link Standard: URI Syntax, gtin-path). The GTIN is held in its 14-digit form; the
/// lot and serial are held decoded.
/// </summary>
/// <remarks>
/// The consumer product variant (AI 22) and the third-party serial extension (AI 235) are valid
/// qualifiers in the standard but mean nothing to this system, so they are refused by name rather
/// than silently dropped: a resolver that ignored them would answer for a different item.
/// </remarks>
public sealed record DigitalLink
{
    /// <summary>The Application Identifier of the GTIN.</summary>
    public const string GtinAi = "01";

    /// <summary>The Application Identifier of the batch/lot number.</summary>
    public const string LotAi = "10";

    /// <summary>The Application Identifier of the serial number.</summary>
    public const string SerialAi = "21";

    /// <summary>AI 10 and AI 21 are X..20: one to twenty characters.</summary>
    public const int MaxQualifierLength = 20;

    /// <summary>
    /// A link for <paramref name="gtin"/>, with an optional lot and serial, each 1-20 characters of
    /// the GS1 AI encodable character set 82.
    /// </summary>
    /// <exception cref="ArgumentException">When the lot or serial is not a valid AI 10 / AI 21 value.</exception>
    public DigitalLink(Gtin gtin, string? lot = null, string? serial = null)
    {
        ArgumentNullException.ThrowIfNull(gtin);
        if (lot is not null && CheckQualifier(LotAi, lot) is { } lotError)
        {
            throw new ArgumentException(lotError.Message, nameof(lot));
        }
        if (serial is not null && CheckQualifier(SerialAi, serial) is { } serialError)
        {
            throw new ArgumentException(serialError.Message, nameof(serial));
        }
        Gtin = gtin;
        Lot = lot;
        Serial = serial;
    }

    /// <summary>The GTIN, 14 digits.</summary>
    public Gtin Gtin { get; }

    /// <summary>The batch/lot number (AI 10), decoded, or null.</summary>
    public string? Lot { get; }

    /// <summary>The serial number (AI 21), decoded, or null.</summary>
    public string? Serial { get; }

    /// <summary>
    /// The canonical path: the 14-digit GTIN, then lot, then serial, each value percent-encoded
    /// except for the RFC 3986 unreserved characters of set 82 (letters, digits, <c>-</c> <c>.</c> <c>_</c>).
    /// </summary>
    public string ToPath()
    {
        var path = new StringBuilder(64).Append('/').Append(GtinAi).Append('/').Append(Gtin.Value);
        if (Lot is not null)
        {
            path.Append('/').Append(LotAi).Append('/').Append(Encode(Lot));
        }
        if (Serial is not null)
        {
            path.Append('/').Append(SerialAi).Append('/').Append(Encode(Serial));
        }
        return path.ToString();
    }

    /// <summary>
    /// The full Digital Link URI on <paramref name="baseUri"/> (scheme, host and an optional path
    /// prefix, e.g. <c>https://trace.example.com</c> or <c>https://example.com/trace/</c>).
    /// </summary>
    /// <exception cref="ArgumentException">When <paramref name="baseUri"/> is not an absolute http(s) URI without query or fragment.</exception>
    public string ToUri(string baseUri)
    {
        if (CheckBaseUri(baseUri) is { } problem)
        {
            throw new ArgumentException(problem, nameof(baseUri));
        }
        return baseUri.TrimEnd('/') + ToPath();
    }

    /// <summary>Null when <paramref name="baseUri"/> can carry Digital Links; otherwise what is wrong with it.</summary>
    public static string? CheckBaseUri(string? baseUri)
    {
        if (string.IsNullOrEmpty(baseUri) || !Uri.TryCreate(baseUri, UriKind.Absolute, out var uri))
        {
            return $"'{baseUri}' is not an absolute URI; expected e.g. https://trace.example.com";
        }
        if (uri.Scheme is not ("http" or "https"))
        {
            return $"'{baseUri}' must use http or https, not {uri.Scheme}";
        }
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0 || baseUri.Contains('?', StringComparison.Ordinal) || baseUri.Contains('#', StringComparison.Ordinal))
        {
            return $"'{baseUri}' must not have a query or fragment; the Digital Link path is appended to it";
        }
        return null;
    }

    /// <summary>The canonical path.</summary>
    public override string ToString() => ToPath();

    /// <summary>
    /// Parses a Digital Link path as it arrived on the wire (still percent-encoded; a query string or
    /// fragment is ignored, and so is one trailing slash). The path must start with <c>/01/</c>.
    /// </summary>
    public static bool TryParsePath(string? rawPath, [NotNullWhen(true)] out DigitalLink? link, [NotNullWhen(false)] out DigitalLinkError? error)
    {
        link = null;
        if (string.IsNullOrEmpty(rawPath) || rawPath[0] != '/')
        {
            error = new DigitalLinkError(DigitalLinkErrorKind.NotADigitalLink, null, null, $"'{rawPath}' is not a path; a GS1 Digital Link path starts with /01/ and a GTIN");
            return false;
        }
        var end = rawPath.IndexOfAny(['?', '#']);
        var path = end < 0 ? rawPath : rawPath[..end];
        if (path.Length > 1 && path[^1] == '/')
        {
            path = path[..^1];
        }
        var segments = path[1..].Split('/');
        return TryParseSegments(segments, out link, out error);
    }

    /// <summary>Like <see cref="TryParsePath"/>, as a <see cref="Result{T}"/> whose failure code is the error's <see cref="DigitalLinkError.Code"/>.</summary>
    public static Result<DigitalLink> ParsePath(string? rawPath) =>
        TryParsePath(rawPath, out var link, out var error) ? link : Result<DigitalLink>.Fail(error.Code, error.Message);

    /// <summary>
    /// Parses a full Digital Link URI (http or https, any host, an optional path prefix before
    /// <c>/01/</c>), e.g. what a QR code carries.
    /// </summary>
    public static bool TryParseUri(string? uri, [NotNullWhen(true)] out DigitalLink? link, [NotNullWhen(false)] out DigitalLinkError? error)
    {
        link = null;
        if (string.IsNullOrEmpty(uri) || !Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            error = new DigitalLinkError(DigitalLinkErrorKind.NotADigitalLink, null, null, $"'{uri}' is not an http or https URI");
            return false;
        }
        // The path as written, not Uri's unescaped or re-escaped form: values are decoded exactly once, here.
        var afterScheme = uri.IndexOf("//", StringComparison.Ordinal) + 2;
        var pathStart = uri.IndexOf('/', afterScheme);
        if (pathStart < 0)
        {
            error = new DigitalLinkError(DigitalLinkErrorKind.NotADigitalLink, null, null, $"'{uri}' has no path; a GS1 Digital Link has /01/ and a GTIN after the host");
            return false;
        }
        var path = uri[pathStart..];
        var end = path.IndexOfAny(['?', '#']);
        if (end >= 0)
        {
            path = path[..end];
        }
        if (path.Length > 1 && path[^1] == '/')
        {
            path = path[..^1];
        }
        var segments = path[1..].Split('/');
        // The key and its qualifiers are the last segments, in pairs; anything before them is the
        // resolver's own path prefix (which may itself contain "01"). Walk back over qualifier pairs.
        var start = segments.Length - 2;
        while (start >= 0 && segments[start] is LotAi or SerialAi or "22" or "235")
        {
            start -= 2;
        }
        if (start >= 0 && segments[start] == GtinAi)
        {
            return TryParseSegments(segments[start..], out link, out error);
        }
        error = new DigitalLinkError(DigitalLinkErrorKind.NotADigitalLink, null, null, $"'{uri}' has no /01/<gtin> in its path");
        return false;
    }

    /// <summary>
    /// Checks a batch/lot (AI 10) or serial (AI 21) value, already decoded: 1-20 characters of the
    /// GS1 AI encodable character set 82. Null when valid.
    /// </summary>
    public static DigitalLinkError? CheckQualifier(string ai, string? value)
    {
        var name = AiName(ai);
        if (string.IsNullOrEmpty(value))
        {
            return new DigitalLinkError(DigitalLinkErrorKind.EmptyValue, ai, value, $"the {name} (AI {ai}) is empty; it has 1 to {MaxQualifierLength} characters");
        }
        for (var i = 0; i < value.Length; i++)
        {
            if (!IsCharacterSet82(value[i]))
            {
                return new DigitalLinkError(DigitalLinkErrorKind.CharacterNotAllowed, ai, value,
                    $"the {name} (AI {ai}) '{value}' has the character {Describe(value[i])} at position {i + 1}; GS1 allows only letters A-Z a-z, digits and ! \" % & ' ( ) * + , - . / : ; < = > ? _")
                { Position = i + 1, Character = value[i] };
            }
        }
        if (value.Length > MaxQualifierLength)
        {
            return new DigitalLinkError(DigitalLinkErrorKind.ValueTooLong, ai, value,
                $"the {name} (AI {ai}) has {value.Length} characters; GS1 allows at most {MaxQualifierLength}")
            { Length = value.Length };
        }
        return null;
    }

    /// <summary>
    /// True for the 82 characters of the GS1 AI encodable character set 82 (GS1 General
    /// Specifications, figure 7.11-1): A-Z, a-z, 0-9 and <c>! " % &amp; ' ( ) * + , - . / : ; &lt; = &gt; ? _</c>.
    /// </summary>
    public static bool IsCharacterSet82(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '"' or '%' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or '-' or '.' or '/'
            or ':' or ';' or '<' or '=' or '>' or '?' or '_';

    /// <summary>
    /// Percent-encodes a set-82 value for a path segment: letters, digits, <c>-</c> <c>.</c> <c>_</c>
    /// stay; every other character becomes <c>%XX</c> (upper-case hex), as the GS1 grammar writes them.
    /// </summary>
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var encoded = new StringBuilder(value.Length * 3);
        foreach (var c in value)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')
            {
                encoded.Append(c);
            }
            else if (c < 0x80)
            {
                encoded.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                throw new ArgumentException($"'{value}' has a non-ASCII character; GS1 set 82 is ASCII only", nameof(value));
            }
        }
        return encoded.ToString();
    }

    private static bool TryParseSegments(string[] segments, [NotNullWhen(true)] out DigitalLink? link, [NotNullWhen(false)] out DigitalLinkError? error)
    {
        link = null;
        if (segments.Length == 0 || segments[0] != GtinAi)
        {
            error = new DigitalLinkError(DigitalLinkErrorKind.NotADigitalLink, null, null,
                $"the path starts with '/{(segments.Length > 0 ? segments[0] : "")}'; a product code starts with /01/ and the GTIN");
            return false;
        }
        if (segments.Length < 2 || segments[1].Length == 0)
        {
            error = new DigitalLinkError(DigitalLinkErrorKind.MissingValue, GtinAi, null, "the GTIN after /01/ is missing");
            return false;
        }
        if (!TryDecode(GtinAi, segments[1], out var gtinText, out error))
        {
            return false;
        }
        if (!TryParseGtin(gtinText, out var gtin, out error))
        {
            return false;
        }
        string? lot = null, serial = null;
        for (var i = 2; i < segments.Length; i += 2)
        {
            var ai = segments[i];
            if (ai.Length == 0)
            {
                error = new DigitalLinkError(DigitalLinkErrorKind.NotADigitalLink, null, null, "the path has an empty segment (two slashes in a row)");
                return false;
            }
            if (ai is not (LotAi or SerialAi))
            {
                error = new DigitalLinkError(DigitalLinkErrorKind.UnsupportedQualifier, ai, null, ai switch
                {
                    "22" => "the consumer product variant (AI 22) is not used here; codes are /01/<gtin>, then /10/<lot>, then /21/<serial>",
                    "235" => "the third-party serial extension (AI 235) is not used here; codes are /01/<gtin>, then /10/<lot>, then /21/<serial>",
                    _ => $"'{Shorten(ai)}' is not a key qualifier of a GTIN known here; after /01/<gtin> come /10/<lot> and then /21/<serial>",
                });
                return false;
            }
            if (i + 1 >= segments.Length || segments[i + 1].Length == 0)
            {
                error = new DigitalLinkError(DigitalLinkErrorKind.MissingValue, ai, null, $"the {AiName(ai)} after /{ai}/ is missing");
                return false;
            }
            if (ai == LotAi && (lot is not null || serial is not null))
            {
                error = serial is not null
                    ? new DigitalLinkError(DigitalLinkErrorKind.QualifierOrder, ai, null, "the batch/lot (/10/) must come before the serial number (/21/)")
                    : new DigitalLinkError(DigitalLinkErrorKind.DuplicateQualifier, ai, null, "the batch/lot (/10/) appears twice");
                return false;
            }
            if (ai == SerialAi && serial is not null)
            {
                error = new DigitalLinkError(DigitalLinkErrorKind.DuplicateQualifier, ai, null, "the serial number (/21/) appears twice");
                return false;
            }
            if (!TryDecode(ai, segments[i + 1], out var value, out error))
            {
                return false;
            }
            if (CheckQualifier(ai, value) is { } invalid)
            {
                error = invalid;
                return false;
            }
            if (ai == LotAi)
            {
                lot = value;
            }
            else
            {
                serial = value;
            }
        }
        link = new DigitalLink(gtin, lot, serial);
        error = null;
        return true;
    }

    private static bool TryParseGtin(string text, [NotNullWhen(true)] out Gtin? gtin, [NotNullWhen(false)] out DigitalLinkError? error)
    {
        gtin = null;
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                error = new DigitalLinkError(DigitalLinkErrorKind.GtinNotDigits, GtinAi, text,
                    $"the GTIN '{Shorten(text)}' has {Describe(text[i])} at position {i + 1}; a GTIN is digits only")
                { Position = i + 1, Character = text[i] };
                return false;
            }
        }
        if (text.Length is not (8 or 12 or 13 or 14))
        {
            error = new DigitalLinkError(DigitalLinkErrorKind.GtinLength, GtinAi, text,
                $"the GTIN '{Shorten(text)}' has {text.Length} digits; a GTIN has 8, 12, 13 or 14")
            { Length = text.Length };
            return false;
        }
        var expected = Gtin.ComputeCheckDigit(text.AsSpan(0, text.Length - 1));
        var actual = text[^1] - '0';
        if (expected != actual)
        {
            error = new DigitalLinkError(DigitalLinkErrorKind.GtinCheckDigit, GtinAi, text,
                $"the GTIN '{text}' ends in check digit {actual}, but its other digits give {expected}; the code was mistyped or misread")
            { ExpectedCheckDigit = expected, ActualCheckDigit = actual };
            return false;
        }
        gtin = Gtin.Parse(text);
        error = null;
        return true;
    }

    // Decodes %XX escapes. Escaped bytes are read as UTF-8, so that an escaped "ä" is reported as
    // "ä" (outside set 82) rather than as two Latin-1 characters or as an encoding error.
    private static bool TryDecode(string ai, string raw, [NotNullWhen(true)] out string? value, [NotNullWhen(false)] out DigitalLinkError? error)
    {
        if (!raw.Contains('%', StringComparison.Ordinal))
        {
            value = raw;
            error = null;
            return true;
        }
        var decoded = new StringBuilder(raw.Length);
        var bytes = new List<byte>();
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '%')
            {
                Flush();
                decoded.Append(raw[i]);
                continue;
            }
            if (i + 2 >= raw.Length || !char.IsAsciiHexDigit(raw[i + 1]) || !char.IsAsciiHexDigit(raw[i + 2]))
            {
                value = null;
                error = new DigitalLinkError(DigitalLinkErrorKind.BadPercentEncoding, ai, raw,
                    $"the {AiName(ai)} '{Shorten(raw)}' has a '%' at position {i + 1} that is not followed by two hex digits; write % itself as %25")
                { Position = i + 1 };
                return false;
            }
            bytes.Add(Convert.ToByte(raw.Substring(i + 1, 2), 16));
            i += 2;
        }
        Flush();
        value = decoded.ToString();
        error = null;
        return true;

        void Flush()
        {
            if (bytes.Count > 0)
            {
                decoded.Append(Encoding.UTF8.GetString(bytes.ToArray()));
                bytes.Clear();
            }
        }
    }

    private static string AiName(string ai) => ai switch
    {
        GtinAi => "GTIN",
        LotAi => "batch/lot",
        SerialAi => "serial number",
        _ => $"AI {ai} value",
    };

    private static string Describe(char c) =>
        c is >= '!' and <= '~' ? $"'{c}'" : c == ' ' ? "a space" : $"U+{(int)c:X4}";

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";
}

/// <summary>What is wrong with a Digital Link, in a form that can be shown in any language.</summary>
public enum DigitalLinkErrorKind
{
    /// <summary>Not a path or URI of the form /01/&lt;gtin&gt;….</summary>
    NotADigitalLink,

    /// <summary>An AI is followed by no value.</summary>
    MissingValue,

    /// <summary>The GTIN has a character that is not a digit.</summary>
    GtinNotDigits,

    /// <summary>The GTIN does not have 8, 12, 13 or 14 digits.</summary>
    GtinLength,

    /// <summary>The GTIN's last digit is not its mod-10 check digit.</summary>
    GtinCheckDigit,

    /// <summary>A qualifier other than 10 or 21.</summary>
    UnsupportedQualifier,

    /// <summary>The serial comes before the lot.</summary>
    QualifierOrder,

    /// <summary>A qualifier appears twice.</summary>
    DuplicateQualifier,

    /// <summary>A lot or serial is empty.</summary>
    EmptyValue,

    /// <summary>A lot or serial is longer than 20 characters.</summary>
    ValueTooLong,

    /// <summary>A '%' not followed by two hex digits.</summary>
    BadPercentEncoding,

    /// <summary>A lot or serial has a character outside GS1 set 82.</summary>
    CharacterNotAllowed,
}

/// <summary>
/// Why a Digital Link was refused: the kind, the AI it concerns, the offending value (decoded where
/// decoding succeeded) and the details a message in another language needs.
/// </summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Ai">The Application Identifier concerned (01, 10, 21, or the unknown one), if any.</param>
/// <param name="Value">The value concerned, if any.</param>
/// <param name="Message">An English sentence saying what is wrong.</param>
public sealed record DigitalLinkError(DigitalLinkErrorKind Kind, string? Ai, string? Value, string Message)
{
    /// <summary>1-based position of the offending character, when there is one.</summary>
    public int? Position { get; init; }

    /// <summary>The offending character, when there is one.</summary>
    public char? Character { get; init; }

    /// <summary>The length found, for length errors.</summary>
    public int? Length { get; init; }

    /// <summary>The check digit the GTIN's other digits give.</summary>
    public int? ExpectedCheckDigit { get; init; }

    /// <summary>The check digit the GTIN carries.</summary>
    public int? ActualCheckDigit { get; init; }

    /// <summary>A stable kebab-case code, e.g. <c>gtin-check-digit</c>.</summary>
    public string Code => Kind switch
    {
        DigitalLinkErrorKind.NotADigitalLink => "not-a-digital-link",
        DigitalLinkErrorKind.MissingValue => "missing-value",
        DigitalLinkErrorKind.GtinNotDigits => "gtin-not-digits",
        DigitalLinkErrorKind.GtinLength => "gtin-length",
        DigitalLinkErrorKind.GtinCheckDigit => "gtin-check-digit",
        DigitalLinkErrorKind.UnsupportedQualifier => "unsupported-qualifier",
        DigitalLinkErrorKind.QualifierOrder => "qualifier-order",
        DigitalLinkErrorKind.DuplicateQualifier => "duplicate-qualifier",
        DigitalLinkErrorKind.EmptyValue => "empty-value",
        DigitalLinkErrorKind.ValueTooLong => "value-too-long",
        DigitalLinkErrorKind.BadPercentEncoding => "bad-percent-encoding",
        DigitalLinkErrorKind.CharacterNotAllowed => "character-not-allowed",
        _ => "digital-link",
    };

    /// <inheritdoc/>
    public override string ToString() => $"{Code}: {Message}";
}
