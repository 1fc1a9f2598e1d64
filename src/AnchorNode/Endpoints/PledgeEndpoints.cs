using AnchorNode.Hosting;
using AnchorNode.Inventory;
using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>
/// Pledges. The node drafts the statement text; the lender member (and, for a pledge, the owner
/// party) sign it with their own keys (e.g. <c>AnchorNode sign</c>); a lender submits the signed
/// note, which the ledger rules check like any replica would.
/// </summary>
internal static class PledgeEndpoints
{
    private const int SmallBody = 64 * 1024;

    public static void Map(WebApplication app)
    {
        app.MapPost("/v1/lots/{receipt}/pledges/draft", async (string receipt, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await Problems.ReadJsonAsync(request, InventoryJsonContext.Default.PledgeDraftRequest, SmallBody, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                if (body!.Lender is null || body.Amount is null || body.Currency is null || body.EndMs is null)
                {
                    return Problems.Of(ProblemTypes.MalformedRequest, "a pledge needs 'lender' (member), 'amount', 'currency' and 'endMs' (startMs defaults to now; covenants are optional)");
                }
                var covenants = new List<Covenant>();
                foreach (var text in body.Covenants ?? [])
                {
                    var covenant = Covenant.Parse(text);
                    if (!covenant.Succeeded)
                    {
                        return Problems.Of(ProblemTypes.MalformedRequest, covenant.Failure!.Message);
                    }
                    covenants.Add(covenant.Value);
                }
                var terms = new PledgeTerms(body.Lender, body.Amount.Value, body.Currency, body.StartMs ?? node.Time.GetUtcNow().ToUnixTimeMilliseconds(), body.EndMs.Value, covenants);
                var draft = node.Lots.DraftPledge(receipt, terms);
                if (!draft.Succeeded)
                {
                    return Problems.Result(NodeProblem.From(draft.Failure!));
                }
                var owner = PledgeStatement.From(draft.Value).Value.Owner;
                return Draft(draft.Value, [body.Lender, InventoryNames.PartyKeyName(owner)]);
            })
            .RequireAuthorization(Policies.Lender)
            .WithTags("Pledges")
            .WithName("DraftPledge")
            .WithSummary("The pledge statement text for the lender member and the lot's owner to sign (C2SP signed note, ECDSA P-256), against the lot's current state.")
            .Accepts<PledgeDraftRequest>("application/json")
            .Produces<DraftResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404);

        app.MapPost("/v1/pledges", async (HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, tooLarge) = await Problems.ReadBodyAsync(request, SignedNote.MaxBytes, cancellationToken);
                if (tooLarge is not null)
                {
                    return tooLarge;
                }
                string text;
                try
                {
                    text = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body!.Value.Span);
                }
                catch (System.Text.DecoderFallbackException)
                {
                    return Problems.Of(LedgerFailures.EntryFormat, "the body must be the signed note as UTF-8 text");
                }
                var result = await node.Lots.SubmitAsync(text, cancellationToken);
                return LotEndpoints.Appended(result, result.Succeeded ? result.Value.Entry.Kind : "", 201);
            })
            .RequireAuthorization(Policies.Lender)
            .WithTags("Pledges")
            .WithName("SubmitPledgeStatement")
            .WithSummary("Appends a signed pledge, release, transfer or enforcement (text/plain: the statement text, a blank line, the signature lines). A pledge of a pledged lot is refused with 409 lot-pledged and the active pledge's ledgerIndex.")
            .Accepts<string>("text/plain")
            .Produces<AppendedResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413);

        var pledges = app.MapGroup("/v1/pledges/{index:long}").WithTags("Pledges");

        pledges.MapGet("", (long index, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                var reader = lease.Reader;
                using var snapshot = reader.Snapshot();
                if (reader.State.Pledge(index) is not { } pledge)
                {
                    return Problems.Of(ProblemTypes.NotFound, $"ledger index {index} is not a pledge");
                }
                var statement = PledgeStatement.From(LotChains.StatementAt(reader, index, EntryKinds.Pledge));
                return Results.Json(LotViews.Pledge(pledge, statement.Succeeded ? statement.Value.Covenants : []), InventoryJsonContext.Default.PledgeView);
            })
            .RequireAuthorization(Policies.LenderOrAuditor)
            .WithName("GetPledge")
            .WithSummary("A pledge: lender, owner, amount, term, status and covenants.")
            .Produces<PledgeView>()
            .ProducesProblem(401).ProducesProblem(403).ProducesProblem(404);

        pledges.MapGet("/breaches", (long index, NodeRuntime node) =>
            {
                using (var lease = node.Readers.Rent())
                {
                    if (lease.Reader.State.Pledge(index) is null)
                    {
                        return Problems.Of(ProblemTypes.NotFound, $"ledger index {index} is not a pledge");
                    }
                }
                var list = node.Covenants.Breaches(index)
                    .Select(b => new BreachView(b.PledgeIndex, b.Covenant, b.DeviceId, b.SensorId, b.StartMs, b.ExceededAtMs, b.EndMs, b.DurationMs, b.Peak, b.Ongoing, b.DetectedAtMs))
                    .ToList();
                return Results.Json(list, InventoryJsonContext.Default.ListBreachView);
            })
            .RequireAuthorization(Policies.LenderOrAuditor)
            .WithName("ListCovenantBreaches")
            .WithSummary("Covenant breaches the node detected in the anchored readings of the pledged lot, oldest first.")
            .Produces<List<BreachView>>()
            .ProducesProblem(401).ProducesProblem(403).ProducesProblem(404);

        MapAction(pledges, "release", (node, index, body) => node.Lots.DraftRelease(index, body.AtMs, string.IsNullOrWhiteSpace(body.Reason) ? null : body.Reason.Trim()),
            "The release statement text for the pledge's lender to sign.");
        MapAction(pledges, "transfer", (node, index, body) => body.To is null
                ? Result<Statement>.Fail(ProblemTypes.MalformedRequest, "a transfer needs 'to', the member taking the pledge over")
                : node.Lots.DraftTransfer(index, body.To, body.AtMs),
            "The transfer statement text for the pledge's lender and the new lender ('to') to sign.");
        MapAction(pledges, "enforce", (node, index, body) => string.IsNullOrWhiteSpace(body.Reason)
                ? Result<Statement>.Fail(ProblemTypes.MalformedRequest, "say why in 'reason'; it goes on the ledger")
                : node.Lots.DraftEnforce(index, body.AtMs, body.Reason.Trim()),
            "The enforcement statement text for the pledge's lender to sign.");
    }

    private static void MapAction(RouteGroupBuilder pledges, string action, Func<NodeRuntime, long, PledgeActionRequest, Result<Statement>> draft, string summary) =>
        pledges.MapPost($"/{action}/draft", async (long index, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var body = new PledgeActionRequest(null, null, null);
                if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
                {
                    var (parsed, problem) = await Problems.ReadJsonAsync(request, InventoryJsonContext.Default.PledgeActionRequest, SmallBody, cancellationToken);
                    if (problem is not null)
                    {
                        return problem;
                    }
                    body = parsed!;
                }
                var statement = draft(node, index, body);
                if (!statement.Succeeded)
                {
                    return Problems.Result(NodeProblem.From(statement.Failure!));
                }
                string lender;
                using (var lease = node.Readers.Rent())
                {
                    lender = lease.Reader.State.Pledge(index)!.Lender;
                }
                return Draft(statement.Value, action == "transfer" ? [lender, body.To!] : [lender]);
            })
            .RequireAuthorization(Policies.Lender)
            .WithName($"Draft{char.ToUpperInvariant(action[0])}{action[1..]}")
            .WithSummary(summary)
            .Accepts<PledgeActionRequest>("application/json")
            .Produces<DraftResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);

    private static IResult Draft(Statement statement, IReadOnlyList<string> signers) =>
        Results.Json(new DraftResponse(statement.Kind, statement.Text, signers), InventoryJsonContext.Default.DraftResponse);
}
