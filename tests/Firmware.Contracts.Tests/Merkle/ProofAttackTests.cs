using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using static Firmware.Contracts.Tests.Merkle.TestTrees;

namespace Firmware.Contracts.Tests.Merkle;

/// <summary>
/// Proofs that must fail: each takes a valid proof from a tree of every size 1..24 and breaks one
/// thing (transparency-dev/merkle's corrupted-proof probes, extended to every position).
/// </summary>
public class ProofAttackTests
{
    private const int MaxSize = 24;
    private static readonly byte[][] Data = Leaves(2 * MaxSize + 1);
    private static readonly MerkleLog Tree = Log(Data);

    private static IEnumerable<(long Index, long Size, Hash32 Leaf, Hash32[] Path, Hash32 Root)> ValidInclusions()
    {
        for (var n = 1; n <= MaxSize; n++)
        {
            for (var m = 0; m < n; m++)
            {
                yield return (m, n, Rfc9162.HashLeaf(Data[m]), Tree.Reader.InclusionProof(m, n), Tree.Reader.Root(n));
            }
        }
    }

    private static IEnumerable<(long Old, long New, Hash32 OldRoot, Hash32 NewRoot, Hash32[] Path)> ValidConsistencies()
    {
        for (var n = 1; n <= MaxSize; n++)
        {
            for (var m = 1; m <= n; m++)
            {
                yield return (m, n, Tree.Reader.Root(m), Tree.Reader.Root(n), Tree.Reader.ConsistencyProof(m, n));
            }
        }
    }

    private static Hash32 Flip(Hash32 h, int bit)
    {
        var bytes = h.Bytes.ToArray();
        bytes[bit / 8] ^= (byte)(1 << (bit % 8));
        return new Hash32(bytes);
    }

    private static void AssertFails(Result result, string what)
    {
        Assert.False(result.Succeeded, $"{what} was accepted");
        Assert.False(string.IsNullOrWhiteSpace(result.Failure!.Message));
    }

    [Fact]
    public void Inclusion_WrongLeaf_Fails()
    {
        foreach (var (m, n, _, path, root) in ValidInclusions())
        {
            AssertFails(MerkleVerifier.VerifyInclusion(m, n, Rfc9162.HashLeaf(Data[2 * MaxSize]), path, root), $"wrong leaf at {m}/{n}");
            // The leaf data hashed as a node, or the raw data hash without the 0x00 prefix.
            AssertFails(MerkleVerifier.VerifyInclusion(m, n, Hash32.Sha256(Data[m]), path, root), $"unprefixed leaf at {m}/{n}");
        }
    }

    [Fact]
    public void Inclusion_WrongIndex_Fails()
    {
        foreach (var (m, n, leaf, path, root) in ValidInclusions())
        {
            foreach (var wrong in new[] { m - 1, m + 1, m ^ 2, n, n + 1, -1 })
            {
                if (wrong == m || (wrong >= 0 && wrong < n && ReferenceMerkle.Path((int)wrong, Data[..(int)n]).Count == 0))
                {
                    continue;
                }
                AssertFails(MerkleVerifier.VerifyInclusion(wrong, n, leaf, path, root), $"index {wrong} for leaf {m}/{n}");
            }
        }
    }

    [Fact]
    public void Inclusion_WrongSize_Fails()
    {
        // A size comes with its own root (both from one signed checkpoint): claiming the leaf is in
        // the tree of another size, under that tree's root, must fail.
        foreach (var (m, n, leaf, path, _) in ValidInclusions())
        {
            foreach (var wrong in new[] { n - 1, n + 1, n * 2 })
            {
                if (wrong <= m)
                {
                    AssertFails(MerkleVerifier.VerifyInclusion(m, wrong, leaf, path, Tree.Reader.Root(n)), $"size {wrong} below index for leaf {m}/{n}");
                    continue;
                }
                AssertFails(MerkleVerifier.VerifyInclusion(m, wrong, leaf, path, Tree.Reader.Root(wrong)), $"size {wrong} for leaf {m}/{n}");
            }
            AssertFails(MerkleVerifier.VerifyInclusion(m, 0, leaf, path, Rfc9162.EmptyRoot), $"size 0 for leaf {m}/{n}");
        }
    }

    [Fact]
    public void Inclusion_TruncatedPath_Fails()
    {
        foreach (var (m, n, leaf, path, root) in ValidInclusions())
        {
            for (var keep = 0; keep < path.Length; keep++)
            {
                AssertFails(MerkleVerifier.VerifyInclusion(m, n, leaf, path[..keep], root), $"path cut to {keep} for {m}/{n}");
            }
        }
    }

    [Fact]
    public void Inclusion_ExtraHash_Fails()
    {
        foreach (var (m, n, leaf, path, root) in ValidInclusions())
        {
            AssertFails(MerkleVerifier.VerifyInclusion(m, n, leaf, [.. path, leaf], root), $"trailing hash for {m}/{n}");
            AssertFails(MerkleVerifier.VerifyInclusion(m, n, leaf, [.. path, Rfc9162.EmptyRoot], root), $"trailing empty root for {m}/{n}");
            AssertFails(MerkleVerifier.VerifyInclusion(m, n, leaf, [leaf, .. path], root), $"leading hash for {m}/{n}");
        }
    }

    [Fact]
    public void Inclusion_FlippedBitInAnyPathElement_Fails()
    {
        foreach (var (m, n, leaf, path, root) in ValidInclusions())
        {
            for (var i = 0; i < path.Length; i++)
            {
                foreach (var bit in new[] { 0, 7, 128, 255 })
                {
                    var tampered = (Hash32[])path.Clone();
                    tampered[i] = Flip(tampered[i], bit);
                    AssertFails(MerkleVerifier.VerifyInclusion(m, n, leaf, tampered, root), $"bit {bit} of element {i} for {m}/{n}");
                }
            }
            AssertFails(MerkleVerifier.VerifyInclusion(m, n, Flip(leaf, 3), path, root), $"flipped leaf hash for {m}/{n}");
            AssertFails(MerkleVerifier.VerifyInclusion(m, n, leaf, path, Flip(root, 200)), $"flipped root for {m}/{n}");
        }
    }

    [Fact]
    public void Inclusion_SwappedPathElements_Fail()
    {
        foreach (var (m, n, leaf, path, root) in ValidInclusions())
        {
            for (var i = 0; i + 1 < path.Length; i++)
            {
                if (path[i] == path[i + 1])
                {
                    continue;
                }
                var swapped = (Hash32[])path.Clone();
                (swapped[i], swapped[i + 1]) = (swapped[i + 1], swapped[i]);
                AssertFails(MerkleVerifier.VerifyInclusion(m, n, leaf, swapped, root), $"swapped {i},{i + 1} for {m}/{n}");
            }
        }
    }

    [Fact]
    public void Inclusion_SizeZero_Fails() =>
        AssertFails(MerkleVerifier.VerifyInclusion(0, 0, Rfc9162.HashLeaf([]), [], Rfc9162.EmptyRoot), "size 0");

    [Fact]
    public void Consistency_SwappedRoots_Fail()
    {
        foreach (var (m, n, oldRoot, newRoot, path) in ValidConsistencies())
        {
            if (m == n)
            {
                continue;
            }
            AssertFails(MerkleVerifier.VerifyConsistency(m, n, newRoot, oldRoot, path), $"swapped roots {m} → {n}");
        }
    }

    [Fact]
    public void Consistency_OldSizeLargerThanNew_Fails()
    {
        foreach (var (m, n, oldRoot, newRoot, path) in ValidConsistencies())
        {
            if (m == n)
            {
                continue;
            }
            AssertFails(MerkleVerifier.VerifyConsistency(n, m, newRoot, oldRoot, path), $"{n} → {m}");
        }
    }

    [Fact]
    public void Consistency_SizeZero_Fails()
    {
        AssertFails(MerkleVerifier.VerifyConsistency(0, 5, Rfc9162.EmptyRoot, Tree.Reader.Root(5), []), "old size 0");
        AssertFails(MerkleVerifier.VerifyConsistency(0, 0, Rfc9162.EmptyRoot, Rfc9162.EmptyRoot, []), "both sizes 0");
    }

    [Fact]
    public void Consistency_WrongSizes_Fail()
    {
        // Each size is paired with its own root, as two signed checkpoints would carry them.
        foreach (var (m, n, _, _, path) in ValidConsistencies())
        {
            foreach (var (wm, wn) in new[] { (m - 1, n), (m + 1, n), (m, n - 1), (m, n + 1), (m, n * 2) })
            {
                if ((wm, wn) == (m, n) || wm > wn || wm <= 0)
                {
                    continue;
                }
                if (wm == wn && path.Length == 0)
                {
                    continue; // equal sizes with an empty proof are genuinely consistent
                }
                AssertFails(MerkleVerifier.VerifyConsistency(wm, wn, Tree.Reader.Root(wm), Tree.Reader.Root(wn), path), $"sizes {wm} → {wn} for proof {m} → {n}");
            }
        }
    }

    [Fact]
    public void Consistency_TruncatedOrExtendedPath_Fails()
    {
        foreach (var (m, n, oldRoot, newRoot, path) in ValidConsistencies())
        {
            for (var keep = 0; keep < path.Length; keep++)
            {
                AssertFails(MerkleVerifier.VerifyConsistency(m, n, oldRoot, newRoot, path[..keep]), $"cut to {keep} for {m} → {n}");
            }
            AssertFails(MerkleVerifier.VerifyConsistency(m, n, oldRoot, newRoot, [.. path, oldRoot]), $"extra hash for {m} → {n}");
        }
    }

    [Fact]
    public void Consistency_FlippedBitInAnyElementOrRoot_Fails()
    {
        foreach (var (m, n, oldRoot, newRoot, path) in ValidConsistencies())
        {
            for (var i = 0; i < path.Length; i++)
            {
                var tampered = (Hash32[])path.Clone();
                tampered[i] = Flip(tampered[i], 77);
                AssertFails(MerkleVerifier.VerifyConsistency(m, n, oldRoot, newRoot, tampered), $"element {i} for {m} → {n}");
            }
            AssertFails(MerkleVerifier.VerifyConsistency(m, n, Flip(oldRoot, 1), newRoot, path), $"old root for {m} → {n}");
            AssertFails(MerkleVerifier.VerifyConsistency(m, n, oldRoot, Flip(newRoot, 1), path), $"new root for {m} → {n}");
        }
    }

    [Fact]
    public void Consistency_ForkedLog_Fails()
    {
        // Same first 10 leaves, a different 11th: the old root of the fork is not extended by the main log.
        var fork = Log([.. Data[..10], [0xff]]);
        for (var n = 11; n <= MaxSize; n++)
        {
            var proof = Tree.Reader.ConsistencyProof(11, n);
            AssertFails(MerkleVerifier.VerifyConsistency(11, n, fork.Root(), Tree.Reader.Root(n), proof), $"fork 11 → {n}");
        }
    }
}
