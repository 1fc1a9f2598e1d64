using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Firmware.Contracts.Epc;

/// <summary>
/// A serialised GTIN (GS1 EPC Tag Data Standard, SGTIN): one physical instance of a trade item.
/// Its pure-identity URI is <c>urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial</c>.
/// </summary>
/// <remarks>
/// The company prefix length is not derivable from the GTIN alone (it depends on the GS1 member
/// organisation's allocation), which is why it travels with the SGTIN and must be supplied when one
/// is built from a GTIN.
/// </remarks>
public sealed record Sgtin
{
    /// <summary>The URI prefix of an SGTIN pure identity.</summary>
    public const string UriPrefix = "urn:epc:id:sgtin:";

    private Sgtin(string companyPrefix, string indicatorAndItemReference, string serial)
    {
        CompanyPrefix = companyPrefix;
        IndicatorAndItemReference = indicatorAndItemReference;
        Serial = serial;
        Gtin = Gtin.FromDigitsWithoutCheck(indicatorAndItemReference[0] + companyPrefix + indicatorAndItemReference[1..]);
    }

    /// <summary>GS1 company prefix, 6 to 12 digits.</summary>
    public string CompanyPrefix { get; }

    /// <summary>Indicator digit followed by the item reference; 13 minus the prefix length digits.</summary>
    public string IndicatorAndItemReference { get; }

    /// <summary>The serial number (GS1 AI 21) as a plain string, not percent-escaped.</summary>
    public string Serial { get; }

    /// <summary>The GTIN-14 this instance belongs to.</summary>
    public Gtin Gtin { get; }

    /// <summary>Pure-identity EPC URI, serial percent-escaped as the Tag Data Standard requires.</summary>
    public string ToEpcUri() => $"{UriPrefix}{CompanyPrefix}.{IndicatorAndItemReference}.{EscapeSerial(Serial)}";

    /// <inheritdoc/>
    public override string ToString() => ToEpcUri();

    /// <summary>Builds an SGTIN from a GTIN, the length of its company prefix and a serial number.</summary>
    public static bool TryCreate(Gtin gtin, int companyPrefixLength, string serial,
        [NotNullWhen(true)] out Sgtin? sgtin, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(gtin);
        sgtin = null;
        if (companyPrefixLength is < 6 or > 12)
        {
            error = $"Company prefix length {companyPrefixLength} is outside 6..12, the lengths GS1 allocates.";
            return false;
        }
        if (!TryValidateSerial(serial, out error)) return false;
        var g = gtin.Value;
        sgtin = new Sgtin(g.Substring(1, companyPrefixLength), g[0] + g.Substring(1 + companyPrefixLength, 12 - companyPrefixLength), serial);
        return true;
    }

    /// <summary>Like <see cref="TryCreate"/>, throwing <see cref="ArgumentException"/> with the reason.</summary>
    public static Sgtin Create(Gtin gtin, int companyPrefixLength, string serial) =>
        TryCreate(gtin, companyPrefixLength, serial, out var sgtin, out var error) ? sgtin : throw new ArgumentException(error);

    /// <summary>Builds an SGTIN from its three URI components (serial not escaped).</summary>
    public static bool TryCreate(string companyPrefix, string indicatorAndItemReference, string serial,
        [NotNullWhen(true)] out Sgtin? sgtin, [NotNullWhen(false)] out string? error)
    {
        sgtin = null;
        if (string.IsNullOrEmpty(companyPrefix) || !companyPrefix.All(char.IsAsciiDigit) || companyPrefix.Length is < 6 or > 12)
        {
            error = $"Company prefix '{companyPrefix}' must be 6 to 12 digits.";
            return false;
        }
        if (string.IsNullOrEmpty(indicatorAndItemReference) || !indicatorAndItemReference.All(char.IsAsciiDigit))
        {
            error = $"Indicator and item reference '{indicatorAndItemReference}' must be digits.";
            return false;
        }
        if (companyPrefix.Length + indicatorAndItemReference.Length != 13)
        {
            error = $"Company prefix '{companyPrefix}' and indicator/item reference '{indicatorAndItemReference}' have " +
                    $"{companyPrefix.Length + indicatorAndItemReference.Length} digits together; an SGTIN has 13 (the GTIN without its check digit).";
            return false;
        }
        if (!TryValidateSerial(serial, out error)) return false;
        sgtin = new Sgtin(companyPrefix, indicatorAndItemReference, serial);
        return true;
    }

    /// <summary>
    /// Parses <c>urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial</c> as the EPC Tag Data
    /// Standard's grammar writes it; percent-escapes in the serial are decoded. The grammar allows
    /// one spelling per SGTIN, so a URI this accepts is the one <see cref="ToEpcUri"/> writes.
    /// </summary>
    public static bool TryParseEpcUri(string? uri, [NotNullWhen(true)] out Sgtin? sgtin, [NotNullWhen(false)] out string? error)
    {
        sgtin = null;
        if (uri is null || !uri.StartsWith(UriPrefix, StringComparison.Ordinal))
        {
            error = $"'{uri}' is not an SGTIN pure-identity URI; expected it to start with '{UriPrefix}'.";
            return false;
        }
        var body = uri.AsSpan(UriPrefix.Length);
        // The serial may itself contain '.', so only the first two dots separate components.
        var first = body.IndexOf('.');
        var second = first < 0 ? -1 : body[(first + 1)..].IndexOf('.');
        if (first < 0 || second < 0)
        {
            error = $"'{uri}' must have three dot-separated parts after '{UriPrefix}': company prefix, indicator and item reference, serial.";
            return false;
        }
        second += first + 1;
        var companyPrefix = body[..first].ToString();
        var itemReference = body[(first + 1)..second].ToString();
        if (!TryUnescapeSerial(body[(second + 1)..].ToString(), out var serial, out error)) return false;
        return TryCreate(companyPrefix, itemReference, serial, out sgtin, out error);
    }

    /// <summary>Like <see cref="TryParseEpcUri"/>, throwing <see cref="FormatException"/> with the reason.</summary>
    public static Sgtin ParseEpcUri(string uri) =>
        TryParseEpcUri(uri, out var sgtin, out var error) ? sgtin : throw new FormatException(error);

    // GS1 AI encodable character set 82 (Tag Data Standard, Table A-1): the characters a serial may hold.
    private const string SerialPunctuation = "!\"%&'()*+,-./:;<=>?_";
    // Of those, the ones the Tag Data Standard requires percent-escaped inside an EPC URI.
    private const string EscapedInUri = "\"%&/<>?";

    private static bool IsSerialChar(char c) => char.IsAsciiLetterOrDigit(c) || SerialPunctuation.Contains(c, StringComparison.Ordinal);

    private static bool TryValidateSerial(string? serial, [NotNullWhen(false)] out string? error)
    {
        if (string.IsNullOrEmpty(serial) || serial.Length > 20)
        {
            error = $"Serial '{serial}' must be 1 to 20 characters (GS1 AI 21).";
            return false;
        }
        foreach (var c in serial)
        {
            if (!IsSerialChar(c))
            {
                error = $"Serial '{serial}' contains '{c}', which is not in the GS1 AI encodable character set 82.";
                return false;
            }
        }
        error = null;
        return true;
    }

    private static string EscapeSerial(string serial)
    {
        if (serial.AsSpan().IndexOfAny(EscapedInUri) < 0) return serial;
        var sb = new StringBuilder(serial.Length + 8);
        foreach (var c in serial)
        {
            if (EscapedInUri.Contains(c, StringComparison.Ordinal)) sb.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    // The Tag Data Standard's URI grammar has exactly one spelling per serial: the seven characters
    // above as %22 %25 %26 %2F %3C %3E %3F (upper-case hex), every other character as itself.
    private static bool TryUnescapeSerial(string escaped, [NotNullWhen(true)] out string? serial, [NotNullWhen(false)] out string? error)
    {
        serial = null;
        var sb = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            if (c == '%')
            {
                if (i + 2 >= escaped.Length || !char.IsAsciiHexDigit(escaped[i + 1]) || !char.IsAsciiHexDigit(escaped[i + 2]))
                {
                    error = $"Serial '{escaped}' has a '%' at position {i + 1} that is not followed by two hex digits.";
                    return false;
                }
                var code = escaped.Substring(i + 1, 2);
                var decoded = (char)Convert.ToByte(code, 16);
                if (!EscapedInUri.Contains(decoded, StringComparison.Ordinal))
                {
                    error = IsSerialChar(decoded)
                        ? $"Serial '{escaped}' escapes '{decoded}' as %{code}; in an EPC URI only \" % & / < > ? are escaped, '{decoded}' is written as itself."
                        : $"Serial '{escaped}' escapes '%{code}', which is not a serial character.";
                    return false;
                }
                if (code != ((int)decoded).ToString("X2", System.Globalization.CultureInfo.InvariantCulture))
                {
                    error = $"Serial '{escaped}' writes %{code}; the EPC URI grammar writes escapes in upper-case hex: %{(int)decoded:X2}.";
                    return false;
                }
                sb.Append(decoded);
                i += 2;
            }
            else if (EscapedInUri.Contains(c, StringComparison.Ordinal))
            {
                error = $"Serial '{escaped}' has an unescaped '{c}'; inside an EPC URI it must be written %{(int)c:X2}.";
                return false;
            }
            else
            {
                sb.Append(c);
            }
        }
        serial = sb.ToString();
        return TryValidateSerial(serial, out error);
    }
}
