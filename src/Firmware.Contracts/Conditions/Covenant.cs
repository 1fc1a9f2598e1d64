using Firmware.Contracts;

namespace Firmware.Contracts.Conditions;

/// <summary>Which side of a limit is out of bounds.</summary>
public enum LimitSide
{
    /// <summary>Values greater than the limit.</summary>
    Above,

    /// <summary>Values less than the limit.</summary>
    Below,
}

/// <summary>How a covenant's duration is counted.</summary>
public enum CovenantMode
{
    /// <summary><c>for</c>: breached by one continuous period beyond the limit lasting longer than the duration.</summary>
    Continuous,

    /// <summary><c>total</c>: breached when the periods beyond the limit add up to longer than the duration.</summary>
    Cumulative,
}

/// <summary>
/// A condition covenant of a pledge, e.g. "no excursion above 8 °C longer than 30 min". Line value:
/// <c>&lt;quantity&gt; &lt;above|below&gt; &lt;limit&gt; &lt;for|total&gt; &lt;duration&gt;</c>, e.g.
/// <c>temperature above 8 for 30m</c> or <c>temperature above 8 total 2h</c>. A breach needs
/// strictly more than the duration: a period of exactly 30 minutes does not breach "for 30m".
/// </summary>
public sealed record Covenant(string Quantity, LimitSide Side, decimal Limit, CovenantMode Mode, long DurationMs)
{
    /// <summary>The line value.</summary>
    public string ToValue() =>
        $"{Quantity} {(Side == LimitSide.Above ? "above" : "below")} {CanonicalValues.Decimal(Limit)} {(Mode == CovenantMode.Continuous ? "for" : "total")} {CanonicalValues.Duration(DurationMs)}";

    /// <inheritdoc/>
    public override string ToString() => ToValue();

    /// <summary>True when <paramref name="value"/> is beyond the limit.</summary>
    public bool IsBeyond(double value) => Side == LimitSide.Above ? value > (double)Limit : value < (double)Limit;

    /// <summary>Parses a line value.</summary>
    public static Result<Covenant> Parse(string value)
    {
        var parts = value.Split(' ');
        if (parts.Length != 5 || !StorageBand.Quantities.Contains(parts[0]) || parts[1] is not ("above" or "below")
            || !CanonicalValues.TryParseDecimal(parts[2], out var limit) || parts[3] is not ("for" or "total")
            || !CanonicalValues.TryParseDuration(parts[4], out var duration))
        {
            return Result<Covenant>.Fail("entry-field",
                $"a covenant is '<temperature|humidity> <above|below> <limit> <for|total> <duration>', e.g. 'temperature above 8 for 30m', got '{value}'");
        }
        return new Covenant(parts[0], parts[1] == "above" ? LimitSide.Above : LimitSide.Below, limit,
            parts[3] == "for" ? CovenantMode.Continuous : CovenantMode.Cumulative, duration);
    }
}
