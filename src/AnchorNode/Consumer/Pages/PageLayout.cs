using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace AnchorNode.Consumer.Pages;

/// <summary>What every consumer page needs to know about its request.</summary>
/// <param name="Format">Language, strings and time zone.</param>
/// <param name="CanonicalUrl">The page's canonical absolute URL, or null.</param>
public sealed record PageContext(ConsumerFormat Format, string? CanonicalUrl = null)
{
    /// <summary>The page's strings.</summary>
    public ConsumerText Text => Format.Text;
}

/// <summary>
/// The shell of every consumer page: one self-contained HTML document, mobile first, with inline
/// CSS and no script, font or image fetched from anywhere (the page must work on a closed network
/// and in a supermarket's poor signal), and the language switch.
/// </summary>
public static class PageLayout
{
    // Keeps CJK and other non-ASCII text as UTF-8 instead of numeric references (half the bytes).
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>
    /// The Content-Security-Policy of the pages: nothing may load but inline styles (and the inline
    /// data: favicon that stops browsers asking for /favicon.ico); no script at all.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>HTML-encodes text for element content and quoted attribute values.</summary>
    public static string Encode(string? text) => text is null ? "" : Encoder.Encode(text);

    private const string Css = """
        :root{--ok:#137333;--okbg:#e6f4ea;--bad:#b3261e;--badbg:#fce8e6;--unk:#5f6368;--unkbg:#f1f3f4;--muted:#5f6368;--line:#dadce0;--link:#1a56db}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%}
        body{margin:0;background:#f6f7f8;color:#202124;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Droid Sans Fallback",sans-serif}
        .top{display:flex;justify-content:space-between;align-items:center;gap:.5rem;padding:.6rem 1rem;background:#fff;border-bottom:1px solid var(--line);font-size:.9rem}
        .brand{font-weight:600;color:var(--muted)}
        .top nav a,.top nav strong{margin-left:.6rem;padding:.35rem .1rem;display:inline-block}
        a{color:var(--link)}
        main{max-width:40rem;margin:0 auto;padding:.75rem}
        .card{background:#fff;border-radius:12px;padding:1rem 1.1rem;margin:0 0 .75rem;box-shadow:0 1px 2px rgba(60,64,67,.15)}
        h1{font-size:1.45rem;line-height:1.25;margin:.15rem 0 .35rem}
        h2{font-size:1.1rem;margin:0 0 .5rem;display:flex;align-items:center;gap:.45rem}
        p{margin:.35rem 0}
        .eyebrow,.meta,.tz,footer{color:var(--muted);font-size:.875rem}
        .ids{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;margin:.5rem 0 0}
        .ids .id{white-space:nowrap}.ids .id>span{color:var(--muted)}
        .status{border-left:6px solid var(--unk);background:var(--unkbg)}
        .status.ok{border-color:var(--ok);background:var(--okbg)}
        .status.bad{border-color:var(--bad);background:var(--badbg)}
        .status.ok h2{color:var(--ok)}.status.bad h2{color:var(--bad)}
        .status svg.icon{flex:none}
        ul.exc{margin:.5rem 0;padding-left:1.2rem}
        figure{margin:.75rem 0 0}
        figure svg{width:100%;height:auto;background:#fff;border-radius:6px}
        figcaption{color:var(--muted);font-size:.8rem}
        ol.journey{list-style:none;margin:0;padding:0}
        ol.journey li{position:relative;padding:0 0 .8rem 1.4rem;border-left:2px solid var(--line);margin-left:.4rem}
        ol.journey li:last-child{border-color:transparent;padding-bottom:0}
        ol.journey li::before{content:"";position:absolute;left:-.45rem;top:.3rem;width:.7rem;height:.7rem;border-radius:50%;background:var(--link)}
        .site{font-weight:600}.dates{display:block;color:var(--muted);font-size:.9rem}
        dl.proof{display:grid;grid-template-columns:auto 1fr;gap:.2rem 1rem;margin:.6rem 0}
        dl.proof dt{color:var(--muted)}dl.proof dd{margin:0;font-variant-numeric:tabular-nums}
        .button{display:inline-block;padding:.65rem 1rem;border-radius:8px;background:var(--link);color:#fff;text-decoration:none;font-weight:600}
        details{margin-top:.75rem}summary{cursor:pointer;color:var(--link)}
        pre{white-space:pre-wrap;word-break:break-all;background:#f1f3f4;padding:.5rem;border-radius:6px;font-size:.8rem}
        code{word-break:break-all}
        form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-top:.6rem}
        label{display:block;width:100%;color:var(--muted);font-size:.9rem}
        input{font:inherit;padding:.55rem .6rem;border:1px solid var(--line);border-radius:8px;flex:1;min-width:10rem}
        button{font:inherit;padding:.55rem 1rem;border:0;border-radius:8px;background:var(--link);color:#fff;font-weight:600}
        footer{max-width:40rem;margin:0 auto;padding:0 .75rem 1.5rem}
        """;

    /// <summary>Writes a whole page: <paramref name="title"/> and the main content from <paramref name="main"/>.</summary>
    public static string Render(PageContext context, string title, Action<StringBuilder> main, string? extraCss = null, bool withChrome = true)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(main);
        var text = context.Text;
        var html = new StringBuilder(16 * 1024);
        html.Append("<!doctype html>\n<html lang=\"").Append(context.Format.Language.HtmlTag()).Append("\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n")
            .Append("<meta name=\"robots\" content=\"noindex,nofollow\">\n")
            .Append("<meta name=\"referrer\" content=\"no-referrer\">\n")
            .Append("<title>").Append(Encode(title)).Append("</title>\n")
            .Append("<link rel=\"icon\" href=\"data:,\">\n");
        if (context.CanonicalUrl is not null)
        {
            html.Append("<link rel=\"canonical\" href=\"").Append(Encode(context.CanonicalUrl)).Append("\">\n");
        }
        html.Append("<style>\n").Append(Css).Append('\n').Append(extraCss).Append("</style>\n</head>\n<body>\n");
        if (withChrome)
        {
            html.Append("<header class=\"top\"><span class=\"brand\">").Append(Encode(text.SiteName)).Append("</span>");
            LanguageSwitch(html, context.Format.Language, text);
            html.Append("</header>\n");
        }
        html.Append("<main>\n");
        main(html);
        html.Append("</main>\n");
        if (withChrome)
        {
            html.Append("<footer><p>").Append(Encode(text.Footer)).Append("</p></footer>\n");
        }
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The switch: both languages, each in its own language, the current one not a link.</summary>
    private static void LanguageSwitch(StringBuilder html, ConsumerLanguage current, ConsumerText text)
    {
        html.Append("<nav id=\"lang-switch\" aria-label=\"").Append(Encode(text.SwitchLanguage)).Append("\">");
        foreach (var language in new[] { ConsumerLanguage.English, ConsumerLanguage.Chinese })
        {
            var name = Encode(ConsumerText.For(language).NativeName);
            var tag = language.HtmlTag();
            if (language == current)
            {
                html.Append("<strong lang=\"").Append(tag).Append("\" aria-current=\"true\">").Append(name).Append("</strong>");
            }
            else
            {
                html.Append("<a href=\"?").Append(LanguageNegotiation.Parameter).Append('=').Append(language.Code())
                    .Append("\" hreflang=\"").Append(tag).Append("\" lang=\"").Append(tag).Append("\">").Append(name).Append("</a>");
            }
        }
        html.Append("</nav>");
    }

    /// <summary>A card with a heading and paragraphs (error and notice pages).</summary>
    public static void MessageCard(StringBuilder html, string id, string title, IEnumerable<string> paragraphs)
    {
        ArgumentNullException.ThrowIfNull(html);
        html.Append("<section id=\"").Append(id).Append("\" class=\"card\">\n<h1>").Append(Encode(title)).Append("</h1>\n");
        foreach (var paragraph in paragraphs)
        {
            html.Append("<p>").Append(Encode(paragraph)).Append("</p>\n");
        }
        html.Append("</section>\n");
    }
}
