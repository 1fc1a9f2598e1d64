using AnchorNode.Runtime;
using System.Net;
using System.Text;
using AnchorNode.Hosting;
using AnchorNode.Ledger;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnchorNode.Tests.Ledger;

/// <summary>Other members replay the ledger into their own replicas and cosign; a verifier then needs K of N member keys.</summary>
public class CosignTests(TestNode node) : IClassFixture<TestNode>
{
    private async Task<CosignReport> CosignAsAsync(AnchorNode.Configuration.DataFolder folder)
    {
        await using var replica = NodeRuntime.Open(folder, NullLoggerFactory.Instance);
        using var http = node.Client(node.AuditorKey);
        var result = await new Cosigner(replica, http).CosignLatestAsync(CancellationToken.None);
        Assert.True(result.Succeeded, result.ToString());
        return result.Value;
    }

    private async Task<SignedNote> LatestAsync()
    {
        using var client = node.Anonymous();
        return SignedNote.Parse(await client.GetStringAsync("v1/ledger/checkpoint")).Value;
    }

    [Fact]
    public async Task TwoMembersCosign_AndAThresholdOfThreeIsMet()
    {
        var device = new SimulatedDevice("gw-cosign").Add(20);
        await node.EnrolAsync(device);
        await node.AnchorAsync(device, 0);
        var checkpoint = await node.WaitForCheckpointAsync();

        Assert.Equal("threshold-not-met", CheckpointVerifier.Verify(await LatestAsync(), node.Policy(threshold: 2)).Failure?.Code);
        var bank = await CosignAsAsync(node.BankFolder);
        Assert.Equal(checkpoint.Size, bank.Size);
        Assert.Equal(checkpoint.Size, bank.Replayed);
        Assert.Equal(["warehouse", "bank"], bank.Signers);
        Assert.True(CheckpointVerifier.Verify(await LatestAsync(), node.Policy(threshold: 2)).Succeeded);

        var auditor = await CosignAsAsync(node.AuditorFolder);
        Assert.Equal(["warehouse", "bank", "auditor"], auditor.Signers);
        var verified = CheckpointVerifier.Verify(await LatestAsync(), node.Policy(threshold: 3));
        Assert.True(verified.Succeeded, verified.ToString());

        // The bank's replica resumes where it stopped.
        device.Add(5);
        await node.AnchorAsync(device, 20);
        await node.WaitForCheckpointAsync();
        var again = await CosignAsAsync(node.BankFolder);
        Assert.Equal(1, again.Replayed);
    }

    [Fact]
    public async Task CosignatureByANonMember_IsRefused()
    {
        await node.WaitForCheckpointAsync();
        using var stranger = EcdsaNoteSigner.Generate("bank-impostor");
        var note = (await LatestAsync()).WithSignature(stranger);
        using var client = node.Anonymous();
        using var response = await client.PostAsync("v1/ledger/cosignatures", new StringContent(note.ToString(), Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("not-a-member", (await Problem.ReadAsync(response)).Code);
        Assert.DoesNotContain("bank-impostor", (await LatestAsync()).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CosignatureWithAMembersNameButAnotherKey_IsRefused()
    {
        await node.WaitForCheckpointAsync();
        using var impostor = EcdsaNoteSigner.Generate("bank");
        var note = (await LatestAsync()).WithSignature(impostor);
        using var client = node.Anonymous();
        using var response = await client.PostAsync("v1/ledger/cosignatures", new StringContent(note.ToString(), Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task CosignatureOnTextTheNodeNeverSigned_IsRefused()
    {
        var latest = Checkpoint.ParseText((await node.WaitForCheckpointAsync()).ToNoteText()).Value;
        var other = new Checkpoint(latest.Origin, latest.Size, Firmware.Contracts.Hashing.Hash32.Sha256("fork"u8), latest.Extensions).Sign(node.Bank);
        using var client = node.Anonymous();
        using var response = await client.PostAsync("v1/ledger/cosignatures", new StringContent(other.ToString(), Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown-checkpoint", (await Problem.ReadAsync(response)).Code);
    }

    [Fact]
    public async Task ForgedCosignatureBytes_AreBadSignature()
    {
        await node.WaitForCheckpointAsync();
        var latest = await LatestAsync();
        // The bank's real signature on another text, pasted under this checkpoint.
        var elsewhere = SignedNote.Sign("something else\n", node.Bank).Signatures[0];
        var forged = SignedNote.Parse(latest.Text + "\n" + elsewhere.ToLine() + "\n").Value;
        using var client = node.Anonymous();
        using var response = await client.PostAsync("v1/ledger/cosignatures", new StringContent(forged.ToString(), Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ProblemTypes.BadSignature, (await Problem.ReadAsync(response)).Code);
    }
}

/// <summary>A member that replays a tampered ledger refuses to cosign and names the entry.</summary>
public class CosignRefusalTests(TestNode node) : IClassFixture<TestNode>
{
    [Fact]
    public async Task ReplicaRejectingAnEntry_RefusesToCosign()
    {
        var device = new SimulatedDevice("gw-tampered").Add(8);
        var enrolment = await node.EnrolAsync(device);
        await node.AnchorAsync(device, 0);
        await node.WaitForCheckpointAsync();
        // Someone with access to the node's disk swaps the device key in the enrolment entry.
        using (var connection = node.Runtime.Database.OpenWriter())
        using (var command = connection.CreateCommand())
        {
            using var other = EcdsaNoteSigner.Generate("x");
            command.CommandText = "UPDATE entries SET bytes = CAST(replace(CAST(bytes AS TEXT), $old, $new) AS BLOB) WHERE idx = $idx";
            command.Parameters.AddWithValue("$old", device.PublicKey);
            command.Parameters.AddWithValue("$new", Convert.ToBase64String(other.PublicKey.Span));
            command.Parameters.AddWithValue("$idx", enrolment);
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        await using var replica = NodeRuntime.Open(node.BankFolder, NullLoggerFactory.Instance);
        using var http = node.Client(node.AuditorKey);
        var result = await new Cosigner(replica, http).CosignLatestAsync(CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal("bad-signature", result.Failure!.Code);
        Assert.Contains($"entry {enrolment} (enrol)", result.Failure.Message, StringComparison.Ordinal);
        using var client = node.Anonymous();
        Assert.DoesNotContain("\u2014 bank ", await client.GetStringAsync("v1/ledger/checkpoint"), StringComparison.Ordinal);
    }
}
