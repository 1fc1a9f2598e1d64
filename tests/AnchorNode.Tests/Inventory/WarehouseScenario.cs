using System.Net;
using System.Net.Http.Json;
using AnchorNode.Configuration;
using AnchorNode.Endpoints;
using AnchorNode.Tests.Infrastructure;
using EdgeGateway.Sensors.Simulation;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Inventory;

/// <summary>
/// A simulated warehouse day on a real node, shared by the scenario tests: the chiller's compressor
/// fails two hours in (45 minutes, ZoneClimate's scripted failure); pallets arrive at the dock door
/// every five minutes. The gateway uploads every fifteen simulated minutes over HTTP. At 65 minutes
/// the operator registers two lots from the RFID arrivals: the salmon (chiller) and the berries
/// (freezer); the bank takes both as collateral with covenants. The run ends at 3½ hours.
/// </summary>
public sealed class WarehouseScenario : IAsyncLifetime
{
    public const string Site = "site-1";
    public const string Chilled = "WR-SAL-0001";
    public const string Frozen = "WR-BER-0001";
    public const string ChillerCovenant = "temperature above 8 for 30m";
    public const string FreezerCovenant = "temperature above -18 for 10m";

    public static readonly long Start = new SimulatedWarehouseOptions().StartTimeMs;
    public static readonly long Issued = Start + 65 * 60_000L;
    public static readonly long End = Start + 210 * 60_000L;
    public static readonly long FailureStart = Start + 120 * 60_000L;
    public static readonly long FailureEnd = Start + 165 * 60_000L;

    /// <summary>The bank's webhook: nothing listens there (the discard port), so breach notifications stay in the outbox.</summary>
    public const string BankHook = "http://127.0.0.1:9/edgetrace";

    public WarehouseScenario()
    {
        TestNode node = null!;
        node = new TestNode
        {
            // The node's clock reads the end of the simulated history: its checkpoints are dated there
            // (and failed notifications are never due again).
            Time = new StoppedClock(End),
            CovenantCheckIntervalMs = 1000,
            ConfigureNode = c =>
            {
                var secret = Path.Combine(node.Root, "bank-hook.secret");
                File.WriteAllText(secret, "bank's webhook secret");
                return c with
                {
                    PublicPlaces = new Dictionary<string, PublicPlaceName>
                    {
                        [Site] = new() { English = "Harbour cold store", Chinese = "港口冷库" },
                        [$"{Site}/{SimulatedWarehouse.ChillerZone}"] = new() { English = "Chilled hall", Chinese = "冷藏库" },
                    },
                    Notifications = new NotificationSettings
                    {
                        Lenders = new Dictionary<string, NotificationContact> { ["bank"] = new() { Webhooks = [new WebhookEndpoint { Url = BankHook, SecretFile = secret }] } },
                    },
                };
            },
        };
        Node = node;
    }

    public TestNode Node { get; }
    public LotClient Lots { get; private set; } = null!;
    public SimulatedWarehouse Warehouse { get; } = new(new SimulatedWarehouseOptions { Seed = 7, PalletArrivalSpacing = TimeSpan.FromMinutes(5) });
    public WarehouseGateway Gateway { get; private set; } = null!;
    public long ChilledPledge { get; private set; }
    public long FrozenPledge { get; private set; }
    public IReadOnlyList<string> ChilledEpcs { get; private set; } = [];
    public IReadOnlyList<string> FrozenEpcs { get; private set; } = [];
    public SimulatedPallet Salmon => Warehouse.Pallets.First(p => p.Zone == SimulatedWarehouse.ChillerZone);
    public SimulatedPallet Berries => Warehouse.Pallets.First(p => p.Zone == SimulatedWarehouse.FreezerZone);

    public async Task InitializeAsync()
    {
        await Node.InitializeAsync();
        Lots = new LotClient(Node);
        await Lots.RegisterPartiesAsync();
        Gateway = new WarehouseGateway("gw-sim", Warehouse);
        using (var enrol = await Lots.Operator.PostAsJsonAsync("v1/devices", Gateway.Enrolment(Site), NodeJsonContext.Default.EnrolRequest))
        {
            Assert.Equal(HttpStatusCode.Created, enrol.StatusCode);
        }

        using var events = Warehouse.Generate(TimeSpan.FromMilliseconds(End - Start)).GetEnumerator();
        var pending = events.MoveNext();
        long committed = 0;
        using var uplink = Node.Anonymous();
        for (var until = Start + 15 * 60_000L; until <= End; until += 15 * 60_000L)
        {
            while (pending && events.Current.TimeMs < until)
            {
                Gateway.Record(events.Current);
                pending = events.MoveNext();
            }
            using var upload = await uplink.PostAsJsonAsync(UplinkRoutes.UploadPath(Gateway.Id).TrimStart('/'), Gateway.Request(committed), UplinkJsonContext.Default.UplinkRequest);
            Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
            committed = Gateway.Log.Size;
            if (until == Start + 75 * 60_000L)
            {
                await RegisterLotsAsync();
            }
        }
        await Node.CosignAsync();
    }

    public async Task DisposeAsync()
    {
        Lots?.Dispose();
        Gateway?.Dispose();
        await Node.DisposeAsync();
    }

    // What the operator does once the pallets are in: lists the EPCs the dock door saw, groups them by
    // the batch on the delivery note (the simulation's manifest), and issues one receipt per batch.
    private async Task RegisterLotsAsync()
    {
        ChilledEpcs = await ArrivedAsync(Salmon);
        FrozenEpcs = await ArrivedAsync(Berries);
        Assert.NotEmpty(ChilledEpcs);
        Assert.NotEmpty(FrozenEpcs);
        await Lots.IssueAsync(Request(Chilled, Salmon, ChilledEpcs, 2, 8));
        await Lots.IssueAsync(Request(Frozen, Berries, FrozenEpcs, -25, -18));
        ChilledPledge = await PledgeAsync(Chilled, ChillerCovenant);
        FrozenPledge = await PledgeAsync(Frozen, FreezerCovenant);
    }

    private async Task<IReadOnlyList<string>> ArrivedAsync(SimulatedPallet product)
    {
        var arrivals = await Lots.Operator.GetFromJsonAsync($"v1/cargo/arrivals?gtin={product.Gtin14}&zone={SimulatedWarehouse.DockZone}", InventoryJsonContext.Default.ListArrivalView);
        var batch = Warehouse.Pallets.Where(p => p.Batch == product.Batch).Select(p => p.EpcUri).ToHashSet(StringComparer.Ordinal);
        return arrivals!.Where(a => batch.Contains(a.Epc) && a.FirstSeenMs < Issued).Select(a => a.Epc).ToList();
    }

    private static LotRequest Request(string receipt, SimulatedPallet product, IReadOnlyList<string> epcs, decimal min, decimal max) =>
        LotClient.Request(receipt, epcs, product.Zone, product.Gtin14, product.Batch, min, max, Issued) with { Product = product.Product, Site = Site };

    private async Task<long> PledgeAsync(string receipt, string covenant)
    {
        var statement = await Lots.DraftPledgeAsync(receipt, Issued + 60_000, covenant);
        using var response = await Lots.SubmitAsync(LotClient.Sign(statement, Node.Bank, Lots.Acme));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(NodeJsonContext.Default.AppendedResponse))!.LedgerIndex;
    }
}
