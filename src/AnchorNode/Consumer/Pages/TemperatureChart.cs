using System.Globalization;
using System.Text;

namespace AnchorNode.Consumer.Pages;

/// <summary>
/// A small inline SVG of a public temperature series: the required band shaded, the range of each
/// bucket as an area, the highs as a line, excursions marked. No script, no external font.
/// </summary>
public static class TemperatureChart
{
    private const double Width = 320, Height = 132, Left = 40, Right = 312, Top = 8, Bottom = 108;

    /// <summary>The SVG element, labelled with <paramref name="label"/> for screen readers.</summary>
    public static string Render(PublicTemperatureSeries series, ColdChainStatus coldChain, ConsumerFormat format, string label)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(coldChain);
        ArgumentNullException.ThrowIfNull(format);
        var buckets = series.Buckets;
        var t0 = buckets[0].Start;
        var t1 = buckets[^1].End;
        var span = Math.Max(1, (t1 - t0).TotalSeconds);
        var low = Math.Min(coldChain.MinCelsius - 1, buckets.Min(b => b.MinCelsius));
        var high = Math.Max(coldChain.MaxCelsius + 1, buckets.Max(b => b.MaxCelsius));
        double X(DateTimeOffset t) => Left + (t - t0).TotalSeconds / span * (Right - Left);
        double Y(double c) => Bottom - (c - low) / (high - low) * (Bottom - Top);
        static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        var svg = new StringBuilder(4096);
        svg.Append("<svg id=\"chart\" viewBox=\"0 0 ").Append(N(Width)).Append(' ').Append(N(Height)).Append("\" role=\"img\" aria-label=\"")
            .Append(PageLayout.Encode(label)).Append("\" font-size=\"9\" font-family=\"system-ui,sans-serif\">");
        // The required band.
        svg.Append("<rect x=\"").Append(N(Left)).Append("\" y=\"").Append(N(Y(coldChain.MaxCelsius))).Append("\" width=\"").Append(N(Right - Left))
            .Append("\" height=\"").Append(N(Y(coldChain.MinCelsius) - Y(coldChain.MaxCelsius))).Append("\" fill=\"#e6f4ea\"/>");
        foreach (var excursion in coldChain.Excursions)
        {
            var x0 = Math.Max(Left, X(excursion.Start));
            var x1 = Math.Min(Right, X(excursion.End));
            svg.Append("<rect class=\"exc\" x=\"").Append(N(x0)).Append("\" y=\"").Append(N(Top)).Append("\" width=\"").Append(N(Math.Max(1.5, x1 - x0)))
                .Append("\" height=\"").Append(N(Bottom - Top)).Append("\" fill=\"#b3261e\" fill-opacity=\".22\"/>");
        }
        // Each bucket's range as an area: highs left to right, then lows back.
        svg.Append("<path d=\"");
        for (var i = 0; i < buckets.Count; i++)
        {
            svg.Append(i == 0 ? 'M' : 'L').Append(N(X(Mid(buckets[i])))).Append(' ').Append(N(Y(buckets[i].MaxCelsius)));
        }
        for (var i = buckets.Count - 1; i >= 0; i--)
        {
            svg.Append('L').Append(N(X(Mid(buckets[i])))).Append(' ').Append(N(Y(buckets[i].MinCelsius)));
        }
        svg.Append("Z\" fill=\"#c6dafc\"/><polyline fill=\"none\" stroke=\"#1a56db\" stroke-width=\"1.5\" points=\"");
        foreach (var bucket in buckets)
        {
            svg.Append(N(X(Mid(bucket)))).Append(',').Append(N(Y(bucket.MaxCelsius))).Append(' ');
        }
        svg.Append("\"/>");
        // The band's bounds on the axis, and the first and last dates.
        foreach (var bound in new[] { coldChain.MinCelsius, coldChain.MaxCelsius })
        {
            svg.Append("<text x=\"").Append(N(Left - 4)).Append("\" y=\"").Append(N(Y(bound) + 3)).Append("\" text-anchor=\"end\" fill=\"#137333\">")
                .Append(PageLayout.Encode(ConsumerFormat.Celsius(bound))).Append("</text>");
        }
        svg.Append("<text x=\"").Append(N(Left)).Append("\" y=\"").Append(N(Height - 10)).Append("\" fill=\"#5f6368\">").Append(PageLayout.Encode(format.Date(t0))).Append("</text>")
            .Append("<text x=\"").Append(N(Right)).Append("\" y=\"").Append(N(Height - 10)).Append("\" text-anchor=\"end\" fill=\"#5f6368\">").Append(PageLayout.Encode(format.Date(t1))).Append("</text>")
            .Append("</svg>");
        return svg.ToString();
    }

    private static DateTimeOffset Mid(TemperatureBucket bucket) => bucket.Start + (bucket.End - bucket.Start) / 2;
}
