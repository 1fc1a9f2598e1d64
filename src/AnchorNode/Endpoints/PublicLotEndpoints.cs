using AnchorNode.Hosting;
using AnchorNode.Inventory;
using Firmware.Contracts.Epc;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>
/// What anyone may read about lots, without an API key: public facts, journey and cold-chain
/// verdict (<see cref="PublicLotView"/>), and the public proof bundle. Never the title or the status
/// chain. Consumer pages (GS1 Digital Link) build on <see cref="PublicLots"/>.
/// </summary>
internal static class PublicLotEndpoints
{
    public static void Map(WebApplication app)
    {
        var lots = app.MapGroup("/v1/public/lots").WithTags("Public");

        lots.MapGet("", (string? gtin, string? batch, string? serial, NodeRuntime node) =>
            {
                if (!Gtin.TryParse(gtin, out var parsed, out var error))
                {
                    return Problems.Of(ProblemTypes.MalformedRequest, error);
                }
                return Results.Json(node.PublicLots.Find(parsed.Value, batch, serial).ToList(), InventoryJsonContext.Default.ListPublicLotView);
            })
            .WithName("FindPublicLots")
            .WithSummary("The proven lots of a GTIN (?gtin=, optional ?batch= and ?serial=): public facts, journey, cold-chain verdict, proof checkpoint. An empty list when there are none.")
            .Produces<List<PublicLotView>>()
            .ProducesProblem(400);

        lots.MapGet("/{receipt}", (string receipt, NodeRuntime node) =>
            {
                var view = node.PublicLots.Get(receipt);
                return view.Succeeded
                    ? Results.Json(view.Value, InventoryJsonContext.Default.PublicLotView)
                    : Problems.Of(view.Failure!.Code == LedgerFailures.UnknownLot ? LedgerFailures.UnknownLot : view.Failure.Code, view.Failure.Message);
            })
            .WithName("GetPublicLot")
            .WithSummary("One lot's public facts.")
            .Produces<PublicLotView>()
            .ProducesProblem(404).ProducesProblem(503);

        lots.MapGet("/{receipt}/proof", (string receipt, NodeRuntime node) =>
            {
                var bundle = node.PublicLots.ProofBundle(receipt);
                return bundle.Succeeded
                    ? Results.Bytes(bundle.Value.Bundle.ToJson(), "application/json", $"{receipt}.public-evidence.json")
                    : Problems.Result(NodeProblem.From(bundle.Failure!));
            })
            .WithName("GetPublicLotProof")
            .WithSummary("The lot's public evidence bundle (no title, pledges, lenders or amounts): 'Verifier bundle' and 'Verifier report' check it offline.")
            .Produces<EvidenceBundle>(200, "application/json")
            .ProducesProblem(404).ProducesProblem(503);
    }
}
