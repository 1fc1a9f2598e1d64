using AnchorNode.Devices;
using AnchorNode.Runtime;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>
/// Member to member: a device's stored leaves as raw bytes, for a peer that applied anchors without
/// them (it checks them against the anchors before storing), and this node's own lag. Readers only,
/// as the per-reading proofs and readings that expose the same leaves.
/// </summary>
internal static class ReplicationEndpoints
{
    /// <summary>The problem type when the node does not hold the leaves asked for.</summary>
    public const string LeavesNotHeld = "leaves-not-held";

    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/devices/{deviceId}/leaves", (string deviceId, long? from, int? count, NodeRuntime node) =>
            {
                var start = from ?? 0;
                var take = count ?? LeafPage.MaxLeaves;
                if (start < 0 || take is < 1 or > LeafPage.MaxLeaves)
                {
                    return Problems.Of(ProblemTypes.MalformedRequest, $"from must be 0 or more and count 1 to {LeafPage.MaxLeaves}; got from={start}, count={take}");
                }
                using var lease = node.Readers.Rent();
                var reader = lease.Reader;
                using var snapshot = reader.Snapshot();
                if (reader.State.Device(deviceId) is null)
                {
                    return Problems.Of(ProblemTypes.UnknownDevice, $"device '{deviceId}' was never enrolled");
                }
                var log = reader.DeviceLog(deviceId);
                var held = log?.Size ?? 0;
                if (log is null || start >= held)
                {
                    return Problems.Result(new NodeProblem(LeavesNotHeld, 404, $"this node holds {held} leaves of {deviceId}; none from sequence {start}"));
                }
                var leaves = reader.Leaves(log.LogId, start, Math.Min(take, held - start))
                    .Select(l => Convert.ToBase64String(l.Bytes.Span)).ToList();
                return Results.Json(new LeafPage(deviceId, start, held, leaves), ReplicationJsonContext.Default.LeafPage);
            })
            .RequireAuthorization(Policies.Reader)
            .WithTags("Replication")
            .WithName("GetDeviceLeaves")
            .WithSummary($"A device's stored leaves from sequence 'from' on (at most {LeafPage.MaxLeaves}), base64, for member nodes that hold its anchors without them.")
            .Produces<LeafPage>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(404);

        app.MapGet("/v1/node/replication", (NodeRuntime node) => Results.Json(node.Replication.Status(), ReplicationJsonContext.Default.ReplicationStatus))
            .RequireAuthorization(Policies.Reader)
            .WithTags("Replication")
            .WithName("GetReplication")
            .WithSummary("How many devices and leaves this node lacks behind the ledger's anchors, its peers, and the last pull's error.")
            .Produces<ReplicationStatus>()
            .ProducesProblem(401);
    }
}
