using System.Text;

namespace AnchorNode.Dashboard;

/// <summary>
/// The alarms card: per zone, the active alarms (with the sensor's current value beside the value at
/// the alarm's start) and recent starts and ends, as the gateways last reported them.
/// </summary>
public sealed class AlarmsSection : IDashboardSection
{
    /// <inheritdoc/>
    public string Id => "alarms";

    /// <inheritdoc/>
    public void Render(DashboardView view, DashboardClock clock, StringBuilder html)
    {
        if (!html.Heading("Alarms", view.Zones.Count, "No active or recent alarm."))
        {
            return;
        }
        foreach (var z in view.Zones)
        {
            html.BeginZone(z.Site, z.Zone);
            if (z.Active.Count == 0)
            {
                html.Append("<p class=\"muted\">No active alarm.</p>");
            }
            else
            {
                html.BeginTable("Active", "Sensor", "Since", "Value at start", "Now", "Gateway");
                foreach (var a in z.Active)
                {
                    html.Append("<tr class=\"active\" data-rule=\"").Append(DashboardHtml.Encode(a.Rule)).Append("\"><td>").Badge(a.Rule, "bad").Append("</td>")
                        .Cell($"{a.Sensor} {a.Quantity}").Append("<td>");
                    clock.Append(html, a.SinceMs).Append("</td>").Cell(DashboardHtml.Value(a.Value, a.Unit), "start");
                    var current = view.CurrentOf(a.DeviceId, a.Sensor, a.Quantity);
                    html.Cell(current is null ? null : DashboardHtml.Value(current.Value, current.Unit) + (current.Stale ? " (stale)" : ""), "now").Cell(a.DeviceId);
                    html.Append("</tr>");
                }
                html.EndTable();
            }
            if (z.Recent.Count > 0)
            {
                html.BeginTable("Recent", "Sensor", "Time", "Value", "Gateway");
                foreach (var e in z.Recent)
                {
                    html.Append("<tr class=\"recent\">").Cell($"{e.Rule} {e.Event}").Cell(e.Sensor).Append("<td>");
                    clock.Append(html, e.TimeMs).Append("</td>").Cell(DashboardHtml.Value(e.Value, e.Unit)).Cell(e.DeviceId).Append("</tr>");
                }
                html.EndTable();
            }
            html.Append("</div>");
        }
    }
}
