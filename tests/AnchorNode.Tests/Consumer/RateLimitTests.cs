using AnchorNode.Endpoints;
using System.Net;
using AnchorNode.Configuration;
using AnchorNode.Consumer;
using AnchorNode.Hosting;
using AnchorNode.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AnchorNode.Tests.Consumer;

/// <summary>The public routes' per-client budget, over real HTTP.</summary>
public sealed class RateLimitTests
{
    private const int Burst = 3;

    // Three requests at once, then one a minute: the fourth within a test's lifetime is refused.
    // Each test has its own node, so its own budgets.
    private static async Task<TestNode> StartAsync(params string[] proxies)
    {
        var node = new TestNode
        {
            ConfigureNode = c => c with { PublicRateLimit = new PublicRateLimit { RequestsPerMinute = 1, Burst = Burst }, TrustedProxies = proxies },
            ConfigureHost = b => b.Services.AddSingleton<IPublicTraceSource>(new InMemoryPublicTraceSource()),
        };
        await node.InitializeAsync();
        return node;
    }

    [Fact]
    public async Task OverTheBudget_Gets429WithRetryAfterAndAFriendlyPage()
    {
        await using var node = await StartAsync();
        using var client = node.Anonymous();
        using var refused = await OverBudgetAsync(client, "01/09521234543213/10/L1", "01/09521234543213/10/L1");
        Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Too many requests", html, StringComparison.Ordinal);
        Assert.Contains("Please wait", html, StringComparison.Ordinal);

        // Every public route shares the budget; the API does not.
        using var qr = await client.GetAsync("qr/01/09521234543213/10/L1.png");
        Assert.Equal(HttpStatusCode.TooManyRequests, qr.StatusCode);
        using var proof = await client.GetAsync("proof/01/09521234543213/10/L1");
        Assert.Equal(HttpStatusCode.TooManyRequests, proof.StatusCode);
        using var api = await client.GetAsync("v1/members");
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
    }

    [Fact]
    public async Task PublicApi_OverTheBudget_GetsARateLimitedProblem_WhileApiKeysAndOtherAddressesAreNotLimited()
    {
        await using var node = await StartAsync();
        using var client = node.Anonymous();
        using var refused = await OverBudgetAsync(client, "v1/public/lots/WR-NONE", "v1/public/lots/WR-NONE/proof");
        var problem = await Problem.ReadAsync(refused);
        Assert.Equal("urn:edgetrace:problem:rate-limited", problem.Body.GetProperty("type").GetString());
        Assert.Contains("Retry-After", problem.Detail, StringComparison.Ordinal);

        // A client of a consumer route that asks for JSON gets the same problem, not the page.
        using var asksJson = new HttpRequestMessage(HttpMethod.Get, "proof/01/09521234543213/10/L1");
        asksJson.Headers.Accept.ParseAdd("application/json");
        using var jsonRefused = await client.SendAsync(asksJson);
        Assert.Equal(HttpStatusCode.TooManyRequests, jsonRefused.StatusCode);
        Assert.Equal("rate-limited", (await Problem.ReadAsync(jsonRefused)).Code);

        // An integration with an API key is not counted, on the API or on the consumer routes.
        using var integration = node.Operator();
        for (var i = 0; i < 3 * Burst; i++)
        {
            using var api = await integration.GetAsync("v1/public/lots/WR-NONE");
            Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
            using var page = await integration.GetAsync("01/09521234543213/10/L1");
            Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        }
        // Nor is another address, which has a budget of its own.
        using var neighbour = LoopbackClients.From(node.BaseAddress, IPAddress.Parse("127.0.0.2"));
        using var other = await neighbour.GetAsync("v1/public/lots/WR-NONE");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task AnInvalidApiKey_IsCountedLikeNone()
    {
        await using var node = await StartAsync();
        using var client = node.Client("etk_not-a-key");
        HttpStatusCode status = 0;
        for (var i = 0; i <= Burst; i++)
        {
            using var response = await client.GetAsync("v1/public/lots/WR-NONE");
            status = response.StatusCode;
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
    }

    [Fact]
    public async Task TooManyRequestsPage_SpeaksTheClientsLanguage()
    {
        await using var node = await StartAsync();
        using var client = node.Anonymous();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("zh-CN");
        HttpResponseMessage? last = null;
        for (var i = 0; i <= Burst; i++)
        {
            last?.Dispose();
            last = await client.GetAsync("labels/01/09521234543213/10/L1");
        }
        using (last)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
            var html = await last.Content.ReadAsStringAsync();
            Assert.Contains("请求过于频繁", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BehindATrustedProxy_EachForwardedClientHasItsOwnBudget()
    {
        await using var node = await StartAsync("127.0.0.1");
        using var client = node.Anonymous();
        Assert.Equal(HttpStatusCode.TooManyRequests, await ExhaustAsync(client, "203.0.113.7"));
        // Another phone behind the same proxy is not affected.
        using var other = new HttpRequestMessage(HttpMethod.Get, "01/09521234543213");
        other.Headers.Add("X-Forwarded-For", "203.0.113.8");
        using var response = await client.SendAsync(other);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        // Nor is an IPv6 phone, though a neighbour in its /64 shares its budget.
        Assert.Equal(HttpStatusCode.TooManyRequests, await ExhaustAsync(client, "2001:db8:1:2::10"));
        using var neighbour = new HttpRequestMessage(HttpMethod.Get, "01/09521234543213");
        neighbour.Headers.Add("X-Forwarded-For", "2001:db8:1:2::99");
        using var refused = await client.SendAsync(neighbour);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    [Fact]
    public async Task WithoutATrustedProxy_ForwardedForIsIgnored()
    {
        await using var node = await StartAsync();
        using var client = node.Anonymous();
        // A client cannot buy a new budget by claiming to be someone else.
        for (var i = 0; i < Burst; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "01/09521234543213");
            request.Headers.Add("X-Forwarded-For", $"198.51.100.{i + 1}");
            using var response = await client.SendAsync(request);
        }
        using var last = new HttpRequestMessage(HttpMethod.Get, "01/09521234543213");
        last.Headers.Add("X-Forwarded-For", "198.51.100.200");
        using var refused = await client.SendAsync(last);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void ClientKey_GroupsAnIpv6DeviceByItsPrefix(string address, string key) =>
        Assert.Equal(key, PublicRateLimiting.ClientKey(IPAddress.Parse(address)));

    [Fact]
    public void Bucket_ForFastRates_RefillsEverySecond()
    {
        var fast = PublicRateLimiting.Bucket(new PublicRateLimit { RequestsPerMinute = 150, Burst = 40 });
        Assert.Equal((40, 3, TimeSpan.FromSeconds(1)), (fast.TokenLimit, fast.TokensPerPeriod, fast.ReplenishmentPeriod));
        var slow = PublicRateLimiting.Bucket(new PublicRateLimit { RequestsPerMinute = 4, Burst = 2 });
        Assert.Equal((2, 1, TimeSpan.FromSeconds(15)), (slow.TokenLimit, slow.TokensPerPeriod, slow.ReplenishmentPeriod));
        Assert.Equal(0, fast.QueueLimit);
    }

    // Spends the budget on 'path' (each answered 404: nobody knows the code), then asks for 'over',
    // which must be refused with a Retry-After of a second to a minute.
    private static async Task<HttpResponseMessage> OverBudgetAsync(HttpClient client, string path, string over)
    {
        for (var i = 0; i < Burst; i++)
        {
            using var ok = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, ok.StatusCode);
        }
        var refused = await client.GetAsync(over);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        return refused;
    }

    private static async Task<HttpStatusCode> ExhaustAsync(HttpClient client, string forwardedFor)
    {
        HttpStatusCode status = 0;
        for (var i = 0; i <= Burst; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "01/09521234543213");
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            using var response = await client.SendAsync(request);
            status = response.StatusCode;
        }
        return status;
    }
}
