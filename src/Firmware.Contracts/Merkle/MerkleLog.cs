using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Merkle;

/// <summary>
/// An append-only RFC 9162 log over an <see cref="IMerkleHashStore"/>: appends leaf hashes,
/// and computes roots, inclusion proofs and consistency proofs for any size up to the current one.
/// Not thread-safe; one writer owns it.
/// </summary>
public sealed class MerkleLog
{
    /// <summary>Stored levels are the multiples of this: 0, 4, 8, …</summary>
    public const int LevelStride = 4;

    private readonly IMerkleHashStore _store;
    private readonly MerkleTreeReader _reader;
    private readonly List<MerkleNode> _completed = new(64);
    private readonly List<Hash32>[] _runs = Enumerable.Range(0, 64 / LevelStride + 1).Select(_ => new List<Hash32>()).ToArray();
    private readonly long[] _runStarts = new long[64 / LevelStride + 1];
    private MerkleAppender _appender;

    /// <summary>
    /// Opens a log whose store already holds <paramref name="size"/> leaves (0 for a new log).
    /// The right-edge state is rebuilt from the store with O(log n) reads.
    /// </summary>
    public MerkleLog(IMerkleHashStore store, long size = 0)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        _store = store;
        _reader = new MerkleTreeReader(store);
        _appender = MerkleAppender.Restore(size, _reader.Peaks(size));
    }

    /// <summary>The number of leaves.</summary>
    public long Size => _appender.Size;

    /// <summary>Reads proofs from the same store.</summary>
    public MerkleTreeReader Reader => _reader;

    /// <summary>The root at the current size.</summary>
    public Hash32 Root() => _appender.Root();

    /// <summary>
    /// Appends leaf hashes and writes the stored levels they complete. When the store writes
    /// into a transaction that is rolled back, call <see cref="Rewind"/> with a <see cref="Mark"/>
    /// taken before.
    /// </summary>
    public void Append(ReadOnlySpan<Hash32> leafHashes)
    {
        if (leafHashes.IsEmpty)
        {
            return;
        }
        _completed.Clear();
        foreach (var leaf in leafHashes)
        {
            _appender.Append(leaf, _completed);
        }
        WriteStoredLevels();
    }

    /// <summary>Appends one leaf hash.</summary>
    public void Append(in Hash32 leafHash) => Append([leafHash]);

    /// <summary>State to return to with <see cref="Rewind"/>.</summary>
    public object Mark() => _appender.Clone();

    /// <summary>Returns to a state saved by <see cref="Mark"/> (the store must be rolled back too).</summary>
    public void Rewind(object mark) =>
        _appender = mark is MerkleAppender saved ? saved.Clone() : throw new ArgumentException("not a mark of a MerkleLog", nameof(mark));

    private void WriteStoredLevels()
    {
        // _completed holds nodes in append order, so each stored level's nodes form one run.
        foreach (var bucket in _runs)
        {
            bucket.Clear();
        }
        foreach (var node in _completed)
        {
            if (node.Level % LevelStride != 0)
            {
                continue;
            }
            var slot = node.Level / LevelStride;
            if (_runs[slot].Count == 0)
            {
                _runStarts[slot] = node.Index;
            }
            _runs[slot].Add(node.Hash);
        }
        for (var slot = 0; slot < _runs.Length && _runs[slot].Count > 0; slot++)
        {
            _store.Write(slot * LevelStride, _runStarts[slot], System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_runs[slot]));
        }
    }
}
