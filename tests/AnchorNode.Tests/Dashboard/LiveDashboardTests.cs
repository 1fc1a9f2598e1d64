using System.Globalization;
using System.Net;
using System.Text.Json;
using AnchorNode.Dashboard;
using AnchorNode.Tests.Browser;
using AnchorNode.Tests.Infrastructure;
using AnchorNode.Tests.Inventory;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;
using Microsoft.Playwright;

namespace AnchorNode.Tests.Dashboard;

/// <summary>
/// The dashboard an operator keeps open, in a real headless Chromium against a real node: current
/// values per zone and their last 24 hours from committed leaves, changing on the open page as
/// uploads arrive; every time on one clock (the node's configured dashboard time zone).
/// </summary>
public sealed class LiveDashboardTests(HeadlessChromium chromium) : IClassFixture<HeadlessChromium>, IAsyncLifetime
{
    private const string Zone = "Asia/Shanghai";

    private readonly TestNode _node = new() { ConfigureNode = c => c with { DashboardTimeZone = Zone } };

    public Task InitializeAsync() => _node.InitializeAsync();

    public Task DisposeAsync() => _node.DisposeAsync();

    [Fact]
    public async Task Readings_ChangeOnTheOpenPage_AsLeavesArrive_WithTheirLast24Hours_OnOneClock()
    {
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 15 * 60_000;
        using var device = new SimulatedDevice("gw-cold-1", 31) { FirstLeafMs = start }.Add(12);
        // A gateway whose last readings are two weeks old: its values are stale, never current (its leaves name zone cold-a).
        using var old = new SimulatedDevice("gw-old", 32).Add(4);
        await _node.EnrolAsync(device);
        await _node.EnrolAsync(old, "cold-b");
        await _node.AnchorAsync(device, 0);
        await _node.AnchorAsync(old, 0);
        using var lots = new LotClient(_node);
        await lots.RegisterPartiesAsync();
        await lots.IssueAsync(LotClient.Request("WR-LIVE-1", zone: "cold-a"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await StatusReports.PostOkAsync(_node, device, StatusReports.Report(device, now, logSize: 12, sealedSize: 12,
            active: [new ReportedAlarm("cold-a", "t1", "chiller-high", "temperature", "limit", now - 60_000, 9.1, "Cel")]));

        var (token, _) = _node.Runtime.DashboardLinks.Create(TimeSpan.FromHours(1));
        var page = await chromium.NewPageAsync(1440, 1000);
        var errors = HeadlessChromium.ConsoleErrors(page);
        var response = await page.GotoAsync(new Uri(_node.BaseAddress, DashboardLinks.LinkPath(token).TrimStart('/')).ToString());
        Assert.Equal(200, response!.Status);

        var t1 = page.Locator("#readings .zone[data-zone='cold-a'] tr.sensor[data-device='gw-cold-1'][data-sensor='t1']");
        await AssertSensorAsync(t1, Measured(device, "t1"));
        await AssertSensorAsync(page.Locator("#readings tr.sensor[data-device='gw-cold-1'][data-sensor='h1']"), Measured(device, "h1"));
        Assert.Contains("°C", await t1.Locator("td.current").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(int.Parse(await t1.Locator("svg.sparkline").GetAttributeAsync("data-points") ?? "0", CultureInfo.InvariantCulture) >= 1);
        var stale = page.Locator("#readings .zone[data-zone='cold-a'] tr.sensor[data-device='gw-old'][data-sensor='t1']");
        Assert.Contains("stale", await stale.GetAttributeAsync("class") ?? "", StringComparison.Ordinal);
        Assert.Contains("stale", await stale.Locator("td.current").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await stale.Locator("td.current .value").CountAsync());
        Assert.Contains("no data", await stale.Locator("td.spark").InnerTextAsync(), StringComparison.Ordinal);
        // The lot by its product's name; the active alarm with the value at its start and the current one.
        var lot = page.Locator("#lots tr[data-receipt='WR-LIVE-1']");
        Assert.Contains("Atlantic salmon fillets, chilled", await lot.Locator("td.product").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("not pledged", await lot.Locator("td.covenant").InnerTextAsync(), StringComparison.Ordinal);
        var alarm = page.Locator("#alarms .zone[data-zone='cold-a'] tr.active[data-rule='chiller-high']");
        Assert.Equal("9.1 °C", await alarm.Locator("td.start").InnerTextAsync());
        Assert.Equal(DashboardHtml.Value(Measured(device, "t1")[^1], "Cel"), await alarm.Locator("td.now").InnerTextAsync());
        await page.EvaluateAsync("() => { window.sameDocument = 'yes'; }");

        // More readings arrive; the open page shows them by itself.
        device.Add(8);
        await _node.AnchorAsync(device, 12);
        var latest = Measured(device, "t1");
        var expected = latest[^1].ToString("R", CultureInfo.InvariantCulture);
        await page.WaitForFunctionAsync(
            $"() => document.querySelector(\"#readings tr.sensor[data-device='gw-cold-1'][data-sensor='t1'] td.current\").dataset.value === '{expected}'", null,
            new PageWaitForFunctionOptions { Timeout = 20_000 });
        await AssertSensorAsync(t1, latest);
        Assert.Equal(DashboardHtml.Value(latest[^1], "Cel"), await alarm.Locator("td.now").InnerTextAsync());
        Assert.Equal("9.1 °C", await alarm.Locator("td.start").InnerTextAsync());
        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.sameDocument"));
        Assert.Equal(1, await page.EvaluateAsync<int>("() => performance.getEntriesByType('navigation').length"));

        // One clock: every time on the page in the configured zone, labelled alike.
        Assert.Equal(Zone, await page.Locator("body").GetAttributeAsync("data-clock"));
        Assert.Equal($"All times in {Zone} (UTC+08:00)", await page.Locator("#clock").InnerTextAsync());
        Assert.EndsWith(" " + Zone, await page.Locator("#updated").InnerTextAsync(), StringComparison.Ordinal);
        var times = await page.Locator("time").EvaluateAllAsync<string[][]>("ts => ts.map(t => [t.dataset.clock, t.getAttribute('datetime'), t.textContent])");
        Assert.True(times.Length >= 6, $"{times.Length} times on the page");
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        Assert.All(times, t =>
        {
            Assert.Equal(Zone, t[0]);
            var instant = DateTimeOffset.Parse(t[1], CultureInfo.InvariantCulture);
            Assert.Equal(TimeZoneInfo.ConvertTime(instant, shanghai).ToString(DashboardClock.Format, CultureInfo.InvariantCulture) + " " + Zone, t[2]);
        });
        Assert.Empty(errors);
        await HeadlessChromium.ScreenshotAsync(page, "operator-dashboard-live");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Page_IsComplete_WithoutScript_AndTheSectionsNeedTheSameAccessAsTheData()
    {
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 5 * 60_000;
        using var device = new SimulatedDevice("gw-cold-2", 33) { FirstLeafMs = start }.Add(6);
        await _node.EnrolAsync(device);
        await _node.AnchorAsync(device, 0);
        var latest = Measured(device, "t1")[^1].ToString("R", CultureInfo.InvariantCulture);

        using var client = _node.Operator();
        var html = await client.GetStringAsync("dashboard");
        Assert.Contains($"data-device=\"gw-cold-2\" data-sensor=\"t1\"", html, StringComparison.Ordinal);
        Assert.Contains($"class=\"n current\" data-value=\"{latest}\"", html, StringComparison.Ordinal);

        using var sections = await client.GetAsync("v1/dashboard/sections");
        Assert.Equal(HttpStatusCode.OK, sections.StatusCode);
        using var document = JsonDocument.Parse(await sections.Content.ReadAsStringAsync());
        var ids = document.RootElement.GetProperty("sections").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(DashboardPage.Sections.Select(s => s.Id), ids);
        Assert.Contains($"data-value=\"{latest}\"", document.RootElement.GetProperty("sections").GetProperty("readings").GetString(), StringComparison.Ordinal);

        using var anonymous = await _node.Anonymous().GetAsync("v1/dashboard/sections");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        using var lender = await _node.Client(_node.LenderKey).GetAsync("v1/dashboard/sections");
        Assert.Equal(HttpStatusCode.Forbidden, lender.StatusCode);

        var data = await client.GetStringAsync("v1/dashboard");
        using var view = JsonDocument.Parse(data);
        Assert.Equal(Zone, view.RootElement.GetProperty("timeZone").GetString());
        var sensor = view.RootElement.GetProperty("readings")[0].GetProperty("sensors").EnumerateArray().Single(x => x.GetProperty("sensorId").GetString() == "t1");
        Assert.Equal(Measured(device, "t1").Min(), sensor.GetProperty("last24h").GetProperty("min").GetDouble());
    }

    /// <summary>The values <paramref name="sensor"/> measured on <paramref name="device"/>, in log order.</summary>
    internal static List<double> Measured(SimulatedDevice device, string sensor) =>
        device.Leaves.Select(l => l.Content).Where(c => c.Kind == LeafKind.Measurement && c.SensorId == sensor).Select(c => c.Value!.Value).ToList();

    /// <summary>The row shows the last of <paramref name="values"/> as current, and their min, max and mean.</summary>
    internal static async Task AssertSensorAsync(ILocator row, IReadOnlyList<double> values)
    {
        Assert.Equal(values[^1], await DataValueAsync(row, "td.current"));
        Assert.Equal(values.Min(), await DataValueAsync(row, "td.min"));
        Assert.Equal(values.Max(), await DataValueAsync(row, "td.max"));
        Assert.Equal(values.Average(), await DataValueAsync(row, "td.mean"), 9);
        Assert.Equal(DashboardHtml.Value(values.Min(), null), (await row.Locator("td.min").InnerTextAsync()).Split(' ')[0]);
    }

    private static async Task<double> DataValueAsync(ILocator row, string cell) =>
        double.Parse(await row.Locator(cell).GetAttributeAsync("data-value") ?? "NaN", CultureInfo.InvariantCulture);
}
