using AnchorNode.Configuration;
using AnchorNode.Consumer.Pages;
using Firmware.Contracts.Epc;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AnchorNode.Consumer;

/// <summary>
/// The consumer site's settings as requests need them: the public base URL of Digital Links, the
/// display time zone, and each request's language and response headers.
/// </summary>
public sealed class PublicSite
{
    private readonly IServer _server;
    private string? _listeningBase;

    /// <summary>The site for <paramref name="config"/>, served by <paramref name="server"/>.</summary>
    public PublicSite(NodeConfig config, IServer server)
    {
        ArgumentNullException.ThrowIfNull(config);
        ConfiguredBaseUrl = config.PublicBaseUrl?.TrimEnd('/');
        TimeZone = TimeZoneInfo.FindSystemTimeZoneById(config.PublicTimeZone);
        _server = server;
    }

    /// <summary>The configured public base URL, or null.</summary>
    public string? ConfiguredBaseUrl { get; }

    /// <summary>The zone the pages show times in.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>
    /// The base of Digital Link URIs: the configured one, otherwise the first address the node
    /// listens on (a wildcard host such as 0.0.0.0 cannot be reached by a phone, so it is taken from
    /// the request instead).
    /// </summary>
    public string BaseUrl(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ConfiguredBaseUrl is not null)
        {
            return ConfiguredBaseUrl;
        }
        _listeningBase ??= _server.Features.Get<IServerAddressesFeature>()?.Addresses
            .Select(a => System.Uri.TryCreate(a, UriKind.Absolute, out var uri) ? uri : null)
            .Where(u => u is not null && u.Host is not ("0.0.0.0" or "[::]" or "+" or "*"))
            .Select(u => u!.GetLeftPart(UriPartial.Authority))
            .FirstOrDefault();
        return _listeningBase ?? $"{request.Scheme}://{request.Host.ToUriComponent()}";
    }

    /// <summary>The absolute Digital Link URI of <paramref name="link"/>.</summary>
    public string Uri(DigitalLink link, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(link);
        return link.ToUri(BaseUrl(request));
    }

    /// <summary>
    /// The page context of this request: its language (remembered in a cookie when chosen with the
    /// switch) and the headers every consumer response carries.
    /// </summary>
    public PageContext Begin(HttpContext http, string? canonicalUrl = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var (language, chosen) = LanguageNegotiation.Choose(http.Request);
        var headers = http.Response.Headers;
        if (chosen)
        {
            http.Response.Cookies.Append(LanguageNegotiation.Parameter, language.Code(), new CookieOptions
            {
                Path = "/",
                MaxAge = TimeSpan.FromDays(365),
                SameSite = SameSiteMode.Lax,
                HttpOnly = true,
                Secure = http.Request.IsHttps,
                IsEssential = true,
            });
        }
        headers.ContentSecurityPolicy = PageLayout.ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.Vary = "Accept-Language, Cookie";
        headers.ContentLanguage = language.HtmlTag();
        return new PageContext(new ConsumerFormat(language, TimeZone), canonicalUrl);
    }
}
