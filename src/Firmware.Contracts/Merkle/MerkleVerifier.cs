using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Merkle;

/// <summary>
/// Verification of RFC 9162 inclusion proofs (§2.1.3.2) and consistency proofs (§2.1.4.2).
/// Every failure names what did not hold.
/// </summary>
public static class MerkleVerifier
{
    /// <summary>
    /// The root that <paramref name="path"/> proves for leaf <paramref name="index"/> with hash
    /// <paramref name="leafHash"/> in a tree of <paramref name="size"/> leaves; fails when the path
    /// has the wrong length for that index and size.
    /// </summary>
    public static Result<Hash32> RootFromInclusionProof(long index, long size, in Hash32 leafHash, ReadOnlySpan<Hash32> path)
    {
        if (size <= 0)
        {
            return Result<Hash32>.Fail("size-zero", "no leaf is included in a tree of size 0");
        }
        if (index < 0 || index >= size)
        {
            return Result<Hash32>.Fail("index-out-of-range", $"leaf index {index} is not below tree size {size}");
        }
        var fn = index;
        var sn = size - 1;
        var r = leafHash;
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return Result<Hash32>.Fail("path-too-long", $"the path has {path.Length} hashes, more than leaf {index} of a tree of {size} needs");
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = Rfc9162.HashChildren(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = Rfc9162.HashChildren(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0)
        {
            return Result<Hash32>.Fail("path-too-short", $"the path has {path.Length} hashes, fewer than leaf {index} of a tree of {size} needs");
        }
        return r;
    }

    /// <summary>Checks that <paramref name="path"/> proves leaf <paramref name="index"/> in the tree with <paramref name="root"/>.</summary>
    public static Result VerifyInclusion(long index, long size, in Hash32 leafHash, ReadOnlySpan<Hash32> path, in Hash32 root)
    {
        var computed = RootFromInclusionProof(index, size, leafHash, path);
        if (!computed.Succeeded)
        {
            return computed.Failure!;
        }
        return computed.Value == root
            ? Result.Ok
            : Result.Fail("root-mismatch", $"the proof gives root {computed.Value.ToHex()} for leaf {index} of {size}, expected {root.ToHex()}");
    }

    /// <summary>
    /// Checks that <paramref name="path"/> proves the tree of <paramref name="newSize"/> leaves with
    /// <paramref name="newRoot"/> extends the tree of <paramref name="oldSize"/> leaves with <paramref name="oldRoot"/>.
    /// Equal sizes need an empty path and equal roots. An old size of 0 is refused: it proves nothing.
    /// </summary>
    public static Result VerifyConsistency(long oldSize, long newSize, in Hash32 oldRoot, in Hash32 newRoot, ReadOnlySpan<Hash32> path)
    {
        if (oldSize <= 0)
        {
            return Result.Fail("size-zero", $"old size {oldSize}: consistency with an empty tree proves nothing");
        }
        if (oldSize > newSize)
        {
            return Result.Fail("old-size-larger", $"old size {oldSize} is larger than new size {newSize}");
        }
        if (oldSize == newSize)
        {
            if (!path.IsEmpty)
            {
                return Result.Fail("path-too-long", $"equal sizes ({oldSize}) need an empty proof, got {path.Length} hashes");
            }
            return oldRoot == newRoot
                ? Result.Ok
                : Result.Fail("root-mismatch", $"two different roots for size {oldSize}: {oldRoot.ToHex()} and {newRoot.ToHex()}");
        }
        if (path.IsEmpty)
        {
            return Result.Fail("path-too-short", $"a consistency proof from {oldSize} to {newSize} cannot be empty");
        }

        // RFC 9162 §2.1.4.2: when the old size is a power of two, the old root is the first node.
        var skipFirst = (oldSize & (oldSize - 1)) == 0;
        var fn = oldSize - 1;
        var sn = newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        Hash32 fr, sr;
        int next;
        if (skipFirst)
        {
            fr = oldRoot;
            sr = oldRoot;
            next = 0;
        }
        else
        {
            fr = path[0];
            sr = path[0];
            next = 1;
        }
        for (var i = next; i < path.Length; i++)
        {
            var c = path[i];
            if (sn == 0)
            {
                return Result.Fail("path-too-long", $"the proof has {path.Length} hashes, more than {oldSize} → {newSize} needs");
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = Rfc9162.HashChildren(c, fr);
                sr = Rfc9162.HashChildren(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = Rfc9162.HashChildren(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0)
        {
            return Result.Fail("path-too-short", $"the proof has {path.Length} hashes, fewer than {oldSize} → {newSize} needs");
        }
        if (fr != oldRoot)
        {
            return Result.Fail("old-root-mismatch", $"the proof gives old root {fr.ToHex()} for size {oldSize}, expected {oldRoot.ToHex()}");
        }
        if (sr != newRoot)
        {
            return Result.Fail("root-mismatch", $"the proof gives new root {sr.ToHex()} for size {newSize}, expected {newRoot.ToHex()}");
        }
        return Result.Ok;
    }

    /// <summary>
    /// The root that <paramref name="proof"/> proves for the leaves with hashes <paramref name="leafHashes"/>
    /// at [<paramref name="first"/>, first + count) in a tree of <paramref name="size"/> leaves. The proof
    /// holds, in left-to-right order, the hash of every subtree of RFC 9162's recursion that lies wholly
    /// outside the range and whose parent does not: RANGE(b, e) is the next proof hash when [b, e) misses
    /// the range, MTH of the range's own leaves when [b, e) lies inside it, and otherwise
    /// HashChildren(RANGE(b, b + k), RANGE(b + k, e)) with k the split point of e − b. Every proof hash
    /// must be used.
    /// </summary>
    public static Result<Hash32> RootFromRange(long first, IReadOnlyList<Hash32> leafHashes, long size, IReadOnlyList<Hash32> proof)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        ArgumentNullException.ThrowIfNull(proof);
        var end = first + leafHashes.Count;
        if (leafHashes.Count == 0 || first < 0 || end > size)
        {
            return Result<Hash32>.Fail("range-out-of-tree", $"leaves [{first}, {end}) are not a non-empty range of a tree of {size}");
        }
        var used = 0;
        Hash32? Walk(long begin, long stop)
        {
            if (stop <= first || end <= begin)
            {
                return used < proof.Count ? proof[used++] : null;
            }
            if (first <= begin && stop <= end)
            {
                return Mth(leafHashes, (int)(begin - first), (int)(stop - first));
            }
            var k = Rfc9162.SplitPoint(stop - begin);
            var left = Walk(begin, begin + k);
            var right = left is null ? null : Walk(begin + k, stop);
            return right is null ? null : Rfc9162.HashChildren(left!.Value, right.Value);
        }
        var root = Walk(0, size);
        if (root is null)
        {
            return Result<Hash32>.Fail("path-too-short", $"the range proof has {proof.Count} hashes, fewer than leaves [{first}, {end}) of a tree of {size} need");
        }
        if (used != proof.Count)
        {
            return Result<Hash32>.Fail("path-too-long", $"the range proof has {proof.Count} hashes, more than the {used} leaves [{first}, {end}) of a tree of {size} need");
        }
        return root.Value;
    }

    /// <summary>Checks that <paramref name="proof"/> proves the leaves at [first, first + count) in the tree with <paramref name="root"/>.</summary>
    public static Result VerifyRange(long first, IReadOnlyList<Hash32> leafHashes, long size, IReadOnlyList<Hash32> proof, in Hash32 root)
    {
        var computed = RootFromRange(first, leafHashes, size, proof);
        if (!computed.Succeeded)
        {
            return computed.Failure!;
        }
        return computed.Value == root
            ? Result.Ok
            : Result.Fail("root-mismatch", $"the range proof gives root {computed.Value.ToHex()} for leaves [{first}, {first + leafHashes.Count}) of {size}, expected {root.ToHex()}");
    }

    // MTH of leaves [from, to) of the list, which RFC 9162's recursion only asks for at aligned positions.
    private static Hash32 Mth(IReadOnlyList<Hash32> leaves, int from, int to)
    {
        if (to - from == 1)
        {
            return leaves[from];
        }
        var k = (int)Rfc9162.SplitPoint(to - from);
        return Rfc9162.HashChildren(Mth(leaves, from, from + k), Mth(leaves, from + k, to));
    }
}
