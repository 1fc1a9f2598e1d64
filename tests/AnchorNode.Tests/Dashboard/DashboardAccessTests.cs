using System.Net;
using AnchorNode.Dashboard;
using AnchorNode.Tests.Infrastructure;
using AnchorNode.Tests.Inventory;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Dashboard;

/// <summary>Who may see the dashboard: links, the cookie they leave, API keys by role; and the lots it lists.</summary>
public sealed class DashboardAccessTests : IAsyncLifetime
{
    private readonly OffsetTimeProvider _time = new();
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _node = new TestNode { Time = _time };
        await _node.InitializeAsync();
    }

    public Task DisposeAsync() => _node.DisposeAsync();

    private HttpClient Browser(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer() }) { BaseAddress = _node.BaseAddress };

    [Fact]
    public async Task Page_WithoutALink_Is401PageSayingHowToGetOne()
    {
        using var browser = Browser();
        using var response = await browser.GetAsync("dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("edgetrace node dashboard-link", html, StringComparison.Ordinal);
        Assert.DoesNotContain("gateways", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Link_SetsHttpOnlyStrictCookiesForPageAndData_AndLeavesTheAddressBar()
    {
        var (token, _) = _node.Runtime.DashboardLinks.Create(TimeSpan.FromHours(1));
        var cookies = new CookieContainer();
        using var browser = Browser(cookies);
        using var opened = await browser.GetAsync(DashboardLinks.LinkPath(token).TrimStart('/'));
        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        Assert.Equal("/dashboard", opened.Headers.Location?.OriginalString);
        var setCookies = opened.Headers.GetValues("Set-Cookie").ToList();
        Assert.Equal(2, setCookies.Count);
        Assert.All(setCookies, c =>
        {
            Assert.Contains("httponly", c, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", c, StringComparison.OrdinalIgnoreCase);
        });
        Assert.Contains(setCookies, c => c.Contains("path=/dashboard", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(setCookies, c => c.Contains("path=/v1/dashboard", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(cookies.GetCookies(new Uri(_node.BaseAddress, "v1/lots")));

        using var page = await browser.GetAsync("dashboard");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = string.Join(' ', page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'sha256-", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"http", html, StringComparison.Ordinal);

        using var data = await browser.GetAsync("v1/dashboard");
        Assert.Equal(HttpStatusCode.OK, data.StatusCode);
    }

    [Fact]
    public async Task Link_Tampered_OrForAReport_Is401()
    {
        var (token, _) = _node.Runtime.DashboardLinks.Create(TimeSpan.FromHours(1));
        var tampered = token[..^3] + (token[^3] == 'A' ? 'B' : 'A') + token[^2..];
        var (reportToken, _) = _node.Runtime.ReportLinks.Create("dashboard", TimeSpan.FromHours(1));
        foreach (var bad in new[] { tampered, reportToken, "not-a-token" })
        {
            using var browser = Browser();
            using var response = await browser.GetAsync($"dashboard?access={Uri.EscapeDataString(bad)}");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("has expired", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }
    }

    [Fact]
    public async Task Link_Expired_IsRefused_AndSoIsItsCookie()
    {
        var (token, _) = _node.Runtime.DashboardLinks.Create(TimeSpan.FromHours(1));
        var cookies = new CookieContainer();
        using var browser = Browser(cookies);
        using (var opened = await browser.GetAsync(DashboardLinks.LinkPath(token).TrimStart('/')))
        {
            Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        }

        _time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));

        // The browser would drop the cookie itself; a client that keeps it gets nothing either.
        using var request = new HttpRequestMessage(HttpMethod.Get, "dashboard");
        request.Headers.Add("Cookie", $"{DashboardLinks.CookieName}={token}");
        using var page = await Browser().SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        using var again = await Browser().GetAsync(DashboardLinks.LinkPath(token).TrimStart('/'));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        using var dataRequest = new HttpRequestMessage(HttpMethod.Get, "v1/dashboard");
        dataRequest.Headers.Add("Cookie", $"{DashboardLinks.CookieName}={token}");
        using var data = await Browser().SendAsync(dataRequest);
        Assert.Equal(ProblemTypes.Unauthenticated, (await Problem.ReadAsync(data)).Code);
    }

    [Fact]
    public async Task Data_ByApiKey_IsForOperatorsAndAuditorsOnly()
    {
        using (var anonymous = await _node.Anonymous().GetAsync("v1/dashboard"))
        {
            var problem = await Problem.ReadAsync(anonymous);
            Assert.Equal((HttpStatusCode.Unauthorized, ProblemTypes.Unauthenticated), (problem.Status, problem.Code));
        }
        using (var lender = await _node.Client(_node.LenderKey).GetAsync("v1/dashboard"))
        {
            var problem = await Problem.ReadAsync(lender);
            Assert.Equal((HttpStatusCode.Forbidden, ProblemTypes.Forbidden), (problem.Status, problem.Code));
        }
        using (var lenderPage = await _node.Client(_node.LenderKey).GetAsync("dashboard"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, lenderPage.StatusCode);
        }
        Assert.Empty((await StatusReportTests.DashboardAsync(_node.Client(_node.AuditorKey))).Gateways);
        Assert.Empty((await StatusReportTests.DashboardAsync(_node.Operator())).Lots);
    }

    [Fact]
    public async Task Lots_AreListedWithTheirStatus()
    {
        using var lots = new LotClient(_node);
        await lots.RegisterPartiesAsync();
        await lots.IssueAsync(LotClient.Request("WR-DASH-1"));
        await lots.IssueAsync(LotClient.Request("WR-DASH-2", zone: "chiller-2"));
        await lots.PledgeAsync("WR-DASH-2");

        var view = await StatusReportTests.DashboardAsync(_node.Operator());

        Assert.Equal(["WR-DASH-1", "WR-DASH-2"], view.Lots.Select(l => l.Receipt));
        Assert.Equal(("issued", "chiller-1", LotClient.Gtin), (view.Lots[0].Status, view.Lots[0].Zone, view.Lots[0].Gtin));
        Assert.Equal("pledged", view.Lots[1].Status);
        Assert.NotNull(view.Lots[1].ActivePledge);
    }

    [Fact]
    public async Task LinkApi_IsForOperators_AndItsLinkOpensThePage()
    {
        using (var lender = await _node.Client(_node.LenderKey).PostAsync("v1/dashboard-links?hours=2", null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, lender.StatusCode);
        }
        using var created = await _node.Operator().PostAsync("v1/dashboard-links?hours=2", null);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var link = System.Text.Json.JsonSerializer.Deserialize(await created.Content.ReadAsStringAsync(), DashboardJsonContext.Default.DashboardLinkView)!;
        Assert.InRange(link.ExpiresMs - _time.GetUtcNow().ToUnixTimeMilliseconds(), 7_100_000, 7_200_000);
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() });
        using var page = await browser.GetAsync(link.Url);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(_node.BaseAddress + "dashboard", page.RequestMessage!.RequestUri!.ToString());
    }

    [Fact]
    public async Task Cli_DashboardLink_PrintsAWorkingLink()
    {
        var run = await Programs.RunAsync(Programs.AnchorNode, "dashboard-link", "--data", _node.Folder.Path, "--base-url", _node.BaseAddress.ToString(), "--hours", "3");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.StartsWith(_node.BaseAddress + "dashboard?access=", run.Field("url"), StringComparison.Ordinal);
        Assert.EndsWith("Z", run.Field("expires"), StringComparison.Ordinal);
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() });
        using var page = await browser.GetAsync(run.Field("url"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        var refused = await Programs.RunAsync(Programs.AnchorNode, "dashboard-link", "--data", _node.Folder.Path, "--hours", "0");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--hours 0", refused.Error, StringComparison.Ordinal);
    }
}
