using AnchorNode.Runtime;
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
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, InventoryJsonContext.Default.PledgeDraftRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                var fields = new RequestFields(node.Time)
                    .Id("lender", body!.Lender, LedgerNames.IsValidMemberName)
                    .Positive("amount", body.Amount)
                    .Check("currency", body.Currency, required: true, c => InventoryNames.IsValidCurrency(c) ? null : "must be an ISO 4217 alphabetic code: three upper-case letters A-Z, such as CNY or USD")
                    .Term("startMs", body.StartMs)
                    .Required("endMs", body.EndMs, "the end of the pledge's term, Unix ms")
                    .Term("endMs", body.EndMs);
                var covenants = new List<Covenant>();
                var lines = body.Covenants ?? [];
                if (lines.Count > PledgeStatement.MaxCovenants)
                {
                    fields.Check("covenants", $"{lines.Count} covenants", required: true, _ => $"must list at most {PledgeStatement.MaxCovenants} covenants");
                }
                for (var i = 0; i < lines.Count && fields.Problem is null; i++)
                {
                    fields.Check($"covenants[{i}]", lines[i], required: true, text =>
                    {
                        var covenant = Covenant.Parse(text);
                        if (covenant.Succeeded)
                        {
                            covenants.Add(covenant.Value);
                        }
                        return covenant.Succeeded ? null : "must be '<temperature|humidity> <above|below> <limit> <for|total> <duration>', e.g. 'temperature above 8 for 30m'";
                    });
                }
                if (fields.Result is { } refused)
                {
                    return refused;
                }
                var terms = new PledgeTerms(body.Lender!, body.Amount!.Value, body.Currency!, body.StartMs ?? node.Time.GetUtcNow().ToUnixTimeMilliseconds(), body.EndMs!.Value, covenants);
                var draft = node.Lots.DraftPledge(receipt, terms);
                if (!draft.Succeeded)
                {
                    return Problems.Result(NodeProblem.From(draft.Failure!));
                }
                var owner = PledgeStatement.From(draft.Value).Value.Owner;
                return Draft(draft.Value, [body.Lender!, InventoryNames.PartyKeyName(owner)]);
            })
            .RequireAuthorization(Policies.Lender)
            .WithTags("Pledges")
            .WithName("DraftPledge")
            .WithSummary("The pledge statement text for the lender member and the lot's owner to sign (C2SP signed note, ECDSA P-256), against the lot's current state.")
            .Accepts<PledgeDraftRequest>(LotEndpoints.JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<DraftResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415);

        app.MapPost("/v1/pledges", async (HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (text, problem) = await RequestBodies.ReadTextAsync(request, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                var result = await node.Lots.SubmitAsync(text!, cancellationToken);
                return LotEndpoints.Appended(result, result.Succeeded ? result.Value.Entry.Kind : "", 201);
            })
            .RequireAuthorization(Policies.Lender)
            .WithTags("Pledges")
            .WithName("SubmitPledgeStatement")
            .WithSummary("Appends a signed pledge, release, transfer or enforcement (text/plain: the statement text, a blank line, the signature lines). A pledge of a pledged lot is refused with 409 lot-pledged and the active pledge's ledgerIndex.")
            .Accepts<string>(LotEndpoints.TextBody)
            .WithBodyLimit(SignedNote.MaxBytes)
            .Produces<AppendedResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

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

        // Only a transfer names a new lender and only it has no reason: a member another action does
        // not have is refused, not ignored. The text is signed as sent (never trimmed).
        MapAction(pledges, "release",
            (body, fields) => fields.Check("to", body.To, required: false, _ => "is only for a transfer").Text("reason", body.Reason, FieldReader.MaxTextLength, required: false),
            (node, index, body) => node.Lots.DraftRelease(index, body.AtMs, body.Reason),
            "The release statement text for the pledge's lender to sign.");
        MapAction(pledges, "transfer",
            (body, fields) => fields.Id("to", body.To, LedgerNames.IsValidMemberName).Check("reason", body.Reason, required: false, _ => "is not part of a transfer statement"),
            (node, index, body) => node.Lots.DraftTransfer(index, body.To!, body.AtMs),
            "The transfer statement text for the pledge's lender and the new lender ('to') to sign.");
        MapAction(pledges, "enforce",
            (body, fields) => fields.Check("to", body.To, required: false, _ => "is only for a transfer").Text("reason", body.Reason, FieldReader.MaxTextLength),
            (node, index, body) => node.Lots.DraftEnforce(index, body.AtMs, body.Reason!),
            "The enforcement statement text for the pledge's lender to sign.");
    }

    private static void MapAction(RouteGroupBuilder pledges, string action, Func<PledgeActionRequest, RequestFields, RequestFields> check,
        Func<NodeRuntime, long, PledgeActionRequest, Result<Statement>> draft, string summary) =>
        pledges.MapPost($"/{action}/draft", async (long index, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var body = new PledgeActionRequest(null, null, null);
                if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
                {
                    var (parsed, problem) = await RequestBodies.ReadJsonAsync(request, InventoryJsonContext.Default.PledgeActionRequest, cancellationToken);
                    if (problem is not null)
                    {
                        return problem;
                    }
                    body = parsed!;
                }
                if (check(body, new RequestFields(node.Time)).Past("atMs", body.AtMs).Result is { } refused)
                {
                    return refused;
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
            .Accepts<PledgeActionRequest>(LotEndpoints.JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<DraftResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

    private static IResult Draft(Statement statement, IReadOnlyList<string> signers) =>
        Results.Json(new DraftResponse(statement.Kind, statement.Text, signers), InventoryJsonContext.Default.DraftResponse);
}
