using System.Net;
using AnchorNode.Dashboard;
using AnchorNode.Tests.Browser;
using AnchorNode.Tests.Infrastructure;
using AnchorNode.Tests.Inventory;
using Firmware.Contracts.Ledger;
using Microsoft.Playwright;

namespace AnchorNode.Tests.Dashboard;

/// <summary>
/// The dashboard's alarm section in a real headless Chromium against a real node: an operator
/// acknowledges an alarm a gateway uploaded; the page shows it without reloading, the ledger holds
/// the acknowledge entry, and the lot's condition report lists it.
/// </summary>
public sealed class DashboardAlarmBrowserTests(HeadlessChromium chromium) : IClassFixture<HeadlessChromium>, IAsyncLifetime
{
    private readonly TestNode _node = new();

    public Task InitializeAsync() => _node.InitializeAsync();

    public Task DisposeAsync() => _node.DisposeAsync();

    [Fact]
    public async Task Operator_AcknowledgesAnAlarmOnTheDashboard_PageShowsItWithoutReload_LedgerAndReportHoldIt()
    {
        using var device = new SimulatedDevice("gw-ack", 51).Add(6);
        await _node.EnrolAsync(device);
        var alarm = device.AddAlarm("start", rule: "chiller-high", value: 9.4);
        device.Add(2);
        var other = device.AddAlarm("start", rule: "humidity-high", sensor: "h1", value: 91);
        await _node.AnchorAsync(device, 0);
        using var lots = new LotClient(_node);
        await lots.RegisterPartiesAsync();
        await lots.IssueAsync(LotClient.Request("WR-ACK-1", zone: "cold-a"));

        var (token, _) = _node.Runtime.DashboardLinks.Create(TimeSpan.FromHours(1));
        var page = await chromium.NewPageAsync(1440, 900);
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        var response = await page.GotoAsync(new Uri(_node.BaseAddress, DashboardLinks.LinkPath(token).TrimStart('/')).ToString());
        Assert.Equal(200, response!.Status);
        await page.EvaluateAsync("() => { window.sameDocument = 'yes'; }");

        var row = page.Locator($"#alarm-list li.alarm[data-device='gw-ack'][data-sequence='{alarm}']");
        await row.WaitForAsync(new LocatorWaitForOptions { Timeout = 20_000 });
        Assert.Equal(("active", "alarm", "no"), (await row.GetAttributeAsync("data-state"), await row.GetAttributeAsync("data-severity"), await row.GetAttributeAsync("data-acknowledged")));
        Assert.Contains("chiller-high", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("9.4 °C", await row.InnerTextAsync(), StringComparison.Ordinal);

        // Without a name the node refuses, and the page says why.
        await row.Locator("textarea").FillAsync("Door left open during loading; closed at 10:20, back to 4 °C.");
        await row.Locator("button").ClickAsync();
        await Assertions.Expect(row.Locator(".ack-result.bad")).ToContainTextAsync("name", new LocatorAssertionsToContainTextOptions { Timeout = 20_000 });

        await page.Locator("#ack-name").FillAsync("Li Wei");
        await row.Locator("button").ClickAsync();
        var acknowledged = row.Locator("p.ack");
        await acknowledged.WaitForAsync(new LocatorWaitForOptions { Timeout = 20_000 });
        var text = await acknowledged.InnerTextAsync();
        Assert.Contains("Acknowledged by dashboard:Li Wei", text, StringComparison.Ordinal);
        Assert.Contains("Door left open during loading; closed at 10:20, back to 4 °C.", text, StringComparison.Ordinal);
        var index = long.Parse((await acknowledged.GetAttributeAsync("data-ledger-index"))!, System.Globalization.CultureInfo.InvariantCulture);

        // The next refresh comes from the node's store and keeps it acknowledged; the other alarm is untouched.
        var refreshes = int.Parse(await page.Locator("#alarm-book").GetAttributeAsync("data-refreshes") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        await page.WaitForFunctionAsync($"() => Number(document.getElementById('alarm-book').dataset.refreshes) > {refreshes}", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        Assert.Equal("yes", await row.GetAttributeAsync("data-acknowledged"));
        Assert.Equal("no", await page.Locator($"#alarm-list li.alarm[data-sequence='{other}']").GetAttributeAsync("data-acknowledged"));
        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.sameDocument"));
        Assert.Equal(1, await page.EvaluateAsync<int>("() => performance.getEntriesByType('navigation').length"));
        await HeadlessChromium.ScreenshotAsync(page, "operator-dashboard-alarm-acknowledged");

        using (var lease = _node.Runtime.Readers.Rent())
        {
            Assert.Equal([index], lease.Reader.EntryIndices(EntryKinds.Acknowledge));
            var statement = Statement.Parse(LedgerEntry.Parse(lease.Reader.Entry(index)).Value.Note.Text).Value;
            var acknowledge = AcknowledgeStatement.From(statement).Value;
            Assert.Equal(("gw-ack", alarm, "chiller-high", "dashboard:Li Wei"), (acknowledge.DeviceId, acknowledge.Alarm, acknowledge.Rule, acknowledge.By));
        }

        using var auditor = _node.Client(_node.AuditorKey);
        using var report = await auditor.GetAsync("v1/lots/WR-ACK-1/report.html");
        var html = WebUtility.HtmlDecode(await report.Content.ReadAsStringAsync());
        Assert.True(report.StatusCode == HttpStatusCode.OK, html);
        Assert.Contains($"data-sequence=\"{alarm}\" data-acknowledged=\"yes\"", html, StringComparison.Ordinal);
        Assert.Contains($"acknowledged by dashboard:Li Wei at ", html, StringComparison.Ordinal);
        Assert.Contains($"(ledger index {index}): Door left open during loading", html, StringComparison.Ordinal);
        Assert.Contains($"data-sequence=\"{other}\" data-acknowledged=\"no\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(errors, e => !e.Contains("400", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }
}
