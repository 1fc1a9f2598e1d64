using AnchorNode.Tests.Browser;
using Microsoft.Playwright;

namespace AnchorNode.Tests.Consumer;

/// <summary>The consumer page in a real headless Chromium at a phone viewport.</summary>
public sealed class ConsumerBrowserTests(HeadlessChromium chromium, ConsumerSite site) : IClassFixture<HeadlessChromium>, IClassFixture<ConsumerSite>
{
    [Fact]
    public async Task CleanLot_OnAPhone_ShowsHeldStatusJourneyAndVerifiedSection()
    {
        var page = await chromium.NewPageAsync(locale: "en-GB");
        var response = await page.GotoAsync(site.Url(ConsumerSite.CleanLot.ToPath()).ToString());
        Assert.Equal(200, response!.Status);

        Assert.Equal(390, await page.EvaluateAsync<int>("() => window.innerWidth"));
        Assert.Equal("Fresh whole milk 1 L", await page.Locator("h1").InnerTextAsync());
        Assert.Equal("L2026-11", await page.Locator("#lot").InnerTextAsync());
        var status = page.Locator("#status");
        Assert.True(await status.IsVisibleAsync());
        Assert.Equal("held", await status.GetAttributeAsync("data-state"));
        Assert.Contains("Cold chain held", await status.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("2 °C and 8 °C", Plain(await status.InnerTextAsync()), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#excursions").CountAsync());

        var stops = page.Locator("#journey li");
        Assert.Equal(2, await stops.CountAsync());
        Assert.Contains("Shanghai cold store 1", await stops.Nth(0).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Suzhou distribution centre", await stops.Nth(1).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("since", await stops.Nth(1).InnerTextAsync(), StringComparison.Ordinal);

        await AssertVerifiedSectionAsync(page);
        // Nothing of the page may be wider than the phone: no sideways scrolling.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        await HeadlessChromium.ScreenshotAsync(page, "consumer-clean-lot");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ExcursionLot_OnAPhone_ShowsTheExcursionWithItsDuration()
    {
        var page = await chromium.NewPageAsync(locale: "en-US");
        var response = await page.GotoAsync(site.Url(ConsumerSite.ExcursionLot.ToPath()).ToString());
        Assert.Equal(200, response!.Status);

        var status = page.Locator("#status");
        Assert.Equal("excursion", await status.GetAttributeAsync("data-state"));
        var text = await status.InnerTextAsync();
        Assert.Contains("Temperature out of range", text, StringComparison.Ordinal);
        var excursions = page.Locator("#excursions li");
        Assert.Equal(1, await excursions.CountAsync());
        Assert.Contains("Above 8 °C for 2 h 15 min", Plain(await excursions.First.InnerTextAsync()), StringComparison.Ordinal);
        Assert.Contains("highest 11.4 °C", Plain(await excursions.First.InnerTextAsync()), StringComparison.Ordinal);
        Assert.Equal("L2026/12", await page.Locator("#lot").InnerTextAsync());
        Assert.Contains("Shanghai cold store 1", await page.Locator("#journey").InnerTextAsync(), StringComparison.Ordinal);
        await AssertVerifiedSectionAsync(page);
        await HeadlessChromium.ScreenshotAsync(page, "consumer-excursion-lot");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task WithJavaScriptDisabled_ThePageIsComplete()
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            JavaScriptEnabled = false,
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            IsMobile = true,
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(site.Url(ConsumerSite.ExcursionLot.ToPath()).ToString());
        Assert.Contains("Temperature out of range", await page.Locator("#status").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Shanghai cold store 1", await page.Locator("#journey").InnerTextAsync(), StringComparison.Ordinal);
        await AssertVerifiedSectionAsync(page);
        // The how-to is a <details> element: it opens without script.
        await page.Locator("#verified summary").ClickAsync();
        Assert.True(await page.Locator("#verified pre").IsVisibleAsync());
        // The page has no script to disable in the first place.
        Assert.Equal(0, await page.Locator("script").CountAsync());
        await HeadlessChromium.ScreenshotAsync(page, "consumer-no-javascript");
        await context.CloseAsync();
    }

    [Fact]
    public async Task PageWeight_AllResponsesTogether_AreUnder100KB()
    {
        var page = await chromium.NewPageAsync();
        var finished = new List<IRequest>();
        page.RequestFinished += (_, request) => finished.Add(request);
        page.RequestFailed += (_, request) => finished.Add(request);
        await page.GotoAsync(site.Url(ConsumerSite.ExcursionLot.ToPath()).ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });

        long total = 0;
        foreach (var request in finished)
        {
            var sizes = await request.SizesAsync();
            total += sizes.ResponseBodySize + sizes.ResponseHeadersSize;
            // Everything comes from the node itself: no CDN, font or script host.
            Assert.StartsWith(site.Node.BaseAddress.GetLeftPart(UriPartial.Authority), request.Url, StringComparison.Ordinal);
        }
        Assert.NotEmpty(finished);
        Assert.True(total is > 1000 and < 100 * 1024, $"the page transferred {total} bytes in {finished.Count} responses");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ChineseBrowser_GetsTheChinesePage()
    {
        var page = await chromium.NewPageAsync(locale: "zh-CN");
        await page.GotoAsync(site.Url(ConsumerSite.CleanLot.ToPath()).ToString());
        Assert.Equal("zh-CN", await page.Locator("html").GetAttributeAsync("lang"));
        Assert.Contains("冷链全程达标", await page.Locator("#status").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("流转记录", await page.Locator("#journey").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("已验证", await page.Locator("#verified").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("下载证明文件", await page.Locator("#proof-link").InnerTextAsync());
        await HeadlessChromium.ScreenshotAsync(page, "consumer-clean-lot-zh");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task LanguageSwitch_ChoosesChinese_AndIsRemembered()
    {
        var page = await chromium.NewPageAsync(locale: "en-GB");
        await page.GotoAsync(site.Url(ConsumerSite.ExcursionLot.ToPath()).ToString());
        Assert.Contains("Temperature out of range", await page.Locator("#status").InnerTextAsync(), StringComparison.Ordinal);

        await page.Locator("#lang-switch a[hreflang='zh-CN']").ClickAsync();
        // Polls the address instead of waiting for a load event, which a fast navigation can finish before the wait begins.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"\?lang=zh$"));
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("温度曾超出范围");
        await Assertions.Expect(page.Locator("#excursions")).ToContainTextAsync("持续 2 小时 15 分钟");
        await HeadlessChromium.ScreenshotAsync(page, "consumer-excursion-lot-zh");

        // Another page without ?lang= stays in Chinese (the cookie), though the browser asks for English.
        await page.GotoAsync(site.Url(ConsumerSite.CleanLot.ToPath()).ToString());
        Assert.Contains("冷链全程达标", await page.Locator("#status").InnerTextAsync(), StringComparison.Ordinal);

        await page.Locator("#lang-switch a[hreflang='en']").ClickAsync();
        // Polls the address instead of waiting for a load event, which a fast navigation can finish before the wait begins.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"\?lang=en$"));
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Cold chain held");
        await page.Context.CloseAsync();
    }

    // Temperatures keep their unit on the same line with a no-break space.
    private static string Plain(string text) => text.Replace('\u00a0', ' ');

    private static async Task AssertVerifiedSectionAsync(IPage page)
    {
        var verified = page.Locator("#verified");
        Assert.True(await verified.IsVisibleAsync());
        Assert.Matches("^[0-9,]+$", await page.Locator("#ledger-size").InnerTextAsync());
        Assert.NotEmpty(await page.Locator("#checkpoint-time").InnerTextAsync());
        Assert.Matches("^[1-9][0-9]*$", await page.Locator("#signatures").InnerTextAsync());
        var href = await page.Locator("#proof-link").GetAttributeAsync("href");
        Assert.StartsWith("/proof/01/", href, StringComparison.Ordinal);
    }
}
