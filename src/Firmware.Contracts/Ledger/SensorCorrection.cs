using System.Globalization;
using System.Numerics;

namespace Firmware.Contracts.Ledger;

/// <summary>
/// A calibration's correction (docs/spec-ledger.md §3.6): an offset added to the raw value, or the
/// line through two (raw, reference) points. Computed exactly on decimals and rounded once, so a
/// verifier in any language gets the same corrected value.
/// </summary>
public abstract record SensorCorrection
{
    /// <summary>Decimal places of a corrected value.</summary>
    public const int Decimals = 6;

    private SensorCorrection()
    {
    }

    /// <summary>The statement lines.</summary>
    public abstract IEnumerable<EntryField> ToFields();

    /// <summary>What is wrong with the numbers, or null.</summary>
    public abstract string? Check();

    /// <summary>For people: <c>offset -0.3</c>, <c>two-point (0, 0.1) (40, 39.8)</c>.</summary>
    public abstract string Describe();

    /// <summary>
    /// The corrected value of <paramref name="raw"/> as a canonical decimal (at most six places,
    /// halves rounded away from zero); the corrected reading is the double nearest to it.
    /// </summary>
    public string CorrectedText(double raw)
    {
        if (!double.IsFinite(raw))
        {
            throw new ArgumentOutOfRangeException(nameof(raw), raw, "a reading is a finite number");
        }
        var (numerator, denominator) = Exact(Exact(raw));
        return Round(numerator, denominator);
    }

    /// <summary>The corrected reading: the double nearest to <see cref="CorrectedText"/>.</summary>
    public double Apply(double raw) => double.Parse(CorrectedText(raw), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>The correction of a statement's <c>offset</c> line or <c>point</c> lines: exactly one of the two forms.</summary>
    public static Result<SensorCorrection> FromFields(string? offset, IReadOnlyList<string> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (offset is not null && points.Count == 0)
        {
            return CanonicalValues.TryParseDecimal(offset, out var value)
                ? new Offset(value)
                : Result<SensorCorrection>.Fail("entry-field", $"offset '{offset}' is not a decimal");
        }
        if (offset is null && points.Count == 2)
        {
            var first = Point(points[0]);
            var second = Point(points[1]);
            if (first is null || second is null)
            {
                return Result<SensorCorrection>.Fail("entry-field", "a point line is '<raw decimal> <reference decimal>'");
            }
            SensorCorrection twoPoint = new TwoPoint(first.Value.Raw, first.Value.Reference, second.Value.Raw, second.Value.Reference);
            return twoPoint.Check() is { } problem ? Result<SensorCorrection>.Fail("entry-field", problem) : twoPoint;
        }
        return Result<SensorCorrection>.Fail("entry-field", "a calibration has either one 'offset' line or two 'point' lines");
    }

    private static (decimal Raw, decimal Reference)? Point(string line)
    {
        var parts = line.Split(' ');
        return parts.Length == 2 && CanonicalValues.TryParseDecimal(parts[0], out var raw) && CanonicalValues.TryParseDecimal(parts[1], out var reference)
            ? (raw, reference)
            : null;
    }

    /// <summary>The corrected value of the exact decimal <paramref name="raw"/> as a fraction.</summary>
    private protected abstract (BigInteger Numerator, BigInteger Denominator) Exact(Fraction raw);

    /// <summary>The shortest decimal that reads back as <paramref name="raw"/> (the round-trip form of docs/spec.md §2.2), exactly.</summary>
    internal static Fraction Exact(double raw) => Fraction.Parse(raw.ToString("R", CultureInfo.InvariantCulture));

    /// <summary><paramref name="numerator"/> / <paramref name="denominator"/> (positive) to six places, halves away from zero, written canonically.</summary>
    private static string Round(BigInteger numerator, BigInteger denominator)
    {
        var scaled = numerator * BigInteger.Pow(10, Decimals);
        var quotient = BigInteger.DivRem(BigInteger.Abs(scaled), denominator, out var remainder);
        if (remainder * 2 >= denominator)
        {
            quotient += 1;
        }
        var digits = quotient.ToString(CultureInfo.InvariantCulture).PadLeft(Decimals + 1, '0');
        var whole = digits[..^Decimals];
        var fraction = digits[^Decimals..].TrimEnd('0');
        var text = fraction.Length == 0 ? whole : $"{whole}.{fraction}";
        return scaled.Sign < 0 && quotient != 0 ? "-" + text : text;
    }

    /// <summary>An offset added to the raw value.</summary>
    /// <param name="Value">The offset, in the sensor's unit.</param>
    public sealed record Offset(decimal Value) : SensorCorrection
    {
        /// <inheritdoc/>
        public override IEnumerable<EntryField> ToFields() => [new EntryField("offset", CanonicalValues.Decimal(Value))];

        /// <inheritdoc/>
        public override string? Check() => CanonicalValues.IsWritable(Value) ? null : $"offset {Value} is not a decimal of at most six places";

        /// <inheritdoc/>
        public override string Describe() => $"offset {CanonicalValues.Decimal(Value)}";

        private protected override (BigInteger Numerator, BigInteger Denominator) Exact(Fraction raw)
        {
            var offset = Fraction.Of(Value);
            var scale = BigInteger.Max(raw.Denominator, offset.Denominator);
            return (raw.Numerator * (scale / raw.Denominator) + offset.Numerator * (scale / offset.Denominator), scale);
        }
    }

    /// <summary>The line through two (raw, reference) points: <c>y1 + (raw − x1)·(y2 − y1)/(x2 − x1)</c>.</summary>
    /// <param name="Raw1">x1.</param>
    /// <param name="Reference1">y1.</param>
    /// <param name="Raw2">x2, not x1.</param>
    /// <param name="Reference2">y2.</param>
    public sealed record TwoPoint(decimal Raw1, decimal Reference1, decimal Raw2, decimal Reference2) : SensorCorrection
    {
        /// <inheritdoc/>
        public override IEnumerable<EntryField> ToFields() =>
        [
            new EntryField("point", $"{CanonicalValues.Decimal(Raw1)} {CanonicalValues.Decimal(Reference1)}"),
            new EntryField("point", $"{CanonicalValues.Decimal(Raw2)} {CanonicalValues.Decimal(Reference2)}"),
        ];

        /// <inheritdoc/>
        public override string? Check() =>
            !new[] { Raw1, Reference1, Raw2, Reference2 }.All(CanonicalValues.IsWritable) ? "point values are decimals of at most six places"
            : Raw1 == Raw2 ? $"the two points have the same raw value {CanonicalValues.Decimal(Raw1)}; a line needs two"
            : null;

        /// <inheritdoc/>
        public override string Describe() =>
            $"two-point ({CanonicalValues.Decimal(Raw1)}, {CanonicalValues.Decimal(Reference1)}) ({CanonicalValues.Decimal(Raw2)}, {CanonicalValues.Decimal(Reference2)})";

        private protected override (BigInteger Numerator, BigInteger Denominator) Exact(Fraction raw)
        {
            // Every point is a decimal of at most six places: scale them to integers of 10^-6.
            var x1 = Fraction.Of(Raw1).Scaled();
            var y1 = Fraction.Of(Reference1).Scaled();
            var x2 = Fraction.Of(Raw2).Scaled();
            var y2 = Fraction.Of(Reference2).Scaled();
            // raw = r / d; x1 = X1 / M (M = 10^6):
            // y1 + (r/d − X1/M)(Y2 − Y1)/(X2 − X1) = (Y1·d·(X2 − X1) + (r·M − X1·d)(Y2 − Y1)) / (M·d·(X2 − X1)).
            var m = Fraction.Million;
            var d = raw.Denominator;
            var numerator = y1 * d * (x2 - x1) + (raw.Numerator * m - x1 * d) * (y2 - y1);
            var denominator = m * d * (x2 - x1);
            return denominator.Sign < 0 ? (-numerator, -denominator) : (numerator, denominator);
        }
    }
}

/// <summary>An exact decimal as numerator / 10^k.</summary>
internal readonly record struct Fraction(BigInteger Numerator, BigInteger Denominator)
{
    public static readonly BigInteger Million = BigInteger.Pow(10, SensorCorrection.Decimals);

    public static Fraction Of(decimal value) => Parse(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>The numerator over 10^6 (exact for decimals of at most six places).</summary>
    public BigInteger Scaled() => Numerator * Million / Denominator;

    /// <summary>Parses <c>-12.5</c>, <c>1E-07</c>, <c>1.5E+21</c>.</summary>
    public static Fraction Parse(string text)
    {
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }
        var point = text.IndexOf('.', StringComparison.Ordinal);
        if (point >= 0)
        {
            exponent -= text.Length - point - 1;
            text = text.Remove(point, 1);
        }
        var digits = BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return exponent >= 0
            ? new Fraction(digits * BigInteger.Pow(10, exponent), BigInteger.One)
            : new Fraction(digits, BigInteger.Pow(10, -exponent));
    }
}
