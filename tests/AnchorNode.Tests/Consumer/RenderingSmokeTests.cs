using AnchorNode.Consumer;
using AnchorNode.Tests.Browser;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Epc;
using Microsoft.Extensions.DependencyInjection;

namespace AnchorNode.Tests.Consumer;

public sealed class RenderingSmokeTests(HeadlessChromium chromium) : IClassFixture<HeadlessChromium>, IAsyncLifetime
{
    private readonly InMemoryPublicTraceSource _source = new();
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _node = new TestNode { ConfigureHost = b => b.Services.AddSingleton<IPublicTraceSource>(_source), ConfigureNode = c => c with { PublicTimeZone = "Asia/Shanghai" } };
        await _node.InitializeAsync();
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(SimulatedDevice.StartMs);
        var buckets = Enumerable.Range(0, 48).Select(i => new TemperatureBucket(t0.AddHours(i), t0.AddHours(i + 1), 3.5 + Math.Sin(i / 5.0), i is 20 or 21 ? 10.5 : 5 + Math.Sin(i / 5.0))).ToList();
        _source.Add(new PublicTrace
        {
            Link = new DigitalLink(Gtin.Parse("09521234543213"), "L2026-11"),
            ProductName = "Fresh whole milk 1 L",
            ProductDetail = "12 × 1 L",
            Journey = [new JourneyStop("Shanghai cold store 1", null, t0, t0.AddDays(1)), new JourneyStop("Suzhou distribution centre", "Chiller A", t0.AddDays(1), null)],
            ColdChain = new ColdChainStatus
            {
                State = ColdChainState.Excursion, MinCelsius = 2, MaxCelsius = 8, MonitoredFrom = t0, MonitoredTo = t0.AddDays(2),
                Excursions = [new PublicExcursion(t0.AddHours(20.2), t0.AddHours(22.4), 10.5, true)],
                Unmonitored = TimeSpan.FromMinutes(95),
            },
            Proof = new ProofSummary(1234, t0.AddDays(2), 3),
            Chart = new PublicTemperatureSeries(buckets),
        });
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Theory]
    [InlineData("en")]
    [InlineData("zh")]
    public async Task Smoke(string lang)
    {
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(_node.BaseAddress, "01/09521234543213/10/L2026-11?lang=" + lang).ToString());
        await HeadlessChromium.ScreenshotAsync(page, "smoke-" + lang);
        await page.GotoAsync(new Uri(_node.BaseAddress, "labels/01/09521234543213/10/L2026-11").ToString());
        await HeadlessChromium.ScreenshotAsync(page, "smoke-labels-" + lang);
        await page.GotoAsync(new Uri(_node.BaseAddress, "01/09521234543214/10/L2026-11").ToString());
        await HeadlessChromium.ScreenshotAsync(page, "smoke-400-" + lang);
        await page.GotoAsync(new Uri(_node.BaseAddress, "01/09521234543213").ToString());
        await HeadlessChromium.ScreenshotAsync(page, "smoke-product-" + lang);
    }
}
