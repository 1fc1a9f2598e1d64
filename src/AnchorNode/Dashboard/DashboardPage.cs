using System.Security.Cryptography;
using System.Text;
using AnchorNode.Consumer.Pages;

namespace AnchorNode.Dashboard;

/// <summary>
/// The operator dashboard as one self-contained HTML document, rendered on the server: inline CSS,
/// every section (<see cref="Sections"/>) filled in, so it shows everything without script. One
/// small inline script then asks <c>v1/dashboard/sections</c> every few seconds for the sections
/// re-rendered and patches each card in place by its id (the page never reloads; a card holding the
/// focus, such as a form being filled in, waits for the next round). Nothing is fetched from
/// anywhere else, and the Content-Security-Policy allows only this script (by its hash) and requests
/// to this node.
/// </summary>
public static class DashboardPage
{
    /// <summary>How often the page asks for fresh sections, in milliseconds.</summary>
    public const int RefreshMs = 3000;

    /// <summary>The sections of the page, in order; each is a card with its own element id.</summary>
    public static IReadOnlyList<IDashboardSection> Sections { get; } =
        [new ReadingsSection(), new AlarmsSection(), new SuppressionsSection(), new LotsSection(), new CalibrationsSection(), new GatewaysSection(), new LedgerSection()];

    private const string Css = """
        :root{--ok:#137333;--okbg:#e6f4ea;--bad:#b3261e;--badbg:#fce8e6;--warn:#8a4b00;--warnbg:#fef3e0;--muted:#5f6368;--line:#dadce0}
        *{box-sizing:border-box}
        body{margin:0;background:#f6f7f8;color:#202124;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
        header{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;padding:.7rem 1.2rem;background:#fff;border-bottom:1px solid var(--line)}
        header h1{font-size:1.2rem;margin:0}
        #updated{color:var(--muted)}#updated.lost{color:var(--bad);font-weight:600}
        main{padding:1rem 1.2rem;display:grid;gap:1rem;grid-template-columns:minmax(0,1fr)}
        @media (min-width:1100px){main{grid-template-columns:minmax(0,3fr) minmax(0,2fr)}#readings,#gateways,#ledger{grid-column:1/-1}}
        section.card{background:#fff;border-radius:10px;padding:.8rem 1rem;overflow-x:auto;box-shadow:0 1px 2px rgba(60,64,67,.15)}
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
        tr.stale td{color:var(--muted)}svg.sparkline{display:block}
        header .clock{color:var(--muted);font-size:.85rem}
        dl{display:flex;flex-wrap:wrap;gap:.3rem 2rem;margin:0}dl div{display:flex;gap:.4rem}dt{color:var(--muted)}dd{margin:0;font-weight:600}
        """;

    private const string Script = """
        (function () {
          'use strict';
          var refreshes = 0, shown = {};
          var every = Number(document.body.dataset.refreshMs) || 3000;
          function lost(text) { var u = document.getElementById('updated'); u.className = 'lost'; u.textContent = text; }
          function patch(d) {
            Object.keys(d.sections).forEach(function (id) {
              var card = document.getElementById(id), html = d.sections[id];
              if (!card || shown[id] === html) return;
              if (card.contains(document.activeElement) && document.activeElement !== document.body) return;
              var parsed = new DOMParser().parseFromString('<body>' + html + '</body>', 'text/html').body;
              card.replaceChildren.apply(card, Array.prototype.slice.call(parsed.childNodes));
              shown[id] = html;
            });
            var u = document.getElementById('updated'); u.className = ''; u.textContent = d.updated;
            document.body.dataset.refreshes = String(refreshes);
          }
          function poll() {
            fetch('v1/dashboard/sections', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
              .then(function (r) {
                if (r.status === 401 || r.status === 403) { lost('The dashboard link has expired: ask for a new one and open it.'); return null; }
                if (!r.ok) throw new Error('HTTP ' + r.status);
                return r.json();
              })
              .then(function (d) { if (d) { refreshes++; patch(d); setTimeout(poll, every); } })
              .catch(function () { lost('Cannot reach the node; retrying.'); setTimeout(poll, every); });
          }
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
        $"default-src 'none'; script-src {ScriptHash} {DashboardAlarms.ScriptHash}; connect-src 'self'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>The Content-Security-Policy of the pages without script (the 401 page).</summary>
    public const string StaticContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>The page, showing <paramref name="view"/> with every time on <paramref name="clock"/>.</summary>
    public static string Render(DashboardView view, DashboardClock clock)
    {
        var html = new StringBuilder(32 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<meta name=\"referrer\" content=\"no-referrer\"><link rel=\"icon\" href=\"data:,\"><title>EdgeTrace operator dashboard</title>")
            // Without script the page still refreshes, by reloading.
            .Append("<noscript><meta http-equiv=\"refresh\" content=\"30\"></noscript><style>")
            .Append(Css).Append("</style></head>\n<body data-refresh-ms=\"").Append(RefreshMs).Append("\" data-clock=\"").Append(DashboardHtml.Encode(clock.Label)).Append("\">")
            .Append("<header><h1>EdgeTrace operator dashboard</h1><span class=\"clock\" id=\"clock\">").Append(DashboardHtml.Encode(clock.Caption(view.NowMs)))
            .Append("</span><span id=\"updated\">").Append(DashboardHtml.Encode(Updated(view, clock))).Append("</span></header>")
            .Append("<noscript><p>Without JavaScript this page reloads every 30 s; <code>GET /v1/dashboard</code> gives the same as JSON.</p></noscript><main>");
        foreach (var section in Sections)
        {
            html.Append("<section class=\"card\" id=\"").Append(section.Id).Append("\">");
            section.Render(view, clock, html);
            html.Append("</section>");
        }
        html.Append(DashboardAlarms.Html).Append("</main>\n<script>").Append(Script).Append("</script>\n").Append(DashboardAlarms.ScriptBlock).Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>Every section's inner HTML, by id, for the page to patch itself with.</summary>
    public static DashboardSectionsView RenderSections(DashboardView view, DashboardClock clock)
    {
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        var html = new StringBuilder(16 * 1024);
        foreach (var section in Sections)
        {
            html.Clear();
            section.Render(view, clock, html);
            sections[section.Id] = html.ToString();
        }
        return new DashboardSectionsView(view.NowMs, Updated(view, clock), sections);
    }

    private static string Updated(DashboardView view, DashboardClock clock) => "Updated " + clock.Text(view.NowMs);

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
