using System.Net;
using System.Text.RegularExpressions;
using AnchorNode.Consumer.Pages;

namespace AnchorNode.Tests.Consumer;

/// <summary>The resolver, product, error, QR and label routes over real HTTP.</summary>
public sealed partial class ConsumerRouteTests(ConsumerSite site) : IClassFixture<ConsumerSite>
{
    [Theory]
    [InlineData("/01/09521234543214/10/L2026-11", "should be 3, not 4")]
    [InlineData("/01/4006381333932", "should be 1, not 2")]
    [InlineData("/01/0952123454321X/10/A", "digits only")]
    [InlineData("/01/123456789/10/A", "has 9 digits")]
    [InlineData("/01/09521234543213/10/ABCDEFGHIJKLMNOPQRSTUVW", "23 characters")]
    [InlineData("/01/09521234543213/10/L%20X", "not allowed (U+0020)")]
    [InlineData("/01/09521234543213/21/1/10/A", "must come before the serial")]
    [InlineData("/01/09521234543213/17/261231", "/17/ is not used here")]
    public async Task MalformedCode_Gets400PageSayingWhatIsWrong(string path, string reason)
    {
        using var client = site.Node.Anonymous();
        using var response = await client.GetAsync(site.Url(path));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("This code cannot be read", html, StringComparison.Ordinal);
        Assert.Contains(reason, WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task MalformedCode_InChinese_SaysWhatIsWrongInChinese()
    {
        using var client = site.Node.Anonymous();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("zh-CN,zh;q=0.9,en;q=0.5");
        using var response = await client.GetAsync(site.Url("/01/09521234543214"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"zh-CN\">", html, StringComparison.Ordinal);
        Assert.Contains("无法识别该编码", html, StringComparison.Ordinal);
        Assert.Contains("校验位）应为 3，而不是 4", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownGtin_AndUnknownLotOfAKnownGtin_GetTheSame404Page()
    {
        using var client = site.Node.Anonymous();
        var unknownGtin = await GetAsync(client, "/01/04006381333931/10/L2026-11");
        var unknownLot = await GetAsync(client, "/01/09521234543213/10/NO-SUCH-LOT");
        var unknownSerial = await GetAsync(client, "/01/09521234543213/10/L2026-11/21/999");
        foreach (var (status, _) in new[] { unknownGtin, unknownLot, unknownSerial })
        {
            Assert.Equal(HttpStatusCode.NotFound, status);
        }
        // The pages differ only in the echoed code: nothing says which part was unknown or what exists instead.
        Assert.Equal(Mask(unknownGtin.Html), Mask(unknownLot.Html));
        Assert.Equal(Mask(unknownLot.Html), Mask(unknownSerial.Html));
        Assert.DoesNotContain("L2026/12", unknownLot.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("L2026%2F12", unknownLot.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("Fresh whole milk", unknownLot.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProductCode_ShowsTheProduct_AndTheLotFormLeadsToTheLot()
    {
        using var client = site.Node.Anonymous();
        var (status, html) = await GetAsync(client, "/01/9521234543213");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Fresh whole milk 1 L", html, StringComparison.Ordinal);
        Assert.Contains("name=\"10\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("L2026-11", html, StringComparison.Ordinal);

        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = site.Node.BaseAddress };
        using var submitted = await noRedirect.GetAsync("01/09521234543213?10=L2026%2F12");
        Assert.Equal(HttpStatusCode.Redirect, submitted.StatusCode);
        Assert.Equal("/01/09521234543213/10/L2026%2F12", submitted.Headers.Location?.OriginalString);
        using var invalid = await noRedirect.GetAsync("01/09521234543213?10=L%C3%A4");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task NonCanonicalSpelling_ResolvesTheSameLot()
    {
        using var client = site.Node.Anonymous();
        var canonical = await GetAsync(client, "/01/09521234543213/10/L2026-11");
        var shortGtin = await GetAsync(client, "/01/9521234543213/10/L2026%2D11/");
        Assert.Equal(HttpStatusCode.OK, shortGtin.Status);
        Assert.Equal(canonical.Html, shortGtin.Html);
        Assert.Contains("<link rel=\"canonical\" href=\"https://trace.example.com/t/01/09521234543213/10/L2026-11\">", canonical.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_CarryASecurityPolicyThatAllowsNoScript_AndSetNoCookieUnlessAsked()
    {
        using var client = site.Node.Anonymous();
        using var response = await client.GetAsync(site.Url(ConsumerSite.CleanLot.ToPath()));
        Assert.Equal(PageLayout.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.DoesNotContain("script-src", PageLayout.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Contains("Accept-Language", response.Headers.Vary);

        using var chosen = await client.GetAsync(site.Url(ConsumerSite.CleanLot.ToPath() + "?lang=zh"));
        var cookie = chosen.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith("lang=zh;", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Html_EchoesNothingUnencoded()
    {
        using var client = site.Node.Anonymous();
        var (status, html) = await GetAsync(client, "/01/09521234543213/10/%3Cscript%3Ex");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        var (badStatus, badHtml) = await GetAsync(client, "/01/%3Cimg%20src=x%3E");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.DoesNotContain("<img", badHtml, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<(HttpStatusCode Status, string Html)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path.TrimStart('/'));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Mask(string html) => EchoedCode().Replace(html, "Code: …");

    [GeneratedRegex("Code: /01/[^<]*")]
    private static partial Regex EchoedCode();
}
