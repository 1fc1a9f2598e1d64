using Firmware.Contracts;
using System.Drawing;
using System.Globalization;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Inventory;

/// <summary>The languages of the condition report (page and PDF).</summary>
public enum ReportLanguage
{
    /// <summary>English.</summary>
    English,

    /// <summary>Simplified Chinese (zh-CN).</summary>
    Chinese,
}

/// <summary>
/// How a condition report says things to a credit officer, on the page and in the PDF alike, in
/// English or Chinese: covenants in words, amounts with grouped thousands and their currency, peaks
/// as the highest or lowest reading, one labelled time zone (UTC), parties named once when the same.
/// </summary>
public static class ReportWords
{
    /// <summary>
    /// A channel's calibration (spec-ledger §7.2): what its readings were corrected with, by ledger
    /// entry, certificate, laboratory, calibration and due date, and whether that is current, overdue
    /// or missing (readings not corrected).
    /// </summary>
    public static string Calibration(SensorReport sensor, ReportLanguage language = ReportLanguage.English)
    {
        ArgumentNullException.ThrowIfNull(sensor);
        var who = $"{sensor.DeviceId} {sensor.SensorId}";
        if (sensor.Calibration is not { } c)
        {
            return language.Say($"Calibration of {who}: not stated (this report was not computed from a lot bundle)", $"{who} 校准：未说明（本报告并非由货物证据包计算）");
        }
        var status = c.Status switch
        {
            ChannelCalibration.Current => language.Say("current", "有效"),
            ChannelCalibration.Overdue => language.Say("OVERDUE", "已过期"),
            _ => language.Say("NONE ON RECORD", "无记录"),
        };
        var applied = string.Join(language.Say("; ", "；"), c.Applied.Select(a => language.Say(
            $"ledger entry {a.Entry}, certificate {a.Certificate} ({a.Laboratory}), calibrated {Time(a.CalibratedMs)}, due {Time(a.DueMs)}",
            $"账本索引 {a.Entry}，证书 {a.Certificate}（{a.Laboratory}），校准于 {Time(a.CalibratedMs)}，到期 {Time(a.DueMs)}")));
        return language.Say($"Calibration of {who} ({status}): ", $"{who} 校准（{status}）：")
            + (applied.Length == 0 ? language.Say("no calibration on record; its readings are not corrected", "账本上无校准记录；读数未经校正") : applied)
            + (c.OverdueFromMs is { } overdue ? language.Say($"; overdue from {Time(overdue)}", $"；自 {Time(overdue)} 起过期") : "");
    }

    /// <summary>The verdict's calibration flags (overdue or missing calibrations; they change no verdict), each prefixed for the reader.</summary>
    public static IEnumerable<string> CalibrationFlags(ConditionVerdict verdict, ReportLanguage language = ReportLanguage.English)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return (verdict.Calibration ?? []).Select(f => language.Say("Calibration flag (does not change the verdict): ", "校准提示（不改变结论）：") + f);
    }

    /// <summary>The English or the Chinese wording, as <paramref name="language"/> asks.</summary>
    public static string Say(this ReportLanguage language, string english, string chinese) => language == ReportLanguage.Chinese ? chinese : english;

    /// <summary>The code of <c>?lang=</c> and <c>--lang</c>: en or zh; null for anything else.</summary>
    public static ReportLanguage? FromCode(string? code) => code switch
    {
        "en" => ReportLanguage.English,
        "zh" => ReportLanguage.Chinese,
        _ => null,
    };

    /// <summary>The BCP 47 tag (the page's <c>lang</c>, the answer's Content-Language).</summary>
    public static string Tag(this ReportLanguage language) => language.Say("en", "zh-CN");

    /// <summary>Series colours, distinct from each other and from the band's green and the excursions' red.</summary>
    public static readonly IReadOnlyList<Color> LegendColours =
        [Color.FromArgb(0x1f, 0x5f, 0xa8), Color.FromArgb(0xe0, 0x7b, 0x00), Color.FromArgb(0x7a, 0x3f, 0xa0), Color.FromArgb(0x00, 0x8b, 0x8b), Color.FromArgb(0x5a, 0x5a, 0x5a), Color.FromArgb(0xb0, 0x30, 0x6a)];

    /// <summary>The verdict line.</summary>
    public static string Verdict(ConditionVerdict v, ReportLanguage language = ReportLanguage.English)
    {
        ArgumentNullException.ThrowIfNull(v);
        return v.Covenants == ConditionVerdict.Breached ? language.Say("Covenant breached", "违反约定条款")
            : v.Range == ConditionVerdict.OutOfRange ? language.Say("Excursions", "出现超限")
            : !v.Evaluated ? language.Say("Cannot be evaluated: the lot's zone was not observed throughout", "无法评估：货物所在库区未被全程监测")
            : v.Covenants == ConditionVerdict.Held ? language.Say("Within range, covenants held", "在范围内，约定条款均已遵守") : language.Say("Within range", "在范围内");
    }

    /// <summary>"temperature above 8 for 30m" as "temperature above 8 °C for more than 30 min"; "… total 2h" as "… for more than 2 h in total".</summary>
    public static string Covenant(string covenant, ReportLanguage language = ReportLanguage.English)
    {
        var parsed = Firmware.Contracts.Conditions.Covenant.Parse(covenant);
        if (!parsed.Succeeded)
        {
            return covenant;
        }
        var c = parsed.Value;
        var unit = c.Quantity == "humidity" ? "% RH" : "°C";
        var duration = Duration(c.DurationMs, language);
        return language == ReportLanguage.Chinese
            ? $"{QuantityName(c.Quantity, language)}{(c.Side == LimitSide.Above ? "高于" : "低于")} {CanonicalValues.Decimal(c.Limit)} {unit}，{(c.Mode == CovenantMode.Continuous ? "连续" : "累计")}超过 {duration}"
            : $"{c.Quantity} {(c.Side == LimitSide.Above ? "above" : "below")} {CanonicalValues.Decimal(c.Limit)} {unit} "
                + (c.Mode == CovenantMode.Continuous ? $"for more than {duration} at a time" : $"for more than {duration} in total");
    }

    /// <summary>"temperature" or "humidity" in the report's language.</summary>
    public static string QuantityName(string quantity, ReportLanguage language = ReportLanguage.English) =>
        language != ReportLanguage.Chinese ? quantity : quantity switch { "temperature" => "温度", "humidity" => "湿度", _ => quantity };

    /// <summary>"above" or "below", from a covenant's text.</summary>
    public static string SideOf(string covenant) => covenant.Contains(" below ", StringComparison.Ordinal) ? "below" : "above";

    /// <summary>A covenant's status in words.</summary>
    public static string CovenantStatus(string status, ReportLanguage language = ReportLanguage.English) => status switch
    {
        ConditionVerdict.Breached => language.Say("Breached", "已违反"),
        ConditionVerdict.CannotBeEvaluated => language.Say("Cannot be evaluated", "无法评估"),
        _ => language.Say("Held", "已遵守"),
    };

    /// <summary>The extreme reading of a period beyond a limit: "highest reading 14.93 °C" above it, "lowest" below.</summary>
    public static string Peak(string side, double peak, string unit, ReportLanguage language = ReportLanguage.English) =>
        language == ReportLanguage.Chinese ? $"{(side == "below" ? "最低" : "最高")}读数 {Value(peak, unit)}" : $"{(side == "below" ? "lowest" : "highest")} reading {Value(peak, unit)}";

    /// <summary>Grouped thousands: 500,000 or 1,234,567.89.</summary>
    public static string Number(decimal value) =>
        value.ToString(value == decimal.Truncate(value) ? "#,0" : "#,0.######", CultureInfo.InvariantCulture);

    /// <summary>An amount with its currency: "CNY 500,000.00"; in Chinese, renminbi as "人民币 500,000.00 元".</summary>
    public static string Money(decimal amount, string currency, ReportLanguage language = ReportLanguage.English)
    {
        var figure = amount.ToString("#,0.00", CultureInfo.InvariantCulture);
        return language == ReportLanguage.Chinese && currency == "CNY" ? $"人民币 {figure} 元" : $"{currency} {figure}";
    }

    /// <summary>"Depositor and owner: acme-foods", or each when they differ.</summary>
    public static string Parties(string depositor, string owner, ReportLanguage language = ReportLanguage.English) =>
        string.Join(language.Say("; ", "；"), PartyFacts(depositor, owner, language).Select(f => f.Label + language.Say(": ", "：") + f.Value));

    /// <summary>The parties as label and name: one when depositor and owner are the same.</summary>
    public static IReadOnlyList<(string Label, string Value)> PartyFacts(string depositor, string owner, ReportLanguage language = ReportLanguage.English) =>
        depositor == owner
            ? [(language.Say("Depositor and owner", "存货人兼所有人"), depositor)]
            : [(language.Say("Depositor", "存货人"), depositor), (language.Say("owner", "所有人"), owner)];

    /// <summary>A band in words.</summary>
    public static string Band(BandView band, ReportLanguage language = ReportLanguage.English)
    {
        ArgumentNullException.ThrowIfNull(band);
        return language == ReportLanguage.Chinese
            ? $"{QuantityName(band.Quantity, language)} {CanonicalValues.Decimal(band.Min)} 至 {CanonicalValues.Decimal(band.Max)} {UnitText(band.Unit)}"
            : $"{band.Quantity} {CanonicalValues.Decimal(band.Min)} to {CanonicalValues.Decimal(band.Max)} {UnitText(band.Unit)}";
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
    public static string Duration(long ms, ReportLanguage language = ReportLanguage.English)
    {
        var span = TimeSpan.FromMilliseconds(ms);
        var (h, min, s) = language == ReportLanguage.Chinese ? ("小时", "分钟", "秒") : ("h", "min", "s");
        return span.TotalHours >= 1 ? $"{(int)span.TotalHours} {h} {span.Minutes:00} {min}"
            : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes} {min}{(span.Seconds > 0 ? $" {span.Seconds} {s}" : "")}"
            : $"{span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} {s}";
    }

    /// <summary>A status entry's kind in words.</summary>
    public static string KindName(string kind, ReportLanguage language = ReportLanguage.English) => language != ReportLanguage.Chinese ? kind : kind switch
    {
        EntryKinds.Pledge => "质押",
        EntryKinds.Release => "解除质押",
        EntryKinds.Transfer => "质押转让",
        EntryKinds.Enforce => "实现质权",
        EntryKinds.Endorse => "背书转让",
        EntryKinds.Split => "拆分",
        EntryKinds.Merge => "合并",
        EntryKinds.Freeze => "冻结",
        EntryKinds.Unfreeze => "解除冻结",
        EntryKinds.Dispose => "处置",
        EntryKinds.Deliver => "出库",
        EntryKinds.Cancel => "注销",
        _ => kind,
    };

    /// <summary>A pledge's status (active, released, enforced) in words.</summary>
    public static string PledgeStatusName(PledgeStatus status, ReportLanguage language = ReportLanguage.English) => language != ReportLanguage.Chinese ? status.Name() : status switch
    {
        PledgeStatus.Active => "生效中",
        PledgeStatus.Released => "已解除",
        _ => "已实现质权",
    };

    /// <summary>"as of &lt;time&gt; (ledger size n, signed by a, b; …)": the checkpoint a verdict rests on.</summary>
    public static string AsOf(Firmware.Contracts.Evidence.EvidenceSummary evidence, ReportLanguage language = ReportLanguage.English)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        return language == ReportLanguage.Chinese
            ? $"截至 {Firmware.Contracts.Evidence.EvidenceVerifier.Iso(evidence.CheckpointTimeMs)}（账本大小 {evidence.LedgerCheckpoint.Size}，签署者 {string.Join("、", evidence.Signers)}；"
                + (evidence.ExplicitThreshold ? $"按读者选择信任 {evidence.RequiredSignatures} 个签名，联盟法定人数为 {evidence.Quorum}）" : $"需要 {evidence.RequiredSignatures} 个签名，联盟法定人数为 {evidence.Quorum}）")
            : evidence.AsOf;
    }

    /// <summary>What a signature on a status entry means (21 CFR 11.50(b): the meaning of each signature).</summary>
    public static string Meaning(string kind, ReportLanguage language = ReportLanguage.English) => language == ReportLanguage.Chinese ? MeaningZh(kind) : kind switch
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

    private static string MeaningZh(string kind) => kind switch
    {
        EntryKinds.Pledge => "质权人按上述条款和约定条款接受货物质押；所有人（出质人）同意",
        EntryKinds.Release => "质权人解除质押",
        EntryKinds.Transfer => "质押转让给另一质权人；双方同意",
        EntryKinds.Enforce => "质权人实现质权；货物按其指示保管",
        EntryKinds.Endorse => "所有人将仓单背书转让给新所有人，新所有人接受；仓库登记",
        EntryKinds.Split => "仓库将仓单拆分为子仓单",
        EntryKinds.Merge => "仓库将仓单合并为新仓单",
        EntryKinds.Freeze => "监管机构冻结仓单",
        EntryKinds.Unfreeze => "监管机构解除冻结",
        EntryKinds.Dispose => "质权人登记实现质权后货物的出售",
        EntryKinds.Deliver => "仓库登记货物出库",
        EntryKinds.Cancel => "仓库注销仓单",
        _ => kind,
    };
}
