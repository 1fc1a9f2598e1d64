using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace AnchorNode.Tests.Browser;

/// <summary>The browser harness itself: a real Kestrel page rendered by the real Chromium.</summary>
public class HeadlessChromiumTests(HeadlessChromium chromium) : IClassFixture<HeadlessChromium>
{
    [Fact]
    public async Task RendersAPageServedByKestrel_AndTakesAScreenshot()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/", () => Results.Content("<!doctype html><meta name=viewport content=\"width=device-width\"><title>t</title><h1 id=h>Cold chain held</h1>", "text/html"));
        await app.StartAsync();
        var url = app.Urls.Single();

        var page = await chromium.NewPageAsync();
        await page.GotoAsync(url);
        Assert.Equal("Cold chain held", await page.InnerTextAsync("#h"));
        var width = await page.EvaluateAsync<int>("() => window.innerWidth");
        Assert.Equal(390, width);
        var shot = await HeadlessChromium.ScreenshotAsync(page, "harness-smoke");
        Assert.True(new FileInfo(shot).Length > 1000);
        await app.StopAsync();
    }
}
