using System.Globalization;
using System.Text;
using AnchorNode.Consumer.Pages;

namespace AnchorNode.Dashboard;

/// <summary>
/// The one clock of the dashboard: every time on the page is shown in <see cref="Zone"/>, in one
/// format, labelled with the zone (<c>2026-03-14 09:26:53 UTC</c>), as a <c>&lt;time&gt;</c> element
/// carrying the instant in UTC for machines.
/// </summary>
public sealed class DashboardClock
{
    /// <summary>The format of every time shown.</summary>
    public const string Format = "yyyy-MM-dd HH:mm:ss";

    /// <summary>A clock in <paramref name="zone"/>.</summary>
    public DashboardClock(TimeZoneInfo zone) => Zone = zone;

    /// <summary>The zone.</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>The label after every time: the zone's IANA id (<c>UTC</c> for UTC).</summary>
    public string Label => Zone == TimeZoneInfo.Utc || Zone.Id is "Etc/UTC" or "UTC" ? "UTC" : Zone.Id;

    /// <summary>The time <paramref name="unixMs"/> as text, with the label.</summary>
    public string Text(long unixMs) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(unixMs), Zone).ToString(Format, CultureInfo.InvariantCulture) + " " + Label;

    /// <summary>Appends <paramref name="unixMs"/> as a <c>&lt;time&gt;</c> element, or a dash for none.</summary>
    public StringBuilder Append(StringBuilder html, long? unixMs)
    {
        if (unixMs is not { } ms)
        {
            return html.Append('–');
        }
        var utc = DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return html.Append("<time datetime=\"").Append(utc).Append("\" data-clock=\"").Append(PageLayout.Encode(Label)).Append("\">")
            .Append(PageLayout.Encode(Text(ms))).Append("</time>");
    }

    /// <summary>What the page's header says about its clock.</summary>
    public string Caption(long nowMs)
    {
        var offset = Zone.GetUtcOffset(DateTimeOffset.FromUnixTimeMilliseconds(nowMs));
        return Label == "UTC" ? "All times in UTC"
            : $"All times in {Label} (UTC{(offset < TimeSpan.Zero ? "−" : "+")}{offset.Duration():hh\\:mm})";
    }
}
