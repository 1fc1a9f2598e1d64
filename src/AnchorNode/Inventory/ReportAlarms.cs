using System.Net;
using System.Text;
using AnchorNode.Alarms;

namespace AnchorNode.Inventory;

/// <summary>
/// The report's alarm section: the alarms of its gateways and zones in its window, each with its
/// acknowledgement (who, when, the comment, and the ledger index of the <c>acknowledge</c> entry).
/// </summary>
public static class ReportAlarms
{
    /// <summary>Why the section is the node's word, not the bundle's.</summary>
    public static string Note(ReportLanguage l) => l.Say(
        "From the alarm leaves this node holds and the acknowledge entries on its ledger; the evidence bundle does not carry them yet, so check an acknowledgement by its ledger index.",
        "来自本节点保存的报警叶子和账本上的确认条目；证据包尚未包含它们，请按账本索引核对确认。");

    /// <summary>Appends the section to the HTML report.</summary>
    public static void Append(StringBuilder html, IReadOnlyList<AlarmRecord> alarms, ReportLanguage l)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(alarms);
        html.Append("<section id=\"alarms\"><h2>").Append(l.Say("Alarms and acknowledgements", "报警与确认")).Append("</h2>");
        if (alarms.Count == 0)
        {
            html.Append("<p class=\"none\">").Append(l.Say("No alarm in the window.", "时间窗口内无报警。")).Append("</p>");
        }
        else
        {
            html.Append("<div class=\"wide\"><table class=\"grid\" id=\"alarm-rows\"><thead><tr>");
            foreach (var header in l == ReportLanguage.Chinese ? new[] { "报警", "位置", "开始", "结束", "确认" } : ["Alarm", "Where", "Start", "End", "Acknowledgement"])
            {
                html.Append("<th>").Append(header).Append("</th>");
            }
            html.Append("</tr></thead><tbody>");
            foreach (var a in alarms)
            {
                html.Append("<tr class=\"alarm-row\" data-device=\"").Append(E(a.DeviceId)).Append("\" data-sequence=\"").Append(a.Sequence)
                    .Append("\" data-acknowledged=\"").Append(a.Acknowledgement is null ? "no" : "yes").Append("\"><td>")
                    .Append(E($"{a.Severity} {a.Rule}")).Append("</td><td>").Append(E($"{a.Zone}{(a.Sensor is null ? "" : " " + a.Sensor)} · {a.DeviceId} #{a.Sequence}"))
                    .Append("</td><td>").Append(ReportWords.Time(a.StartMs)).Append(' ').Append(E(ReportWords.Value(a.Value, a.Unit ?? "")))
                    .Append("</td><td>").Append(a.EndMs is { } end ? ReportWords.Time(end) : l.Say("active", "未结束")).Append("</td><td class=\"ack\">")
                    .Append(E(Acknowledgement(a, l))).Append("</td></tr>");
            }
            html.Append("</tbody></table></div>");
        }
        html.Append("<p class=\"note\">").Append(E(Note(l))).Append("</p></section>");
    }

    /// <summary>The section as lines for the PDF.</summary>
    public static IEnumerable<string> Lines(IReadOnlyList<AlarmRecord> alarms, ReportLanguage l)
    {
        ArgumentNullException.ThrowIfNull(alarms);
        foreach (var a in alarms)
        {
            yield return $"{l.Say("Alarm", "报警")} {a.Severity} {a.Rule} {a.Zone}{(a.Sensor is null ? "" : " " + a.Sensor)} {a.DeviceId} #{a.Sequence}: "
                + $"{ReportWords.Time(a.StartMs)} – {(a.EndMs is { } end ? ReportWords.Time(end) : l.Say("active", "未结束"))}; {Acknowledgement(a, l)}";
        }
        yield return Note(l);
    }

    private static string Acknowledgement(AlarmRecord a, ReportLanguage l) => a.Acknowledgement is { } k
        ? l.Say($"acknowledged by {k.By} at {ReportWords.Time(k.TimeMs)} (ledger index {k.LedgerIndex}): {k.Comment}",
            $"由 {k.By} 于 {ReportWords.Time(k.TimeMs)} 确认（账本索引 {k.LedgerIndex}）：{k.Comment}")
        : l.Say("not acknowledged", "未确认");

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
