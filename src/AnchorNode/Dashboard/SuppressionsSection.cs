using System.Text;
using AnchorNode.Storage;

namespace AnchorNode.Dashboard;

/// <summary>
/// A suppressed span (docs/spec.md §2.8) as the dashboard shows it: while it is open, the gateway
/// starts no alarm of the zone (alarms are delayed); it still records every reading.
/// </summary>
/// <param name="DeviceId">The gateway whose log holds the leaves.</param>
/// <param name="Site">Its site, as enrolled, or null.</param>
/// <param name="Zone">The zone whose alarms are suppressed.</param>
/// <param name="Reason">Why: <c>defrost</c>, <c>maintenance</c>, …</param>
/// <param name="FromMs">When the window opened (the <c>suppression-start</c> leaf's time).</param>
/// <param name="ToMs">When it closed, or null while it is open.</param>
/// <param name="StartSequence">The <c>suppression-start</c> leaf.</param>
/// <param name="EndSequence">The <c>suppression-end</c> leaf, or null.</param>
public sealed record DashboardSuppression(string DeviceId, string? Site, string Zone, string Reason, long FromMs, long? ToMs, long StartSequence, long? EndSequence)
{
    /// <summary>How far back closed windows are listed.</summary>
    public static readonly TimeSpan Recent = TimeSpan.FromDays(7);

    /// <summary>True while the window is open.</summary>
    public bool Open => ToMs is null;

    /// <summary>The spans open now or closed within <see cref="Recent"/> of <paramref name="nowMs"/>, newest first.</summary>
    internal static IReadOnlyList<DashboardSuppression> Of(NodeReader reader, long nowMs)
    {
        var sites = reader.State.Devices().ToDictionary(d => d.DeviceId, d => d.Site, StringComparer.Ordinal);
        return reader.SuppressedSpans(nowMs - (long)Recent.TotalMilliseconds)
            .Select(s => new DashboardSuppression(s.DeviceId, sites.GetValueOrDefault(s.DeviceId), s.Zone, s.Reason, s.FromMs, s.ToMs, s.StartSequence, s.EndSequence))
            .ToList();
    }
}

/// <summary>
/// The card of suppression windows: those open now, prominently (the zone's alarms are being
/// delayed, its readings still recorded), then those of the last seven days.
/// </summary>
internal sealed class SuppressionsSection : IDashboardSection
{
    /// <summary>What the card says suppression does, wherever it lists a window.</summary>
    public const string Meaning = "Suppression delays the alarms of a zone; it never hides its readings, which are recorded and reported as always.";

    /// <inheritdoc/>
    public string Id => "suppressions";

    /// <inheritdoc/>
    public void Render(DashboardView view, DashboardClock clock, StringBuilder html)
    {
        var spans = view.Suppressions;
        if (!html.Heading("Suppression windows", spans.Count, "No alarm suppression window open or in the last 7 days."))
        {
            return;
        }
        var open = spans.Where(s => s.Open).ToList();
        if (open.Count == 0)
        {
            html.Append("<p class=\"muted\">No suppression window is open: alarms of every zone start as soon as their rules trip.</p>");
        }
        foreach (var s in open)
        {
            html.Append("<p class=\"open\" data-zone=\"").Append(DashboardHtml.Encode(s.Zone)).Append("\" data-device=\"").Append(DashboardHtml.Encode(s.DeviceId)).Append("\">")
                .Badge("alarms delayed", "warn").Append(" <strong>Alarms of ").Append(DashboardHtml.Encode(s.Site is null ? s.Zone : $"{s.Site} / {s.Zone}"))
                .Append(" are being delayed</strong> (").Append(DashboardHtml.Encode(s.Reason)).Append(") since ");
            clock.Append(html, s.FromMs).Append(", by gateway ").Append(DashboardHtml.Encode(s.DeviceId)).Append(". Readings are still recorded.</p>");
        }
        html.Append("<p class=\"muted\">").Append(DashboardHtml.Encode(Meaning)).Append("</p>");
        html.Append("<h3>Last 7 days</h3>").BeginTable("Zone", "Reason", "From", "To", "Gateway");
        foreach (var s in spans)
        {
            html.Append("<tr class=\"").Append(s.Open ? "open" : "closed").Append("\" data-zone=\"").Append(DashboardHtml.Encode(s.Zone)).Append("\">")
                .Cell(s.Site is null ? s.Zone : $"{s.Site} / {s.Zone}").Cell(s.Reason).Append("<td>");
            clock.Append(html, s.FromMs).Append("</td><td>");
            if (s.ToMs is { } to)
            {
                clock.Append(html, to);
            }
            else
            {
                html.Badge("open", "warn");
            }
            html.Append("</td>").Cell(s.DeviceId).Append("</tr>");
        }
        html.EndTable();
    }
}
