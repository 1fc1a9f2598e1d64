using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Merkle;

/// <summary>
/// Computes the RFC 9162 root of a growing log while keeping only O(log n) state: the roots of
/// the perfect subtrees along the right edge of the tree ("peaks"), one per set bit of the size,
/// largest first.
/// </summary>
public sealed class MerkleAppender
{
    // Peaks[i] covers 2^level leaves; levels strictly decrease along the list.
    private readonly List<Hash32> _peaks;

    /// <summary>An empty log.</summary>
    public MerkleAppender()
    {
        _peaks = new List<Hash32>(64);
    }

    private MerkleAppender(long size, List<Hash32> peaks)
    {
        Size = size;
        _peaks = peaks;
    }

    /// <summary>The number of leaves appended.</summary>
    public long Size { get; private set; }

    /// <summary>The peaks, largest subtree first; there are as many as set bits in <see cref="Size"/>.</summary>
    public IReadOnlyList<Hash32> Peaks => _peaks;

    /// <summary>
    /// Resumes from saved state: <paramref name="peaks"/> must be the roots of the perfect subtrees
    /// for the set bits of <paramref name="size"/>, largest first.
    /// </summary>
    public static MerkleAppender Restore(long size, IEnumerable<Hash32> peaks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var list = new List<Hash32>(peaks);
        if (list.Count != long.PopCount(size))
        {
            throw new ArgumentException($"a log of {size} leaves has {long.PopCount(size)} peaks, got {list.Count}", nameof(peaks));
        }
        return new MerkleAppender(size, list);
    }

    /// <summary>An independent copy, e.g. to roll back to if a transaction fails.</summary>
    public MerkleAppender Clone() => new(Size, new List<Hash32>(_peaks));

    /// <summary>
    /// Appends one leaf hash. When <paramref name="completed"/> is given, every perfect subtree
    /// that this leaf completes is added to it, the leaf itself first, then upwards.
    /// </summary>
    public void Append(in Hash32 leafHash, ICollection<MerkleNode>? completed = null)
    {
        var index = Size;
        completed?.Add(new MerkleNode(0, index, leafHash));
        var hash = leafHash;
        // Each trailing one-bit of the old size is a peak of the same level as the new subtree: merge.
        var merges = long.TrailingZeroCount(~index);
        for (var level = 1; level <= merges; level++)
        {
            var left = _peaks[^1];
            _peaks.RemoveAt(_peaks.Count - 1);
            hash = Rfc9162.HashChildren(left, hash);
            completed?.Add(new MerkleNode(level, (index + 1 >> level) - 1, hash));
        }
        _peaks.Add(hash);
        Size = index + 1;
    }

    /// <summary>The RFC 9162 root of the leaves appended so far.</summary>
    public Hash32 Root()
    {
        if (_peaks.Count == 0)
        {
            return Rfc9162.EmptyRoot;
        }
        var root = _peaks[^1];
        for (var i = _peaks.Count - 2; i >= 0; i--)
        {
            root = Rfc9162.HashChildren(_peaks[i], root);
        }
        return root;
    }
}
