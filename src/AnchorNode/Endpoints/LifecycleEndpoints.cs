using AnchorNode.Runtime;
using System.Globalization;
using AnchorNode.Inventory;
using Firmware.Contracts;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;

namespace AnchorNode.Endpoints;

/// <summary>
/// The receipt lifecycle beyond pledges (docs/spec-ledger.md §3.4): endorsement of the title to a new
/// owner (drafted here, signed by both parties, countersigned by this operator member), split and
/// merge (the operator's own entries), freeze and unfreeze (drafted for a regulator member to sign),
/// and disposal after enforcement (drafted for the lender the goods are held for).
/// </summary>
internal static class LifecycleEndpoints
{
    private const int SmallBody = 64 * 1024;

    public static void Map(WebApplication app)
    {
        var lots = app.MapGroup("/v1/lots").WithTags("Receipt lifecycle");

        lots.MapPost("/{receipt}/endorsements/draft", async (string receipt, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, InventoryJsonContext.Default.EndorseDraftRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                if (new RequestFields(node.Time).Id("to", body!.To, InventoryNames.IsValidPartyId).Past("atMs", body.AtMs).Result is { } refused)
                {
                    return refused;
                }
                var draft = node.Lots.DraftEndorse(receipt, body.To!, body.AtMs);
                if (!draft.Succeeded)
                {
                    return Problems.Result(NodeProblem.From(draft.Failure!));
                }
                var endorse = EndorseStatement.From(draft.Value).Value;
                return Draft(draft.Value, [node.Config.Member, InventoryNames.PartyKeyName(endorse.Owner), InventoryNames.PartyKeyName(endorse.NewOwner)]);
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("DraftEndorsement")
            .WithSummary("The endorsement of the receipt from its owner to the party 'to', for both parties to sign with their party keys; then POST it to /endorsements. Refused on the ledger while pledged or enforced: the lender releases first.")
            .Accepts<EndorseDraftRequest>(LotEndpoints.JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<DraftResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415);

        lots.MapPost("/{receipt}/endorsements", async (string receipt, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (note, problem) = await RequestBodies.ReadTextAsync(request, cancellationToken);
                return problem ?? LotEndpoints.Appended(await node.Lots.EndorseSignedAsync(note!, receipt, cancellationToken), EntryKinds.Endorse, 201);
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("Endorse")
            .WithSummary("Appends an endorsement the owner and the new owner signed (text/plain signed note), adding this node's operator signature. Of two endorsements (or an endorsement and a pledge) signed against the same state, the first appended wins; the other gets 409.")
            .Accepts<string>(LotEndpoints.TextBody)
            .WithBodyLimit(SignedNote.MaxBytes)
            .Produces<AppendedResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422);

        lots.MapPost("/{receipt}/split", async (string receipt, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, InventoryJsonContext.Default.SplitRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                var fields = new RequestFields(node.Time).Required("children", body!.Children, "the child receipts: receipt, quantity and epcs each").Past("atMs", body.AtMs);
                var children = body.Children ?? [];
                if (children.Count is < 2 or > SplitStatement.MaxChildren)
                {
                    fields.Check("children", $"{children.Count} children", required: true, _ => $"must list 2 to {SplitStatement.MaxChildren} child receipts");
                }
                for (var i = 0; i < children.Count && fields.Problem is null; i++)
                {
                    var name = string.Create(CultureInfo.InvariantCulture, $"children[{i}]");
                    fields.Required(name, children[i], "a child receipt");
                    fields.Id($"{name}.receipt", children[i]?.Receipt, InventoryNames.IsValidReceipt)
                        .Positive($"{name}.quantity", children[i]?.Quantity)
                        .Epcs($"{name}.epcs", children[i]?.Epcs);
                }
                if (fields.Result is { } refused)
                {
                    return refused;
                }
                var split = await node.Lots.SplitAsync(receipt, children.Select(c => (c!.Receipt!, c.Quantity!.Value, c.Epcs ?? [])).ToList(), body.AtMs, cancellationToken);
                return split.Succeeded
                    ? Results.Json(new SplitResponse(split.Value.SplitIndex, split.Value.Children.Select(Issued).ToList()), InventoryJsonContext.Default.SplitResponse, statusCode: 201)
                    : Problems.Result(NodeProblem.From(split.Failure!));
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("SplitLot")
            .WithSummary("Splits the receipt into 2-16 child receipts (new numbers; quantities adding up to what it holds; every EPC of its cargo to one child): the split entry, then each child's title and lot (split-from the receipt). Refused while pledged, enforced or frozen.")
            .Accepts<SplitRequest>(LotEndpoints.JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<SplitResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422);

        app.MapPost("/v1/merges", async (HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, InventoryJsonContext.Default.MergeRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                var fields = new RequestFields(node.Time)
                    .Required("receipts", body!.Receipts, "the receipts to merge (2-16)")
                    .Id("into", body.Into, InventoryNames.IsValidReceipt)
                    .Check("batch", body.Batch, required: false, b => InventoryNames.IsValidBatch(b) ? null : "must be 1-20 characters of GS1 character set 82")
                    .Past("atMs", body.AtMs);
                var receipts = body.Receipts ?? [];
                if (receipts.Count is < 2 or > 16)
                {
                    fields.Check("receipts", $"{receipts.Count} receipts", required: true, _ => "must list 2 to 16 receipts");
                }
                for (var i = 0; i < receipts.Count && fields.Problem is null; i++)
                {
                    fields.Id(string.Create(CultureInfo.InvariantCulture, $"receipts[{i}]"), receipts[i], InventoryNames.IsValidReceipt);
                }
                if (fields.Result is { } refused)
                {
                    return refused;
                }
                var merged = await node.Lots.MergeAsync(receipts.Select(r => r!).ToList(), body.Into!, body.Batch, body.AtMs, cancellationToken);
                return merged.Succeeded
                    ? Results.Json(Issued(merged.Value), InventoryJsonContext.Default.IssuedLotResponse, statusCode: 201)
                    : Problems.Result(NodeProblem.From(merged.Failure!));
            })
            .RequireAuthorization(Policies.Operator)
            .WithTags("Receipt lifecycle")
            .WithName("MergeLots")
            .WithSummary("Merges receipts of the same product, conditions and unit at the same site into the new receipt 'into': a merge entry per receipt, then its title and lot (merged-from all of them). Refused while any is pledged, enforced or frozen.")
            .Accepts<MergeRequest>(LotEndpoints.JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<IssuedLotResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422);

        MapSigned(lots, "freezes", Policies.Regulator, [EntryKinds.Freeze, EntryKinds.Unfreeze],
            "Appends a freeze or unfreeze a regulator member signed (text/plain signed note). While frozen, nothing but the unfreeze applies to the receipt (409 lot-frozen).");
        MapSigned(lots, "disposals", Policies.Lender, [EntryKinds.Dispose],
            "Appends a disposal (the sale of the goods after enforcement) the lender they are held for signed (text/plain signed note); the receipt closes.");
        MapDraft(lots, "freeze", Policies.Regulator, (node, receipt, body) => node.Lots.DraftFreeze(receipt, body.Reason!, body.AtMs), Regulators,
            "The freeze statement (with 'reason') for a regulator member to sign; then POST it to /freezes.");
        MapDraft(lots, "unfreeze", Policies.Regulator, (node, receipt, body) => node.Lots.DraftUnfreeze(receipt, body.Reason!, body.AtMs), Regulators,
            "The statement lifting the freeze in force (with 'reason'), for a regulator member to sign; then POST it to /freezes.");
        MapDraft(lots, "dispose", Policies.Lender, (node, receipt, body) => node.Lots.DraftDispose(receipt, body.Reason!, body.AtMs),
            (state, lot) => lot.Controller is { } lender ? [lender] : [],
            "The disposal statement (with 'reason': the sale) for the lender the goods are held for after enforcement; then POST it to /disposals.");
    }

    private static IReadOnlyList<string> Regulators(ILedgerState state, LotRecord lot) =>
        state.Members().Where(m => m.Roles.HasFlag(MemberRoles.Regulator)).Select(m => m.Name).ToList();

    private static void MapDraft(RouteGroupBuilder lots, string action, string policy, Func<NodeRuntime, string, LotActionRequest, Result<Statement>> draft,
        Func<ILedgerState, LotRecord, IReadOnlyList<string>> signers, string summary) =>
        lots.MapPost($"/{{receipt}}/{action}/draft", async (string receipt, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, InventoryJsonContext.Default.LotActionRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                // The reason is signed as sent: text that breaks the grammar is refused, never trimmed.
                if (new RequestFields(node.Time).Text("reason", body!.Reason, FieldReader.MaxTextLength).Past("atMs", body.AtMs).Result is { } refused)
                {
                    return refused;
                }
                var statement = draft(node, receipt, body);
                if (!statement.Succeeded)
                {
                    return Problems.Result(NodeProblem.From(statement.Failure!));
                }
                using var lease = node.Readers.Rent();
                var state = lease.Reader.State;
                return Draft(statement.Value, signers(state, state.Lot(receipt)!));
            })
            .RequireAuthorization(policy)
            .WithName($"Draft{char.ToUpperInvariant(action[0])}{action[1..]}")
            .WithSummary(summary)
            .Accepts<LotActionRequest>(LotEndpoints.JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<DraftResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

    private static void MapSigned(RouteGroupBuilder lots, string path, string policy, IReadOnlyList<string> kinds, string summary) =>
        lots.MapPost($"/{{receipt}}/{path}", async (string receipt, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (text, problem) = await RequestBodies.ReadTextAsync(request, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                var result = await node.Lots.SubmitAsync(text!, kinds, receipt, cancellationToken);
                return LotEndpoints.Appended(result, result.Succeeded ? result.Value.Entry.Kind : "", 201);
            })
            .RequireAuthorization(policy)
            .WithName($"Submit{char.ToUpperInvariant(path[0])}{path[1..]}")
            .WithSummary(summary)
            .Accepts<string>(LotEndpoints.TextBody)
            .WithBodyLimit(SignedNote.MaxBytes)
            .Produces<AppendedResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422);

    private static IssuedLotResponse Issued(IssuedLot lot) => new(lot.Receipt, lot.TitleIndex, lot.LotIndex, lot.LedgerSize);

    private static IResult Draft(Statement statement, IReadOnlyList<string> signers) =>
        Results.Json(new DraftResponse(statement.Kind, statement.Text, signers), InventoryJsonContext.Default.DraftResponse);
}
