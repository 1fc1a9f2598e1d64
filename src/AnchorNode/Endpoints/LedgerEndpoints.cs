using AnchorNode.Runtime;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>The ledger: checkpoints (public), cosignatures (member-signed), entries (any role), members (public).</summary>
internal static class LedgerEndpoints
{
    private const string Text = "text/plain; charset=utf-8";

    public static void Map(WebApplication app)
    {
        var ledger = app.MapGroup("/v1/ledger").WithTags("Ledger");

        ledger.MapGet("/checkpoint", (NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                return lease.Reader.LatestCheckpoint() is { } latest
                    ? Results.Text(latest.Note, Text)
                    : Problems.Of(ProblemTypes.NotFound, "the node has signed no ledger checkpoint yet");
            })
            .WithName("GetLatestCheckpoint")
            .WithSummary("The latest ledger checkpoint: a C2SP signed note with every member cosignature gathered so far.")
            .Produces<string>(200, Text)
            .ProducesProblem(404);

        ledger.MapGet("/checkpoints", (long? after, int? limit, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                var list = lease.Reader.CheckpointsAfter(after ?? 0, Math.Clamp(limit ?? 100, 1, 1000))
                    .Select(c => new CheckpointView(c.Size, c.TimeMs, c.Signatures, c.Note)).ToList();
                return Results.Json(new CheckpointsView(list), NodeJsonContext.Default.CheckpointsView);
            })
            .WithName("ListCheckpoints")
            .WithSummary("Checkpoint history, oldest first, after a ledger size.")
            .Produces<CheckpointsView>();

        ledger.MapGet("/checkpoints/{size:long}", (long size, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                return lease.Reader.CheckpointAt(size) is { } checkpoint
                    ? Results.Text(checkpoint.Note, Text)
                    : Problems.Of(ProblemTypes.NotFound, $"no ledger checkpoint of size {size}; see /v1/ledger/checkpoints");
            })
            .WithName("GetCheckpoint")
            .WithSummary("The ledger checkpoint of a given size.")
            .Produces<string>(200, Text)
            .ProducesProblem(404);

        ledger.MapPost("/cosignatures", async (HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (note, problem) = await RequestBodies.ReadTextAsync(request, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                var result = await node.Cosignatures.AddAsync(note!, cancellationToken);
                return result.Succeeded
                    ? Results.Json(new CosignView(result.Value.Size, result.Value.Added, result.Value.Note), NodeJsonContext.Default.CosignView)
                    : Problems.Result(NodeProblem.From(result.Failure!));
            })
            .WithName("Cosign")
            .WithSummary("Adds member cosignatures to a checkpoint this node signed. The body is the checkpoint note (text/plain) with the member's signature line; it authenticates itself.")
            .Accepts<string>(LotEndpoints.TextBody)
            .WithBodyLimit(Firmware.Contracts.Notes.SignedNote.MaxBytes)
            .Produces<CosignView>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415);

        ledger.MapGet("/entries", (long? from, int? count, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                var reader = lease.Reader;
                using var snapshot = reader.Snapshot();
                var entries = reader.Entries(Math.Max(0, from ?? 0), Math.Clamp(count ?? 100, 1, 1000))
                    .Select(e => new EntryView(e.Index, LedgerEntry.Parse(e.Bytes) is { Succeeded: true } p ? p.Value.Kind : "?", Convert.ToBase64String(e.Bytes)))
                    .ToList();
                return Results.Json(new EntriesView(reader.LedgerSize, entries), NodeJsonContext.Default.EntriesView);
            })
            .RequireAuthorization(Policies.Reader)
            .WithName("ListEntries")
            .WithSummary("Ledger entries from an index on (base64 of the entry bytes): what a replica replays.")
            .Produces<EntriesView>()
            .ProducesProblem(401);

        ledger.MapGet("/state", (long? size, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                var reader = lease.Reader;
                using var snapshot = reader.Snapshot();
                var checkpoint = size is { } wanted ? reader.CheckpointAt(wanted) : reader.LatestCheckpoint();
                if (checkpoint is null)
                {
                    return Problems.Of(ProblemTypes.NotFound, size is null ? "the node has signed no ledger checkpoint yet" : $"no ledger checkpoint of size {size}; see /v1/ledger/checkpoints");
                }
                var entries = reader.StateAt(checkpoint.Size);
                return Results.Json(new StateView(checkpoint.Size, LedgerStateMap.Tree(entries).Root.ToBase64(), entries.Select(e => new StateEntryView(e.Key, e.Value)).ToList()),
                    NodeJsonContext.Default.StateView);
            })
            .RequireAuthorization(Policies.Reader)
            .WithName("GetLedgerState")
            .WithSummary("The ledger state map as of a checkpoint (?size=, default the latest): every key and value its 'state' line commits to (docs/spec-ledger.md §5.1). Members compare it with their replica's.")
            .Produces<StateView>()
            .ProducesProblem(401).ProducesProblem(404);

        ledger.MapGet("/entries/{index:long}", (long index, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                return lease.Reader.Entry(index) is { } bytes
                    ? Results.Bytes(bytes, Text)
                    : Problems.Of(ProblemTypes.NotFound, $"no ledger entry {index}");
            })
            .RequireAuthorization(Policies.Reader)
            .WithName("GetEntry")
            .WithSummary("One ledger entry, its bytes exactly as appended.")
            .Produces<string>(200, Text)
            .ProducesProblem(401).ProducesProblem(404);

        app.MapGet("/v1/members", (NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                var state = lease.Reader.State;
                var members = state.Members()
                    .Select(m => new MemberView(m.Name, MemberRoleNames.Format(m.Roles), m.PublicKey, m.KeyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture), m.AdmittedAt))
                    .ToList();
                return Results.Json(new MembersView(state.Consortium, LedgerNames.Origin(state.Consortium), state.Quorum, members), NodeJsonContext.Default.MembersView);
            })
            .WithTags("Ledger")
            .WithName("GetMembers")
            .WithSummary("The consortium's members and keys as the ledger records them (what a verifier's --key options name).")
            .Produces<MembersView>();

        app.MapGet("/v1/ledger/ordering", (NodeRuntime node) =>
            {
                if (node.Etcd is { } etcd)
                {
                    var status = etcd.Status;
                    return Results.Json(new OrderingView("etcd", status.Applied, Math.Max(status.Ordered, status.Applied), status.Halted, status.LastError), NodeJsonContext.Default.OrderingView);
                }
                using var lease = node.Readers.Rent();
                var size = lease.Reader.LedgerSize;
                return Results.Json(new OrderingView("local", size, size, null, null), NodeJsonContext.Default.OrderingView);
            })
            .WithTags("Ledger")
            .WithName("GetOrdering")
            .WithSummary("How this node's entries are ordered (alone, or by the consortium's etcd cluster) and how far it has applied that order.")
            .Produces<OrderingView>();
    }
}
