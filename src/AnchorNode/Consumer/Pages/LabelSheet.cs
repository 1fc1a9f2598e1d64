using System.Text;
using Firmware.Contracts.Epc;
using static AnchorNode.Consumer.Pages.PageLayout;

namespace AnchorNode.Consumer.Pages;

/// <summary>
/// A printable A4 sheet of labels for a lot: 3 × 7 labels of 70 × 42.3 mm (the common 21-up
/// layout), each with the QR code of the lot's Digital Link, the product name, lot, GTIN and the
/// URL in human-readable form. The QR is drawn once and referenced by every label.
/// </summary>
public static class LabelSheet
{
    /// <summary>Labels on one A4 sheet.</summary>
    public const int LabelsPerSheet = 21;

    /// <summary>The most labels one request prints (ten sheets).</summary>
    public const int MaxLabels = 10 * LabelsPerSheet;

    private const string PrintCss = """
        @page{size:A4;margin:0}
        .sheet{width:210mm;height:296.1mm;display:grid;grid-template-columns:repeat(3,70mm);grid-template-rows:repeat(7,42.3mm);background:#fff;overflow:hidden}
        .label{display:flex;align-items:center;gap:2mm;padding:2mm 2.5mm;overflow:hidden;color:#000}
        .label svg{width:31mm;height:31mm;flex:none}
        .label .t{font-size:7pt;line-height:1.2;min-width:0}
        .label .name{font-weight:700;font-size:8pt;margin-bottom:.8mm;overflow:hidden;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}
        .label .url{font:5.5pt/1.15 ui-monospace,"DejaVu Sans Mono",monospace;word-break:break-all;margin-top:.8mm}
        .label .scan{font-size:6pt;margin-top:.8mm}
        @media screen{body{background:#e8eaed}main{max-width:none}.sheet{margin:0 auto 1rem;box-shadow:0 1px 4px rgba(0,0,0,.3)}}
        @media print{body{background:#fff}.top,footer,.no-print{display:none}main{padding:0;max-width:none}.sheet{break-after:page}}
        """;

    /// <summary>The sheet page for <paramref name="count"/> labels of <paramref name="link"/>, whose URI is <paramref name="url"/>.</summary>
    public static string Render(DigitalLink link, string productName, string url, int count, PageContext context)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxLabels);
        var text = context.Text;
        var title = ConsumerText.Format(text.LabelSheetTitle, productName, link.Lot);
        return PageLayout.Render(context, title, html =>
        {
            html.Append("<section class=\"card no-print\"><h1>").Append(Encode(title)).Append("</h1><p class=\"meta\">")
                .Append(Encode(text.LabelSheetHelp)).Append("</p></section>\n")
                .Append("<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\">")
                .Append(QrCoderImages.SvgSymbol(url, "qr")).Append("</svg>\n");
            var label = Label(link, productName, url, text);
            for (var sheet = 0; sheet * LabelsPerSheet < count; sheet++)
            {
                html.Append("<div class=\"sheet\">\n");
                for (var i = sheet * LabelsPerSheet; i < Math.Min(count, (sheet + 1) * LabelsPerSheet); i++)
                {
                    html.Append(label);
                }
                html.Append("</div>\n");
            }
        }, PrintCss);
    }

    private static string Label(DigitalLink link, string productName, string url, ConsumerText text)
    {
        var label = new StringBuilder(512);
        label.Append("<div class=\"label\"><svg role=\"img\" aria-label=\"QR\"><use href=\"#qr\" width=\"100%\" height=\"100%\"/></svg><div class=\"t\">")
            .Append("<div class=\"name\">").Append(Encode(productName)).Append("</div>")
            .Append("<div>").Append(Encode(text.Lot)).Append(" <b>").Append(Encode(link.Lot)).Append("</b></div>")
            .Append("<div>").Append(Encode(text.Gtin)).Append(' ').Append(link.Gtin.Value).Append("</div>")
            .Append("<div class=\"url\">").Append(Encode(url)).Append("</div>")
            .Append("<div class=\"scan\">").Append(Encode(text.LabelScan)).Append("</div></div></div>\n");
        return label.ToString();
    }
}
