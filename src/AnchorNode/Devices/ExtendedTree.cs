using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;

namespace AnchorNode.Devices;

/// <summary>
/// A device log as it would be with new leaf hashes after the first <c>storedSize</c> stored
/// leaves, without writing anything: its root and RFC 9162 consistency proofs. Lets an upload be
/// checked, and its anchor entry (with the proof from the last anchored size) be built, outside
/// the writer.
/// </summary>
internal sealed class ExtendedTree
{
    private readonly MerkleTreeReader _stored;
    private readonly long _storedSize;
    private readonly IReadOnlyList<Hash32> _added;

    public ExtendedTree(MerkleTreeReader stored, long storedSize, IReadOnlyList<Hash32> added)
    {
        _stored = stored;
        _storedSize = storedSize;
        _added = added;
    }

    public long Size => _storedSize + _added.Count;

    public Hash32 Root() => Size == 0 ? Rfc9162.EmptyRoot : Node(0, Size);

    /// <summary>The root of the first <paramref name="size"/> leaves of this tree.</summary>
    public Hash32 PrefixRoot(long size) =>
        size >= 1 && size <= Size ? Node(0, size) : throw new ArgumentOutOfRangeException(nameof(size), $"need 1 ≤ {size} ≤ {Size}");

    /// <summary>The RFC 9162 §2.1.4.1 proof between sizes <paramref name="m"/> and <paramref name="n"/> of this tree.</summary>
    public Hash32[] ConsistencyProof(long m, long n)
    {
        if (m <= 0 || m > n || n > Size)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"need 0 < {m} ≤ {n} ≤ {Size}");
        }
        var proof = new List<Hash32>(64);
        long begin = 0, end = n;
        var fromOldRoot = true;
        while (true)
        {
            if (m == end - begin)
            {
                if (!fromOldRoot)
                {
                    proof.Add(Node(begin, end));
                }
                break;
            }
            var k = Rfc9162.SplitPoint(end - begin);
            if (m <= k)
            {
                proof.Add(Node(begin + k, end));
                end = begin + k;
            }
            else
            {
                proof.Add(Node(begin, begin + k));
                begin += k;
                m -= k;
                fromOldRoot = false;
            }
        }
        proof.Reverse();
        return [.. proof];
    }

    // MTH(D[begin:end]) for a range of RFC 9162's recursion from the root.
    private Hash32 Node(long begin, long end)
    {
        if (end <= _storedSize)
        {
            return Stored(begin, end);
        }
        if (begin >= _storedSize)
        {
            return Added((int)(begin - _storedSize), (int)(end - _storedSize));
        }
        var k = Rfc9162.SplitPoint(end - begin);
        return Rfc9162.HashChildren(Node(begin, begin + k), Node(begin + k, end));
    }

    // Such a range starts at a multiple of a power of two at least its length, so it splits into
    // perfect subtrees along the binary digits of its length, largest first.
    private Hash32 Stored(long begin, long end)
    {
        Span<Hash32> parts = stackalloc Hash32[64];
        var count = 0;
        var at = begin;
        for (var level = 62; level >= 0 && at < end; level--)
        {
            var width = 1L << level;
            if (end - at >= width)
            {
                parts[count++] = _stored.PerfectNode(level, at >> level);
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

    private Hash32 Added(int begin, int end)
    {
        if (end - begin == 1)
        {
            return _added[begin];
        }
        var k = (int)Rfc9162.SplitPoint(end - begin);
        return Rfc9162.HashChildren(Added(begin, begin + k), Added(begin + k, end));
    }
}
