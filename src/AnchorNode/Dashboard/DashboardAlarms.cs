using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using AnchorNode.Alarms;

namespace AnchorNode.Dashboard;

/// <summary>The dashboard's alarm history: active alarms and the most recent ended ones, newest first.</summary>
/// <param name="NowMs">The node's clock.</param>
/// <param name="Alarms">The alarms.</param>
public sealed record DashboardAlarmsView(long NowMs, IReadOnlyList<AlarmRecord> Alarms);

/// <summary>A dashboard user's acknowledgement: the comment and the name the dashboard records as <c>dashboard:&lt;name&gt;</c>.</summary>
/// <param name="Comment">The comment (free text, 1-500).</param>
/// <param name="Name">Who is acknowledging (free text, 1-64).</param>
public sealed record DashboardAcknowledgeRequest(
    [property: JsonPropertyName("comment")] string? Comment,
    [property: JsonPropertyName("name")] string? Name);

/// <summary>JSON of the dashboard's alarm section.</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DashboardAlarmsView))]
[JsonSerializable(typeof(DashboardAcknowledgeRequest))]
public sealed partial class DashboardAlarmsJsonContext : JsonSerializerContext;

/// <summary>
/// The dashboard's alarm section (<c>#alarm-book</c>): every alarm from the node's store with its
/// severity, state and acknowledgement, and an Acknowledge control (name and comment) that posts to
/// <see cref="AcknowledgePath"/> and shows the result in place. Its own script polls
/// <see cref="DataPath"/>; the page includes <see cref="Html"/> and <see cref="ScriptBlock"/> and
/// allows <see cref="ScriptHash"/>.
/// </summary>
public static class DashboardAlarms
{
    /// <summary>The JSON the section polls (under the dashboard cookie's path).</summary>
    public const string DataPath = DashboardLinks.DataPath + "/alarms";

    /// <summary>The most ended alarms listed.</summary>
    public const int EndedShown = 50;

    /// <summary>Where the section posts an acknowledgement of alarm {sequence} of {device}.</summary>
    public const string AcknowledgePath = DataPath + "/{device}/{sequence:long}/acknowledgements";

    /// <summary>The longest name a dashboard user gives.</summary>
    public const int MaxNameLength = 64;

    /// <summary>The alarms the section shows: every active one, then the latest ended ones.</summary>
    public static DashboardAlarmsView Build(IReadOnlyList<AlarmRecord> alarms, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(alarms);
        return new DashboardAlarmsView(nowMs, [.. alarms.Where(a => a.State == "active"), .. alarms.Where(a => a.State != "active").Take(EndedShown)]);
    }

    private const string Script = """
        (function () {
          'use strict';
          var root = document.getElementById('alarm-book'), list = document.getElementById('alarm-list');
          var every = Number(document.body.dataset.refreshMs) || 3000;
          function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = String(text); return e; }
          // The page's one clock (body data-clock: UTC or an IANA zone), in the format of its other times.
          var zone = document.body.dataset.clock || 'UTC';
          var clock = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
          function time(ms) {
            if (ms == null) return '–';
            var p = {}; clock.formatToParts(new Date(ms)).forEach(function (x) { p[x.type] = x.value; });
            return p.year + '-' + p.month + '-' + p.day + ' ' + p.hour + ':' + p.minute + ':' + p.second + ' ' + zone;
          }
          function value(v, u) { return v == null ? '' : v + (u === 'Cel' ? ' °C' : u ? ' ' + u : ''); }
          function key(a) { return a.deviceId + '/' + a.sequence; }
          function acknowledged(k) {
            var p = el('p', 'ack'); p.dataset.ledgerIndex = k.ledgerIndex;
            p.append('Acknowledged by ' + k.by + ' at ' + time(k.timeMs) + ' (ledger entry ' + k.ledgerIndex + '): ', el('q', null, k.comment));
            return p;
          }
          function control(a) {
            var f = el('form', 'ack-form'), t = el('textarea'), b = el('button', null, 'Acknowledge'), out = el('span', 'ack-result');
            t.name = 'comment'; t.rows = 2; t.maxLength = 500; t.placeholder = 'What was found or done'; t.dataset.key = key(a);
            b.type = 'submit';
            f.append(t, b, out);
            f.addEventListener('submit', function (ev) {
              ev.preventDefault();
              var name = document.getElementById('ack-name').value;
              b.disabled = true; out.className = 'ack-result'; out.textContent = 'Signing…';
              fetch('v1/dashboard/alarms/' + encodeURIComponent(a.deviceId) + '/' + a.sequence + '/acknowledgements', {
                method: 'POST', credentials: 'same-origin', cache: 'no-store',
                headers: { 'Content-Type': 'application/json; charset=utf-8', Accept: 'application/json' },
                body: JSON.stringify({ comment: t.value, name: name })
              }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
                .then(function (r) {
                  if (r.ok) { delete drafts[key(a)]; f.replaceWith(acknowledged(r.body)); }
                  else { b.disabled = false; out.className = 'ack-result bad'; out.textContent = r.body.detail || r.body.title || 'Refused'; }
                })
                .catch(function () { b.disabled = false; out.className = 'ack-result bad'; out.textContent = 'Cannot reach the node; try again.'; });
            });
            return f;
          }
          var drafts = {};
          function render(d) {
            list.querySelectorAll('textarea[data-key]').forEach(function (t) { drafts[t.dataset.key] = t.value; });
            var focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : null;
            var busy = list.querySelector('button:disabled');
            if (busy) return;
            var rows = d.alarms.map(function (a) {
              var li = el('li', 'alarm ' + a.state); li.dataset.device = a.deviceId; li.dataset.sequence = a.sequence;
              li.dataset.state = a.state; li.dataset.severity = a.severity; li.dataset.acknowledged = a.acknowledgement ? 'yes' : 'no';
              var head = el('div', 'alarm-head');
              head.append(el('span', 'badge ' + (a.severity === 'warning' ? 'warn' : 'bad'), a.severity), ' ', el('span', 'badge ' + (a.state === 'active' ? 'bad' : ''), a.state), ' ',
                el('strong', null, a.rule), ' in ' + a.zone + (a.sensor ? ' on ' + a.sensor : '') + ' · ' + a.deviceId + ' leaf ' + a.sequence);
              li.appendChild(head);
              li.appendChild(el('div', 'muted', 'Started ' + time(a.startMs) + ' at ' + value(a.value, a.unit) + (a.endMs != null ? '; ended ' + time(a.endMs) + ' at ' + value(a.endValue, a.unit) : '') + (a.escalatedMs != null ? '; escalated ' + time(a.escalatedMs) : '')));
              if (a.acknowledgement) li.appendChild(acknowledged(a.acknowledgement)); else li.appendChild(control(a));
              return li;
            });
            if (rows.length === 0) rows = [el('li', 'muted', 'No alarm in the gateways\u2019 logs.')];
            list.replaceChildren.apply(list, rows);
            list.querySelectorAll('textarea[data-key]').forEach(function (t) { if (drafts[t.dataset.key]) t.value = drafts[t.dataset.key]; if (t.dataset.key === focused) t.focus(); });
            root.dataset.refreshes = String(Number(root.dataset.refreshes || '0') + 1);
          }
          function poll() {
            fetch('v1/dashboard/alarms', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
              .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
              .then(function (d) { render(d); setTimeout(poll, every); })
              .catch(function () { setTimeout(poll, every); });
          }
          poll();
        })();
        """;

    private const string Css = """
        #alarm-book{grid-column:1/-1}#alarm-book ul{margin:0;padding:0;list-style:none}
        #alarm-book li.alarm{border-top:1px solid var(--line);padding:.4rem 0}
        #alarm-book .ack{margin:.3rem 0 0;color:var(--ok)}#alarm-book .ack q{color:#202124}
        #alarm-book form{display:flex;gap:.5rem;align-items:flex-start;margin-top:.3rem}#alarm-book textarea{flex:1;font:inherit}
        #alarm-book .ack-result.bad{color:var(--bad)}#alarm-book label{display:block;margin-bottom:.4rem}
        """;

    /// <summary>The section, empty until its script has the data.</summary>
    public static string Html { get; } =
        "<section class=\"card\" id=\"alarm-book\"><style>" + Css + "</style><h2>Alarm history and acknowledgement</h2>"
        + "<label>Your name (recorded with each acknowledgement): <input id=\"ack-name\" maxlength=\"" + MaxNameLength + "\" autocomplete=\"name\"></label>"
        + "<ul id=\"alarm-list\"><li class=\"muted\">Loading…</li></ul></section>";

    /// <summary>The section's script element.</summary>
    public static string ScriptBlock { get; } = "<script>" + Script + "</script>\n";

    /// <summary>The CSP source of the section's script: <c>'sha256-…'</c>.</summary>
    public static string ScriptHash { get; } = "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Script))) + "'";
}
