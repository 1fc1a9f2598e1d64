using AnchorNode.Runtime;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Proofs;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>Proofs: C2SP tlog-proofs for readings and entries, consistency between ledger sizes, evidence bundles.</summary>
internal static class ProofEndpoints
{
    private const string Text = "text/plain; charset=utf-8";

    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/devices/{deviceId}/readings/{seq:long}/proof", (string deviceId, long seq, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                var reader = lease.Reader;
                using var snapshot = reader.Snapshot();
                var device = reader.State.Device(deviceId);
                if (device?.AnchorIndex is not { } anchor || reader.DeviceLog(deviceId) is not { } log)
                {
                    return Problems.Of(ProblemTypes.UnknownDevice, $"device '{deviceId}' has no anchored readings");
                }
                if (seq < 0 || seq >= device.AnchoredSize)
                {
                    return Problems.Of(ProblemTypes.NotFound, $"reading {seq} is not in {deviceId}'s anchored log of {device.AnchoredSize} leaves");
                }
                var note = reader.Entry(anchor) is { } bytes && LedgerEntry.Parse(bytes) is { Succeeded: true } entry ? entry.Value.Note : null;
                if (note is null)
                {
                    return Problems.Of(ProblemTypes.NotFound, $"the anchor entry {anchor} of {deviceId} is missing");
                }
                var proof = new TlogProof(seq, reader.DeviceTree(log.LogId).InclusionProof(seq, device.AnchoredSize), note);
                return Results.Text(proof.ToString(), Text);
            })
            .RequireAuthorization(Policies.Reader)
            .WithTags("Proofs")
            .WithName("GetReadingProof")
            .WithSummary("A C2SP tlog-proof that reading SEQ is in the device's latest anchored checkpoint (the device-signed note).")
            .Produces<string>(200, Text)
            .ProducesProblem(401).ProducesProblem(404);

        app.MapGet("/v1/ledger/entries/{index:long}/proof", (long index, long? size, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                var reader = lease.Reader;
                using var snapshot = reader.Snapshot();
                var checkpoint = size is { } s ? reader.CheckpointAt(s) : reader.LatestCheckpoint();
                if (checkpoint is null)
                {
                    return Problems.Of(ProblemTypes.NotFound, size is null ? "no ledger checkpoint yet" : $"no ledger checkpoint of size {size}");
                }
                if (index < 0 || index >= checkpoint.Size)
                {
                    return Problems.Of(ProblemTypes.NotFound, $"entry {index} is not in the checkpoint of size {checkpoint.Size}; ask again after the next checkpoint");
                }
                var proof = new TlogProof(index, reader.Ledger.InclusionProof(index, checkpoint.Size), SignedNote.Parse(checkpoint.Note).Value);
                return Results.Text(proof.ToString(), Text);
            })
            .RequireAuthorization(Policies.Reader)
            .WithTags("Proofs")
            .WithName("GetEntryProof")
            .WithSummary("A C2SP tlog-proof that ledger entry INDEX is in the latest ledger checkpoint (or the one of ?size=).")
            .Produces<string>(200, Text)
            .ProducesProblem(401).ProducesProblem(404);

        app.MapGet("/v1/ledger/consistency", (long from, long to, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                var reader = lease.Reader;
                var size = reader.LedgerSize;
                if (from < 1 || from > to || to > size)
                {
                    return Problems.Of(ProblemTypes.MalformedRequest, $"need 1 ≤ from ≤ to ≤ {size} (the ledger size), got from={from} to={to}");
                }
                var proof = reader.Ledger.ConsistencyProof(from, to).Select(h => h.ToBase64()).ToList();
                return Results.Json(new ConsistencyView(from, to, proof), NodeJsonContext.Default.ConsistencyView);
            })
            .WithTags("Proofs")
            .WithName("GetConsistencyProof")
            .WithSummary("The RFC 9162 consistency proof between two ledger sizes (base64 hashes).")
            .Produces<ConsistencyView>()
            .ProducesProblem(400);

        app.MapGet("/v1/devices/{deviceId}/bundle", async (string deviceId, DateTimeOffset? from, DateTimeOffset? to, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                // The bundle holds what the newest checkpoint proves: sign one first if the ledger grew
                // (the device's latest anchor, or its enrolment, may not be in the last), rather than
                // answer "try again" or leave out the readings anchored since.
                await ReportEndpoints.SignAsync(node, cancellationToken);
                var exported = node.Exporter.Export(deviceId, from, to);
                if (!exported.Succeeded)
                {
                    return exported.Failure!.Code == LedgerFailures.UnknownDevice
                        ? Problems.Of(ProblemTypes.UnknownDevice, exported.Failure.Message)
                        : Problems.Result(NodeProblem.From(exported.Failure));
                }
                return Results.Bytes(exported.Value.Bundle.ToJson(), "application/json",
                    $"{deviceId}{(from is null ? "" : "-" + from.Value.ToUnixTimeSeconds())}.evidence.json");
            })
            .RequireAuthorization(Policies.Reader)
            .WithTags("Proofs")
            .WithName("GetEvidenceBundle")
            .WithSummary("An evidence bundle for a device and time window (ISO 8601 ?from=&to=; default its whole anchored log), against the best-signed checkpoint (one is signed first if the ledger grew): its enrolment and last anchor as the state names them, the readings with one range proof; checkable offline with 'edgetrace verify bundle'.")
            .Produces<EvidenceBundle>(200, "application/json")
            .ProducesProblem(401).ProducesProblem(404);
    }
}
