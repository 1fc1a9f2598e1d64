using AnchorNode.Configuration;
using AnchorNode.Consumer;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Epc;
using Microsoft.Extensions.DependencyInjection;

namespace AnchorNode.Tests.Consumer;

/// <summary>
/// A running node with two public lots of one product: one whose cold chain held and one with an
/// excursion. The business secrets of the test data (owners, lenders, amounts, pledges) are listed
/// so privacy tests can look for them in everything the public routes return.
/// </summary>
public sealed class ConsumerSite : IAsyncLifetime
{
    public const string PublicBaseUrl = "https://trace.example.com/t";
    public static readonly Gtin Product = Gtin.Parse("09521234543213");
    public static readonly DigitalLink CleanLot = new(Product, "L2026-11");
    public static readonly DigitalLink ExcursionLot = new(Product, "L2026/12");

    private readonly InMemoryPublicTraceSource _source = new();

    public TestNode Node { get; private set; } = null!;

    /// <summary>Values that must never appear on a public page or in a public proof.</summary>
    public IReadOnlyList<string> Secrets { get; } = ["Huadong Dairy Holdings", "first-bank", "CNY", "8750000", "pledge"];

    public Uri Url(string relative) => new(Node.BaseAddress, relative.TrimStart('/'));

    public async Task InitializeAsync()
    {
        Node = new TestNode
        {
            // The rate limit has its own tests; here it must not get in the way of many quick requests.
            ConfigureNode = c => c with
            {
                PublicBaseUrl = PublicBaseUrl,
                PublicTimeZone = "Asia/Shanghai",
                PublicRateLimit = new PublicRateLimit { RequestsPerMinute = 60_000, Burst = 100_000 },
            },
            ConfigureHost = b => b.Services.AddSingleton<IPublicTraceSource>(_source),
        };
        await Node.InitializeAsync();
        var checkpoint = await Node.WaitForCheckpointAsync();
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(SimulatedDevice.StartMs);
        var proof = new ProofSummary(checkpoint.Size, DateTimeOffset.FromUnixTimeMilliseconds(checkpoint.TimeMs ?? 0), 1);
        _source.Add(new PublicTrace
        {
            Link = CleanLot,
            ProductName = "Fresh whole milk 1 L",
            Journey = [new JourneyStop(PlaceName.Invariant("Shanghai cold store 1"), null, t0, t0.AddDays(2)), new JourneyStop(PlaceName.Invariant("Suzhou distribution centre"), null, t0.AddDays(2), null)],
            ColdChain = new ColdChainStatus { State = ColdChainState.Held, MinCelsius = 2, MaxCelsius = 8, MonitoredFrom = t0, MonitoredTo = t0.AddDays(3) },
            Proof = proof,
        });
        _source.Add(new PublicTrace
        {
            Link = ExcursionLot,
            ProductName = "Fresh whole milk 1 L",
            Journey = [new JourneyStop(PlaceName.Invariant("Shanghai cold store 1"), null, t0, null)],
            ColdChain = new ColdChainStatus
            {
                State = ColdChainState.Excursion, MinCelsius = 2, MaxCelsius = 8, MonitoredFrom = t0, MonitoredTo = t0.AddDays(1),
                Excursions = [new PublicExcursion(t0.AddHours(5), t0.AddHours(7).AddMinutes(15), 11.4, true)],
            },
            Proof = proof,
        });
    }

    public async Task DisposeAsync() => await Node.DisposeAsync();
}
