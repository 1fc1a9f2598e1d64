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
public sealed record ReportPdfContext(PledgeRecord? Pledge, string ReportUrl, IReadOnlyList<string> VerifierKeys);

/// <summary>
/// The lender's condition report as a PDF to file or print: the same figures and verdict as the
/// HTML page (with its "as of" checkpoint), the chart, covenants in words, the signatures the
/// evidence rests on with their printed names, times and meaning (21 CFR 11.50), a QR code to the
/// report page, and the evidence bundle's SHA-256 with the command that verifies it.
/// </summary>
public static class ReportPdf
{
    private const double Margin = 48, PageWidth = 595, PageHeight = 842;

    static ReportPdf() => GlobalFontSettings.FontResolver ??= new SystemFontResolver();

    /// <summary>The PDF's bytes.</summary>
    public static byte[] Render(LotReport report, ReportPdfContext context)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(context);
        var lot = report.Lot.Lot;
        var c = report.Conditions;
        using var document = new PdfDocument();
        document.Info.Title = $"Condition report {lot.Receipt}";
        document.Info.Creator = "EdgeTrace anchor node";
        var page = new Writer(document);

        page.Heading($"Condition report {lot.Receipt}", 18);
        page.Line($"{lot.Product} · GTIN {lot.Gtin} · batch {lot.Batch}");
        page.Line(ReportWords.Verdict(c.Verdict), bold: true, colour: c.Verdict.Evaluated && c.Verdict.Covenants != ConditionVerdict.Breached && c.Verdict.Range != ConditionVerdict.OutOfRange ? XColors.DarkGreen : XColors.DarkRed);
        page.Line($"Verdict {(report.Evidence is { } e ? e.AsOf : "(no checkpoint)")}");
        page.Line($"Window: {ReportWords.Time(c.Parameters.FromMs)} – {ReportWords.Time(c.Parameters.ToMs)} ({ReportWords.Duration(c.Parameters.ToMs - c.Parameters.FromMs)}), "
            + (c.Terms == ReportTerms.CustomTerms ? "custom analysis, not the verdict on the pledge" : c.Terms == ReportTerms.PledgeTerms ? "the pledge's signed terms" : "the lot's own history"));
        foreach (var reason in c.Verdict.Reasons)
        {
            page.Line(reason, size: 8);
        }

        page.Heading("Lot and pledge", 12);
        page.Line($"Stored: {lot.Site}, {lot.Zone}; required {string.Join("; ", c.Bands.Select(ReportWords.Band))}");
        if (report.Lot.Title is { } title)
        {
            page.Line($"{ReportWords.Parties(title.Depositor, report.Lot.Owner ?? title.Owner)}; quantity {ReportWords.Number(title.Quantity)} {title.Unit}");
        }
        if (context.Pledge is { } pledge)
        {
            page.Line($"Pledge at ledger index {pledge.Index} to {pledge.Lender}: {ReportWords.Money(pledge.Amount, pledge.Currency)}, {ReportWords.Time(pledge.StartMs)} – {ReportWords.Time(pledge.EndMs)}, {pledge.Status.Name()}");
        }
        foreach (var covenant in c.Covenants)
        {
            page.Line($"{ReportWords.CovenantStatus(covenant.Status)}: {ReportWords.Covenant(covenant.Covenant)}", bold: true,
                colour: covenant.Status == ConditionVerdict.Breached ? XColors.DarkRed : XColors.Black);
            foreach (var b in covenant.Breaches)
            {
                page.Line($"  {b.DeviceId} {b.SensorId}: {ReportWords.Time(b.StartMs)} – {ReportWords.Time(b.EndMs)} ({ReportWords.Duration(b.DurationMs)}), limit exceeded at {ReportWords.Time(b.ExceededAtMs)}, {ReportWords.Peak(ReportWords.SideOf(covenant.Covenant), b.Peak, "Cel")}", size: 8);
            }
        }

        page.Heading("Temperature", 12);
        page.Chart(report);

        page.Heading("Sensors", 12);
        foreach (var s in c.Sensors)
        {
            page.Line($"{s.DeviceId} {s.SensorId} ({s.Quantity}, {s.Zone}): {s.Received}/{s.Expected} readings, min {ReportWords.Value(s.Min, s.Unit)}, max {ReportWords.Value(s.Max, s.Unit)}, "
                + $"mean {ReportWords.Value(s.Mean, s.Unit)}, MKT {ReportWords.Value(s.Mkt, s.Unit)}, out of range {ReportWords.Duration(s.TimeOutOfRangeMs)}, complete {(s.Completeness * 100).ToString("0.0", CultureInfo.InvariantCulture)} %, gaps {s.Gaps.Count}", size: 8);
        }
        foreach (var (s, x) in c.Sensors.SelectMany(s => s.Excursions.Select(x => (s, x))).OrderBy(p => p.x.StartMs))
        {
            page.Line($"Excursion {s.DeviceId} {s.SensorId}: {ReportWords.Time(x.StartMs)} – {ReportWords.Time(x.EndMs)} ({ReportWords.Duration(x.DurationMs)}), {ReportWords.Peak(x.Side, x.Peak, s.Unit)}", size: 8);
        }
        page.Line("Calibration: the sensors' calibration is not recorded on the ledger; acknowledgements of alarms are the operator's, outside this evidence.", size: 8);

        page.Heading("Signatures (what each one means)", 12);
        page.Line($"Receipt issued by {report.Lot.IssuedBy} (operator member) on {ReportWords.Time(lot.IssuedMs)}: attests the goods, their storage conditions and place.", size: 8);
        foreach (var ev in report.Lot.Events ?? [])
        {
            page.Line($"{ev.Kind} at ledger index {ev.Index}, signed {ReportWords.Time(ev.Statement.TimeMs)} by {string.Join(", ", ev.Signers)}: {ReportWords.Meaning(ev.Kind)}", size: 8);
        }
        var proof = report.Proof;
        page.Line($"Ledger checkpoint of size {proof.LedgerSize}{(proof.LedgerTimeMs is { } t ? $", {ReportWords.Time(t)}" : "")}, signed by {string.Join(", ", proof.Signers)} (consortium members): "
            + "each attests that the ledger, its state and every entry above are as recorded, in that order, at that time.", size: 8);
        page.Line(proof.Verified ? $"Verified: {proof.Readings} readings proven to that checkpoint under the consortium's quorum." : $"Not verified under the requested policy: {proof.Failure}", size: 8);

        page.Heading("Evidence", 12);
        var hash = Convert.ToHexStringLower(SHA256.HashData(report.Bundle.Bundle.ToJson()));
        page.Line($"Evidence bundle {ReportPage.BundleFileName(lot.Receipt)}, SHA-256:", size: 8);
        page.Line(hash, size: 8, mono: true);
        page.Line("Verify it offline, in the folder you saved it to:", size: 8);
        page.Line(VerifyCommand.Format("report", ReportPage.BundleFileName(lot.Receipt), context.VerifierKeys), size: 6, mono: true);
        page.Qr(context.ReportUrl);

        using var stream = new MemoryStream();
        document.Save(stream, false);
        return stream.ToArray();
    }

    private sealed class Writer
    {
        private readonly PdfDocument _document;
        private XGraphics _graphics = null!;
        private double _y;

        public Writer(PdfDocument document)
        {
            _document = document;
            NewPage();
        }

        public void Heading(string text, double size)
        {
            Space(size * 2);
            _y += size * 0.6;
            _graphics.DrawString(text, new XFont("DejaVu Sans", size, XFontStyleEx.Bold), XBrushes.Black, Margin, _y);
            _y += size * 0.8;
        }

        public void Line(string text, bool bold = false, double size = 9.5, XColor? colour = null, bool mono = false)
        {
            var font = new XFont(mono ? "DejaVu Sans Mono" : "DejaVu Sans", size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular);
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
                Line("No temperature readings describe the lot in this window.");
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
            var small = new XFont("DejaVu Sans", 7, XFontStyleEx.Regular);
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
            _graphics.DrawString($"°C, {ReportWords.Time(c.Parameters.FromMs)} – {ReportWords.Time(c.Parameters.ToMs)}", small, XBrushes.Gray, left, top - 2);
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
            _graphics.DrawString("Report page:", new XFont("DejaVu Sans", 8, XFontStyleEx.Regular), XBrushes.Black, Margin + size + 10, _y + 20);
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

    /// <summary>DejaVu from the system's font folders (Debian: fonts-dejavu-core), which PDFsharp embeds.</summary>
    private sealed class SystemFontResolver : IFontResolver
    {
        private static readonly string[] Folders = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts"];

        public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
            new(familyName.Contains("Mono", StringComparison.Ordinal) ? "DejaVuSansMono" : bold ? "DejaVuSans-Bold" : "DejaVuSans");

        public byte[]? GetFont(string faceName) =>
            Folders.Select(f => Path.Combine(f, faceName + ".ttf")).FirstOrDefault(File.Exists) is { } file
                ? File.ReadAllBytes(file)
                : throw new FileNotFoundException($"font {faceName}.ttf not found in {string.Join(", ", Folders)} (install fonts-dejavu-core)");
    }
}
