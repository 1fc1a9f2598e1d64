using System.Net;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Proofs;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Evidence;

/// <summary>The proof endpoints serve C2SP tlog-proofs that verify with the device key or member keys alone.</summary>
public class ProofEndpointTests(TestNode node) : IClassFixture<TestNode>
{
    [Fact]
    public async Task ReadingProof_VerifiesWithTheDeviceKey()
    {
        var device = new SimulatedDevice("gw-proof").Add(37);
        await node.EnrolAsync(device);
        await node.AnchorAsync(device, 0);
        using var client = node.Client(node.LenderKey);

        foreach (var seq in new[] { 0, 17, 36 })
        {
            var text = await client.GetStringAsync($"v1/devices/{device.Id}/readings/{seq}/proof");
            var proof = TlogProof.Parse(text).Value;
            var verified = proof.Verify(TrustPolicy.Single(device.Key.VerifierKey), device.Leaves[seq].LeafHash, DeviceLogs.Origin(device.Id));
            Assert.True(verified.Succeeded, verified.ToString());
            Assert.Equal(seq, proof.Index);
        }
        using var beyond = await client.GetAsync($"v1/devices/{device.Id}/readings/37/proof");
        Assert.Equal(HttpStatusCode.NotFound, beyond.StatusCode);
    }

    [Fact]
    public async Task DeviceBundle_BeforeAnyCheckpointHoldsTheDevice_IsServed_NeverTryAgainLater()
    {
        // A node that signs checkpoints only hourly: asked right after the enrolment and between
        // uploads, it signs the checkpoint the bundle needs instead of answering 503 or leaving out
        // what was anchored since its last one.
        var quiet = new TestNode { CheckpointIntervalMs = 3_600_000 };
        await quiet.InitializeAsync();
        try
        {
            var device = new SimulatedDevice("gw-busy");
            await quiet.EnrolAsync(device);
            using var client = quiet.Client(quiet.AuditorKey);
            var answers = new List<HttpStatusCode>();
            byte[] last = [];
            for (var i = 0; i < 5; i++)
            {
                device.Add(5);
                await quiet.AnchorAsync(device, i * 5);
                using var response = await client.GetAsync($"v1/devices/{device.Id}/bundle");
                answers.Add(response.StatusCode);
                last = await response.Content.ReadAsByteArrayAsync();
            }

            Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a));
            var path = Path.Combine(quiet.Root, "gw-busy.evidence.json");
            await File.WriteAllBytesAsync(path, last);
            var verified = await Programs.RunAsync(Programs.Verifier, ["bundle", path, .. quiet.VerifierKeyArgs, "--threshold", "1"]);
            Assert.True(verified.ExitCode == 0, verified.Output + verified.Error);
            // Every reading anchored before the request: the node signed the checkpoint that holds them.
            Assert.Contains("readings: 25 (seq 0..24, none missing; up to the last anchored)", verified.Output, StringComparison.Ordinal);
        }
        finally
        {
            await quiet.DisposeAsync();
        }
    }

    [Fact]
    public async Task EntryProof_VerifiesWithMemberKeys()
    {
        var device = new SimulatedDevice("gw-entry").Add(3);
        var enrolment = await node.EnrolAsync(device);
        await node.WaitForCheckpointAsync();
        using var client = node.Client(node.AuditorKey);

        var proof = TlogProof.Parse(await client.GetStringAsync($"v1/ledger/entries/{enrolment}/proof")).Value;
        var entry = LedgerEntry.Parse(await client.GetByteArrayAsync($"v1/ledger/entries/{enrolment}")).Value;
        var verified = proof.Verify(node.Policy(), entry.LeafHash, "edgetrace/ledger/demo");
        Assert.True(verified.Succeeded, verified.ToString());
        Assert.Equal(EntryKinds.Enrol, entry.Kind);

        var wrong = proof.Verify(node.Policy(), Rfc9162.HashLeaf("another entry"u8), "edgetrace/ledger/demo");
        Assert.Equal("root-mismatch", wrong.Failure?.Code);
    }

    [Fact]
    public async Task ConsistencyProof_OutOfRange_IsBadRequest()
    {
        using var client = node.Anonymous();
        using var response = await client.GetAsync($"v1/ledger/consistency?from=0&to={node.LedgerSize}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(ProblemTypes.MalformedRequest, (await Problem.ReadAsync(response)).Code);
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheEndpoints()
    {
        using var client = node.Anonymous();
        var document = await client.GetStringAsync("openapi/v1.json");
        foreach (var path in new[] { "/v1/devices/{deviceId}/uplink", "/v1/devices/{deviceId}/log", "/v1/ledger/checkpoint", "/v1/ledger/cosignatures", "/v1/devices/{deviceId}/bundle", "/v1/ledger/entries/{index}/proof" })
        {
            Assert.Contains($"\"{path}\"", document, StringComparison.Ordinal);
        }
    }
}
