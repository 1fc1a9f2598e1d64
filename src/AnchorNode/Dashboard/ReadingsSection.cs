using System.Globalization;
using System.Text;

namespace AnchorNode.Dashboard;

/// <summary>
/// The readings card: per zone, each sensor's latest committed measurement with its age (a stale one
/// says so and is never shown as current), min/max/mean of the last 24 hours and a sparkline drawn
/// as inline SVG (nothing loaded from elsewhere).
/// </summary>
public sealed class ReadingsSection : IDashboardSection
{
    private const int SparkWidth = 192;
    private const int SparkHeight = 32;

    /// <inheritdoc/>
    public string Id => "readings";

    /// <inheritdoc/>
    public void Render(DashboardView view, DashboardClock clock, StringBuilder html)
    {
        if (!html.Heading("Readings", view.Readings.Count, "No measurement has been committed yet."))
        {
            return;
        }
        foreach (var zone in view.Readings)
        {
            html.BeginZone(zone.Site, zone.Zone).BeginTable("Sensor", "Now", "Measured", "Min 24 h", "Max 24 h", "Mean 24 h", "Last 24 h");
            foreach (var s in zone.Sensors)
            {
                html.Append("<tr class=\"sensor").Append(s.Stale ? " stale" : "").Append("\" data-device=\"").Append(DashboardHtml.Encode(s.DeviceId))
                    .Append("\" data-sensor=\"").Append(DashboardHtml.Encode(s.SensorId)).Append("\" data-quantity=\"").Append(DashboardHtml.Encode(s.Quantity)).Append("\">")
                    .Append("<td><div><strong>").Append(DashboardHtml.Encode($"{s.SensorId} {s.Quantity}")).Append("</strong><div class=\"muted\">")
                    .Append(DashboardHtml.Encode(s.DeviceId)).Append("</div></div></td>");
                html.Append("<td class=\"n current\" data-value=\"").Append(s.Value.ToString("R", CultureInfo.InvariantCulture)).Append("\">");
                if (s.Stale)
                {
                    // The last value known, greyed and labelled: the sensor's present state is unknown.
                    html.Badge("stale", "warn").Append(" <span class=\"muted last\">last ").Append(DashboardHtml.Encode(DashboardHtml.Value(s.Value, s.Unit))).Append("</span>");
                }
                else
                {
                    html.Append("<strong class=\"value\">").Append(DashboardHtml.Encode(DashboardHtml.Value(s.Value, s.Unit))).Append("</strong>");
                }
                html.Append("</td><td class=\"measured\"><div>");
                clock.Append(html, s.TimeMs).Append("<div class=\"muted age\">").Append(DashboardHtml.Ago(s.AgeSeconds)).Append("</div></div></td>");
                Stat(html, "min", s.Last24h?.Min, s.Unit);
                Stat(html, "max", s.Last24h?.Max, s.Unit);
                Stat(html, "mean", s.Last24h?.Mean, s.Unit);
                html.Append("<td class=\"spark\">");
                Sparkline(html, s.Last24h, view.NowMs);
                html.Append("</td></tr>");
            }
            html.EndTable().Append("</div>");
        }
    }

    private static void Stat(StringBuilder html, string name, double? value, string? unit)
    {
        html.Append("<td class=\"n ").Append(name).Append('"');
        if (value is { } v)
        {
            html.Append(" data-value=\"").Append(v.ToString("R", CultureInfo.InvariantCulture)).Append('"');
        }
        html.Append('>').Append(value is null ? "–" : DashboardHtml.Encode(DashboardHtml.Value(value, unit))).Append("</td>");
    }

    /// <summary>The window's bucket means as a polyline over its min–max band, x by time from the window's start to now.</summary>
    internal static void Sparkline(StringBuilder html, DashboardStats? stats, long nowMs)
    {
        if (stats is null || stats.Points.Count == 0)
        {
            html.Append("<span class=\"muted\">no data</span>");
            return;
        }
        var span = Math.Max(1, nowMs - stats.FromMs);
        var low = stats.Min;
        var high = stats.Max;
        var range = high - low;
        string X(DashboardPoint p) => Coordinate((p.StartMs - stats.FromMs + (stats.BucketMs / 2.0)) / span * SparkWidth);
        string Y(double v) => Coordinate(range <= 0 ? SparkHeight / 2.0 : 2 + ((high - v) / range * (SparkHeight - 4)));
        html.Append("<svg class=\"sparkline\" role=\"img\" width=\"").Append(SparkWidth).Append("\" height=\"").Append(SparkHeight)
            .Append("\" viewBox=\"0 0 ").Append(SparkWidth).Append(' ').Append(SparkHeight).Append("\" data-points=\"").Append(stats.Points.Count)
            .Append("\"><title>").Append(stats.Points.Count).Append(" points of ").Append(stats.BucketMs / 60_000).Append(" min over the last 24 h</title>");
        // The band: each bucket's min and max, drawn as a polygon (max left to right, min back).
        html.Append("<polygon class=\"band\" fill=\"#d2e3fc\" stroke=\"none\" points=\"");
        foreach (var p in stats.Points)
        {
            html.Append(X(p)).Append(',').Append(Y(p.Max)).Append(' ');
        }
        foreach (var p in stats.Points.Reverse())
        {
            html.Append(X(p)).Append(',').Append(Y(p.Min)).Append(' ');
        }
        html.Append("\"/><polyline class=\"mean\" fill=\"none\" stroke=\"#1a73e8\" stroke-width=\"1.5\" points=\"");
        foreach (var p in stats.Points)
        {
            html.Append(X(p)).Append(',').Append(Y(p.Mean)).Append(' ');
        }
        html.Append("\"/></svg>");
    }

    private static string Coordinate(double v) => Math.Round(v, 1).ToString("0.#", CultureInfo.InvariantCulture);
}
