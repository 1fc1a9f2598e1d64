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
    private readonly MerkleTreeReader _reader;

    /// <summary>
    /// The tree of <paramref name="storedSize"/> stored leaves, whose right edge is
    /// <paramref name="storedPeaks"/> and whose other perfect subtrees <paramref name="stored"/>
    /// gives as (level, index), followed by <paramref name="added"/>.
    /// </summary>
    public ExtendedTree(Func<int, long, Hash32> stored, long storedSize, IReadOnlyList<Hash32> storedPeaks, IReadOnlyList<Hash32> added)
    {
        _stored = stored;
        _storedSize = storedSize;
        _reader = new MerkleTreeReader(Perfect);
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
        size >= 1 && size <= Size ? _reader.Root(size) : throw new ArgumentOutOfRangeException(nameof(size), $"need 1 ≤ {size} ≤ {Size}");

    /// <summary>The RFC 9162 §2.1.4.1 proof between sizes <paramref name="m"/> and <paramref name="n"/> of this tree.</summary>
    public Hash32[] ConsistencyProof(long m, long n) =>
        m > 0 && m <= n && n <= Size ? _reader.ConsistencyProof(m, n) : throw new ArgumentOutOfRangeException(nameof(m), $"need 0 < {m} ≤ {n} ≤ {Size}");

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
