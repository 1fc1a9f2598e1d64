using AnchorNode.Runtime;
using AnchorNode.Inventory;
using Firmware.Contracts.Epc;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>
/// What anyone may read about lots, without an API key: public facts, journey and cold-chain
/// verdict (<see cref="PublicLotView"/>), and the public proof bundle. Never the title or the status
/// chain. Consumer pages (GS1 Digital Link) build on <see cref="PublicLots"/>. Answers come from its
/// cache (computed once per ledger checkpoint) as the bytes it holds; the routes share the public
/// request budget per client address (<see cref="PublicRateLimiting"/>).
/// </summary>
internal static class PublicLotEndpoints
{
    private const string Json = "application/json; charset=utf-8";

    public static void Map(WebApplication app)
    {
        var lots = app.MapGroup("/v1/public/lots").WithTags("Public").RequireRateLimiting(PublicRateLimiting.Policy);

        lots.MapGet("", async (string? gtin, string? batch, string? serial, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                if (!Gtin.TryParse(gtin, out var parsed, out var error))
                {
                    return Problems.Of(ProblemTypes.MalformedRequest, error);
                }
                var found = await node.PublicLots.FindAsync(parsed.Value, batch, serial, cancellationToken);
                return new JsonArrayResult(found.Select(a => a.ViewJson).ToList());
            })
            .WithName("FindPublicLots")
            .WithSummary("The proven lots of a GTIN (?gtin=, optional ?batch= and ?serial=): public facts, journey, cold-chain verdict, proof checkpoint. An empty list when there are none.")
            .Produces<List<PublicLotView>>()
            .ProducesProblem(400).ProducesProblem(429);

        lots.MapGet("/{receipt}", async (string receipt, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var answer = await node.PublicLots.GetAsync(receipt, cancellationToken);
                return answer.Succeeded
                    ? Results.Bytes(answer.Value.ViewJson, Json)
                    : Problems.Result(NodeProblem.From(answer.Failure!));
            })
            .WithName("GetPublicLot")
            .WithSummary("One lot's public facts.")
            .Produces<PublicLotView>()
            .ProducesProblem(404).ProducesProblem(429).ProducesProblem(503);

        lots.MapGet("/{receipt}/proof", async (string receipt, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var answer = await node.PublicLots.GetAsync(receipt, cancellationToken);
                return answer.Succeeded
                    ? Results.Bytes(answer.Value.ProofJson, "application/json", $"{receipt}.public-evidence.json")
                    : Problems.Result(NodeProblem.From(answer.Failure!));
            })
            .WithName("GetPublicLotProof")
            .WithSummary("The lot's public evidence bundle (no title, pledges, lenders or amounts): 'Verifier bundle' and 'Verifier report' check it offline.")
            .Produces<EvidenceBundle>(200, "application/json")
            .ProducesProblem(404).ProducesProblem(429).ProducesProblem(503);
    }

    /// <summary>A JSON array of documents already serialised, written as they are.</summary>
    private sealed class JsonArrayResult(IReadOnlyList<byte[]> documents) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.ContentType = Json;
            var body = httpContext.Response.Body;
            var cancellationToken = httpContext.RequestAborted;
            await body.WriteAsync("["u8.ToArray(), cancellationToken);
            for (var i = 0; i < documents.Count; i++)
            {
                if (i > 0)
                {
                    await body.WriteAsync(","u8.ToArray(), cancellationToken);
                }
                await body.WriteAsync(documents[i], cancellationToken);
            }
            await body.WriteAsync("]"u8.ToArray(), cancellationToken);
        }
    }
}
