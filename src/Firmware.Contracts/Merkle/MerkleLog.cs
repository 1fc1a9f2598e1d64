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
        var appender = (previous?.After ?? _appender).Clone();
        var from = appender.Size;
        var completed = new List<MerkleNode>(2 * leafHashes.Length + 64);
        foreach (var leaf in leafHashes)
        {
            appender.Append(leaf, completed);
        }
        return new MerkleAppendPlan(from, appender, StoredRuns(completed));
    }

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

    private static List<StoredRun> StoredRuns(List<MerkleNode> completed)
    {
        // Nodes come in append order, so each stored level's nodes form one run.
        var runs = new List<StoredRun>();
        for (var level = 0; level < 64; level += LevelStride)
        {
            var count = 0;
            var start = 0L;
            foreach (var node in completed)
            {
                if (node.Level == level)
                {
                    start = count == 0 ? node.Index : start;
                    count++;
                }
            }
            if (count == 0)
            {
                break;
            }
            var hashes = new Hash32[count];
            var at = 0;
            foreach (var node in completed)
            {
                if (node.Level == level)
                {
                    hashes[at++] = node.Hash;
                }
            }
            runs.Add(new StoredRun(level, start, hashes));
        }
        return runs;
    }
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
    internal MerkleAppendPlan(long from, MerkleAppender after, List<StoredRun> runs)
    {
        From = from;
        After = after;
        Runs = runs;
    }

    /// <summary>The log size the batch appends to.</summary>
    public long From { get; }

    /// <summary>The log size after the batch.</summary>
    public long Size => After.Size;

    /// <summary>The root after the batch.</summary>
    public Hash32 Root() => After.Root();

    internal MerkleAppender After { get; }

    internal IReadOnlyList<StoredRun> Runs { get; }
}
