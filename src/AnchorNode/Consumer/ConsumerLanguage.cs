using Microsoft.Net.Http.Headers;

namespace AnchorNode.Consumer;

/// <summary>The languages of the consumer pages.</summary>
public enum ConsumerLanguage
{
    /// <summary>English.</summary>
    English,

    /// <summary>Simplified Chinese.</summary>
    Chinese,
}

/// <summary>
/// Picks the page language: an explicit <c>?lang=</c> (which the switch links set, and which is
/// remembered in a cookie), then that cookie, then the browser's Accept-Language, then English.
/// </summary>
public static class LanguageNegotiation
{
    /// <summary>The query parameter and cookie name.</summary>
    public const string Parameter = "lang";

    /// <summary>The code used in <c>?lang=</c> and the cookie.</summary>
    public static string Code(this ConsumerLanguage language) => language == ConsumerLanguage.Chinese ? "zh" : "en";

    /// <summary>The BCP 47 tag for the <c>lang</c> attribute.</summary>
    public static string HtmlTag(this ConsumerLanguage language) => language == ConsumerLanguage.Chinese ? "zh-CN" : "en";

    /// <summary>The language of this request, and whether it was chosen explicitly (to be remembered).</summary>
    public static (ConsumerLanguage Language, bool Explicit) Choose(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (FromCode(request.Query[Parameter].ToString()) is { } asked)
        {
            return (asked, true);
        }
        if (request.Cookies.TryGetValue(Parameter, out var remembered) && FromCode(remembered) is { } cookie)
        {
            return (cookie, false);
        }
        return (FromAcceptLanguage(request.Headers.AcceptLanguage.ToString()), false);
    }

    /// <summary>The best of English and Chinese for an Accept-Language header (RFC 9110 §12.5.4); English when neither is acceptable.</summary>
    public static ConsumerLanguage FromAcceptLanguage(string? header)
    {
        if (string.IsNullOrWhiteSpace(header) || !StringWithQualityHeaderValue.TryParseList(header.Split(','), out var ranges))
        {
            return ConsumerLanguage.English;
        }
        // Stable by position among equal weights: the first listed wins, as browsers intend.
        foreach (var range in ranges.Select((r, i) => (Range: r, Index: i)).OrderByDescending(r => r.Range.Quality ?? 1).ThenBy(r => r.Index))
        {
            if (range.Range.Quality is 0)
            {
                continue;
            }
            var tag = range.Range.Value.ToString();
            if (tag.Equals("zh", StringComparison.OrdinalIgnoreCase) || tag.StartsWith("zh-", StringComparison.OrdinalIgnoreCase))
            {
                return ConsumerLanguage.Chinese;
            }
            if (tag.Equals("en", StringComparison.OrdinalIgnoreCase) || tag.StartsWith("en-", StringComparison.OrdinalIgnoreCase))
            {
                return ConsumerLanguage.English;
            }
        }
        return ConsumerLanguage.English;
    }

    private static ConsumerLanguage? FromCode(string? code) => code switch
    {
        "zh" => ConsumerLanguage.Chinese,
        "en" => ConsumerLanguage.English,
        _ => null,
    };
}
