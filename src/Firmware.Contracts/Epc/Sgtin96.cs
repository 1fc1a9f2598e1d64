using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Firmware.Contracts.Epc;

/// <summary>An SGTIN read from (or written to) a tag's 96-bit EPC memory, with its filter value.</summary>
/// <param name="Filter">The filter value carried on the tag.</param>
/// <param name="Sgtin">The identity.</param>
public sealed record Sgtin96Tag(SgtinFilter Filter, Sgtin Sgtin)
{
    /// <summary>EPC tag URI, <c>urn:epc:tag:sgtin-96:F.CompanyPrefix.IndicatorItemRef.Serial</c>.</summary>
    public string ToTagUri() =>
        $"urn:epc:tag:sgtin-96:{(int)Filter}.{Sgtin.CompanyPrefix}.{Sgtin.IndicatorAndItemReference}.{Sgtin.Serial}";
}

/// <summary>
/// The SGTIN-96 binary encoding (GS1 EPC Tag Data Standard §14.5.1, SGTIN-96 coding table):
/// header 8 bits (0x30), filter 3, partition 3, company prefix and indicator/item reference 44 bits
/// together (split by the partition table), serial 38 bits. Written as 24 hex digits.
/// </summary>
public static class Sgtin96
{
    /// <summary>EPC binary header of SGTIN-96.</summary>
    public const byte Header = 0x30;

    /// <summary>Largest serial SGTIN-96 can carry (38 bits).</summary>
    public const long MaxSerial = (1L << 38) - 1;

    // SGTIN partition table (Tag Data Standard, "SGTIN Partition Table"): for partition value P,
    // the company prefix has 12-P digits in CompanyPrefixBits bits and the indicator/item
    // reference has P+1 digits in the remaining 44 - CompanyPrefixBits bits. Value 7 is reserved.
    private static readonly int[] CompanyPrefixBits = [40, 37, 34, 30, 27, 24, 20];

    /// <summary>
    /// Decodes 24 hex digits (either case) of SGTIN-96. On failure <paramref name="error"/> says why:
    /// wrong length, not hex, another EPC scheme's header, a reserved partition, or a field too large
    /// for its digit count.
    /// </summary>
    public static bool TryDecode(string? hex, [NotNullWhen(true)] out Sgtin96Tag? tag, [NotNullWhen(false)] out string? error)
    {
        tag = null;
        if (hex is null || hex.Length != 24)
        {
            error = $"SGTIN-96 is 24 hex digits; got {(hex is null ? "nothing" : $"{hex.Length} characters")}.";
            return false;
        }
        UInt128 bits = 0;
        foreach (var c in hex)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                error = $"'{hex}' has '{c}', which is not a hex digit.";
                return false;
            }
            bits = (bits << 4) | (uint)HexValue(c);
        }

        var header = (int)(bits >> 88);
        if (header != Header)
        {
            error = $"EPC header is 0x{header:X2}, not 0x30 (SGTIN-96); this tag holds another EPC scheme or is not EPC-encoded.";
            return false;
        }
        var filter = (int)(bits >> 85) & 0x7;
        var partition = (int)(bits >> 82) & 0x7;
        if (partition == 7)
        {
            error = "SGTIN-96 partition value is 7, which the Tag Data Standard reserves; the tag is not a valid SGTIN.";
            return false;
        }
        var cpBits = CompanyPrefixBits[partition];
        var itemBits = 44 - cpBits;
        var cpDigits = 12 - partition;
        var itemDigits = partition + 1;
        var companyPrefix = (ulong)(bits >> (38 + itemBits)) & Mask(cpBits);
        var itemReference = (ulong)(bits >> 38) & Mask(itemBits);
        var serial = (ulong)bits & Mask(38);

        if (companyPrefix >= Pow10(cpDigits))
        {
            error = $"Company prefix field {companyPrefix} does not fit the {cpDigits} digits partition {partition} allows.";
            return false;
        }
        if (itemReference >= Pow10(itemDigits))
        {
            error = $"Indicator/item reference field {itemReference} does not fit the {itemDigits} digits partition {partition} allows.";
            return false;
        }
        if (!Sgtin.TryCreate(
                companyPrefix.ToString(CultureInfo.InvariantCulture).PadLeft(cpDigits, '0'),
                itemReference.ToString(CultureInfo.InvariantCulture).PadLeft(itemDigits, '0'),
                serial.ToString(CultureInfo.InvariantCulture),
                out var sgtin, out error))
        {
            return false;
        }
        tag = new Sgtin96Tag((SgtinFilter)filter, sgtin);
        return true;
    }

    /// <summary>Like <see cref="TryDecode"/>, throwing <see cref="FormatException"/> with the reason.</summary>
    public static Sgtin96Tag Decode(string hex) =>
        TryDecode(hex, out var tag, out var error) ? tag : throw new FormatException(error);

    /// <summary>
    /// Encodes to 24 upper-case hex digits. SGTIN-96 can only carry a numeric serial without leading
    /// zeros up to <see cref="MaxSerial"/>; others need SGTIN-198, which this does not write.
    /// </summary>
    public static bool TryEncode(Sgtin sgtin, SgtinFilter filter, [NotNullWhen(true)] out string? hex, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(sgtin);
        hex = null;
        if ((int)filter is < 0 or > 7)
        {
            error = $"Filter value {(int)filter} is outside 0..7.";
            return false;
        }
        var s = sgtin.Serial;
        if (!s.All(char.IsAsciiDigit) || (s.Length > 1 && s[0] == '0')
            || !ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var serial) || serial > MaxSerial)
        {
            error = $"Serial '{s}' cannot be encoded in SGTIN-96, which holds only a number from 0 to {MaxSerial} written without leading zeros; use SGTIN-198.";
            return false;
        }
        var partition = 12 - sgtin.CompanyPrefix.Length;
        var cpBits = CompanyPrefixBits[partition];
        var itemBits = 44 - cpBits;
        var cp = ulong.Parse(sgtin.CompanyPrefix, NumberStyles.None, CultureInfo.InvariantCulture);
        var item = ulong.Parse(sgtin.IndicatorAndItemReference, NumberStyles.None, CultureInfo.InvariantCulture);

        UInt128 bits = Header;
        bits = (bits << 3) | (uint)filter;
        bits = (bits << 3) | (uint)partition;
        bits = (bits << cpBits) | cp;
        bits = (bits << itemBits) | item;
        bits = (bits << 38) | serial;
        hex = ((ulong)(bits >> 64)).ToString("X8", CultureInfo.InvariantCulture) + ((ulong)bits).ToString("X16", CultureInfo.InvariantCulture);
        error = null;
        return true;
    }

    /// <summary>Like <see cref="TryEncode(Sgtin, SgtinFilter, out string?, out string?)"/>, throwing <see cref="ArgumentException"/> with the reason.</summary>
    public static string Encode(Sgtin sgtin, SgtinFilter filter) =>
        TryEncode(sgtin, filter, out var hex, out var error) ? hex : throw new ArgumentException(error);

    /// <summary>Encodes a GTIN and a numeric serial, given the length of the GTIN's company prefix.</summary>
    public static bool TryEncode(Gtin gtin, int companyPrefixLength, long serial, SgtinFilter filter,
        [NotNullWhen(true)] out string? hex, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(gtin);
        hex = null;
        if (serial is < 0 or > MaxSerial)
        {
            error = $"Serial {serial} is outside 0..{MaxSerial}, the range SGTIN-96 holds.";
            return false;
        }
        if (!Sgtin.TryCreate(gtin, companyPrefixLength, serial.ToString(CultureInfo.InvariantCulture), out var sgtin, out error))
            return false;
        return TryEncode(sgtin, filter, out hex, out error);
    }

    /// <summary>Like <see cref="TryEncode(Gtin, int, long, SgtinFilter, out string?, out string?)"/>, throwing <see cref="ArgumentException"/> with the reason.</summary>
    public static string Encode(Gtin gtin, int companyPrefixLength, long serial, SgtinFilter filter) =>
        TryEncode(gtin, companyPrefixLength, serial, filter, out var hex, out var error) ? hex : throw new ArgumentException(error);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static ulong Mask(int bits) => (1UL << bits) - 1;

    private static ulong Pow10(int digits)
    {
        ulong p = 1;
        for (var i = 0; i < digits; i++) p *= 10;
        return p;
    }
}
