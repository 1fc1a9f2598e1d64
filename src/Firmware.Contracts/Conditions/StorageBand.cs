using Firmware.Contracts;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Conditions;

/// <summary>
/// A required storage condition of a lot: the quantity must stay within [<see cref="Min"/>, <see cref="Max"/>]
/// (both inclusive), in the quantity's SenML unit. Line value: <c>temperature 2 8</c>.
/// </summary>
/// <param name="Quantity"><c>temperature</c> (Cel) or <c>humidity</c> (%RH).</param>
/// <param name="Min">The lowest allowed value.</param>
/// <param name="Max">The highest allowed value.</param>
public sealed record StorageBand(string Quantity, decimal Min, decimal Max)
{
    /// <summary>The quantities a band (or covenant) may constrain, in their canonical order.</summary>
    public static readonly IReadOnlyList<string> Quantities = [Senml.Temperature, Senml.Humidity];

    /// <summary>The SenML unit of the quantity.</summary>
    public string Unit => Senml.UnitOf(Quantity) ?? "";

    /// <summary>The line value.</summary>
    public string ToValue() => $"{Quantity} {CanonicalValues.Decimal(Min)} {CanonicalValues.Decimal(Max)}";

    /// <summary>True when <paramref name="value"/> is inside the band.</summary>
    public bool Contains(double value) => value >= (double)Min && value <= (double)Max;

    /// <summary>Parses a line value.</summary>
    public static Result<StorageBand> Parse(string value)
    {
        var parts = value.Split(' ');
        if (parts.Length != 3 || !Quantities.Contains(parts[0])
            || !CanonicalValues.TryParseDecimal(parts[1], out var min) || !CanonicalValues.TryParseDecimal(parts[2], out var max))
        {
            return Result<StorageBand>.Fail("entry-field", $"a band is '<temperature|humidity> <min> <max>' with canonical decimals, got '{value}'");
        }
        if (min >= max)
        {
            return Result<StorageBand>.Fail("entry-field", $"band '{value}': the minimum must be below the maximum");
        }
        return new StorageBand(parts[0], min, max);
    }
}
