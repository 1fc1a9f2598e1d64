using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using static Firmware.Contracts.Tests.Merkle.TestTrees;

namespace Firmware.Contracts.Tests.Merkle;

/// <summary>
/// Every tree size 1..64, every index and every old size, checked against the naive recursive
/// reference written from the RFC text, and verified by the RFC's iterative algorithms.
/// </summary>
public class ReferenceAgreementTests
{
    private const int MaxSize = 64;
    private static readonly byte[][] Data = Leaves(MaxSize);
    private static readonly MerkleLog FullLog = Log(Data);

    [Fact]
    public void Roots_AgreeWithReference_ForSizes0To64()
    {
        for (var n = 0; n <= MaxSize; n++)
        {
            Assert.Equal(ReferenceMerkle.Mth(Data[..n]), FullLog.Reader.Root(n).Bytes.ToArray());
        }
    }

    [Fact]
    public void InclusionProofs_AgreeWithReference_AndVerify_ForEveryIndexOfEverySize()
    {
        for (var n = 1; n <= MaxSize; n++)
        {
            var root = FullLog.Reader.Root(n);
            for (var m = 0; m < n; m++)
            {
                var path = FullLog.Reader.InclusionProof(m, n);
                var reference = ReferenceMerkle.Path(m, Data[..n]);
                Assert.Equal(reference.Select(Convert.ToHexStringLower), path.Select(h => h.ToHex()));
                var result = MerkleVerifier.VerifyInclusion(m, n, Rfc9162.HashLeaf(Data[m]), path, root);
                Assert.True(result.Succeeded, $"leaf {m} of {n}: {result}");
            }
        }
    }

    [Fact]
    public void ConsistencyProofs_AgreeWithReference_AndVerify_ForEveryOldSizeOfEverySize()
    {
        for (var n = 1; n <= MaxSize; n++)
        {
            var root = FullLog.Reader.Root(n);
            for (var m = 1; m <= n; m++)
            {
                var proof = FullLog.Reader.ConsistencyProof(m, n);
                var reference = ReferenceMerkle.Proof(m, Data[..n]);
                Assert.Equal(reference.Select(Convert.ToHexStringLower), proof.Select(h => h.ToHex()));
                var result = MerkleVerifier.VerifyConsistency(m, n, FullLog.Reader.Root(m), root, proof);
                Assert.True(result.Succeeded, $"{m} → {n}: {result}");
            }
        }
    }

    [Fact]
    public void Appender_CompletedNodes_AreThePerfectSubtrees()
    {
        var appender = new MerkleAppender();
        var completed = new List<MerkleNode>();
        foreach (var leaf in Data[..13])
        {
            appender.Append(Rfc9162.HashLeaf(leaf), completed);
        }
        // 13 leaves complete 13 + 6 + 3 + 1 perfect subtrees of levels 0..3.
        Assert.Equal(13 + 6 + 3 + 1, completed.Count);
        foreach (var node in completed)
        {
            var from = (int)(node.Index << node.Level);
            var to = (int)((node.Index + 1) << node.Level);
            Assert.Equal(ReferenceMerkle.Mth(Data[from..to]), node.Hash.Bytes.ToArray());
        }
    }

    [Fact]
    public void Log_ReopenedFromStore_ContinuesWithSameRoots()
    {
        var store = new InMemoryMerkleHashStore();
        var first = Log(Data[..37], store);
        var reopened = new MerkleLog(store, first.Size);
        Assert.Equal(first.Root(), reopened.Root());
        reopened.Append(Data[37..].Select(l => Rfc9162.HashLeaf(l)).ToArray());
        Assert.Equal(FullLog.Root(), reopened.Root());
        Assert.Equal(FullLog.Reader.InclusionProof(5, 64), reopened.Reader.InclusionProof(5, 64));
    }

    [Fact]
    public void Log_RewoundToMark_ForgetsAppendsAfterIt()
    {
        var log = Log(Data[..20]);
        var mark = log.Mark();
        var before = log.Root();
        log.Append(Rfc9162.HashLeaf([1, 2, 3]));
        log.Rewind(mark);
        Assert.Equal(20, log.Size);
        Assert.Equal(before, log.Root());
    }

    [Fact]
    public void LargeTree_ProofsFromStoredLevels_Verify()
    {
        // 100,003 leaves: many stored levels and a ragged right edge; sample indices and old sizes.
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        const int n = 100_003;
        var batch = new Hash32[1000];
        for (var i = 0; i < n;)
        {
            var count = Math.Min(batch.Length, n - i);
            for (var j = 0; j < count; j++)
            {
                batch[j] = Rfc9162.HashLeaf(BitConverter.GetBytes(i + j));
            }
            log.Append(batch.AsSpan(0, count));
            i += count;
        }
        var root = log.Root();
        Assert.Equal(root, log.Reader.Root(n));
        var random = new Random(7);
        for (var t = 0; t < 200; t++)
        {
            var index = random.Next(n);
            var path = log.Reader.InclusionProof(index, n);
            Assert.True(MerkleVerifier.VerifyInclusion(index, n, Rfc9162.HashLeaf(BitConverter.GetBytes(index)), path, root).Succeeded);
            var old = random.Next(1, n + 1);
            var proof = log.Reader.ConsistencyProof(old, n);
            Assert.True(MerkleVerifier.VerifyConsistency(old, n, log.Reader.Root(old), root, proof).Succeeded, $"{old} → {n}");
        }
    }
}
