using System.Globalization;
using System.Text;
using AnchorNode.Consumer.Pages;

namespace AnchorNode.Dashboard;

/// <summary>
/// A section of the dashboard page: a card with an element id, rendered on the server both for the
/// first load and for every refresh (the page patches the card with the fragment). A section plugs
/// in by being listed in <see cref="DashboardPage.Sections"/>.
/// </summary>
public interface IDashboardSection
{
    /// <summary>The card's element id (stable: tests and scripts find the card by it).</summary>
    string Id { get; }

    /// <summary>Appends the card's inner HTML for <paramref name="view"/>, every time on <paramref name="clock"/>.</summary>
    void Render(DashboardView view, DashboardClock clock, StringBuilder html);
}

/// <summary>The small pieces of HTML the dashboard's sections share; every text is encoded here.</summary>
public static class DashboardHtml
{
    /// <summary>HTML-encoded text.</summary>
    public static string Encode(string? text) => PageLayout.Encode(text);

    /// <summary>A badge: <paramref name="kind"/> is <c>ok</c>, <c>bad</c>, <c>warn</c> or empty.</summary>
    public static StringBuilder Badge(this StringBuilder html, string text, string kind) =>
        html.Append("<span class=\"badge ").Append(kind).Append("\">").Append(Encode(text)).Append("</span>");

    /// <summary>A number as the page shows it: invariant, at most three decimals.</summary>
    public static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>A measured value with its unit (<c>Cel</c> as °C), or empty.</summary>
    public static string Value(double? value, string? unit) =>
        value is not { } v ? "" : Number(v) + (unit == "Cel" ? " °C" : string.IsNullOrEmpty(unit) ? "" : " " + unit);

    /// <summary>How long ago, in words.</summary>
    public static string Ago(long? seconds) => seconds switch
    {
        null => "never",
        < 120 => $"{seconds} s ago",
        < 7200 => $"{seconds / 60} min ago",
        < 172_800 => $"{seconds / 3600} h ago",
        _ => $"{seconds / 86_400} d ago",
    };

    /// <summary>Appends a card's heading and, when there is nothing to list, the note saying so; true when there is something.</summary>
    public static bool Heading(this StringBuilder html, string title, int count, string emptyNote)
    {
        html.Append("<h2>").Append(Encode(title)).Append("</h2>");
        if (count == 0)
        {
            html.Append("<p class=\"muted\">").Append(Encode(emptyNote)).Append("</p>");
        }
        return count > 0;
    }

    /// <summary>Opens a zone's block (<c>div.zone[data-zone]</c>) with its heading; close it with <c>&lt;/div&gt;</c>.</summary>
    public static StringBuilder BeginZone(this StringBuilder html, string? site, string zone) =>
        html.Append("<div class=\"zone\" data-zone=\"").Append(Encode(zone)).Append("\"><h3>").Append(Encode(site is null ? zone : $"{site} / {zone}")).Append("</h3>");

    /// <summary>The opening of a table with its header row; close it with <see cref="EndTable"/>.</summary>
    public static StringBuilder BeginTable(this StringBuilder html, params string[] head)
    {
        html.Append("<table><thead><tr>");
        foreach (var h in head)
        {
            html.Append("<th>").Append(Encode(h)).Append("</th>");
        }
        return html.Append("</tr></thead><tbody>");
    }

    /// <summary>Closes <see cref="BeginTable"/>.</summary>
    public static StringBuilder EndTable(this StringBuilder html) => html.Append("</tbody></table>");

    /// <summary>A cell of text (a dash for none).</summary>
    public static StringBuilder Cell(this StringBuilder html, string? text, string? cls = null) =>
        html.Append(cls is null ? "<td>" : $"<td class=\"{cls}\">").Append(text is null ? "–" : Encode(text)).Append("</td>");
}
