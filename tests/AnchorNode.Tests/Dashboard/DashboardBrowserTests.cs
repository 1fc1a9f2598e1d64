using AnchorNode.Dashboard;
using AnchorNode.Tests.Browser;
using AnchorNode.Tests.Infrastructure;
using AnchorNode.Tests.Inventory;
using Firmware.Contracts.Uplink;
using Microsoft.Playwright;

namespace AnchorNode.Tests.Dashboard;

/// <summary>The operator dashboard in a real headless Chromium at a desktop viewport, refreshing itself.</summary>
public sealed class DashboardBrowserTests(HeadlessChromium chromium) : IClassFixture<HeadlessChromium>, IAsyncLifetime
{
    private readonly TestNode _node = new();

    public Task InitializeAsync() => _node.InitializeAsync();

    public Task DisposeAsync() => _node.DisposeAsync();

    [Fact]
    public async Task Dashboard_ShowsGatewaysAlarmsAndLots_AndUpdatesWithoutReloading()
    {
        using var device = new SimulatedDevice("gw-dock-1", 21).Add(12);
        using var spare = new SimulatedDevice("gw-dock-2", 22);
        await _node.EnrolAsync(device);
        await _node.EnrolAsync(spare, "cold-b");
        await _node.AnchorAsync(device, 0);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await StatusReports.PostOkAsync(_node, device, StatusReports.Report(device, now, logSize: 20, sealedSize: 16,
            sensors: [new ReportedSensor("t1", "temperature", "cold-a", now - 2000, null, null, null),
                new ReportedSensor("h1", "humidity", "cold-a", now - 600_000, "no-response", "the sensor did not answer", now - 300_000)]));
        using var lots = new LotClient(_node);
        await lots.RegisterPartiesAsync();
        await lots.IssueAsync(LotClient.Request("WR-BROWSER-1", zone: "cold-a"));

        var (token, _) = _node.Runtime.DashboardLinks.Create(TimeSpan.FromHours(1));
        var page = await chromium.NewPageAsync(1440, 900);
        var errors = HeadlessChromium.ConsoleErrors(page);
        var response = await page.GotoAsync(new Uri(_node.BaseAddress, DashboardLinks.LinkPath(token).TrimStart('/')).ToString());
        Assert.Equal(200, response!.Status);
        // The token left the address bar.
        Assert.Equal(new Uri(_node.BaseAddress, "dashboard").ToString(), page.Url);

        var row = page.Locator("#gateways tr[data-device='gw-dock-1']");
        Assert.Equal("online", await row.GetAttributeAsync("data-state"));
        Assert.Equal("8", await row.Locator("td.backlog").InnerTextAsync());
        Assert.Contains("no-response", await row.Locator(".faults").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("last contact", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("never-seen", await page.Locator("#gateways tr[data-device='gw-dock-2']").GetAttributeAsync("data-state"));
        Assert.Contains("No active or recent alarm", await page.Locator("#alarms").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("issued", await page.Locator("#lots tr[data-receipt='WR-BROWSER-1']").GetAttributeAsync("data-status"));
        Assert.Contains("Entries", await page.Locator("#ledger").InnerTextAsync(), StringComparison.Ordinal);
        await page.EvaluateAsync("() => { window.sameDocument = 'yes'; }");

        // The gateway reports an alarm and uploads more leaves; the page must show both by itself.
        var later = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        device.Add(8);
        await _node.AnchorAsync(device, 12);
        await StatusReports.PostOkAsync(_node, device, StatusReports.Report(device, later, logSize: 20, sealedSize: 20,
            active: [new ReportedAlarm("cold-a", "t1", "chiller-high", "temperature", "limit", later - 60_000, 9.1, "Cel")],
            recent: [new ReportedAlarmEvent("cold-a", "t1", "chiller-high", "start", later - 60_000, 9.1, "Cel", 19)]));

        var alarm = page.Locator("#alarms .zone[data-zone='cold-a'] tr.active[data-rule='chiller-high']");
        await alarm.WaitForAsync(new LocatorWaitForOptions { Timeout = 20_000 });
        Assert.Contains("9.1 °C", await alarm.InnerTextAsync(), StringComparison.Ordinal);
        await page.WaitForFunctionAsync("() => document.querySelector(\"#gateways tr[data-device='gw-dock-1'] td.backlog\").textContent === '0'", null,
            new PageWaitForFunctionOptions { Timeout = 20_000 });
        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.sameDocument"));
        Assert.Equal(1, await page.EvaluateAsync<int>("() => performance.getEntriesByType('navigation').length"));
        Assert.True(int.Parse(await page.Locator("body").GetAttributeAsync("data-refreshes") ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Empty(errors);
        await HeadlessChromium.ScreenshotAsync(page, "operator-dashboard");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Dashboard_WithoutALink_ShowsHowToGetOne()
    {
        var page = await chromium.NewPageAsync(1280, 800);
        var response = await page.GotoAsync(new Uri(_node.BaseAddress, "dashboard").ToString());
        Assert.Equal(401, response!.Status);
        Assert.Contains("dashboard-link", await page.Locator("#denied").InnerTextAsync(), StringComparison.Ordinal);
        await HeadlessChromium.ScreenshotAsync(page, "operator-dashboard-denied");
        await page.Context.CloseAsync();
    }
}
