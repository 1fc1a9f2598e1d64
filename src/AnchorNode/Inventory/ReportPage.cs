using Firmware.Contracts.Ledger;
using AnchorNode.Evidence;
using System.Globalization;
using System.Net;
using System.Text;
using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Readings;

namespace AnchorNode.Inventory;

/// <summary>What the page shows besides the report: the pledge, and where the evidence is.</summary>
/// <param name="Pledge">The pledge reported on, or null.</param>
/// <param name="BundleHref">The link that downloads the bundle.</param>
/// <param name="VerifierKeys">The <c>--key</c> arguments a lender passes to <c>Verifier report</c>.</param>
/// <param name="Language">The page's language.</param>
public sealed record ReportPageContext(PledgeRecord? Pledge, string BundleHref, IReadOnlyList<string> VerifierKeys, ReportLanguage Language = ReportLanguage.English);

/// <summary>
/// The lender's condition report as one self-contained HTML page: no scripts, fonts or external
/// resources; an inline SVG temperature chart with the allowed band shaded, excursions in red and
/// gaps hatched; then the numbers, the covenants, the storage history and the proof status.
/// </summary>
public static class ReportPage
{
    private const double Width = 960, Height = 340, Left = 52, Right = 16, Top = 16, Bottom = 40;

    /// <summary>The page.</summary>
    public static string Render(LotReport report, ReportPageContext context)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(context);
        var lot = report.Lot.Lot;
        var c = report.Conditions;
        var v = c.Verdict;
        var l = context.Language;
        string Duration(long ms) => ReportWords.Duration(ms, l);
        var verdict = (v.Covenants == ConditionVerdict.Breached ? "breached" : v.Range == ConditionVerdict.OutOfRange ? "excursion" : !v.Evaluated ? "incomplete" : "held",
            ReportWords.Verdict(v, l));
        var title = l.Say("Condition report", "货物状况报告");
        var html = new StringBuilder(64 * 1024);
        html.Append("<!doctype html><html lang=\"").Append(l.Tag()).Append("\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(title).Append(' ').Append(E(lot.Receipt)).Append("</title><style>").Append(Css).Append("</style></head><body><main>");
        html.Append("<header><h1>").Append(title).Append(" <span class=\"receipt\">").Append(E(lot.Receipt)).Append("</span></h1>")
            .Append("<p class=\"product\">").Append(E(lot.Product)).Append(" · GTIN ").Append(E(lot.Gtin)).Append(l.Say(" · batch ", " · 批号 ")).Append(E(lot.Batch)).Append("</p>")
            .Append("<p id=\"verdict\" class=\"verdict ").Append(verdict.Item1).Append("\">").Append(verdict.Item2).Append("</p>")
            .Append("<p class=\"window\">").Append(Time(c.Parameters.FromMs)).Append(" – ").Append(Time(c.Parameters.ToMs)).Append(l.Say(" (", "（")).Append(Duration(c.Parameters.ToMs - c.Parameters.FromMs)).Append(l.Say(")", "）"))
            .Append(c.Terms == ReportTerms.CustomTerms ? l.Say(" · <b id=\"custom\">custom analysis</b>: window and parameters chosen for this page, not the verdict on the pledge", " · <b id=\"custom\">自定义分析</b>：时间窗口和参数为本页所选，并非对质押的结论")
                : c.Terms == ReportTerms.PledgeTerms ? l.Say(" · the pledge's signed terms", " · 按质押签署的条款") : l.Say(" · the lot's own history", " · 按货物自身的历史"))
            .Append(report.Evidence is { } asOf ? " · " + E(ReportWords.AsOf(asOf, l)) : "").Append("</p>");
        foreach (var reason in v.Reasons)
        {
            html.Append("<p class=\"reason\">").Append(E(reason)).Append("</p>");
        }
        foreach (var flag in ReportWords.CalibrationFlags(v, l))
        {
            html.Append("<p class=\"reason calibration-flag\">").Append(E(flag)).Append("</p>");
        }
        html.Append("</header>");

        html.Append("<section><h2>").Append(l.Say("Lot", "货物")).Append("</h2><table class=\"facts\">");
        Row(html, l.Say("Site, zone at issue", "签发时的仓库、库区"), $"{lot.Site}{l.Say(", ", "，")}{lot.Zone}");
        Row(html, l.Say("Required", "存储要求"), string.Join(l.Say("; ", "；"), c.Bands.Select(b => ReportWords.Band(b, l))));
        Row(html, l.Say("Issued, valid until", "签发日期、有效期至"), $"{Time(lot.IssuedMs)}{l.Say(", ", "，")}{Time(lot.ValidUntilMs)}");
        if (report.Lot.Title is { } receiptTitle)
        {
            foreach (var (label, value) in ReportWords.PartyFacts(receiptTitle.Depositor, report.Lot.Owner ?? receiptTitle.Owner, l))
            {
                Row(html, label.Length > 0 ? char.ToUpperInvariant(label[0]) + label[1..] : label, value);
            }
            Row(html, l.Say("Quantity", "数量"), $"{ReportWords.Number(receiptTitle.Quantity)} {receiptTitle.Unit}");
        }
        Row(html, l.Say("Cargo", "货物标签"), l.Say($"{lot.Epcs.Count} EPC{(lot.Epcs.Count == 1 ? "" : "s")}", $"{lot.Epcs.Count} 个 EPC"));
        html.Append("</table></section>");

        if (context.Pledge is { } pledge)
        {
            html.Append("<section id=\"pledge\"><h2>").Append(l.Say($"Pledge at ledger index {pledge.Index}", $"质押（账本索引 {pledge.Index}）")).Append("</h2><table class=\"facts\">");
            Row(html, l.Say("Lender", "质权人"), pledge.Lender);
            Row(html, l.Say("Amount", "金额"), ReportWords.Money(pledge.Amount, pledge.Currency, l));
            Row(html, l.Say("Term", "期限"), $"{Time(pledge.StartMs)} – {Time(pledge.EndMs)}");
            Row(html, l.Say("Status", "状态"), ReportWords.PledgeStatusName(pledge.Status, l) + (pledge.EndedAtMs is { } ended ? l.Say($" at {Time(ended)}", $"，于 {Time(ended)}") : ""));
            html.Append("</table>");
            if (c.Covenants.Count > 0)
            {
                html.Append("<ul class=\"covenants\">");
                foreach (var covenant in c.Covenants)
                {
                    var css = covenant.Status switch
                    {
                        ConditionVerdict.Breached => "breached",
                        ConditionVerdict.CannotBeEvaluated => "incomplete",
                        _ => "held",
                    };
                    html.Append("<li class=\"").Append(css).Append("\"><b>").Append(ReportWords.CovenantStatus(covenant.Status, l)).Append("</b> ").Append(E(ReportWords.Covenant(covenant.Covenant, l)))
                        .Append(l.Say(" <small>(signed as “", " <small>（签署原文“")).Append(E(covenant.Covenant)).Append(l.Say("”)</small>", "”）</small>"));
                    foreach (var b in covenant.Breaches)
                    {
                        html.Append("<br>").Append(E($"{b.DeviceId} {b.SensorId}")).Append(l.Say(": ", "：")).Append(Time(b.StartMs)).Append(" – ").Append(Time(b.EndMs))
                            .Append(l.Say(" (", "（")).Append(Duration(b.DurationMs)).Append(l.Say("), limit exceeded at ", "），超出限值于 ")).Append(Time(b.ExceededAtMs)).Append(l.Say(", peak ", "，峰值 ")).Append(Value(b.Peak, "Cel"));
                    }
                    html.Append("</li>");
                }
                html.Append("</ul>");
            }
            html.Append("</section>");
        }

        html.Append("<section><h2>").Append(l.Say("Temperature", "温度")).Append("</h2>");
        Chart(html, report, l);
        html.Append("</section>");

        html.Append("<section><h2>").Append(l.Say("Sensors", "传感器")).Append("</h2><div class=\"wide\"><table class=\"grid\" id=\"sensors\"><thead><tr>");
        foreach (var header in l == ReportLanguage.Chinese
                     ? new[] { "传感器", "库区", "读数", "最低", "最高", "平均", "MKT", "超限时长", "完整度", "缺失", "故障" }
                     : ["Sensor", "Zone", "Readings", "Min", "Max", "Mean", "MKT", "Out of range", "Complete", "Gaps", "Faults"])
        {
            html.Append("<th>").Append(header).Append("</th>");
        }
        html.Append("</tr></thead><tbody>");
        foreach (var s in c.Sensors)
        {
            html.Append("<tr><td>").Append(E($"{s.DeviceId} {s.SensorId}")).Append("<br><small>").Append(E(ReportWords.QuantityName(s.Quantity, l))).Append("</small></td><td>").Append(E(s.Zone)).Append("</td><td>")
                .Append(s.Received).Append(" / ").Append(s.Expected).Append("</td><td>").Append(Value(s.Min, s.Unit)).Append("</td><td>").Append(Value(s.Max, s.Unit))
                .Append("</td><td>").Append(Value(s.Mean, s.Unit)).Append("</td><td>").Append(Value(s.Mkt, s.Unit)).Append("</td><td>").Append(Duration(s.TimeOutOfRangeMs))
                .Append(s.CumulativeExceeded ? l.Say(" <b class=\"bad\">over allowance</b>", " <b class=\"bad\">超出允许值</b>") : "").Append("</td><td>")
                .Append((s.Completeness * 100).ToString("0.0", CultureInfo.InvariantCulture)).Append(" %</td><td>").Append(s.Gaps.Count).Append("</td><td>").Append(s.Faults.Count).Append("</td></tr>");
        }
        var energy = c.Parameters.ActivationEnergyK.ToString("0.###", CultureInfo.InvariantCulture);
        html.Append("</tbody></table></div><p class=\"note\">").Append(l == ReportLanguage.Chinese
            ? $"MKT 按 ΔH/R = {energy} K 计算；记录间隔 {Duration(c.Parameters.IntervalMs)}，超过其两倍即为数据缺失；超限指超出范围且持续超过 {Duration(c.Parameters.DelayMs)} 的时段"
                + (c.Parameters.CumulativeMs is { } allowanceZh ? $"，累计允许 {Duration(allowanceZh)}" : "") + "。"
            : $"MKT with ΔH/R = {energy} K; logging interval {Duration(c.Parameters.IntervalMs)}, gaps are longer than twice that; excursions are periods out of range longer than {Duration(c.Parameters.DelayMs)}"
                + (c.Parameters.CumulativeMs is { } allowance ? $", cumulative allowance {Duration(allowance)}" : "") + ".").Append("</p></section>");

        html.Append("<section id=\"calibration\"><h2>").Append(l.Say("Calibration", "校准")).Append("</h2><ul class=\"calibrations\">");
        foreach (var s in c.Sensors)
        {
            html.Append("<li class=\"calibration ").Append(E(s.Calibration?.Status ?? "unknown")).Append("\">").Append(E(ReportWords.Calibration(s, l))).Append("</li>");
        }
        html.Append("</ul></section>");
        html.Append("<section><h2>").Append(l.Say("Excursions", "超限")).Append("</h2>");
        var excursions = c.Sensors.SelectMany(s => s.Excursions.Select(e => (s, e))).OrderBy(x => x.e.StartMs).ToList();
        if (excursions.Count == 0)
        {
            html.Append("<p class=\"none\">").Append(l.Say("None.", "无。")).Append("</p>");
        }
        else
        {
            html.Append("<div class=\"wide\"><table class=\"grid\" id=\"excursions\"><thead><tr>");
            foreach (var header in l == ReportLanguage.Chinese ? new[] { "传感器", "开始", "结束", "时长", "极值读数" } : ["Sensor", "Start", "End", "Duration", "Extreme reading"])
            {
                html.Append("<th>").Append(header).Append("</th>");
            }
            html.Append("</tr></thead><tbody>");
            foreach (var (s, e) in excursions)
            {
                html.Append("<tr class=\"excursion-row\"><td>").Append(E($"{s.DeviceId} {s.SensorId}")).Append("</td><td>").Append(Time(e.StartMs)).Append("</td><td>").Append(Time(e.EndMs))
                    .Append(e.Ongoing ? l.Say(" (open)", "（未结束）") : "").Append("</td><td>").Append(Duration(e.DurationMs)).Append("</td><td>").Append(E(ReportWords.Peak(e.Side, e.Peak, s.Unit, l))).Append("</td></tr>");
            }
            html.Append("</tbody></table></div>");
        }
        html.Append("</section>");

        ReportAlarms.Append(html, report.Alarms, l);

        var gaps = c.Sensors.SelectMany(s => s.Gaps.Select(g => (s, g))).ToList();
        var faults = c.Sensors.SelectMany(s => s.Faults.Select(f => (s, f))).ToList();
        html.Append("<section><h2>").Append(l.Say("Data completeness", "数据完整性")).Append("</h2>");
        if (gaps.Count == 0 && c.Uncovered.Count == 0 && faults.Count == 0)
        {
            html.Append("<p class=\"none\">").Append(l.Say("No gaps, no uncovered storage, no device faults.", "无数据缺失、无未监测的存储时段、无设备故障。")).Append("</p>");
        }
        html.Append("<ul class=\"issues\">");
        foreach (var (s, g) in gaps)
        {
            var sensor = E($"{s.DeviceId} {s.SensorId}");
            html.Append("<li class=\"gap-row\">").Append(l.Say($"Gap in {sensor}: ", $"{sensor} 数据缺失：")).Append(Time(g.FromMs)).Append(" – ").Append(Time(g.ToMs))
                .Append(l.Say(" (", "（")).Append(Duration(g.DurationMs)).Append(l.Say(")", "）")).Append("</li>");
        }
        foreach (var u in c.Uncovered)
        {
            html.Append("<li>").Append(l.Say($"No {E(u.Quantity)} sensor in {E(u.Zone)}: ", $"{E(u.Zone)} 无{E(ReportWords.QuantityName(u.Quantity, l))}传感器：")).Append(Time(u.FromMs)).Append(" – ").Append(Time(u.ToMs)).Append("</li>");
        }
        foreach (var (s, f) in faults)
        {
            var sensor = E($"{s.DeviceId} {s.SensorId}");
            html.Append("<li>").Append(l.Say($"Fault {E(f.Code)} of {sensor} at ", $"{sensor} 故障 {E(f.Code)}，时间 ")).Append(Time(f.TimeMs)).Append("</li>");
        }
        html.Append("</ul></section>");

        html.Append("<section><h2>").Append(l.Say("Storage history", "存储历史")).Append("</h2><ul class=\"history\">");
        foreach (var interval in c.Storage)
        {
            html.Append("<li>").Append(E(interval.Site ?? "")).Append(' ').Append(E(interval.Zone)).Append(": ").Append(Time(interval.FromMs)).Append(" – ").Append(Time(interval.ToMs)).Append("</li>");
        }
        html.Append("</ul></section>");

        // Suppression delays alarms and never hides readings: the spans are shown, the verdict ignores them.
        if (c.Suppressed is { Count: > 0 } suppressed)
        {
            html.Append("<section id=\"suppressed\"><h2>").Append(l.Say("Alarms suppressed", "报警抑制")).Append("</h2><ul>");
            foreach (var span in suppressed)
            {
                html.Append("<li>").Append(E(span.Zone)).Append(' ').Append(E(span.Reason)).Append(' ').Append(Time(span.FromMs)).Append(" – ")
                    .Append(span.ToMs is { } to ? Time(to) : l.Say("open", "未结束"))
                    .Append(l.Say(", alarms suppressed; readings shown", "，报警已抑制；读数照常显示")).Append("</li>");
            }
            html.Append("</ul></section>");
        }

        var proof = report.Proof;
        var signers = E(string.Join(l.Say(", ", "、"), proof.Signers));
        html.Append("<section id=\"proof\"><h2>").Append(l.Say("Proof", "证明")).Append("</h2><p class=\"").Append(proof.Verified ? "ok" : "bad").Append("\">")
            .Append(proof.Verified ? l.Say("Verified: ", "已验证：") : l.Say("Not verified under the requested policy: ", "按所要求的策略未通过验证："))
            .Append(l == ReportLanguage.Chinese
                ? $"{proof.Readings} 条读数已证明至账本检查点 {proof.LedgerSize}" + (proof.LedgerTimeMs is { } tz ? $"（{Time(tz)}）" : "") + $"，签署者 {signers}（"
                    + (proof.ExplicitThreshold ? $"要求 {proof.Threshold} 个签名；联盟法定人数为 {proof.Quorum}" : $"联盟法定人数：{proof.TrustedMembers.Count} 个成员中 {proof.Threshold} 个") + "）。"
                : $"{proof.Readings} readings proven to ledger checkpoint {proof.LedgerSize}" + (proof.LedgerTimeMs is { } t ? $" of {Time(t)}" : "") + $", signed by {signers} ("
                    + (proof.ExplicitThreshold ? $"{proof.Threshold} signature(s) asked for; the consortium's quorum is {proof.Quorum}" : $"the consortium's quorum: {proof.Threshold} of {proof.TrustedMembers.Count} members") + ").")
            .Append(proof.Failure is { } why ? " " + E(why) : "").Append("</p>")
            .Append("<p><a id=\"bundle\" href=\"").Append(E(context.BundleHref)).Append("\" download=\"").Append(E(BundleFileName(lot.Receipt))).Append("\">")
            .Append(l.Say("Download the evidence bundle</a>, then check it offline, in the folder you saved it to, against the members' keys (the verifier asks for the consortium's quorum of signatures):",
                "下载证据包</a>，然后在保存它的文件夹中，用各成员的公钥离线验证（验证程序要求联盟法定人数的签名）：")).Append("</p><pre id=\"verify\">")
            .Append(E(VerifyCommand.Format("report", BundleFileName(lot.Receipt), context.VerifierKeys))).Append("</pre></section>");
        html.Append("</main></body></html>");
        return html.ToString();
    }

    private static void Chart(StringBuilder html, LotReport report, ReportLanguage l)
    {
        var c = report.Conditions;
        var temperature = c.Sensors.Where(s => s.Quantity == Senml.Temperature).ToList();
        var series = LotConditions.Series(report.Evidence).Where(s => s.Quantity == Senml.Temperature).ToList();
        var band = c.Bands.FirstOrDefault(b => b.Quantity == Senml.Temperature);
        var points = new List<(SensorReport Sensor, List<Sample> Samples)>();
        foreach (var sensor in temperature)
        {
            var samples = series.FirstOrDefault(s => s.DeviceId == sensor.DeviceId && s.SensorId == sensor.SensorId)?.Samples
                .Where(x => sensor.Covered.Any(p => x.TimeMs >= p.FromMs && x.TimeMs < p.ToMs)).ToList() ?? [];
            points.Add((sensor, samples));
        }
        var values = points.SelectMany(p => p.Samples.Select(s => s.Value)).ToList();
        if (band is not null)
        {
            values.Add((double)band.Min);
            values.Add((double)band.Max);
        }
        if (values.Count == 0)
        {
            html.Append("<p class=\"none\">").Append(l.Say("No temperature readings describe the lot in this window.", "此时间窗口内没有描述该批货物的温度读数。")).Append("</p>");
            return;
        }
        var low = Math.Floor(values.Min() - 1);
        var high = Math.Ceiling(values.Max() + 1);
        double from = c.Parameters.FromMs, to = c.Parameters.ToMs;
        double X(double ms) => Left + (ms - from) / (to - from) * (Width - Left - Right);
        double Y(double v) => Top + (high - v) / (high - low) * (Height - Top - Bottom);
        string N(double d) => d.ToString("0.#", CultureInfo.InvariantCulture);

        html.Append("<svg id=\"chart\" role=\"img\" aria-label=\"").Append(l.Say("Temperature of the lot's sensors over the report window", "报告时间窗口内货物所在库区传感器的温度")).Append("\" viewBox=\"0 0 ").Append(N(Width)).Append(' ').Append(N(Height))
            .Append("\" xmlns=\"http://www.w3.org/2000/svg\"><defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#888\" stroke-width=\"2\"/></pattern></defs>");
        html.Append("<rect x=\"").Append(N(Left)).Append("\" y=\"").Append(N(Top)).Append("\" width=\"").Append(N(Width - Left - Right)).Append("\" height=\"").Append(N(Height - Top - Bottom)).Append("\" fill=\"#fff\" stroke=\"#ccc\"/>");
        if (band is not null)
        {
            html.Append("<rect class=\"band\" x=\"").Append(N(Left)).Append("\" y=\"").Append(N(Y((double)band.Max))).Append("\" width=\"").Append(N(Width - Left - Right))
                .Append("\" height=\"").Append(N(Y((double)band.Min) - Y((double)band.Max))).Append("\" fill=\"#2e9b4f\" fill-opacity=\"0.14\"><title>").Append(l.Say("Allowed ", "允许范围 "))
                .Append(F(band.Min)).Append(l.Say(" to ", " 至 ")).Append(F(band.Max)).Append(" °C</title></rect>");
        }
        foreach (var u in c.Uncovered.Where(u => u.Quantity == Senml.Temperature))
        {
            html.Append("<rect class=\"uncovered\" x=\"").Append(N(X(u.FromMs))).Append("\" y=\"").Append(N(Top)).Append("\" width=\"").Append(N(Math.Max(1, X(u.ToMs) - X(u.FromMs))))
                .Append("\" height=\"").Append(N(Height - Top - Bottom)).Append("\" fill=\"#999\" fill-opacity=\"0.12\"><title>").Append(l.Say($"No temperature sensor in {E(u.Zone)}", $"{E(u.Zone)} 无温度传感器")).Append("</title></rect>");
        }
        foreach (var (sensor, _) in points)
        {
            foreach (var g in sensor.Gaps)
            {
                html.Append("<rect class=\"gap\" x=\"").Append(N(X(g.FromMs))).Append("\" y=\"").Append(N(Height - Bottom - 14)).Append("\" width=\"").Append(N(Math.Max(2, X(g.ToMs) - X(g.FromMs))))
                    .Append("\" height=\"14\" fill=\"url(#hatch)\" stroke=\"#666\"><title>").Append(l.Say($"Gap in {E(sensor.SensorId)}: ", $"{E(sensor.SensorId)} 数据缺失：")).Append(Time(g.FromMs)).Append(" – ").Append(Time(g.ToMs)).Append("</title></rect>");
            }
            foreach (var e in sensor.Excursions)
            {
                html.Append("<rect class=\"excursion\" x=\"").Append(N(X(e.StartMs))).Append("\" y=\"").Append(N(Top)).Append("\" width=\"").Append(N(Math.Max(2, X(e.EndMs) - X(e.StartMs))))
                    .Append("\" height=\"").Append(N(Height - Top - Bottom)).Append("\" fill=\"#d62728\" fill-opacity=\"0.18\" stroke=\"#d62728\" stroke-opacity=\"0.5\"><title>").Append(l.Say("Excursion ", "超限 "))
                    .Append(E(sensor.SensorId)).Append(' ').Append(Time(e.StartMs)).Append(" – ").Append(Time(e.EndMs)).Append(l.Say(", peak ", "，峰值 ")).Append(Value(e.Peak, sensor.Unit)).Append("</title></rect>");
            }
        }
        for (var v = low; v <= high; v += Math.Max(1, Math.Ceiling((high - low) / 8)))
        {
            html.Append("<line x1=\"").Append(N(Left - 4)).Append("\" x2=\"").Append(N(Width - Right)).Append("\" y1=\"").Append(N(Y(v))).Append("\" y2=\"").Append(N(Y(v)))
                .Append("\" stroke=\"#eee\"/><text x=\"").Append(N(Left - 8)).Append("\" y=\"").Append(N(Y(v) + 4)).Append("\" text-anchor=\"end\">").Append(N(v)).Append("</text>");
        }
        var hours = (to - from) / 3_600_000;
        var step = hours <= 12 ? 3_600_000L : hours <= 48 ? 6 * 3_600_000L : 24 * 3_600_000L;
        for (var t = (long)Math.Ceiling(from / step) * step; t <= to; t += step)
        {
            html.Append("<line x1=\"").Append(N(X(t))).Append("\" x2=\"").Append(N(X(t))).Append("\" y1=\"").Append(N(Height - Bottom)).Append("\" y2=\"").Append(N(Height - Bottom + 4))
                .Append("\" stroke=\"#999\"/><text x=\"").Append(N(X(t))).Append("\" y=\"").Append(N(Height - Bottom + 18)).Append("\" text-anchor=\"middle\">")
                .Append(DateTimeOffset.FromUnixTimeMilliseconds(t).UtcDateTime.ToString(step < 86_400_000 ? "HH:mm" : "MM-dd", CultureInfo.InvariantCulture)).Append("</text>");
        }
        for (var i = 0; i < points.Count; i++)
        {
            var (sensor, samples) = points[i];
            var rgb = ReportWords.LegendColours[i % ReportWords.LegendColours.Count];
            var colour = $"#{rgb.R:x2}{rgb.G:x2}{rgb.B:x2}";
            foreach (var part in sensor.Covered)
            {
                var inPart = Thin(samples.Where(s => s.TimeMs >= part.FromMs && s.TimeMs < part.ToMs).ToList(), 600);
                if (inPart.Count == 0)
                {
                    continue;
                }
                html.Append("<polyline class=\"series\" fill=\"none\" stroke=\"").Append(colour).Append("\" stroke-width=\"1.5\" points=\"");
                foreach (var s in inPart)
                {
                    html.Append(N(X(s.TimeMs))).Append(',').Append(N(Y(s.Value))).Append(' ');
                }
                html.Append("\"><title>").Append(E($"{sensor.DeviceId} {sensor.SensorId}")).Append("</title></polyline>");
            }
            html.Append("<text class=\"legend\" x=\"").Append(N(Left + 8 + i * 170)).Append("\" y=\"").Append(N(Height - 6)).Append("\" fill=\"").Append(colour).Append("\">■ ")
                .Append(E($"{sensor.DeviceId} {sensor.SensorId}")).Append("</text>");
        }
        html.Append("<text x=\"").Append(N(Left)).Append("\" y=\"11\" class=\"axis\">").Append(l.Say("°C · times in UTC", "°C · 时间为 UTC")).Append("</text></svg>");
    }

    // Keeps the shape of long series (each bucket's first, lowest and highest reading) so peaks stay visible.
    private static List<Sample> Thin(List<Sample> samples, int buckets)
    {
        if (samples.Count <= buckets * 3)
        {
            return samples;
        }
        var size = (int)Math.Ceiling(samples.Count / (double)buckets);
        var thinned = new List<Sample>();
        for (var i = 0; i < samples.Count; i += size)
        {
            var bucket = samples.Skip(i).Take(size).ToList();
            var picks = new[] { bucket[0], bucket.MinBy(s => s.Value), bucket.MaxBy(s => s.Value) }.Distinct().OrderBy(s => s.TimeMs);
            thinned.AddRange(picks);
        }
        return thinned;
    }

    private static void Row(StringBuilder html, string name, string value) =>
        html.Append("<tr><th>").Append(E(name)).Append("</th><td>").Append(E(value)).Append("</td></tr>");

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(decimal value) => CanonicalValues.Decimal(value);

    private static string Value(double? value, string unit) => ReportWords.Value(value, unit);

    private static string Time(long ms) => ReportWords.Time(ms);

    private const string Css = """
        body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f5f6f7}
        main{max-width:1000px;margin:0 auto;padding:16px}
        header h1{margin:.2em 0;font-size:1.5em}.receipt{font-family:ui-monospace,Menlo,Consolas,monospace}
        .product,.window{margin:.2em 0;color:#444}
        .verdict{display:inline-block;padding:.3em .8em;border-radius:1em;font-weight:600;margin:.5em 0}
        .verdict.held{background:#dff3e4;color:#17602c}.verdict.excursion,.verdict.breached{background:#fbe1e1;color:#9b1c1c}.verdict.incomplete{background:#fff3cd;color:#7a5a00}
        section{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:12px 16px;margin:12px 0}
        h2{font-size:1.1em;margin:.2em 0 .6em}
        table{border-collapse:collapse}.facts th{text-align:left;font-weight:500;color:#555;padding:2px 16px 2px 0}
        .grid{width:100%;font-size:.9em}.grid th,.grid td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;white-space:nowrap}
        .wide{overflow-x:auto}
        svg{width:100%;height:auto;font-size:12px}svg text{fill:#555}
        .covenants{padding-left:1.2em}.covenants .breached b,.bad{color:#9b1c1c}.covenants .held b,.ok{color:#17602c}
        .note,.none{color:#666;font-size:.9em}pre{white-space:pre-wrap;word-break:break-all;background:#f3f3f3;padding:8px;border-radius:4px;font-size:.8em}
        """;

    /// <summary>The file name the page offers the bundle under (and the verify command names).</summary>
    public static string BundleFileName(string receipt) => receipt + ".lot-evidence.json";
}
