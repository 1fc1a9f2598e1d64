using System.Globalization;
using System.Text;
using static AnchorNode.Consumer.Pages.PageLayout;

namespace AnchorNode.Consumer.Pages;

/// <summary>The page a consumer sees after scanning a lot's (or an item's) code.</summary>
public static class TracePage
{
    private const string IconOk = "<svg class=\"icon\" width=\"22\" height=\"22\" viewBox=\"0 0 24 24\" aria-hidden=\"true\"><circle cx=\"12\" cy=\"12\" r=\"11\" fill=\"currentColor\"/><path d=\"M6.5 12.5l3.5 3.5 7.5-8\" fill=\"none\" stroke=\"#fff\" stroke-width=\"2.4\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/></svg>";
    private const string IconBad = "<svg class=\"icon\" width=\"22\" height=\"22\" viewBox=\"0 0 24 24\" aria-hidden=\"true\"><path d=\"M12 1.8 23 21.5H1z\" fill=\"currentColor\"/><path d=\"M12 8.5v6.5\" stroke=\"#fff\" stroke-width=\"2.4\" stroke-linecap=\"round\"/><circle cx=\"12\" cy=\"18.2\" r=\"1.4\" fill=\"#fff\"/></svg>";
    private const string IconUnknown = "<svg class=\"icon\" width=\"22\" height=\"22\" viewBox=\"0 0 24 24\" aria-hidden=\"true\"><circle cx=\"12\" cy=\"12\" r=\"11\" fill=\"currentColor\"/><path d=\"M7 12h10\" stroke=\"#fff\" stroke-width=\"2.4\" stroke-linecap=\"round\"/></svg>";

    private const string IconVerified = "<svg class=\"icon\" width=\"22\" height=\"22\" viewBox=\"0 0 24 24\" aria-hidden=\"true\"><path d=\"M12 1.5 21 5v6.2c0 5.4-3.8 9.8-9 11.3-5.2-1.5-9-5.9-9-11.3V5z\" fill=\"#1a56db\"/><path d=\"M7.5 12.2l3 3 6-6.4\" fill=\"none\" stroke=\"#fff\" stroke-width=\"2.2\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/></svg>";

    /// <summary>The page for <paramref name="trace"/>; <paramref name="proofHref"/> is the download link (null when no proof exists yet).</summary>
    public static string Render(PublicTrace trace, PageContext context, string? proofHref)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(context);
        var text = context.Text;
        var format = context.Format;
        var lot = trace.Link.Lot ?? "";
        var title = ConsumerText.Format(text.TraceTitle, trace.ProductName, lot);
        return PageLayout.Render(context, title, html =>
        {
            Product(html, trace, text);
            Status(html, trace, format);
            Journey(html, trace, format);
            Verified(html, trace, format, proofHref);
            var at = trace.Proof?.CheckpointTime ?? trace.ColdChain.MonitoredTo ?? trace.Journey.LastOrDefault()?.From ?? DateTimeOffset.UnixEpoch;
            html.Append("<p class=\"tz\">").Append(Encode(ConsumerText.Format(text.TimesIn, format.ZoneLabel(at)))).Append("</p>\n");
        });
    }

    private static void Product(StringBuilder html, PublicTrace trace, ConsumerText text)
    {
        html.Append("<section id=\"product\" class=\"card\">\n<h1>").Append(Encode(trace.ProductName)).Append("</h1>\n");
        if (trace.ProductDetail is not null)
        {
            html.Append("<p class=\"meta\">").Append(Encode(trace.ProductDetail)).Append("</p>\n");
        }
        html.Append("<p class=\"ids\">");
        Id(html, text.Lot, "lot", trace.Link.Lot ?? "");
        if (trace.Link.Serial is not null)
        {
            Id(html, text.Serial, "serial", trace.Link.Serial);
        }
        Id(html, text.Gtin, "gtin", trace.Link.Gtin.Value);
        html.Append("</p>\n</section>\n");
    }

    private static void Id(StringBuilder html, string label, string id, string value) =>
        html.Append("<span class=\"id\"><span>").Append(Encode(label)).Append("</span> <strong id=\"").Append(id).Append("\">").Append(Encode(value)).Append("</strong></span>");

    private static void Status(StringBuilder html, PublicTrace trace, ConsumerFormat format)
    {
        var text = format.Text;
        var cold = trace.ColdChain;
        var min = ConsumerFormat.Celsius(cold.MinCelsius);
        var max = ConsumerFormat.Celsius(cold.MaxCelsius);
        var (css, icon, title) = cold.State switch
        {
            ColdChainState.Held => ("ok", IconOk, text.HeldTitle),
            ColdChainState.Excursion => ("bad", IconBad, text.ExcursionTitle),
            ColdChainState.Incomplete => ("unknown", IconUnknown, text.IncompleteTitle),
            _ => ("unknown", IconUnknown, text.NotMonitoredTitle),
        };
        html.Append("<section id=\"status\" class=\"card status ").Append(css).Append("\" data-state=\"").Append(cold.State.ToString().ToLowerInvariant()).Append("\">\n<h2>")
            .Append(icon).Append("<span>").Append(Encode(title)).Append("</span></h2>\n");
        switch (cold.State)
        {
            case ColdChainState.Held:
                var monitored = cold.MonitoredFrom is { } from && cold.MonitoredTo is { } to ? to - from : TimeSpan.Zero;
                html.Append("<p>").Append(Encode(ConsumerText.Format(text.HeldBody, min, max, format.Duration(monitored)))).Append("</p>\n");
                break;
            case ColdChainState.Excursion:
                var summary = cold.Excursions.Count == 1
                    ? ConsumerText.Format(text.ExcursionBodyOne, min, max, format.Duration(cold.TimeOutOfRange))
                    : ConsumerText.Format(text.ExcursionBody, min, max, format.Duration(cold.TimeOutOfRange), cold.Excursions.Count);
                html.Append("<p>").Append(Encode(summary)).Append("</p>\n");
                html.Append("<ul class=\"exc\" id=\"excursions\">\n");
                foreach (var excursion in cold.Excursions)
                {
                    var line = excursion.Above
                        ? ConsumerText.Format(text.ExcursionAbove, max, format.Duration(excursion.Duration), format.DateTime(excursion.Start), ConsumerFormat.Celsius(excursion.PeakCelsius))
                        : ConsumerText.Format(text.ExcursionBelow, min, format.Duration(excursion.Duration), format.DateTime(excursion.Start), ConsumerFormat.Celsius(excursion.PeakCelsius));
                    html.Append("<li>").Append(Encode(line)).Append("</li>\n");
                }
                html.Append("</ul>\n");
                break;
            case ColdChainState.Incomplete:
                html.Append("<p>").Append(Encode(ConsumerText.Format(text.IncompleteBody, min, max, format.Duration(cold.Unmonitored)))).Append("</p>\n");
                break;
            default:
                html.Append("<p>").Append(Encode(ConsumerText.Format(text.NotMonitoredBody, min, max))).Append("</p>\n");
                break;
        }
        if (cold.Unmonitored >= TimeSpan.FromMinutes(1) && cold.State != ColdChainState.Incomplete)
        {
            html.Append("<p class=\"meta\" id=\"unmonitored\">").Append(Encode(ConsumerText.Format(text.UnmonitoredNote, format.Duration(cold.Unmonitored)))).Append("</p>\n");
        }
        if (trace.Chart is { Buckets.Count: > 1 } chart)
        {
            var caption = ConsumerText.Format(text.ChartCaption, min, max);
            html.Append("<figure>").Append(TemperatureChart.Render(chart, cold, format, caption)).Append("<figcaption>").Append(Encode(caption)).Append("</figcaption></figure>\n");
        }
        html.Append("</section>\n");
    }

    private static void Journey(StringBuilder html, PublicTrace trace, ConsumerFormat format)
    {
        var text = format.Text;
        html.Append("<section id=\"journey\" class=\"card\">\n<h2>").Append(Encode(text.JourneyTitle)).Append("</h2>\n");
        if (trace.Journey.Count == 0)
        {
            html.Append("<p class=\"meta\">").Append(Encode(text.JourneyEmpty)).Append("</p>\n</section>\n");
            return;
        }
        html.Append("<ol class=\"journey\">\n");
        foreach (var stop in trace.Journey)
        {
            var dates = stop.To is { } to
                ? ConsumerText.Format(text.Range, format.Date(stop.From), format.Date(to))
                : ConsumerText.Format(text.JourneySince, format.Date(stop.From));
            html.Append("<li><span class=\"site\">").Append(Encode(stop.Site.In(format.Language))).Append("</span>");
            if (stop.Zone is not null)
            {
                html.Append(" · <span class=\"zone\">").Append(Encode(stop.Zone.In(format.Language))).Append("</span>");
            }
            html.Append("<span class=\"dates\">").Append(Encode(dates)).Append("</span></li>\n");
        }
        html.Append("</ol>\n</section>\n");
    }

    private static void Verified(StringBuilder html, PublicTrace trace, ConsumerFormat format, string? proofHref)
    {
        var text = format.Text;
        html.Append("<section id=\"verified\" class=\"card\">\n<h2>").Append(IconVerified).Append("<span>").Append(Encode(text.VerifiedTitle)).Append("</span></h2>\n");
        if (trace.Proof is not { } proof || proofHref is null)
        {
            html.Append("<p id=\"proof-pending\">").Append(Encode(text.ProofPending)).Append("</p>\n</section>\n");
            return;
        }
        html.Append("<p>").Append(Encode(text.VerifiedBody)).Append("</p>\n<dl class=\"proof\">\n")
            .Append("<dt>").Append(Encode(text.LedgerSize)).Append("</dt><dd id=\"ledger-size\">").Append(proof.LedgerSize.ToString("N0", CultureInfo.InvariantCulture)).Append("</dd>\n")
            .Append("<dt>").Append(Encode(text.CheckpointTime)).Append("</dt><dd id=\"checkpoint-time\">").Append(Encode(format.DateTime(proof.CheckpointTime))).Append("</dd>\n")
            .Append("<dt>").Append(Encode(text.Signatures)).Append("</dt><dd id=\"signatures\">").Append(proof.Signatures.ToString(CultureInfo.InvariantCulture)).Append("</dd>\n")
            .Append("</dl>\n<p><a id=\"proof-link\" class=\"button\" href=\"").Append(Encode(proofHref)).Append("\" download>").Append(Encode(text.DownloadProof)).Append("</a></p>\n")
            .Append("<details><summary>").Append(Encode(text.HowToVerify)).Append("</summary>\n<p>").Append(Encode(text.HowToVerifyBody)).Append("</p>\n")
            .Append("<pre><code>edgetrace verify bundle FILE --key NAME=PUBLIC_KEY …</code></pre>\n</details>\n</section>\n");
    }
}
