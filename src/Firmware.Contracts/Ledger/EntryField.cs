using System.Globalization;
using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Ledger;

/// <summary>
/// One <c>key value</c> line of an entry header or a statement body. The key is a lower-case word;
/// the value is the rest of the line (it may contain spaces, never a control character, and
/// neither starts nor ends with a space).
/// </summary>
public readonly record struct EntryField(string Key, string Value)
{
    /// <summary>The longest line accepted, in characters.</summary>
    public const int MaxLineLength = 2048;

    /// <summary>The line without its newline.</summary>
    public override string ToString() => $"{Key} {Value}";

    /// <summary>A field whose value is a decimal number.</summary>
    public static EntryField Number(string key, long value) => new(key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A field whose value is a base64 hash.</summary>
    public static EntryField Hash(string key, in Hash32 value) => new(key, value.ToBase64());

    /// <summary>Checks a field before it is written.</summary>
    public static bool IsValid(string key, string value) =>
        EntryKinds.IsValidKindName(key)
        && value.Length > 0
        && key.Length + 1 + value.Length <= MaxLineLength
        && value[0] != ' ' && value[^1] != ' '
        && !value.Any(char.IsControl);

    /// <summary>Parses a line into a field; null when it is not <c>key value</c>.</summary>
    public static EntryField? ParseLine(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return null;
        }
        var key = line[..space];
        var value = line[(space + 1)..];
        return IsValid(key, value) ? new EntryField(key, value) : null;
    }

    /// <summary>Parses a decimal number without sign or leading zeros.</summary>
    public static bool TryParseNumber(string text, out long value)
    {
        value = 0;
        return text.Length is > 0 and <= 19 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0')
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
