using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;

namespace AnchorNode.Devices;

/// <summary>
/// A device log as it would be with new leaf hashes after its first <c>storedSize</c> stored leaves,
/// without writing anything: the new leaves are hashed into the tree once (a
/// <see cref="MerkleAppender"/> that records every perfect subtree it completes), and the root,
/// the peaks, consistency proofs and the stored-level nodes for the writer all come from that.
/// Lets an upload be checked, and its anchor entry built, in parallel with other uploads; the
/// single writer then only stores what was computed here.
/// </summary>
internal sealed class ExtendedTree
{
    private readonly Func<int, long, Hash32> _stored;
    private readonly long _storedSize;
    private readonly MerkleAppender _appender;
    private readonly List<MerkleNode> _completed;
    private readonly Dictionary<(int Level, long Index), Hash32> _new;

    /// <summary>
    /// The tree of <paramref name="storedSize"/> stored leaves, whose right edge is
    /// <paramref name="storedPeaks"/> and whose other perfect subtrees <paramref name="stored"/>
    /// gives as (level, index), followed by <paramref name="added"/>.
    /// </summary>
    public ExtendedTree(Func<int, long, Hash32> stored, long storedSize, IReadOnlyList<Hash32> storedPeaks, IReadOnlyList<Hash32> added)
    {
        _stored = stored;
        _storedSize = storedSize;
        _appender = MerkleAppender.Restore(storedSize, storedPeaks);
        _completed = new List<MerkleNode>(added.Count * 2 + 8);
        foreach (var leaf in added)
        {
            _appender.Append(leaf, _completed);
        }
        _new = new Dictionary<(int, long), Hash32>(_completed.Count + storedPeaks.Count);
        foreach (var node in _completed)
        {
            _new[(node.Level, node.Index)] = node.Hash;
        }
        // The stored peaks are the perfect subtrees a consistency proof from the stored size needs
        // on its left side; knowing them spares the database.
        long begin = 0;
        var peak = 0;
        for (var level = 62; level >= 0 && peak < storedPeaks.Count; level--)
        {
            if ((storedSize & (1L << level)) != 0)
            {
                _new.TryAdd((level, begin >> level), storedPeaks[peak++]);
                begin += 1L << level;
            }
        }
    }

    public long Size => _appender.Size;

    public Hash32 Root() => _appender.Root();

    /// <summary>The roots of the perfect subtrees along the right edge, largest first.</summary>
    public Hash32[] Peaks() => [.. _appender.Peaks];

    /// <summary>The nodes of the stored levels (multiples of <see cref="MerkleLog.LevelStride"/>) that the new leaves complete, in append order.</summary>
    public List<MerkleNode> StoredLevelNodes() => _completed.Where(n => n.Level % MerkleLog.LevelStride == 0).ToList();

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

    // MTH(D[begin:end]) for a range of RFC 9162's recursion: begin is a multiple of a power of two
    // at least the range's length, so the range splits into perfect subtrees along the binary
    // digits of its length, largest first, folded from the right.
    private Hash32 Node(long begin, long end)
    {
        Span<Hash32> parts = stackalloc Hash32[64];
        var count = 0;
        var at = begin;
        for (var level = 62; level >= 0 && at < end; level--)
        {
            var width = 1L << level;
            if (end - at >= width)
            {
                parts[count++] = Perfect(level, at >> level);
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

    // A perfect subtree is either completed by the new leaves or lies wholly in the stored part.
    private Hash32 Perfect(int level, long index)
    {
        if (_new.TryGetValue((level, index), out var hash))
        {
            return hash;
        }
        if ((index + 1) << level <= _storedSize)
        {
            return _stored(level, index);
        }
        throw new InvalidOperationException($"node ({level}, {index}) is neither stored nor completed by the new leaves");
    }
}
