using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;

namespace Firmware.Contracts.Tests.Merkle;

public sealed class AppendPlanTests
{
    private static Hash32[] LeafHashes(int from, int count) =>
        Enumerable.Range(from, count).Select(i => Rfc9162.HashLeaf(BitConverter.GetBytes(i))).ToArray();

    [Fact]
    public void PlansChainedAheadOfAppends_GiveTheSameRootsAndStoredLevels_AsDirectAppends()
    {
        // Ragged batch sizes across stored-level boundaries (16, 256, 4096 leaves).
        int[] batches = [1, 15, 17, 240, 1000, 3, 1000, 2, 999, 1000, 1000];
        var directStore = new InMemoryMerkleHashStore();
        var direct = new MerkleLog(directStore);
        var plannedStore = new InMemoryMerkleHashStore();
        var planned = new MerkleLog(plannedStore);
        MerkleAppendPlan? previous = null;
        var queue = new Queue<MerkleAppendPlan>();
        var at = 0;
        foreach (var count in batches)
        {
            var hashes = LeafHashes(at, count);
            at += count;
            direct.Append(hashes);
            // Planned one batch ahead of what the log has appended, as the writer does.
            previous = planned.Plan(hashes, previous);
            Assert.Equal(direct.Root(), previous.Root());
            queue.Enqueue(previous);
            if (queue.Count == 2)
            {
                planned.Append(queue.Dequeue());
            }
        }
        planned.Append(queue.Dequeue());

        Assert.Equal(at, planned.Size);
        Assert.Equal(direct.Root(), planned.Root());
        var reopened = new MerkleLog(plannedStore, at);
        Assert.Equal(direct.Root(), reopened.Root());
        foreach (var size in new[] { 1, 16, 255, 256, 4095, 4096, at })
        {
            Assert.Equal(direct.Reader.Root(size), planned.Reader.Root(size));
        }
        var proof = planned.Reader.InclusionProof(4100, at);
        Assert.True(MerkleVerifier.VerifyInclusion(4100, at, Rfc9162.HashLeaf(BitConverter.GetBytes(4100)), proof, direct.Root()).Succeeded);
    }

    [Fact]
    public void Plan_FromEveryStartSizeUpTo70_WithEveryBatchSizeUpTo40_MatchesTheSequentialAppender()
    {
        // The plan hashes level by level; MerkleAppender appends leaf by leaf. Both must agree on
        // the root and on every node stored (levels 0 and 4 here).
        var hashes = LeafHashes(0, 110);
        for (var from = 0; from <= 70; from++)
        {
            var reference = new MerkleAppender();
            for (var i = 0; i < from; i++)
            {
                reference.Append(hashes[i]);
            }
            for (var count = 0; count <= 40; count++)
            {
                var store = new InMemoryMerkleHashStore();
                var log = new MerkleLog(store);
                log.Append(hashes.AsSpan(0, from));
                var completed = new List<MerkleNode>();
                var appender = reference.Clone();
                for (var i = from; i < from + count; i++)
                {
                    appender.Append(hashes[i], completed);
                }
                var plan = log.Plan(hashes.AsSpan(from, count));
                Assert.Equal(appender.Root(), plan.Root());
                Assert.Equal(from + count, plan.Size);
                var stored = completed.Where(n => n.Level % MerkleLog.LevelStride == 0).ToList();
                log.Append(plan);
                Assert.Equal(appender.Root(), log.Root());
                foreach (var node in stored)
                {
                    var read = new Hash32[1];
                    store.Read(node.Level, node.Index, read);
                    Assert.Equal(node.Hash, read[0]);
                }
            }
        }
    }

    [Fact]
    public void Plan_ThatDoesNotStartAtTheLogSize_IsRefused()
    {
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        var first = log.Plan(LeafHashes(0, 10));
        var second = log.Plan(LeafHashes(10, 5), first);

        var error = Assert.Throws<ArgumentException>(() => log.Append(second));

        Assert.Contains("from size 10", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, log.Size);
    }

    [Fact]
    public void Plan_AppendedAgainAfterRewind_GivesTheSameRoot()
    {
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        log.Append(LeafHashes(0, 33));
        var plan = log.Plan(LeafHashes(33, 100));
        var mark = log.Mark();

        log.Append(plan);
        var root = log.Root();
        log.Rewind(mark);
        Assert.Equal(33, log.Size);
        log.Append(plan);

        Assert.Equal(133, log.Size);
        Assert.Equal(root, log.Root());
        Assert.Equal(TestTrees.Log(Enumerable.Range(0, 133).Select(BitConverter.GetBytes)).Root(), root);
    }
}
