using System.Globalization;
using System.Text.RegularExpressions;

namespace Firmware.Contracts;

/// <summary>
/// The one text form of the decimal numbers (quantities, amounts, band limits) and durations that
/// statements carry, so that a statement has one byte form and one meaning.
/// </summary>
public static partial class CanonicalValues
{
    /// <summary>The most decimal places a value may have.</summary>
    public const int MaxDecimals = 6;

    /// <summary>
    /// Formats a decimal without trailing zeros or a plus sign: <c>8</c>, <c>-18.5</c>, <c>1200000.25</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When it has more than <see cref="MaxDecimals"/> decimal places or 18 integer digits.</exception>
    public static string Decimal(decimal value)
    {
        if (!IsWritable(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"values have at most {MaxDecimals} decimal places and 18 integer digits");
        }
        // Dividing by 1 with a high scale and formatting with 'G29' drops trailing zeros.
        var text = (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
        return text == "-0" ? "0" : text;
    }

    /// <summary>
    /// True when <see cref="Decimal"/> can write <paramref name="value"/>: at most
    /// <see cref="MaxDecimals"/> decimal places and at most 18 integer digits. A JSON number such as
    /// <c>1.0</c> is the value 1 and is written <c>1</c>; <c>0.0000001</c> has seven decimal places and is not writable.
    /// </summary>
    public static bool IsWritable(decimal value) => decimal.Round(value, MaxDecimals) == value && Math.Abs(value) < 1e18m;

    /// <summary>Parses a decimal written by <see cref="Decimal"/>; anything else (e.g. <c>08</c>, <c>8.0</c>, <c>+8</c>, <c>-0</c>) is refused.</summary>
    public static bool TryParseDecimal(string? text, out decimal value)
    {
        value = 0;
        if (text is null || !DecimalPattern().IsMatch(text) || text == "-0")
        {
            return false;
        }
        return decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value)
            && Decimal(value) == text;
    }

    /// <summary>
    /// Formats a duration in milliseconds in the largest whole unit: <c>2h</c>, <c>90m</c>, <c>45s</c>, <c>1500ms</c>.
    /// </summary>
    public static string Duration(long milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        return milliseconds switch
        {
            0 => "0s",
            _ when milliseconds % 3_600_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{milliseconds / 3_600_000}h"),
            _ when milliseconds % 60_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{milliseconds / 60_000}m"),
            _ when milliseconds % 1000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{milliseconds / 1000}s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{milliseconds}ms"),
        };
    }

    /// <summary>Parses a duration written by <see cref="Duration"/> (canonical form only).</summary>
    public static bool TryParseDuration(string? text, out long milliseconds)
    {
        milliseconds = 0;
        var match = text is null ? null : DurationPattern().Match(text);
        if (match is null || !match.Success || !long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            return false;
        }
        long factor = match.Groups[2].Value switch { "h" => 3_600_000, "m" => 60_000, "s" => 1000, _ => 1 };
        if (count > long.MaxValue / factor)
        {
            return false;
        }
        milliseconds = count * factor;
        return Duration(milliseconds) == text;
    }

    [GeneratedRegex("^-?(0|[1-9][0-9]{0,17})(\\.[0-9]{0,5}[1-9])?\\z")]
    private static partial Regex DecimalPattern();

    [GeneratedRegex("^(0|[1-9][0-9]{0,15})(h|m|s|ms)\\z")]
    private static partial Regex DurationPattern();
}
