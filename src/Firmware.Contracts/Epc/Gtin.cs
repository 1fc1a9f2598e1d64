using System.Diagnostics.CodeAnalysis;

namespace Firmware.Contracts.Epc;

/// <summary>
/// A GS1 Global Trade Item Number, held in its 14-digit form: GTIN-8, GTIN-12 and GTIN-13 are
/// left-padded with zeros, which GS1 defines as the same number (GS1 General Specifications §3.3.2).
/// </summary>
public sealed record Gtin
{
    private Gtin(string digits) => Value = digits;

    /// <summary>The 14 digits, check digit last.</summary>
    public string Value { get; }

    /// <summary>First digit of the 14-digit form: the packaging level for a GTIN-14, 0 otherwise.</summary>
    public int IndicatorDigit => Value[0] - '0';

    /// <summary>Last digit, the GS1 mod-10 check digit.</summary>
    public int CheckDigit => Value[13] - '0';

    /// <summary>
    /// Accepts a GTIN-8, -12, -13 or -14 (digits only, no spaces) whose check digit is right, and
    /// normalises it to 14 digits. On failure <paramref name="error"/> says what is wrong.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Gtin? gtin, [NotNullWhen(false)] out string? error)
    {
        gtin = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "GTIN is empty; expected 8, 12, 13 or 14 digits.";
            return false;
        }
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                error = $"GTIN '{text}' has a non-digit character '{text[i]}' at position {i + 1}; a GTIN is digits only.";
                return false;
            }
        }
        if (text.Length is not (8 or 12 or 13 or 14))
        {
            error = $"GTIN '{text}' has {text.Length} digits; a GTIN has 8, 12, 13 or 14.";
            return false;
        }
        var expected = ComputeCheckDigit(text.AsSpan(0, text.Length - 1));
        var actual = text[^1] - '0';
        if (expected != actual)
        {
            error = $"GTIN '{text}' ends in check digit {actual}, but the digits before it give {expected} (GS1 mod-10); the number is mistyped or misread.";
            return false;
        }
        gtin = new Gtin(text.PadLeft(14, '0'));
        error = null;
        return true;
    }

    /// <summary>Like <see cref="TryParse"/>, throwing <see cref="FormatException"/> with the reason.</summary>
    public static Gtin Parse(string text) =>
        TryParse(text, out var gtin, out var error) ? gtin : throw new FormatException(error);

    /// <summary>
    /// Builds a GTIN-14 from its first 13 digits (indicator/padding, company prefix, item reference),
    /// appending the check digit.
    /// </summary>
    public static Gtin FromDigitsWithoutCheck(string thirteenDigits)
    {
        ArgumentNullException.ThrowIfNull(thirteenDigits);
        if (thirteenDigits.Length != 13 || !thirteenDigits.All(char.IsAsciiDigit))
            throw new ArgumentException($"Expected exactly 13 digits before the check digit, got '{thirteenDigits}'.", nameof(thirteenDigits));
        return new Gtin(thirteenDigits + (char)('0' + ComputeCheckDigit(thirteenDigits)));
    }

    /// <summary>
    /// The GS1 mod-10 check digit for the digits before it: weights 3 and 1 alternate from the
    /// rightmost digit (which gets 3), and the check digit brings the sum to a multiple of ten.
    /// </summary>
    public static int ComputeCheckDigit(ReadOnlySpan<char> digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if ((uint)d > 9) throw new ArgumentException($"'{digits.ToString()}' has a non-digit character.", nameof(digits));
            sum += (i % 2 == 0) ? 3 * d : d;
        }
        return (10 - sum % 10) % 10;
    }

    /// <inheritdoc/>
    public override string ToString() => Value;
}
