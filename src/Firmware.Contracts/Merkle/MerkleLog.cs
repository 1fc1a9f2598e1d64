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
        Append(Plan(leafHashes));
    }

    /// <summary>
    /// Does the tree work of appending <paramref name="leafHashes"/> (every node hash they
    /// complete) without touching the log or its store: from the current size, or from the end of
    /// <paramref name="previous"/>, a plan not yet appended. This lets a writer hash the next
    /// batch's nodes while the previous batch commits; only <see cref="Append(MerkleAppendPlan)"/>
    /// then runs in the transaction. Reads no shared state when <paramref name="previous"/> is
    /// given, so it may run on another thread than appends.
    /// </summary>
    public MerkleAppendPlan Plan(ReadOnlySpan<Hash32> leafHashes, MerkleAppendPlan? previous = null)
    {
        var start = previous?.After ?? _appender;
        var from = start.Size;
        var size = from + leafHashes.Length;
        // Level by level: the nodes a batch completes on one level are independent of each other,
        // so each level's hashes are computed together (Sha256Lanes).
        var runs = new List<StoredRun>();
        var peaks = new Hash32[64];
        var current = leafHashes.ToArray();
        var buffer = Array.Empty<byte>();
        for (var level = 0; size >> level != 0; level++)
        {
            // current holds the level's nodes [from >> level, size >> level).
            var first = from >> level;
            var end = size >> level;
            if (level % LevelStride == 0 && current.Length > 0)
            {
                runs.Add(new StoredRun(level, first, current));
            }
            if ((end & 1) == 1)
            {
                peaks[level] = current.Length > 0 ? current[^1] : OldPeak(start, level);
            }
            var parents = (int)((end >> 1) - (first >> 1));
            if (parents == 0)
            {
                current = [];
                continue;
            }
            var messageLength = 1 + 2 * Hash32.Length;
            if (buffer.Length < parents * messageLength)
            {
                buffer = new byte[parents * messageLength];
            }
            var offsets = new int[parents];
            var lengths = new int[parents];
            for (var k = 0; k < parents; k++)
            {
                var left = 2 * ((first >> 1) + k);
                var message = buffer.AsSpan(k * messageLength, messageLength);
                message[0] = 0x01; // RFC 9162 node prefix
                (left >= first ? current[left - first] : OldPeak(start, level)).CopyTo(message.Slice(1, Hash32.Length));
                current[left + 1 - first].CopyTo(message.Slice(1 + Hash32.Length, Hash32.Length));
                offsets[k] = k * messageLength;
                lengths[k] = messageLength;
            }
            var next = new Hash32[parents];
            Sha256Lanes.HashAll(buffer, offsets, lengths, next);
            current = next;
        }
        var newPeaks = new List<Hash32>((int)long.PopCount(size));
        for (var level = 63; level >= 0; level--)
        {
            if ((size >> level & 1) == 1)
            {
                newPeaks.Add(peaks[level]);
            }
        }
        return new MerkleAppendPlan(start, MerkleAppender.Restore(size, newPeaks), runs);
    }

    private static bool SamePeaks(MerkleAppender a, MerkleAppender b)
    {
        if (a.Size != b.Size)
        {
            return false;
        }
        for (var i = 0; i < a.Peaks.Count; i++)
        {
            if (a.Peaks[i] != b.Peaks[i])
            {
                return false;
            }
        }
        return true;
    }

    // The peak of the given level of a state whose size has that bit set (peaks are largest first).
    private static Hash32 OldPeak(MerkleAppender state, int level) => state.Peaks[(int)long.PopCount(state.Size >> (level + 1))];

    /// <summary>
    /// Appends a batch planned by <see cref="Plan"/> from the current size: writes its stored
    /// levels and takes its tree state. A plan stays valid after a rolled-back transaction
    /// (<see cref="Rewind"/>), so a retry appends the very same nodes.
    /// </summary>
    /// <exception cref="ArgumentException">When the plan does not start at the current size.</exception>
    public void Append(MerkleAppendPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.From != Size)
        {
            throw new ArgumentException($"the plan appends from size {plan.From} but the log has {Size} leaves", nameof(plan));
        }
        if (!ReferenceEquals(plan.Before, _appender) && !SamePeaks(plan.Before, _appender))
        {
            throw new ArgumentException($"the plan continues another tree of size {Size} than this log's", nameof(plan));
        }
        foreach (var run in plan.Runs)
        {
            _store.Write(run.Level, run.Start, run.Hashes);
        }
        _appender = plan.After.Clone();
    }

    /// <summary>Appends one leaf hash.</summary>
    public void Append(in Hash32 leafHash) => Append([leafHash]);

    /// <summary>State to return to with <see cref="Rewind"/>.</summary>
    public object Mark() => _appender.Clone();

    /// <summary>Returns to a state saved by <see cref="Mark"/> (the store must be rolled back too).</summary>
    public void Rewind(object mark) =>
        _appender = mark is MerkleAppender saved ? saved.Clone() : throw new ArgumentException("not a mark of a MerkleLog", nameof(mark));
}

/// <summary>One stored level's hashes that a batch completes, from <paramref name="Start"/> on.</summary>
internal readonly record struct StoredRun(int Level, long Start, Hash32[] Hashes);

/// <summary>
/// The tree work of appending one batch of leaves, done by <see cref="MerkleLog.Plan"/> ahead of
/// <see cref="MerkleLog.Append(MerkleAppendPlan)"/>: the tree state after the batch and the stored
/// levels' hashes it completes. Immutable once made.
/// </summary>
public sealed class MerkleAppendPlan
{
    internal MerkleAppendPlan(MerkleAppender before, MerkleAppender after, List<StoredRun> runs)
    {
        Before = before;
        After = after;
        Runs = runs;
    }

    /// <summary>The log size the batch appends to.</summary>
    public long From => Before.Size;

    /// <summary>The log size after the batch.</summary>
    public long Size => After.Size;

    /// <summary>The root after the batch.</summary>
    public Hash32 Root() => After.Root();

    internal MerkleAppender Before { get; }

    internal MerkleAppender After { get; }

    internal IReadOnlyList<StoredRun> Runs { get; }
}
