using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AnchorNode.Endpoints;
using AnchorNode.Tests.Infrastructure;
using EdgeGateway.Sensors.Simulation;
using Firmware.Contracts.Ledger;
using Json.Schema;

namespace AnchorNode.Tests.Inventory;

/// <summary>
/// The EPCIS 2.0 export on the simulated warehouse day: every document the node writes is checked
/// against GS1's published EPCIS 2.0 JSON Schema (docs/schemas/third-party/gs1-epcis, format
/// validation on), and its events and readings against the ledger and the condition report.
/// </summary>
public sealed class EpcisExportTests(WarehouseScenario scenario) : IClassFixture<WarehouseScenario>
{
    private const string Site = WarehouseScenario.Site;
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromFile(Path.Combine(Browser.HeadlessChromium.RepoRoot(), "docs", "schemas", "third-party", "gs1-epcis", "EPCIS-JSON-Schema.json")));

    [Fact]
    public async Task ChilledLot_FollowsTheGs1Schema_ReceivesItsEpcs_AndCarriesTheChillersReadings()
    {
        var document = await EpcisAsync(scenario.Lots.Lender, WarehouseScenario.Chilled);
        AssertValid(document);

        Assert.Equal("EPCISDocument", (string?)document["type"]);
        Assert.Equal("2.0", (string?)document["schemaVersion"]);
        var events = Events(document);
        var received = events[0];
        Assert.Equal(("ObjectEvent", "ADD", "receiving"), ((string?)received["type"], (string?)received["action"], (string?)received["bizStep"]));
        Assert.Equal(scenario.ChilledEpcs, received["epcList"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(Zone(SimulatedWarehouse.ChillerZone), (string?)received["bizLocation"]!["id"]);
        Assert.Equal(Zone(SimulatedWarehouse.ChillerZone), (string?)received["readPoint"]!["id"]);
        Assert.Equal("urn:edgetrace:party:demo:acme-foods", (string?)received["destinationList"]![0]!["destination"]);
        Assert.Equal("urn:edgetrace:receipt:demo:WR-SAL-0001", (string?)received["bizTransactionList"]![0]!["bizTransaction"]);
        Assert.Equal(EvidenceTime(WarehouseScenario.Issued), (string?)received["eventTime"]);
        // The pledge is financing, not a supply-chain event: nothing else happened to the lot.
        Assert.Single(events);

        // The chiller's readings from issue on: the compressor failure's peak is the report's.
        var report = await scenario.Lots.Lender.GetFromJsonAsync($"v1/lots/{WarehouseScenario.Chilled}/report", InventoryJsonContext.Default.LotReportResponse);
        var chillerPeak = report!.Conditions.Sensors.Where(s => s.Quantity == "temperature" && s.Zone == SimulatedWarehouse.ChillerZone).Max(s => s.Max!.Value);
        var temperatures = Reports(received, "gs1:Temperature");
        Assert.NotEmpty(temperatures);
        Assert.All(temperatures, r => Assert.Equal("CEL", (string?)r["uom"]));
        Assert.Equal(chillerPeak, temperatures.Max(r => (double)r["value"]!), 6);
        Assert.True(chillerPeak > 8, $"the failure shows above the band: {chillerPeak}");
        var times = temperatures.Select(r => Ms(r["time"])).ToList();
        Assert.True(times.Min() >= WarehouseScenario.Issued, "no reading before the receipt");
        Assert.True(times.Max() <= WarehouseScenario.End, "no reading after the checkpoint");
        Assert.All(Reports(received, "gs1:RelativeHumidity"), r => Assert.Equal("P1", (string?)r["uom"]));
        // Every sensor of the chiller, and no sensor of another zone.
        var chillerSensors = scenario.Warehouse.Sensors.Where(s => s.Zone == SimulatedWarehouse.ChillerZone && s.Quantity is EdgeGateway.Sensors.Quantity.Temperature or EdgeGateway.Sensors.Quantity.Humidity).Select(s => $"urn:edgetrace:sensor:demo:{scenario.Gateway.Id}:{s.Id}").ToHashSet();
        Assert.Equal(chillerSensors, received["sensorElementList"]!.AsArray().Select(e => (string)e!["sensorMetadata"]!["deviceID"]!).ToHashSet());

        var places = document["epcisHeader"]!["epcisMasterData"]!["vocabularyList"]![0]!["vocabularyElementList"]!.AsArray();
        Assert.Equal("Harbour cold store", (string?)places.Single(p => (string?)p!["id"] == $"urn:edgetrace:loc:demo:{Site}")!["attributes"]![0]!["attribute"]);
        Assert.Equal("Chilled hall", (string?)places.Single(p => (string?)p!["id"] == Zone(SimulatedWarehouse.ChillerZone))!["attributes"]![0]!["attribute"]);
    }

    [Fact]
    public async Task MoveEndorsementSplitAndDelivery_BecomeStoringTransferTransactionsAndShipping_AndTheCommandLineWritesTheSame()
    {
        const string parent = "WR-EPC-1";
        var issued = WarehouseScenario.Issued;
        var epcs = new[] { LotClient.Epc(901), LotClient.Epc(902), LotClient.Epc(903) };
        await scenario.Lots.IssueAsync(LotClient.Request(parent, epcs, SimulatedWarehouse.ChillerZone, issuedMs: issued) with { Site = Site });
        await Created(await scenario.Lots.Operator.PostAsJsonAsync($"v1/lots/{parent}/moves", new MoveRequest(SimulatedWarehouse.FreezerZone, null, issued + 30 * 60_000L), InventoryJsonContext.Default.MoveRequest));
        using (var draft = await scenario.Lots.Operator.PostAsJsonAsync($"v1/lots/{parent}/endorsements/draft", new EndorseDraftRequest("beta-trading", issued + 40 * 60_000L), InventoryJsonContext.Default.EndorseDraftRequest))
        {
            var statement = (await draft.Content.ReadFromJsonAsync(InventoryJsonContext.Default.DraftResponse))!.Statement;
            await Created(await scenario.Lots.Operator.PostAsync($"v1/lots/{parent}/endorsements",
                new StringContent(LotClient.Sign(statement, scenario.Lots.Acme, scenario.Lots.Beta), Encoding.UTF8, "text/plain")));
        }
        var split = new SplitRequest([new SplitChildModel($"{parent}-A", 70, [epcs[0], epcs[1]]), new SplitChildModel($"{parent}-B", 50, [epcs[2]])], issued + 60 * 60_000L);
        var splitIndex = await Created(await scenario.Lots.Operator.PostAsJsonAsync($"v1/lots/{parent}/split", split, InventoryJsonContext.Default.SplitRequest));
        await Created(await scenario.Lots.Operator.PostAsJsonAsync($"v1/lots/{parent}-A/deliveries", new DeliverRequest(null, [epcs[0], epcs[1]], issued + 80 * 60_000L, All: true),
            InventoryJsonContext.Default.DeliverRequest));

        var document = await EpcisAsync(scenario.Lots.Auditor, parent);
        AssertValid(document);
        var events = Events(document);
        Assert.Equal(
            ["ObjectEvent ADD receiving", "ObjectEvent OBSERVE storing", "TransactionEvent OBSERVE -", "TransactionEvent DELETE -", "TransactionEvent ADD -", "TransactionEvent ADD -"],
            events.Select(e => $"{e["type"]} {e["action"]} {(string?)e["bizStep"] ?? "-"}"));
        var stored = events[1];
        Assert.Equal(Zone(SimulatedWarehouse.FreezerZone), (string?)stored["bizLocation"]!["id"]);
        var freezerReadings = Reports(stored, "gs1:Temperature");
        Assert.NotEmpty(freezerReadings);
        Assert.All(freezerReadings, r => Assert.InRange(Ms(r["time"]), issued + 30 * 60_000L, issued + 60 * 60_000L - 1));
        Assert.All(freezerReadings, r => Assert.True((double)r["value"]! < 0, "the freezer's readings, not the chiller's"));
        Assert.All(Reports(events[0], "gs1:Temperature"), r => Assert.InRange(Ms(r["time"]), issued, issued + 30 * 60_000L - 1));
        var endorsed = events[2];
        Assert.Equal("urn:edgetrace:party:demo:acme-foods", (string?)endorsed["sourceList"]![0]!["source"]);
        Assert.Equal("owning_party", (string?)endorsed["destinationList"]![0]!["type"]);
        Assert.Equal("urn:edgetrace:party:demo:beta-trading", (string?)endorsed["destinationList"]![0]!["destination"]);
        Assert.Equal($"urn:edgetrace:receipt:demo:{parent}", (string?)events[3]["bizTransactionList"]![0]!["bizTransaction"]);
        Assert.Equal(epcs, events[3]["epcList"]!.AsArray().Select(e => (string)e!));
        Assert.Equal([epcs[0], epcs[1]], events[4]["epcList"]!.AsArray().Select(e => (string)e!));
        Assert.Equal($"urn:edgetrace:event:demo:{splitIndex}:{parent}-A", (string?)events[4]["eventID"]);

        var child = await EpcisAsync(scenario.Lots.Operator, $"{parent}-A");
        AssertValid(child);
        var childEvents = Events(child);
        Assert.Equal(["TransactionEvent ADD -", "ObjectEvent OBSERVE shipping"], childEvents.Select(e => $"{e["type"]} {e["action"]} {(string?)e["bizStep"] ?? "-"}"));
        Assert.True(JsonNode.DeepEquals(events[4]["eventID"], childEvents[0]["eventID"]), "the child names the parent's split event");
        var shipped = childEvents[1];
        Assert.Equal(("in_transit", Zone(SimulatedWarehouse.FreezerZone)), ((string?)shipped["disposition"], (string?)shipped["readPoint"]!["id"]));
        Assert.Equal([epcs[0], epcs[1]], shipped["epcList"]!.AsArray().Select(e => (string)e!));
        Assert.Null(shipped["bizLocation"]);
        Assert.All(Reports(childEvents[0], "gs1:Temperature"), r => Assert.InRange(Ms(r["time"]), issued + 60 * 60_000L, issued + 80 * 60_000L - 1));

        var file = Path.Combine(scenario.Node.Root, "child.epcis.jsonld");
        var run = await Programs.RunAsync(Programs.AnchorNode, "lot", "epcis", "--data", scenario.Node.Folder.Path, "--receipt", $"{parent}-A", "--out", file);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains($"epcis: {file}", run.Output, StringComparison.Ordinal);
        var written = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        AssertValid(written);
        Assert.True(JsonNode.DeepEquals(child["epcisBody"], written["epcisBody"]), "the command line writes the events the API serves");
    }

    [Fact]
    public async Task UnknownLot_UnknownParameter_AndNoKey_AreProblems()
    {
        using (var unknown = await scenario.Lots.Lender.GetAsync("v1/lots/WR-NONE/epcis"))
        {
            Assert.Equal((HttpStatusCode.NotFound, LedgerFailures.UnknownLot), Code(await Problem.ReadAsync(unknown)));
        }
        using (var parameter = await scenario.Lots.Lender.GetAsync($"v1/lots/{WarehouseScenario.Chilled}/epcis?from=2026-01-01T00:00:00Z"))
        {
            var problem = await Problem.ReadAsync(parameter);
            Assert.Equal((HttpStatusCode.BadRequest, RequestProblemTypes.UnknownMember), Code(problem));
            Assert.Equal("from", problem.Body.GetProperty("field").GetString());
        }
        using var anonymous = scenario.Node.Anonymous();
        using var none = await anonymous.GetAsync($"v1/lots/{WarehouseScenario.Chilled}/epcis");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Problem.ReadAsync(none)).Status);
    }

    [Fact]
    public async Task TheSchema_RefusesWhatEpcisForbids()
    {
        var document = await EpcisAsync(scenario.Lots.Lender, WarehouseScenario.Frozen);
        AssertValid(document);
        foreach (var (what, change) in new (string, Action<JsonObject>)[]
                 {
                     ("an action EPCIS does not have", e => e["action"] = "MOVE"),
                     ("a time without its zone offset", e => e.Remove("eventTimeZoneOffset")),
                     ("a measurement type that is neither the CBV's nor a URI", e => e["sensorElementList"]![0]!["sensorReport"]![0]!["type"] = "Warmth"),
                     ("a location that is not a URI", e => e["bizLocation"]!["id"] = "freezer 1"),
                 })
        {
            var copy = document.DeepClone();
            change(copy["epcisBody"]!["eventList"]![0]!.AsObject());
            Assert.False(Schema.Value.Evaluate(copy, Options()).IsValid, what);
        }
    }

    private static async Task<JsonNode> EpcisAsync(HttpClient client, string receipt)
    {
        using var response = await client.GetAsync($"v1/lots/{receipt}/epcis");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("application/ld+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(body)!;
    }

    private static void AssertValid(JsonNode document)
    {
        var result = Schema.Value.Evaluate(document, Options());
        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => d.HasErrors).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }

    private static EvaluationOptions Options() => new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private static List<JsonObject> Events(JsonNode document) => document["epcisBody"]!["eventList"]!.AsArray().Select(e => e!.AsObject()).ToList();

    private static List<JsonNode> Reports(JsonObject e, string type) =>
        (e["sensorElementList"]?.AsArray() ?? []).SelectMany(s => s!["sensorReport"]!.AsArray()).Where(r => (string?)r!["type"] == type).Select(r => r!).ToList();

    private static string Zone(string zone) => $"urn:edgetrace:loc:demo:{Site}:{zone}";

    private static string EvidenceTime(long ms) => Firmware.Contracts.Evidence.EvidenceVerifier.Iso(ms);

    private static long Ms(JsonNode? time) => DateTimeOffset.Parse((string)time!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static (HttpStatusCode, string?) Code(Problem problem) => (problem.Status, problem.Code);

    private static async Task<long> Created(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {body}");
            return JsonNode.Parse(body)!["ledgerIndex"] is { } index ? (long)index : (long)JsonNode.Parse(body)!["splitIndex"]!;
        }
    }
}
