using Firmware.Contracts;
using System.Drawing;
using System.Globalization;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Inventory;

/// <summary>
/// How a condition report says things to a credit officer, on the page and in the PDF alike:
/// covenants in words, amounts with grouped thousands and their currency, peaks as the highest or
/// lowest reading, one labelled time zone (UTC), parties named once when the same.
/// </summary>
public static class ReportWords
{
    /// <summary>Series colours, distinct from each other and from the band's green and the excursions' red.</summary>
    public static readonly IReadOnlyList<Color> LegendColours =
        [Color.FromArgb(0x1f, 0x5f, 0xa8), Color.FromArgb(0xe0, 0x7b, 0x00), Color.FromArgb(0x7a, 0x3f, 0xa0), Color.FromArgb(0x00, 0x8b, 0x8b), Color.FromArgb(0x5a, 0x5a, 0x5a), Color.FromArgb(0xb0, 0x30, 0x6a)];

    /// <summary>The verdict line.</summary>
    public static string Verdict(ConditionVerdict v)
    {
        ArgumentNullException.ThrowIfNull(v);
        return v.Covenants == ConditionVerdict.Breached ? "Covenant breached"
            : v.Range == ConditionVerdict.OutOfRange ? "Excursions"
            : !v.Evaluated ? "Cannot be evaluated: the lot's zone was not observed throughout"
            : v.Covenants == ConditionVerdict.Held ? "Within range, covenants held" : "Within range";
    }

    /// <summary>"temperature above 8 for 30m" as "temperature above 8 °C for more than 30 min"; "… total 2h" as "… for more than 2 h in total".</summary>
    public static string Covenant(string covenant)
    {
        var parsed = Firmware.Contracts.Conditions.Covenant.Parse(covenant);
        if (!parsed.Succeeded)
        {
            return covenant;
        }
        var c = parsed.Value;
        var unit = c.Quantity == "humidity" ? "% RH" : "°C";
        var duration = Duration(c.DurationMs);
        return $"{c.Quantity} {(c.Side == LimitSide.Above ? "above" : "below")} {CanonicalValues.Decimal(c.Limit)} {unit} "
            + (c.Mode == CovenantMode.Continuous ? $"for more than {duration} at a time" : $"for more than {duration} in total");
    }

    /// <summary>"above" or "below", from a covenant's text.</summary>
    public static string SideOf(string covenant) => covenant.Contains(" below ", StringComparison.Ordinal) ? "below" : "above";

    /// <summary>A covenant's status in words.</summary>
    public static string CovenantStatus(string status) => status switch
    {
        ConditionVerdict.Breached => "Breached",
        ConditionVerdict.CannotBeEvaluated => "Cannot be evaluated",
        _ => "Held",
    };

    /// <summary>The extreme reading of a period beyond a limit: "highest reading 14.93 °C" above it, "lowest" below.</summary>
    public static string Peak(string side, double peak, string unit) => $"{(side == "below" ? "lowest" : "highest")} reading {Value(peak, unit)}";

    /// <summary>Grouped thousands: 500,000 or 1,234,567.89.</summary>
    public static string Number(decimal value) =>
        value.ToString(value == decimal.Truncate(value) ? "#,0" : "#,0.######", CultureInfo.InvariantCulture);

    /// <summary>An amount with its currency: "CNY 500,000.00".</summary>
    public static string Money(decimal amount, string currency) => $"{currency} {amount.ToString("#,0.00", CultureInfo.InvariantCulture)}";

    /// <summary>"Depositor and owner: acme-foods", or each when they differ.</summary>
    public static string Parties(string depositor, string owner) => depositor == owner ? $"Depositor and owner: {depositor}" : $"Depositor: {depositor}; owner: {owner}";

    /// <summary>A band in words.</summary>
    public static string Band(BandView band)
    {
        ArgumentNullException.ThrowIfNull(band);
        return $"{band.Quantity} {CanonicalValues.Decimal(band.Min)} to {CanonicalValues.Decimal(band.Max)} {UnitText(band.Unit)}";
    }

    /// <summary>A reading with its unit, two decimals.</summary>
    public static string Value(double? value, string unit) =>
        value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) + " " + UnitText(unit) : "–";

    /// <summary>The display unit of a SenML unit.</summary>
    public static string UnitText(string unit) => unit switch { "Cel" => "°C", "%RH" => "% RH", _ => unit };

    /// <summary>A time, in the one zone the report uses (UTC), labelled.</summary>
    public static string Time(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A duration in hours and minutes.</summary>
    public static string Duration(long ms)
    {
        var span = TimeSpan.FromMilliseconds(ms);
        return span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes:00} min"
            : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes} min{(span.Seconds > 0 ? $" {span.Seconds} s" : "")}"
            : $"{span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s";
    }

    /// <summary>What a signature on a status entry means (21 CFR 11.50(b): the meaning of each signature).</summary>
    public static string Meaning(string kind) => kind switch
    {
        EntryKinds.Pledge => "the lender takes the goods as collateral on the terms and covenants above; the owner consents",
        EntryKinds.Release => "the lender releases the pledge",
        EntryKinds.Transfer => "the pledge passes to another lender; both agree",
        EntryKinds.Enforce => "the lender enforces the pledge; the goods are held to its order",
        EntryKinds.Endorse => "the owner transfers title to the new owner, who accepts it; the warehouse records it",
        EntryKinds.Split => "the warehouse splits the receipt into child receipts",
        EntryKinds.Merge => "the warehouse merges the receipt into a new one",
        EntryKinds.Freeze => "a regulator freezes the receipt",
        EntryKinds.Unfreeze => "a regulator lifts the freeze",
        EntryKinds.Dispose => "the lender records the sale of the goods after enforcement",
        EntryKinds.Deliver => "the warehouse records goods leaving",
        EntryKinds.Cancel => "the warehouse cancels the receipt",
        _ => kind,
    };
}
