using System.Globalization;
using System.Security.Cryptography;
using AnchorNode.Evidence;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Readings;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace AnchorNode.Inventory;

/// <summary>What the PDF shows besides the report: the pledge, the report page's link (its QR code) and the verifier keys.</summary>
/// <param name="Pledge">The pledge reported on, or null.</param>
/// <param name="ReportUrl">The report page's address (the QR code).</param>
/// <param name="VerifierKeys">The <c>--key</c> arguments of the verify command.</param>
/// <param name="Language">The report's language; Chinese needs a font with CJK glyphs (<see cref="ReportFonts"/>).</param>
public sealed record ReportPdfContext(PledgeRecord? Pledge, string ReportUrl, IReadOnlyList<string> VerifierKeys, ReportLanguage Language = ReportLanguage.English);

/// <summary>
/// The lender's condition report as a PDF to file or print: the same figures and verdict as the
/// HTML page (with its "as of" checkpoint), the chart, covenants in words, the signatures the
/// evidence rests on with their printed names, times and meaning (21 CFR 11.50), a QR code to the
/// report page, and the evidence bundle's SHA-256 with the command that verifies it.
/// </summary>
public static class ReportPdf
{
    private const double Margin = 48, PageWidth = 595, PageHeight = 842;

    static ReportPdf() => GlobalFontSettings.FontResolver ??= new ReportFonts();

    /// <summary>The PDF's bytes.</summary>
    /// <exception cref="ReportFontMissingException">When the language needs a font the system does not have.</exception>
    public static byte[] Render(LotReport report, ReportPdfContext context)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(context);
        var l = context.Language;
        if (l == ReportLanguage.Chinese)
        {
            ReportFonts.RequireCjk();
        }
        var lot = report.Lot.Lot;
        var c = report.Conditions;
        using var document = new PdfDocument();
        document.Info.Title = l.Say($"Condition report {lot.Receipt}", $"货物状况报告 {lot.Receipt}");
        document.Info.Creator = "EdgeTrace anchor node";
        var page = new Writer(document, l);
        string Time(long ms) => ReportWords.Time(ms);
        string Duration(long ms) => ReportWords.Duration(ms, l);
        string Open() => l.Say(" (", "（");
        string Close() => l.Say(")", "）");
        string Comma() => l.Say(", ", "，");
        string Colon() => l.Say(": ", "：");

        page.Heading(l.Say($"Condition report {lot.Receipt}", $"货物状况报告 {lot.Receipt}"), 18);
        page.Line($"{lot.Product} · GTIN {lot.Gtin} · {l.Say("batch", "批号")} {lot.Batch}");
        page.Line(ReportWords.Verdict(c.Verdict, l), bold: true, colour: c.Verdict.Evaluated && c.Verdict.Covenants != ConditionVerdict.Breached && c.Verdict.Range != ConditionVerdict.OutOfRange ? XColors.DarkGreen : XColors.DarkRed);
        page.Line(l.Say("Verdict ", "结论") + (report.Evidence is { } e ? ReportWords.AsOf(e, l) : l.Say("(no checkpoint)", "（无检查点）")));
        page.Line(l.Say("Window: ", "时间窗口：") + $"{Time(c.Parameters.FromMs)} – {Time(c.Parameters.ToMs)}{Open()}{Duration(c.Parameters.ToMs - c.Parameters.FromMs)}{Close()}{Comma()}"
            + (c.Terms == ReportTerms.CustomTerms ? l.Say("custom analysis, not the verdict on the pledge", "自定义分析，并非对质押的结论")
                : c.Terms == ReportTerms.PledgeTerms ? l.Say("the pledge's signed terms", "按质押签署的条款") : l.Say("the lot's own history", "按货物自身的历史")));
        foreach (var reason in c.Verdict.Reasons)
        {
            page.Line(reason, size: 8);
        }
        foreach (var flag in ReportWords.CalibrationFlags(c.Verdict, l))
        {
            page.Line(flag, size: 8, colour: XColors.DarkRed);
        }

        page.Heading(l.Say("Lot and pledge", "货物与质押"), 12);
        page.Line(l.Say("Stored: ", "存放：") + $"{lot.Site}{Comma()}{lot.Zone}{l.Say("; required ", "；存储要求 ")}{string.Join(l.Say("; ", "；"), c.Bands.Select(b => ReportWords.Band(b, l)))}");
        if (report.Lot.Title is { } title)
        {
            page.Line($"{ReportWords.Parties(title.Depositor, report.Lot.Owner ?? title.Owner, l)}{l.Say("; quantity ", "；数量 ")}{ReportWords.Number(title.Quantity)} {title.Unit}");
        }
        if (context.Pledge is { } pledge)
        {
            var terms = $"{ReportWords.Money(pledge.Amount, pledge.Currency, l)}{Comma()}{Time(pledge.StartMs)} – {Time(pledge.EndMs)}{Comma()}{ReportWords.PledgeStatusName(pledge.Status, l)}";
            page.Line(l.Say($"Pledge at ledger index {pledge.Index} to {pledge.Lender}: {terms}", $"质押（账本索引 {pledge.Index}），质权人 {pledge.Lender}：{terms}"));
        }
        foreach (var covenant in c.Covenants)
        {
            page.Line($"{ReportWords.CovenantStatus(covenant.Status, l)}{Colon()}{ReportWords.Covenant(covenant.Covenant, l)}", bold: true,
                colour: covenant.Status == ConditionVerdict.Breached ? XColors.DarkRed : XColors.Black);
            foreach (var b in covenant.Breaches)
            {
                page.Line($"  {b.DeviceId} {b.SensorId}{Colon()}{Time(b.StartMs)} – {Time(b.EndMs)}{Open()}{Duration(b.DurationMs)}{Close()}{l.Say(", limit exceeded at ", "，超出限值于 ")}{Time(b.ExceededAtMs)}{Comma()}"
                    + ReportWords.Peak(ReportWords.SideOf(covenant.Covenant), b.Peak, "Cel", l), size: 8);
            }
        }

        page.Heading(l.Say("Temperature", "温度"), 12);
        page.Chart(report);

        page.Heading(l.Say("Sensors", "传感器"), 12);
        foreach (var s in c.Sensors)
        {
            var complete = (s.Completeness * 100).ToString("0.0", CultureInfo.InvariantCulture);
            var quantity = ReportWords.QuantityName(s.Quantity, l);
            page.Line(l == ReportLanguage.Chinese
                ? $"{s.DeviceId} {s.SensorId}（{quantity}，{s.Zone}）：读数 {s.Received}/{s.Expected}，最低 {ReportWords.Value(s.Min, s.Unit)}，最高 {ReportWords.Value(s.Max, s.Unit)}，"
                    + $"平均 {ReportWords.Value(s.Mean, s.Unit)}，MKT {ReportWords.Value(s.Mkt, s.Unit)}，超限 {Duration(s.TimeOutOfRangeMs)}，完整度 {complete} %，缺失 {s.Gaps.Count}"
                : $"{s.DeviceId} {s.SensorId} ({quantity}, {s.Zone}): {s.Received}/{s.Expected} readings, min {ReportWords.Value(s.Min, s.Unit)}, max {ReportWords.Value(s.Max, s.Unit)}, "
                    + $"mean {ReportWords.Value(s.Mean, s.Unit)}, MKT {ReportWords.Value(s.Mkt, s.Unit)}, out of range {Duration(s.TimeOutOfRangeMs)}, complete {complete} %, gaps {s.Gaps.Count}", size: 8);
        }
        foreach (var (s, x) in c.Sensors.SelectMany(s => s.Excursions.Select(x => (s, x))).OrderBy(p => p.x.StartMs))
        {
            page.Line($"{l.Say("Excursion", "超限")} {s.DeviceId} {s.SensorId}{Colon()}{Time(x.StartMs)} – {Time(x.EndMs)}{Open()}{Duration(x.DurationMs)}{Close()}{Comma()}{ReportWords.Peak(x.Side, x.Peak, s.Unit, l)}", size: 8);
        }
        foreach (var span in c.Suppressed ?? [])
        {
            page.Line(l.Say($"Suppressed: {span.Zone} {span.Reason} {Time(span.FromMs)} – {(span.ToMs is { } to ? Time(to) : "open")}, alarms suppressed; readings shown",
                $"报警抑制：{span.Zone} {span.Reason} {Time(span.FromMs)} – {(span.ToMs is { } to2 ? Time(to2) : "未结束")}，报警已抑制；读数照常显示"), size: 8);
        }
        foreach (var line in ReportAlarms.Lines(report.Alarms, l))
        {
            page.Line(line, size: 8);
        }
        foreach (var s in c.Sensors)
        {
            page.Line(ReportWords.Calibration(s, l), size: 8);
        }

        page.Heading(l.Say("Signatures (what each one means)", "签名（各签名的含义）"), 12);
        page.Line(l.Say($"Receipt issued by {report.Lot.IssuedBy} (operator member) on {Time(lot.IssuedMs)}: attests the goods, their storage conditions and place.",
            $"仓单由 {report.Lot.IssuedBy}（运营方成员）于 {Time(lot.IssuedMs)} 签发：证明货物、其存储条件和存放地点。"), size: 8);
        foreach (var ev in report.Lot.Events ?? [])
        {
            var signers = string.Join(l.Say(", ", "、"), ev.Signers);
            page.Line(l.Say($"{ev.Kind} at ledger index {ev.Index}, signed {Time(ev.Statement.TimeMs)} by {signers}: ", $"{ReportWords.KindName(ev.Kind, l)}（账本索引 {ev.Index}），{Time(ev.Statement.TimeMs)} 由 {signers} 签署：")
                + ReportWords.Meaning(ev.Kind, l), size: 8);
        }
        var proof = report.Proof;
        var checkpointSigners = string.Join(l.Say(", ", "、"), proof.Signers);
        page.Line(l == ReportLanguage.Chinese
            ? $"账本检查点（大小 {proof.LedgerSize}{(proof.LedgerTimeMs is { } tz ? $"，{Time(tz)}" : "")}）由 {checkpointSigners}（联盟成员）签署：各签名证明账本、其状态及以上每条记录均如所载，按此顺序，于此时间。"
            : $"Ledger checkpoint of size {proof.LedgerSize}{(proof.LedgerTimeMs is { } t ? $", {Time(t)}" : "")}, signed by {checkpointSigners} (consortium members): "
                + "each attests that the ledger, its state and every entry above are as recorded, in that order, at that time.", size: 8);
        page.Line(proof.Verified
            ? l.Say($"Verified: {proof.Readings} readings proven to that checkpoint under the consortium's quorum.", $"已验证：{proof.Readings} 条读数已按联盟法定人数证明至该检查点。")
            : l.Say("Not verified under the requested policy: ", "按所要求的策略未通过验证：") + proof.Failure, size: 8);

        page.Heading(l.Say("Evidence", "证据"), 12);
        var hash = Convert.ToHexStringLower(SHA256.HashData(report.Bundle.Bundle.ToJson()));
        page.Line(l.Say($"Evidence bundle {ReportPage.BundleFileName(lot.Receipt)}, SHA-256:", $"证据包 {ReportPage.BundleFileName(lot.Receipt)}，SHA-256："), size: 8);
        page.Line(hash, size: 8, mono: true);
        page.Line(l.Say("Verify it offline, in the folder you saved it to:", "在保存它的文件夹中离线验证："), size: 8);
        page.Line(VerifyCommand.Format("report", ReportPage.BundleFileName(lot.Receipt), context.VerifierKeys), size: 6, mono: true);
        page.Qr(context.ReportUrl);

        using var stream = new MemoryStream();
        document.Save(stream, false);
        return stream.ToArray();
    }

    private sealed class Writer
    {
        private readonly PdfDocument _document;
        private readonly ReportLanguage _language;
        private readonly string _family;
        private XGraphics _graphics = null!;
        private double _y;

        public Writer(PdfDocument document, ReportLanguage language)
        {
            _document = document;
            _language = language;
            _family = language == ReportLanguage.Chinese ? ReportFonts.CjkFamily : "DejaVu Sans";
            NewPage();
        }

        public void Heading(string text, double size)
        {
            Space(size * 2.5);
            // Room above for the heading's ascent: CJK faces rise nearly a full em over the baseline.
            _y += size * 1.1;
            _graphics.DrawString(text, new XFont(_family, size, XFontStyleEx.Bold), XBrushes.Black, Margin, _y);
            _y += size * 0.8;
        }

        public void Line(string text, bool bold = false, double size = 9.5, XColor? colour = null, bool mono = false)
        {
            var font = new XFont(mono ? "DejaVu Sans Mono" : _family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular);
            var brush = new XSolidBrush(colour ?? XColors.Black);
            foreach (var part in Wrap(text, font))
            {
                Space(size * 1.4);
                _y += size * 1.3;
                _graphics.DrawString(part, font, brush, Margin, _y);
            }
        }

        public void Chart(LotReport report)
        {
            const double height = 160;
            Space(height + 30);
            var c = report.Conditions;
            var series = LotConditions.Series(report.Evidence).Where(s => s.Quantity == Senml.Temperature).ToList();
            var band = c.Bands.FirstOrDefault(b => b.Quantity == Senml.Temperature);
            var values = series.SelectMany(s => s.Samples.Where(x => x.TimeMs >= c.Parameters.FromMs && x.TimeMs < c.Parameters.ToMs).Select(x => x.Value)).ToList();
            if (band is not null)
            {
                values.AddRange([(double)band.Min, (double)band.Max]);
            }
            if (values.Count == 0)
            {
                Line(_language.Say("No temperature readings describe the lot in this window.", "此时间窗口内没有描述该批货物的温度读数。"));
                return;
            }
            double low = Math.Floor(values.Min() - 1), high = Math.Ceiling(values.Max() + 1), from = c.Parameters.FromMs, to = c.Parameters.ToMs;
            double left = Margin + 30, width = PageWidth - 2 * Margin - 30, top = _y + 8;
            double X(double ms) => left + (ms - from) / Math.Max(1, to - from) * width;
            double Y(double v) => top + (high - v) / (high - low) * height;
            _graphics.DrawRectangle(XPens.LightGray, left, top, width, height);
            if (band is not null)
            {
                _graphics.DrawRectangle(new XSolidBrush(XColor.FromArgb(40, 46, 155, 79)), left, Y((double)band.Max), width, Y((double)band.Min) - Y((double)band.Max));
            }
            foreach (var x in c.Sensors.Where(s => s.Quantity == Senml.Temperature).SelectMany(s => s.Excursions))
            {
                _graphics.DrawRectangle(new XSolidBrush(XColor.FromArgb(45, 214, 39, 40)), X(x.StartMs), top, Math.Max(1, X(x.EndMs) - X(x.StartMs)), height);
            }
            var small = new XFont(_family, 7, XFontStyleEx.Regular);
            for (var v = low; v <= high; v += Math.Max(1, Math.Ceiling((high - low) / 6)))
            {
                _graphics.DrawString(v.ToString("0", CultureInfo.InvariantCulture), small, XBrushes.Gray, left - 16, Y(v) + 2);
            }
            for (var i = 0; i < series.Count; i++)
            {
                var colour = ReportWords.LegendColours[i % ReportWords.LegendColours.Count];
                var pen = new XPen(XColor.FromArgb(colour.R, colour.G, colour.B), 0.8);
                var points = series[i].Samples.Where(x => x.TimeMs >= from && x.TimeMs < to).Select(x => new XPoint(X(x.TimeMs), Y(x.Value))).ToArray();
                if (points.Length > 1)
                {
                    _graphics.DrawLines(pen, points);
                }
                _graphics.DrawString($"■ {series[i].DeviceId} {series[i].SensorId}", small, new XSolidBrush(XColor.FromArgb(colour.R, colour.G, colour.B)), left + i * 120, top + height + 12);
            }
            _graphics.DrawString($"°C{_language.Say(", ", "，")}{ReportWords.Time(c.Parameters.FromMs)} – {ReportWords.Time(c.Parameters.ToMs)}", small, XBrushes.Gray, left, top - 2);
            _y = top + height + 18;
        }

        public void Qr(string url)
        {
            const double size = 90;
            Space(size + 20);
            // Drawn as vector squares (sharp in print at any size) from QRCoder's module matrix.
            using var generator = new QRCoder.QRCodeGenerator();
            using var code = generator.CreateQrCode(url, QRCoder.QRCodeGenerator.ECCLevel.M);
            var modules = code.ModuleMatrix;
            var cell = size / modules.Count;
            for (var row = 0; row < modules.Count; row++)
            {
                for (var column = 0; column < modules[row].Count; column++)
                {
                    if (modules[row][column])
                    {
                        _graphics.DrawRectangle(XBrushes.Black, Margin + column * cell, _y + 6 + row * cell, cell, cell);
                    }
                }
            }
            _graphics.DrawString(_language.Say("Report page:", "报告页面："), new XFont(_family, 8, XFontStyleEx.Regular), XBrushes.Black, Margin + size + 10, _y + 20);
            foreach (var (part, i) in Wrap(url, new XFont("DejaVu Sans Mono", 6, XFontStyleEx.Regular)).Select((p, i) => (p, i)))
            {
                _graphics.DrawString(part, new XFont("DejaVu Sans Mono", 6, XFontStyleEx.Regular), XBrushes.Black, Margin + size + 10, _y + 32 + i * 8);
            }
            _y += size + 12;
        }

        private List<string> Wrap(string text, XFont font)
        {
            var max = PageWidth - 2 * Margin;
            var lines = new List<string>();
            var current = "";
            foreach (var word in text.Split(' '))
            {
                var candidate = current.Length == 0 ? word : current + " " + word;
                if (current.Length > 0 && _graphics.MeasureString(candidate, font).Width > max)
                {
                    lines.Add(current);
                    current = word;
                }
                else
                {
                    current = candidate;
                }
                // A token longer than the line (a key, a hash, an address) is cut where the line ends.
                while (_graphics.MeasureString(current, font).Width > max && current.Length > 1)
                {
                    var cut = current.Length - 1;
                    while (cut > 1 && _graphics.MeasureString(current[..cut], font).Width > max)
                    {
                        cut--;
                    }
                    lines.Add(current[..cut]);
                    current = current[cut..];
                }
            }
            lines.Add(current);
            return lines;
        }

        private void Space(double needed)
        {
            if (_y + needed > PageHeight - Margin)
            {
                NewPage();
            }
        }

        private void NewPage()
        {
            _graphics?.Dispose();
            var page = _document.AddPage();
            page.Width = XUnit.FromPoint(PageWidth);
            page.Height = XUnit.FromPoint(PageHeight);
            _graphics = XGraphics.FromPdfPage(page);
            _y = Margin;
        }
    }
}
