using System.Globalization;
using System.Text;
using Firmware.Contracts.Conditions;

namespace AnchorNode.Dashboard;

/// <summary>The ledger card: its size and latest checkpoint.</summary>
public sealed class LedgerSection : IDashboardSection
{
    /// <inheritdoc/>
    public string Id => "ledger";

    /// <inheritdoc/>
    public void Render(DashboardView view, DashboardClock clock, StringBuilder html)
    {
        var l = view.Ledger;
        html.Append("<h2>Ledger</h2><dl id=\"ledger-facts\">");
        Fact("Entries").Append(l.Size.ToString(CultureInfo.InvariantCulture)).Append("</dd></div>");
        Fact("Latest checkpoint").Append(l.CheckpointSize is { } size ? $"size {size}" : "none yet").Append("</dd></div>");
        clock.Append(Fact("Signed"), l.CheckpointTimeMs).Append("</dd></div>");
        Fact("Signatures").Append(l.Signatures is { } s ? s.ToString(CultureInfo.InvariantCulture) : "–").Append("</dd></div>");
        html.Append("</dl>");

        StringBuilder Fact(string name) => html.Append("<div><dt>").Append(name).Append("</dt><dd>");
    }
}

/// <summary>The gateways card: contact, backlog, anchored checkpoint, sensor faults, flags.</summary>
public sealed class GatewaysSection : IDashboardSection
{
    private static readonly Dictionary<string, string> StateKind = new(StringComparer.Ordinal) { ["online"] = "ok", ["offline"] = "bad", ["revoked"] = "bad", ["never-seen"] = "warn" };

    /// <inheritdoc/>
    public string Id => "gateways";

    /// <inheritdoc/>
    public void Render(DashboardView view, DashboardClock clock, StringBuilder html)
    {
        if (!html.Heading("Gateways", view.Gateways.Count, "No gateway is enrolled."))
        {
            return;
        }
        html.BeginTable("Gateway", "Contact", "Backlog", "On the gateway", "Last anchored checkpoint", "Sensors", "Flags");
        foreach (var g in view.Gateways)
        {
            html.Append("<tr data-device=\"").Append(DashboardHtml.Encode(g.DeviceId)).Append("\" data-state=\"").Append(g.State).Append("\"><td><div><strong>")
                .Append(DashboardHtml.Encode(g.DeviceId)).Append("</strong><div class=\"muted\">")
                .Append(DashboardHtml.Encode(string.Join(" / ", new[] { g.Site, g.Zone }.Where(x => !string.IsNullOrEmpty(x))))).Append("</div></div></td><td><div>")
                .Badge(g.State, StateKind.GetValueOrDefault(g.State, "")).Append("<div class=\"muted contact\">last contact ").Append(DashboardHtml.Ago(g.LastContactAgoSeconds))
                .Append("</div></div></td>")
                .Cell(g.Backlog?.ToString(CultureInfo.InvariantCulture), "n backlog")
                .Cell(g.LogSize is null ? null : $"{g.SealedSize} sealed, {g.PendingReadings} pending", "n")
                .Append("<td class=\"anchored\"><div><div>size ").Append(g.AnchoredSize.ToString(CultureInfo.InvariantCulture)).Append("</div><div class=\"muted\">");
            clock.Append(html, g.AnchoredMs).Append("</div></div></td><td class=\"sensors\"><div><div>")
                .Append(g.Sensors.Count.ToString(CultureInfo.InvariantCulture)).Append(" sensors, ").Append(g.FaultySensors.ToString(CultureInfo.InvariantCulture))
                .Append(" faulty</div><ul class=\"plain faults\">");
            foreach (var s in g.Sensors.Where(s => s.Fault is not null))
            {
                html.Append("<li>").Badge("fault", "bad").Append(' ').Append(DashboardHtml.Encode($"{s.Id} {s.Quantity}: {s.Fault}")).Append("</li>");
            }
            html.Append("</ul></div></td><td><div class=\"flags\">");
            if (g.Equivocated)
            {
                html.Badge("equivocation", "bad");
            }
            if (g.Revoked)
            {
                html.Badge("revoked", "bad");
            }
            html.Append("</div></td></tr>");
        }
        html.EndTable();
    }
}

/// <summary>The lots card: product, where, status and the active pledge's covenant state.</summary>
public sealed class LotsSection : IDashboardSection
{
    private static readonly Dictionary<string, string> StatusKind = new(StringComparer.Ordinal) { ["issued"] = "ok", ["pledged"] = "warn", ["enforced"] = "bad" };

    /// <inheritdoc/>
    public string Id => "lots";

    /// <inheritdoc/>
    public void Render(DashboardView view, DashboardClock clock, StringBuilder html)
    {
        if (!html.Heading("Lots", view.Lots.Count, "No lot is registered."))
        {
            return;
        }
        html.BeginTable("Receipt", "Product", "Where", "Status", "Covenants", "Quantity");
        foreach (var l in view.Lots)
        {
            html.Append("<tr data-receipt=\"").Append(DashboardHtml.Encode(l.Receipt)).Append("\" data-status=\"").Append(l.Status).Append('"');
            if (l.Covenant is not null)
            {
                html.Append(" data-covenant=\"").Append(l.Covenant).Append('"');
            }
            html.Append('>').Cell(l.Receipt)
                .Append("<td class=\"product\"><div><strong>").Append(DashboardHtml.Encode(l.Product.Length == 0 ? l.Gtin : l.Product)).Append("</strong><div class=\"muted\">")
                .Append(DashboardHtml.Encode($"GTIN {l.Gtin} · batch {l.Batch}")).Append("</div></div></td>")
                .Cell($"{l.Site} / {l.Zone}")
                .Append("<td>").Badge(l.Status, StatusKind.GetValueOrDefault(l.Status, "")).Append("</td><td class=\"covenant\">");
            Covenant(html, l);
            html.Append("</td>").Cell($"{l.Quantity.ToString(CultureInfo.InvariantCulture)} {l.Unit}", "n").Append("</tr>");
        }
        html.EndTable();
    }

    private static void Covenant(StringBuilder html, DashboardLot lot)
    {
        switch (lot.Covenant)
        {
            case null:
                html.Append("<span class=\"muted\">not pledged</span>");
                break;
            case ConditionVerdict.Breached:
                html.Badge("breached", "bad");
                break;
            case ConditionVerdict.Held:
                html.Badge("held", "ok");
                break;
            case ConditionVerdict.NoCovenants:
                html.Append("<span class=\"muted\">pledged, no covenants</span>");
                break;
            default:
                html.Badge("cannot be evaluated", "warn");
                if (lot.CovenantReasons.Count > 0)
                {
                    html.Append("<div class=\"muted\">").Append(DashboardHtml.Encode(string.Join("; ", lot.CovenantReasons))).Append("</div>");
                }
                break;
        }
    }
}
