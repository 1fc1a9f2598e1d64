using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Merkle;

/// <summary>
/// Computes roots and RFC 9162 proofs from the stored levels of an <see cref="IMerkleHashStore"/>.
/// Every method takes the tree size it answers for, which must not exceed what was written.
/// Safe to use from several threads when the store's reads are.
/// </summary>
public sealed class MerkleTreeReader
{
    private readonly IMerkleHashStore? _store;
    private readonly Func<int, long, Hash32>? _perfectNode;

    /// <summary>A reader over <paramref name="store"/>.</summary>
    public MerkleTreeReader(IMerkleHashStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>
    /// A reader over a tree whose perfect subtrees <paramref name="perfectNode"/> gives as
    /// (level, index), e.g. one that is partly stored and partly computed but not yet written.
    /// </summary>
    public MerkleTreeReader(Func<int, long, Hash32> perfectNode)
    {
        ArgumentNullException.ThrowIfNull(perfectNode);
        _perfectNode = perfectNode;
    }

    /// <summary>The hash of the perfect subtree at (<paramref name="level"/>, <paramref name="index"/>).</summary>
    public Hash32 PerfectNode(int level, long index) =>
        _perfectNode is not null ? _perfectNode(level, index) : FromStore(_store!, level, index);

    private static Hash32 FromStore(IMerkleHashStore store, int level, long index)
    {
        var below = level % MerkleLog.LevelStride;
        var count = 1 << below;
        Span<Hash32> hashes = stackalloc Hash32[count];
        store.Read(level - below, index << below, hashes);
        for (var width = count; width > 1; width /= 2)
        {
            for (var i = 0; i < width / 2; i++)
            {
                hashes[i] = Rfc9162.HashChildren(hashes[2 * i], hashes[2 * i + 1]);
            }
        }
        return hashes[0];
    }

    /// <summary>The peaks (perfect subtree roots along the right edge) of the tree of <paramref name="size"/> leaves.</summary>
    public List<Hash32> Peaks(long size)
    {
        var peaks = new List<Hash32>(64);
        long begin = 0;
        for (var level = 62; level >= 0; level--)
        {
            if ((size & (1L << level)) != 0)
            {
                peaks.Add(PerfectNode(level, begin >> level));
                begin += 1L << level;
            }
        }
        return peaks;
    }

    /// <summary>The root of the first <paramref name="size"/> leaves.</summary>
    public Hash32 Root(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        return size == 0 ? Rfc9162.EmptyRoot : SubtreeHash(0, size);
    }

    /// <summary>
    /// The RFC 9162 inclusion proof (audit path) for leaf <paramref name="index"/> in the tree of
    /// <paramref name="size"/> leaves, from the leaf's sibling up to the root's child (§2.1.3.1).
    /// </summary>
    public Hash32[] InclusionProof(long index, long size)
    {
        if (index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"leaf {index} is not in a tree of {size} leaves");
        }
        var path = new List<Hash32>(64);
        long begin = 0, end = size;
        while (end - begin > 1)
        {
            var k = Rfc9162.SplitPoint(end - begin);
            if (index - begin < k)
            {
                path.Add(SubtreeHash(begin + k, end));
                end = begin + k;
            }
            else
            {
                path.Add(SubtreeHash(begin, begin + k));
                begin += k;
            }
        }
        path.Reverse();
        return [.. path];
    }

    /// <summary>
    /// The RFC 9162 consistency proof between the trees of <paramref name="oldSize"/> and
    /// <paramref name="newSize"/> leaves (§2.1.4.1); empty when the sizes are equal.
    /// </summary>
    public Hash32[] ConsistencyProof(long oldSize, long newSize)
    {
        if (oldSize <= 0 || oldSize > newSize)
        {
            throw new ArgumentOutOfRangeException(nameof(oldSize), $"a consistency proof needs 0 < old size ≤ new size, got {oldSize} and {newSize}");
        }
        var proof = new List<Hash32>(64);
        long begin = 0, end = newSize, m = oldSize;
        var startFromOldRoot = true;
        while (true)
        {
            var size = end - begin;
            if (m == size)
            {
                if (!startFromOldRoot)
                {
                    proof.Add(SubtreeHash(begin, end));
                }
                break;
            }
            var k = Rfc9162.SplitPoint(size);
            if (m <= k)
            {
                proof.Add(SubtreeHash(begin + k, end));
                end = begin + k;
            }
            else
            {
                proof.Add(SubtreeHash(begin, begin + k));
                begin += k;
                m -= k;
                startFromOldRoot = false;
            }
        }
        proof.Reverse();
        return [.. proof];
    }

    /// <summary>
    /// The range proof for the leaves [<paramref name="first"/>, <paramref name="end"/>) in the tree of
    /// <paramref name="size"/> leaves: the hashes of the subtrees of RFC 9162's recursion that lie wholly
    /// outside the range, in left-to-right order (see <see cref="MerkleVerifier.RootFromRange"/>).
    /// </summary>
    public Hash32[] RangeProof(long first, long end, long size)
    {
        if (first < 0 || first >= end || end > size)
        {
            throw new ArgumentOutOfRangeException(nameof(first), $"a range proof needs 0 ≤ first < end ≤ size, got [{first}, {end}) of {size}");
        }
        var proof = new List<Hash32>(128);
        Range(0, size, first, end, proof);
        return [.. proof];
    }

    private void Range(long begin, long end, long first, long last, List<Hash32> proof)
    {
        if (end <= first || last <= begin)
        {
            proof.Add(SubtreeHash(begin, end));
            return;
        }
        if (first <= begin && end <= last)
        {
            return;
        }
        var k = Rfc9162.SplitPoint(end - begin);
        Range(begin, begin + k, first, last, proof);
        Range(begin + k, end, first, last, proof);
    }

    // MTH(D[begin:end]) for a subtree that RFC 9162's recursion produces: begin is a multiple of
    // a power of two at least as large as the range, so the range splits into perfect subtrees
    // along the binary digits of its length, largest first, and they fold from the right.
    private Hash32 SubtreeHash(long begin, long end)
    {
        Span<Hash32> parts = stackalloc Hash32[64];
        var count = 0;
        var at = begin;
        for (var level = 62; level >= 0 && at < end; level--)
        {
            var width = 1L << level;
            if (end - at >= width)
            {
                parts[count++] = PerfectNode(level, at >> level);
                at += width;
            }
        }
        var hash = parts[count - 1];
        for (var i = count - 2; i >= 0; i--)
        {
            hash = Rfc9162.HashChildren(parts[i], hash);
        }
        return hash;
    }
}
