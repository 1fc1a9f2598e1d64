using System.Net.Http.Json;
using AnchorNode.Endpoints;
using AnchorNode.Ledger;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;

namespace AnchorNode.Tests.Ledger;

/// <summary>Ledger checkpoints: signed while entries arrive, all kept, each consistent with the one before.</summary>
public class CheckpointTests(TestNode node) : IClassFixture<TestNode>
{
    [Fact]
    public async Task WhileEntriesArrive_CheckpointsFollow_AndTheHistoryIsConsistent()
    {
        for (var i = 0; i < 4; i++)
        {
            var device = new SimulatedDevice($"gw-cp-{i}", seed: i).Add(5);
            await node.EnrolAsync(device);
            await node.AnchorAsync(device, 0);
            await node.WaitForCheckpointAsync();
        }

        using var client = node.Anonymous();
        var history = (await client.GetFromJsonAsync("v1/ledger/checkpoints?after=0&limit=1000", NodeJsonContext.Default.CheckpointsView))!.Checkpoints;
        Assert.True(history.Count >= 4, $"expected a checkpoint per burst, got {history.Count}");
        var policy = TrustPolicy.Single(node.Runtime.Member.VerifierKey);
        Checkpoint? previous = null;
        foreach (var item in history)
        {
            var verified = CheckpointVerifier.Verify(item.Note, policy, "edgetrace/ledger/demo");
            Assert.True(verified.Succeeded, verified.ToString());
            var checkpoint = verified.Value.Checkpoint;
            Assert.Equal(item.TimeMs, checkpoint.TimeMs);
            if (previous is not null)
            {
                Assert.True(checkpoint.Size > previous.Size);
                Assert.True(checkpoint.TimeMs >= previous.TimeMs);
                var proof = await client.GetFromJsonAsync($"v1/ledger/consistency?from={previous.Size}&to={checkpoint.Size}", NodeJsonContext.Default.ConsistencyView);
                var hashes = proof!.Proof.Select(h => Hash32.TryFromBase64(h, out var x) ? x : throw new FormatException(h)).ToArray();
                var consistent = MerkleVerifier.VerifyConsistency(previous.Size, checkpoint.Size, previous.Root, checkpoint.Root, hashes);
                Assert.True(consistent.Succeeded, consistent.ToString());
            }
            previous = checkpoint;
        }
    }

    [Fact]
    public async Task NoNewEntries_NoNewCheckpoint()
    {
        await node.WaitForCheckpointAsync();
        Assert.Null(await node.Runtime.Checkpointer.SignIfGrownAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AGuardFromAnotherHistory_StopsSigning()
    {
        var device = new SimulatedDevice("gw-guard").Add(3);
        await node.EnrolAsync(device);
        var signed = await node.WaitForCheckpointAsync();
        var guard = new CheckpointGuard(node.Folder.GuardFile);
        var saved = guard.Last!.Value;
        try
        {
            // As if this key had signed a different ledger of the same size (a restored database).
            guard.Record(signed.Size, Hash32.Sha256("another history"u8));
            await node.AnchorAsync(device, 0);
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => node.Runtime.Checkpointer.SignIfGrownAsync(CancellationToken.None));
            Assert.Contains("refusing to sign", error.Message, StringComparison.Ordinal);
            guard.Record(signed.Size + 1000, saved.Root);
            error = await Assert.ThrowsAsync<InvalidOperationException>(() => node.Runtime.Checkpointer.SignIfGrownAsync(CancellationToken.None));
            Assert.Contains("restored from an old copy", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            guard.Record(saved.Size, saved.Root);
        }
        // Signing resumes: the background service may sign the grown ledger before this call does,
        // so what must hold is that a checkpoint now covers the anchor.
        await node.Runtime.Checkpointer.SignIfGrownAsync(CancellationToken.None);
        var resumed = await node.WaitForCheckpointAsync();
        Assert.True(resumed.Size > signed.Size, $"checkpoint of size {resumed.Size} does not cover the anchor after size {signed.Size}");
    }
}
