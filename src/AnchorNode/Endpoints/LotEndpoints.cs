using AnchorNode.Runtime;
using AnchorNode.Inventory;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>Parties and lots: operators register and move, every role reads (members see private parts; the public has its own routes).</summary>
internal static class LotEndpoints
{
    /// <summary>The media type of JSON bodies (the charset is required).</summary>
    internal const string JsonBody = "application/json; charset=utf-8";

    /// <summary>The media type of signed-note bodies (the charset is required).</summary>
    internal const string TextBody = "text/plain; charset=utf-8";

    private const int SmallBody = 256 * 1024;

    public static void Map(WebApplication app)
    {
        var parties = app.MapGroup("/v1/parties").WithTags("Inventory");

        parties.MapPost("", async (HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, InventoryJsonContext.Default.PartyRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                var fields = new RequestFields(node.Time)
                    .Id("party", body!.Party, InventoryNames.IsValidPartyId)
                    .Check("publicKey", body.PublicKey, required: true, RequestFields.Base64);
                if (fields.Result is { } refused)
                {
                    return refused;
                }
                var result = await node.Lots.RegisterPartyAsync(body.Party!, body.PublicKey!, body.NewKey, cancellationToken);
                return result.Succeeded
                    ? Results.Json(new AppendedResponse(result.Value.Index, result.Value.LedgerSize, EntryKinds.Party), NodeJsonContext.Default.AppendedResponse, statusCode: 201)
                    : Problems.Result(NodeProblem.From(result.Failure!));
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("RegisterParty")
            .WithSummary("Registers a depositor or owner and the key it signs pledge consents with (key name edgetrace/party/<id>). A new key for a registered party needs its consent: see key-drafts and keys (newKey=true is refused, saying so).")
            .Accepts<PartyRequest>(JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<AppendedResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

        parties.MapPost("/{party}/key-drafts", async (string party, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, InventoryJsonContext.Default.PartyKeyRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                var fields = new RequestFields(node.Time).Check("publicKey", body!.PublicKey, required: true, RequestFields.Base64);
                if (fields.Result is { } refused)
                {
                    return refused;
                }
                var draft = node.Lots.DraftPartyKey(party, body.PublicKey!);
                return draft.Succeeded
                    ? Results.Json(new DraftResponse(draft.Value.Kind, draft.Value.Text, [InventoryNames.PartyKeyName(party)]), InventoryJsonContext.Default.DraftResponse)
                    : Problems.Result(NodeProblem.From(draft.Failure!));
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("DraftPartyKey")
            .WithSummary("The statement replacing a party's key, for the party to sign with its current key (or, to recover a lost key, a quorum of members); then POST it to /v1/parties/{party}/keys.")
            .Accepts<PartyKeyRequest>(JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<DraftResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415);

        parties.MapPost("/{party}/keys", async (string party, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (text, problem) = await RequestBodies.ReadTextAsync(request, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                var result = await node.Lots.ReplacePartyKeyAsync(party, text!, cancellationToken);
                return Appended(result, EntryKinds.Party, 201);
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("ReplacePartyKey")
            .WithSummary("Appends a party's key replacement signed by the party's current key (or a quorum of members), adding this operator member's signature (text/plain signed note).")
            .Accepts<string>(TextBody)
            .WithBodyLimit(Firmware.Contracts.Notes.SignedNote.MaxBytes)
            .Produces<AppendedResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422);

        parties.MapGet("", (NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                var list = lease.Reader.State.Parties()
                    .Select(p => new PartyView(p.PartyId, p.PublicKey, InventoryNames.PartyKeyName(p.PartyId), p.RegistrationIndex, p.RegisteredBy)).ToList();
                return Results.Json(list, InventoryJsonContext.Default.ListPartyView);
            })
            .RequireAuthorization(Policies.Reader)
            .WithName("ListParties")
            .WithSummary("Registered parties and their keys.")
            .Produces<List<PartyView>>()
            .ProducesProblem(401);

        var lots = app.MapGroup("/v1/lots").WithTags("Inventory");

        lots.MapPost("", async (HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, InventoryJsonContext.Default.LotRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                if (LotViews.Check(body!, new RequestFields(node.Time)).Result is { } refused)
                {
                    return refused;
                }
                var parts = LotViews.FromRequest(body!, node.Time.GetUtcNow().ToUnixTimeMilliseconds());
                if (!parts.Succeeded)
                {
                    return Problems.Result(NodeProblem.From(parts.Failure!));
                }
                var issued = await node.Lots.IssueAsync(parts.Value.Title, parts.Value.Lot, cancellationToken);
                return issued.Succeeded
                    ? Results.Json(new IssuedLotResponse(issued.Value.Receipt, issued.Value.TitleIndex, issued.Value.LotIndex, issued.Value.LedgerSize),
                        InventoryJsonContext.Default.IssuedLotResponse, statusCode: 201)
                    : Problems.Result(NodeProblem.From(issued.Failure!));
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("IssueLot")
            .WithSummary("Issues a warehouse receipt: a title entry (depositor, owner, quantity, insurance) and a lot entry (public facts and the title's hash), signed with this node's operator key.")
            .Accepts<LotRequest>(JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<IssuedLotResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422);

        lots.MapGet("", (string? status, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                var list = lease.Reader.State.Lots().Where(l => status is null || l.Status.Name() == status).Select(LotViews.Summary).ToList();
                return Results.Json(list, InventoryJsonContext.Default.ListLotSummaryView);
            })
            .RequireAuthorization(Policies.Reader)
            .WithName("ListLots")
            .WithSummary("Every lot with its status (?status=issued|pledged|enforced|delivered|cancelled).")
            .Produces<List<LotSummaryView>>()
            .ProducesProblem(401);

        lots.MapGet("/{receipt}", (string receipt, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                using var snapshot = lease.Reader.Snapshot();
                return LotViews.Lot(lease.Reader, receipt, node.Time.GetUtcNow().ToUnixTimeMilliseconds()) is { } view
                    ? Results.Json(view, InventoryJsonContext.Default.LotView)
                    : Problems.Of(LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
            })
            .RequireAuthorization(Policies.Reader)
            .WithName("GetLot")
            .WithSummary("A lot: status, public facts, private part, cargo, moves, status chain and pledges.")
            .Produces<LotView>()
            .ProducesProblem(401).ProducesProblem(404);

        lots.MapGet("/{receipt}/history", (string receipt, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                var reader = lease.Reader;
                using var snapshot = reader.Snapshot();
                if (reader.State.Lot(receipt) is not { } lot)
                {
                    return Problems.Of(LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
                }
                var entries = LotChains.Read(reader, lot);
                var end = node.Time.GetUtcNow().ToUnixTimeMilliseconds();
                var storage = LotBundleExporter.LocalHistory(reader, lot, entries, Math.Max(end, lot.LocationTimeMs + 1));
                return Results.Json(new HistoryView(receipt, storage, entries.Moves.Select(LotViews.Move).ToList(), LotViews.Trace(reader, entries)),
                    InventoryJsonContext.Default.HistoryView);
            })
            .RequireAuthorization(Policies.Reader)
            .WithName("GetLotHistory")
            .WithSummary("Where the lot was (zone, from, to), derived from its issue, the operator's moves and the RFID reads of its cargo (trace links), up to now.")
            .Produces<HistoryView>()
            .ProducesProblem(401).ProducesProblem(404);

        lots.MapGet("/{receipt}/epcis", async (string receipt, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                if (request.Query.Keys.FirstOrDefault() is { } unknown)
                {
                    return Problems.Result(Problems.Field(RequestProblemTypes.UnknownMember, unknown, $"'{unknown}': this export takes no query parameters"));
                }
                var document = node.Epcis.Export(receipt);
                if (!document.Succeeded && document.Failure!.Code == "no-checkpoint")
                {
                    // The readings are proven to a checkpoint over the lot's newest entries: sign one and look again.
                    await ReportEndpoints.SignAsync(node, cancellationToken);
                    document = node.Epcis.Export(receipt);
                }
                return document.Succeeded
                    ? Results.Bytes(document.Value, EpcisDocument.MediaType)
                    : Problems.Result(NodeProblem.From(document.Failure!));
            })
            .RequireAuthorization(Policies.Reader)
            .WithName("GetLotEpcis")
            .WithSummary("The lot's events as an EPCIS 2.0 JSON-LD document (EPCISDocument): receiving at issue, moves (storing) with the readings of each zone as sensorElementList, endorsements, splits and merges (TransactionEvent), deliveries (shipping); from its verified evidence bundle, as of the best-signed checkpoint. The mapping: docs/anchor-node.md, \"EPCIS export\".")
            .Produces<string>(200, EpcisDocument.MediaType)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(404).ProducesProblem(503);

        lots.MapPost("/{receipt}/moves", async (string receipt, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, InventoryJsonContext.Default.MoveRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                var fields = new RequestFields(node.Time)
                    .Id("zone", body!.Zone, LedgerNames.IsValidZone)
                    .Id("site", body.Site, LedgerNames.IsValidZone, required: false)
                    .Past("atMs", body.AtMs);
                return fields.Result ?? Appended(await node.Lots.MoveAsync(receipt, body.Site, body.Zone!, body.AtMs, cancellationToken), EntryKinds.Move, 201);
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("MoveLot")
            .WithSummary("Records that the whole lot moved to another zone (or site).")
            .Accepts<MoveRequest>(JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<AppendedResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

        lots.MapPost("/{receipt}/deliveries", async (string receipt, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, InventoryJsonContext.Default.DeliverRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                return CheckDelivery(body!, node.Time)
                    ?? Appended(await node.Lots.DeliverAsync(receipt, body!.Quantity, body.Epcs ?? [], body.AtMs, cancellationToken), EntryKinds.Deliver, 201);
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("DeliverLot")
            .WithSummary("Records a delivery: 'quantity' (part of what remains splits the lot) or '\"all\": true' (all that remains, closing the lot); exactly one of them. Refused while pledged.")
            .Accepts<DeliverRequest>(JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<AppendedResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

        lots.MapPost("/{receipt}/deliveries/draft", async (string receipt, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, InventoryJsonContext.Default.DeliverRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                if (CheckDelivery(body!, node.Time) is { } refused)
                {
                    return refused;
                }
                var draft = node.Lots.DraftDelivery(receipt, body!.Quantity, body.Epcs ?? [], body.AtMs);
                if (!draft.Succeeded)
                {
                    return Problems.Result(NodeProblem.From(draft.Failure!));
                }
                string? controller;
                using (var lease = node.Readers.Rent())
                {
                    controller = lease.Reader.State.Lot(receipt)?.Controller;
                }
                return Results.Json(new DraftResponse(draft.Value.Kind, draft.Value.Text, controller is null ? [node.Config.Member] : [controller, node.Config.Member]),
                    InventoryJsonContext.Default.DraftResponse);
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("DraftDelivery")
            .WithSummary("The delivery statement for a lot whose pledge was enforced: the lender it is held for signs it, then POST it to /deliveries/signed.")
            .Accepts<DeliverRequest>(JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<DraftResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415);

        lots.MapPost("/{receipt}/deliveries/signed", async (string receipt, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (note, problem) = await RequestBodies.ReadTextAsync(request, cancellationToken);
                return problem ?? Appended(await node.Lots.DeliverSignedAsync(note!, cancellationToken), EntryKinds.Deliver, 201);
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("DeliverSigned")
            .WithSummary("Appends a delivery statement the lender signed (text/plain signed note), adding this node's operator signature.")
            .Accepts<string>(TextBody)
            .WithBodyLimit(Firmware.Contracts.Notes.SignedNote.MaxBytes)
            .Produces<AppendedResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

        lots.MapPost("/{receipt}/cancel", async (string receipt, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, NodeJsonContext.Default.ReasonRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                // The reason is signed as sent: text that breaks the grammar is refused, never trimmed.
                var fields = new RequestFields(node.Time).Text("reason", body!.Reason, FieldReader.MaxTextLength);
                return fields.Result ?? Appended(await node.Lots.CancelAsync(receipt, body.Reason!, cancellationToken), EntryKinds.Cancel, 200);
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("CancelLot")
            .WithSummary("Cancels an issued receipt that is not pledged; its EPCs are free again.")
            .Accepts<ReasonRequest>(JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<AppendedResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

        app.MapGet("/v1/cargo/arrivals", (string? gtin, DateTimeOffset? since, string? zone, NodeRuntime node) =>
            {
                string? normalised = null;
                if (gtin is not null)
                {
                    if (!Firmware.Contracts.Epc.Gtin.TryParse(gtin, out var parsed, out var error))
                    {
                        return Problems.Of(ProblemTypes.MalformedRequest, error);
                    }
                    normalised = parsed.Value;
                }
                using var lease = node.Readers.Rent();
                var list = LotViews.Arrivals(lease.Reader, normalised, since?.ToUnixTimeMilliseconds() ?? 0, zone);
                return Results.Json(list, InventoryJsonContext.Default.ListArrivalView);
            })
            .RequireAuthorization(Policies.Operator)
            .WithTags("Inventory")
            .WithName("ListArrivals")
            .WithSummary("EPCs the gateways' readers saw (since ?since=, of ?gtin=, at readers of ?zone=, e.g. dock-1) that no open lot holds: what a new receipt can list.")
            .Produces<List<ArrivalView>>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403);
    }

    // A delivery is irreversible: it names its quantity, or says "all": true; a missing or
    // misspelt quantity is never read as "all that remains".
    private static IResult? CheckDelivery(DeliverRequest body, TimeProvider time)
    {
        if (body.All is { } all && (!all || body.Quantity is not null))
        {
            return Problems.Result(Problems.Field(RequestProblemTypes.InvalidField, "all", body.Quantity is not null
                ? "give either 'quantity' or '\"all\": true', not both"
                : "'all' is only ever true (all that remains); to deliver part, give 'quantity' instead"));
        }
        return new RequestFields(time)
            .Required("quantity", body.Quantity ?? (object?)body.All, "a delivery names its 'quantity', or says '\"all\": true' to deliver all that remains")
            .Positive("quantity", body.Quantity, required: false)
            .Epcs("epcs", body.Epcs)
            .Past("atMs", body.AtMs)
            .Result;
    }

    internal static IResult Appended(Firmware.Contracts.Result<Ledger.AppendedEntry> result, string kind, int status) =>
        result.Succeeded
            ? Results.Json(new AppendedResponse(result.Value.Index, result.Value.LedgerSize, kind), NodeJsonContext.Default.AppendedResponse, statusCode: status)
            : Problems.Result(NodeProblem.From(result.Failure!));
}
