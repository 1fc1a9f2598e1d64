using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AnchorNode.Consumer.Pages;

namespace AnchorNode.Dashboard;

/// <summary>
/// The operator dashboard as one self-contained HTML document: inline CSS, the data it opens with
/// as an inline JSON block, and one small inline script that renders it and polls
/// <c>v1/dashboard</c> every few seconds, replacing the sections in place (the page never reloads).
/// Nothing is fetched from anywhere else, and the Content-Security-Policy allows only this script
/// (by its hash) and requests to this node.
/// </summary>
public static class DashboardPage
{
    /// <summary>How often the page asks for fresh data, in milliseconds.</summary>
    public const int RefreshMs = 3000;

    private const string Css = """
        :root{--ok:#137333;--okbg:#e6f4ea;--bad:#b3261e;--badbg:#fce8e6;--warn:#8a4b00;--warnbg:#fef3e0;--muted:#5f6368;--line:#dadce0}
        *{box-sizing:border-box}
        body{margin:0;background:#f6f7f8;color:#202124;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
        header{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;padding:.7rem 1.2rem;background:#fff;border-bottom:1px solid var(--line)}
        header h1{font-size:1.2rem;margin:0}
        #updated{color:var(--muted)}#updated.lost{color:var(--bad);font-weight:600}
        main{padding:1rem 1.2rem;display:grid;gap:1rem;grid-template-columns:minmax(0,1fr)}
        @media (min-width:1100px){main{grid-template-columns:minmax(0,3fr) minmax(0,2fr)}#gateways,#ledger{grid-column:1/-1}}
        section.card{background:#fff;border-radius:10px;padding:.8rem 1rem;box-shadow:0 1px 2px rgba(60,64,67,.15)}
        h2{font-size:1rem;margin:0 0 .5rem}h3{font-size:.95rem;margin:.6rem 0 .3rem}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
        th{color:var(--muted);font-weight:600;font-size:.8rem}
        td.n{text-align:right;font-variant-numeric:tabular-nums}
        .badge{display:inline-block;padding:0 .45rem;border-radius:9px;font-size:.8rem;font-weight:600;background:#f1f3f4;color:var(--muted)}
        .badge.ok{background:var(--okbg);color:var(--ok)}.badge.bad{background:var(--badbg);color:var(--bad)}.badge.warn{background:var(--warnbg);color:var(--warn)}
        .muted{color:var(--muted)}
        ul.plain{margin:0;padding:0;list-style:none}
        .zone{border-top:1px solid var(--line);padding-top:.3rem}
        dl{display:flex;flex-wrap:wrap;gap:.3rem 2rem;margin:0}dl div{display:flex;gap:.4rem}dt{color:var(--muted)}dd{margin:0;font-weight:600}
        """;

    private const string Script = """
        (function () {
          'use strict';
          var refreshes = 0;
          function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = String(text); return e; }
          function put(id, nodes) { var target = document.getElementById(id); target.replaceChildren.apply(target, nodes); }
          function ago(s) { if (s == null) return 'never'; if (s < 120) return s + ' s ago'; if (s < 7200) return Math.floor(s / 60) + ' min ago'; if (s < 172800) return Math.floor(s / 3600) + ' h ago'; return Math.floor(s / 86400) + ' d ago'; }
          function time(ms) { return ms == null ? '–' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC'; }
          function value(v, u) { return v == null ? '' : v + (u === 'Cel' ? ' °C' : u ? ' ' + u : ''); }
          function badge(text, kind) { return el('span', 'badge ' + kind, text); }
          function cell(c, cls) { var td = el('td', cls); if (c instanceof Node) td.appendChild(c); else td.textContent = c == null ? '–' : String(c); return td; }
          function table(head, rows) {
            var t = el('table'), h = el('tr');
            head.forEach(function (x) { h.appendChild(el('th', null, x)); });
            var thead = el('thead'); thead.appendChild(h); t.appendChild(thead);
            var body = el('tbody'); rows.forEach(function (r) { body.appendChild(r); }); t.appendChild(body);
            return t;
          }
          function stack(nodes) { var d = el('div'); nodes.forEach(function (n) { d.appendChild(n); }); return d; }
          var stateKind = { online: 'ok', offline: 'bad', revoked: 'bad', 'never-seen': 'warn' };
          function gateways(d) {
            if (d.gateways.length === 0) return [el('h2', null, 'Gateways'), el('p', 'muted', 'No gateway is enrolled.')];
            var rows = d.gateways.map(function (g) {
              var tr = el('tr'); tr.dataset.device = g.deviceId; tr.dataset.state = g.state;
              tr.appendChild(cell(stack([el('strong', null, g.deviceId), el('div', 'muted', [g.site, g.zone].filter(Boolean).join(' / '))])));
              tr.appendChild(cell(stack([badge(g.state, stateKind[g.state] || ''), el('div', 'muted contact', 'last contact ' + ago(g.lastContactAgoSeconds))])));
              tr.appendChild(cell(g.backlog, 'n backlog'));
              tr.appendChild(cell(g.logSize == null ? null : g.sealedSize + ' sealed, ' + g.pendingReadings + ' pending', 'n'));
              tr.appendChild(cell(stack([el('div', null, 'size ' + g.anchoredSize), el('div', 'muted', time(g.anchoredMs))]), 'anchored'));
              var faults = g.sensors.filter(function (s) { return s.fault; });
              var sensors = el('ul', 'plain faults');
              faults.forEach(function (s) { var li = el('li'); li.appendChild(badge('fault', 'bad')); li.appendChild(document.createTextNode(' ' + s.id + ' ' + s.quantity + ': ' + s.fault)); sensors.appendChild(li); });
              tr.appendChild(cell(stack([el('div', null, g.sensors.length + ' sensors, ' + faults.length + ' faulty'), sensors]), 'sensors'));
              var flags = el('div', 'flags');
              if (g.equivocated) flags.appendChild(badge('equivocation', 'bad'));
              if (g.revoked) flags.appendChild(badge('revoked', 'bad'));
              tr.appendChild(cell(flags));
              return tr;
            });
            return [el('h2', null, 'Gateways'), table(['Gateway', 'Contact', 'Backlog', 'On the gateway', 'Last anchored checkpoint', 'Sensors', 'Flags'], rows)];
          }
          function alarms(d) {
            var out = [el('h2', null, 'Alarms')];
            if (d.zones.length === 0) { out.push(el('p', 'muted', 'No active or recent alarm.')); return out; }
            d.zones.forEach(function (z) {
              var s = el('div', 'zone'); s.dataset.zone = z.zone;
              s.appendChild(el('h3', null, (z.site ? z.site + ' / ' : '') + z.zone));
              if (z.active.length === 0) s.appendChild(el('p', 'muted', 'No active alarm.'));
              else s.appendChild(table(['Active', 'Sensor', 'Since', 'Value', 'Gateway'], z.active.map(function (a) {
                var tr = el('tr', 'active'); tr.dataset.rule = a.rule;
                [badge(a.rule, 'bad'), a.sensor + ' ' + (a.quantity || ''), time(a.sinceMs), value(a.value, a.unit), a.deviceId].forEach(function (c) { tr.appendChild(cell(c)); });
                return tr;
              })));
              if (z.recent.length > 0) s.appendChild(table(['Recent', 'Sensor', 'Time', 'Value', 'Gateway'], z.recent.map(function (e) {
                var tr = el('tr', 'recent');
                [e.rule + ' ' + e.event, e.sensor, time(e.timeMs), value(e.value, e.unit), e.deviceId].forEach(function (c) { tr.appendChild(cell(c)); });
                return tr;
              })));
              out.push(s);
            });
            return out;
          }
          var lotKind = { issued: 'ok', pledged: 'warn', enforced: 'bad', delivered: '', cancelled: '' };
          function lots(d) {
            if (d.lots.length === 0) return [el('h2', null, 'Lots'), el('p', 'muted', 'No lot is registered.')];
            return [el('h2', null, 'Lots'), table(['Receipt', 'Product', 'Where', 'Status', 'Quantity'], d.lots.map(function (l) {
              var tr = el('tr'); tr.dataset.receipt = l.receipt; tr.dataset.status = l.status;
              [l.receipt, l.gtin + ' batch ' + l.batch, l.site + ' / ' + l.zone, badge(l.status, lotKind[l.status] || '')].forEach(function (c) { tr.appendChild(cell(c)); });
              tr.appendChild(cell(l.quantity + ' ' + l.unit, 'n'));
              return tr;
            }))];
          }
          function ledger(d) {
            var l = d.ledger, dl = el('dl');
            [['Entries', l.size], ['Latest checkpoint', l.checkpointSize == null ? 'none yet' : 'size ' + l.checkpointSize], ['Signed', time(l.checkpointTimeMs)], ['Signatures', l.signatures]].forEach(function (p) {
              var div = el('div'); div.appendChild(el('dt', null, p[0])); div.appendChild(el('dd', null, p[1] == null ? '–' : p[1])); dl.appendChild(div);
            });
            dl.id = 'ledger-facts';
            return [el('h2', null, 'Ledger'), dl];
          }
          function render(d) {
            put('ledger', ledger(d)); put('gateways', gateways(d)); put('alarms', alarms(d)); put('lots', lots(d));
            var u = document.getElementById('updated'); u.className = ''; u.textContent = 'Updated ' + time(d.nowMs);
            document.body.dataset.refreshes = String(refreshes);
          }
          function lost(text) { var u = document.getElementById('updated'); u.className = 'lost'; u.textContent = text; }
          var every = Number(document.body.dataset.refreshMs) || 3000;
          function poll() {
            fetch('v1/dashboard', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
              .then(function (r) {
                if (r.status === 401 || r.status === 403) { lost('The dashboard link has expired: ask for a new one and open it.'); return null; }
                if (!r.ok) throw new Error('HTTP ' + r.status);
                return r.json();
              })
              .then(function (d) { if (d) { refreshes++; render(d); setTimeout(poll, every); } })
              .catch(function () { lost('Cannot reach the node; retrying.'); setTimeout(poll, every); });
          }
          render(JSON.parse(document.getElementById('data').textContent));
          setTimeout(poll, every);
        })();
        """;

    /// <summary>The CSP source of <see cref="Script"/>: <c>'sha256-…'</c>.</summary>
    private static readonly string ScriptHash = "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Script))) + "'";

    /// <summary>
    /// The Content-Security-Policy of the page: its one script by hash, requests to this node only,
    /// inline styles, nothing else.
    /// </summary>
    public static string ContentSecurityPolicy { get; } =
        $"default-src 'none'; script-src {ScriptHash}; connect-src 'self'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>The Content-Security-Policy of the pages without script (the 401 page).</summary>
    public const string StaticContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>The page, opening with <paramref name="view"/>.</summary>
    public static string Render(DashboardView view)
    {
        // The default encoder escapes <, > and &, so the JSON cannot close the block it sits in.
        var json = JsonSerializer.Serialize(view, DashboardJsonContext.Default.DashboardView);
        var html = new StringBuilder(16 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<meta name=\"referrer\" content=\"no-referrer\"><link rel=\"icon\" href=\"data:,\"><title>EdgeTrace operator dashboard</title><style>")
            .Append(Css).Append("</style></head>\n<body data-refresh-ms=\"").Append(RefreshMs).Append("\">")
            .Append("<header><h1>EdgeTrace operator dashboard</h1><span id=\"updated\"></span></header>")
            .Append("<noscript><p>This dashboard needs JavaScript to show and refresh its data; <code>GET /v1/dashboard</code> gives the same as JSON.</p></noscript>")
            .Append("<main><section class=\"card\" id=\"ledger\"></section><section class=\"card\" id=\"gateways\"></section>")
            .Append("<section class=\"card\" id=\"alarms\"></section><section class=\"card\" id=\"lots\"></section>").Append(DashboardCalibration.Section(view.Calibrations)).Append("</main>\n")
            .Append("<script type=\"application/json\" id=\"data\">").Append(json).Append("</script>\n")
            .Append("<script>").Append(Script).Append("</script>\n</body></html>\n");
        return html.ToString();
    }

    /// <summary>The page shown without a valid link: what happened and how to get a link.</summary>
    public static string Unauthorised(string reason)
    {
        var html = new StringBuilder(2048);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<link rel=\"icon\" href=\"data:,\"><title>Dashboard link needed</title><style>")
            .Append("body{margin:0;background:#f6f7f8;color:#202124;font:16px/1.5 system-ui,sans-serif}main{max-width:40rem;margin:3rem auto;background:#fff;border-radius:10px;padding:1.2rem 1.5rem;box-shadow:0 1px 2px rgba(60,64,67,.15)}code{background:#f1f3f4;padding:0 .25rem;border-radius:4px}")
            .Append("</style></head><body><main id=\"denied\"><h1>This dashboard needs a link</h1><p>")
            .Append(PageLayout.Encode(reason))
            .Append("</p><p>An operator of this node gets a link with <code>edgetrace node dashboard-link --data DIR --base-url URL</code> on the node, ")
            .Append("or with an operator API key from <code>POST /v1/dashboard-links</code>. Open the link it prints; it works for the hours it was made for.</p>")
            .Append("<p>Scripts can read <code>GET /v1/dashboard</code> with an operator or auditor API key instead.</p></main></body></html>\n");
        return html.ToString();
    }
}
