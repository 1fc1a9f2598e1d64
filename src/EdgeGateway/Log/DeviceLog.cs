using System.Globalization;
using EdgeGateway.Alarms;
using EdgeGateway.Storage;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;

namespace EdgeGateway.Log;

/// <summary>
/// The device's append-only Merkle log on SQLite: appends leaves in durable transactions with
/// gap-free sequence numbers, seals signed checkpoints, prunes what the node has committed.
/// Opening it verifies that the stored leaves still give the roots the device signed.
/// Not thread-safe: one writer owns it.
/// </summary>
public sealed class DeviceLog : IDisposable
{
    private readonly SqliteLogStore _store;
    private MerkleLog _merkle;
    private readonly INoteSigner _signer;
    private readonly ISaltSource _salts;

    private DeviceLog(SqliteLogStore store, MerkleLog merkle, LogMeta meta, StoredCheckpoint? last, INoteSigner signer, ISaltSource salts)
    {
        _store = store;
        _merkle = merkle;
        _signer = signer;
        _salts = salts;
        DeviceId = meta.DeviceId;
        PrunedBelow = meta.PrunedBelow;
        LastCheckpoint = last;
    }

    /// <summary>The device.</summary>
    public string DeviceId { get; }

    /// <summary>The checkpoint origin, also the key name in signature lines.</summary>
    public string Origin => DeviceLogs.Origin(DeviceId);

    /// <summary>Leaves in the log; the next leaf's sequence number.</summary>
    public long Size => _merkle.Size;

    /// <summary>Leaves below this were pruned.</summary>
    public long PrunedBelow { get; private set; }

    /// <summary>The largest sealed checkpoint, or null.</summary>
    public StoredCheckpoint? LastCheckpoint { get; private set; }

    /// <summary>The storage, for bookkeeping the writer does in the same transactions.</summary>
    public SqliteLogStore Store => _store;

    /// <summary>The root at the current size.</summary>
    public Hash32 Root() => _merkle.Root();

    /// <summary>
    /// Opens the log in the database at <paramref name="path"/> and checks it: the device id, that
    /// the leaf rows are gap-free up to the recorded size, that the last checkpoint verifies with
    /// <paramref name="signer"/>'s key and equals the root of the stored hashes, and that the
    /// leaves after it hash to what is stored.
    /// </summary>
    /// <exception cref="LogIntegrityException">When any check fails; the log must not be extended.</exception>
    public static DeviceLog Open(string path, string deviceId, INoteSigner signer, ISaltSource salts)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(salts);
        var store = SqliteLogStore.Open(path);
        try
        {
            var meta = store.ReadMeta();
            if (!string.Equals(meta.DeviceId, deviceId, StringComparison.Ordinal))
            {
                throw new LogIntegrityException(
                    $"the database {path} holds the log of device '{meta.DeviceId}' but the configuration says '{deviceId}'; " +
                    "fix deviceId in gateway.json (a device id cannot change once its log exists)");
            }
            var merkle = OpenMerkle(store, meta, path);
            var last = store.LastCheckpoint();
            Verify(store, merkle, meta, last, signer, path);
            return new DeviceLog(store, merkle, meta, last, signer, salts);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="content"/> as leaf bytes with a fresh salt.</summary>
    /// <exception cref="ArgumentException">When the content is not a valid leaf (the message names the field).</exception>
    public ReadingLeaf CreateLeaf(LeafContent content)
    {
        Span<byte> salt = stackalloc byte[ReadingLeaf.SaltLength];
        _salts.Fill(salt);
        var leaf = ReadingLeaf.Create(content, salt);
        salt.Clear();
        return leaf;
    }

    /// <summary>
    /// Does the work of appending <paramref name="leaves"/> that needs no storage, so that
    /// <see cref="Append(PreparedAppend, IReadOnlyList{AlarmStateChange}?, IReadOnlyList{KeyValuePair{string, object?}}?)"/>
    /// only stores rows: hashes the leaves and the Merkle nodes they complete, and signs the
    /// checkpoints of <paramref name="sealSizes"/> (increasing sizes between the batch's first
    /// sequence and its end) with the roots the batch gives, dated <paramref name="sealTimeMs"/>.
    /// Continues the log's current size, or <paramref name="previous"/>, a batch prepared but not
    /// yet appended; in that case nothing of the log is read, so it may run while another thread
    /// appends. A prepared batch stays valid after a failed transaction: a retry appends the very
    /// same nodes and checkpoints.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When a seal size is outside the batch.</exception>
    public PreparedAppend Prepare(IReadOnlyList<ReadingLeaf> leaves, PreparedAppend? previous = null,
        IReadOnlyList<long>? sealSizes = null, long sealTimeMs = 0)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        ReadingLeaf.ComputeLeafHashes(leaves);
        var hashes = new Hash32[leaves.Count];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = leaves[i].LeafHash;
        }
        var from = previous?.Size ?? Size;
        var tree = previous?.Last;
        var trees = new List<MerkleAppendPlan>(1 + (sealSizes?.Count ?? 0));
        var checkpoints = new List<StoredCheckpoint>(sealSizes?.Count ?? 0);
        var at = 0;
        var previousSize = 0L;
        foreach (var size in sealSizes ?? [])
        {
            if (size < from + at || size > from + hashes.Length || size <= previousSize)
            {
                throw new ArgumentOutOfRangeException(nameof(sealSizes), size,
                    $"checkpoint sizes of a batch are increasing, from {Math.Max(from + at, 1)} to the batch's end {from + hashes.Length}");
            }
            var cut = (int)(size - from);
            if (cut > at || tree is null)
            {
                tree = _merkle.Plan(hashes.AsSpan(at, cut - at), tree);
                trees.Add(tree);
                at = cut;
            }
            previousSize = size;
            var checkpoint = new Checkpoint(Origin, size, tree.Root(), [Checkpoint.TimeExtension(sealTimeMs)]);
            checkpoints.Add(new StoredCheckpoint(size, checkpoint.Root, sealTimeMs, checkpoint.Sign(_signer).ToString()));
        }
        if (at < hashes.Length || tree is null)
        {
            tree = _merkle.Plan(hashes.AsSpan(at), tree);
            trees.Add(tree);
        }
        return new PreparedAppend(from, leaves, trees, tree, checkpoints);
    }

    /// <summary>
    /// Appends <paramref name="leaves"/> (sequences must continue the log), saves the alarm state
    /// changes and meta values, seals the checkpoints of <paramref name="sealSizes"/> (between the
    /// current size and the new one) signed by the device key, and commits all of it durably in one
    /// transaction. Nothing is kept if it throws.
    /// </summary>
    /// <exception cref="LogIntegrityException">When a checkpoint of one of the sizes is stored with another root.</exception>
    public AppendOutcome Append(IReadOnlyList<ReadingLeaf> leaves, IReadOnlyList<AlarmStateChange>? alarmChanges = null,
        IReadOnlyList<KeyValuePair<string, object?>>? meta = null, IReadOnlyList<long>? sealSizes = null, long sealTimeMs = 0) =>
        Append(Prepare(leaves, null, sealSizes, sealTimeMs), alarmChanges, meta);

    /// <summary>
    /// Appends a batch made by <see cref="Prepare"/> (it must continue the log: the batch before it
    /// appended), saves the alarm state changes and meta values, stores its signed checkpoints, and
    /// commits all of it durably in one transaction. The transaction only stores rows; the leaf
    /// rows' hashes are checked against the prepared tree, and each checkpoint's root against the
    /// log's. Nothing is kept if it throws; retrying with the same batch gives the same roots.
    /// </summary>
    /// <exception cref="LogIntegrityException">When a checkpoint of one of the sizes is stored with another root.</exception>
    public AppendOutcome Append(PreparedAppend batch, IReadOnlyList<AlarmStateChange>? alarmChanges = null,
        IReadOnlyList<KeyValuePair<string, object?>>? meta = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var leaves = batch.Leaves;
        var first = Size;
        if (batch.From != first || batch.Size != first + leaves.Count)
        {
            throw new ArgumentException($"the batch was prepared for leaves [{batch.From}, {batch.Size}) but holds {leaves.Count} and the log has {first}", nameof(batch));
        }
        for (var i = 0; i < leaves.Count; i++)
        {
            var leaf = leaves[i];
            if (leaf.Content.Sequence != first + i || !string.Equals(leaf.Content.DeviceId, DeviceId, StringComparison.Ordinal))
            {
                throw new ArgumentException($"leaf {i} of the batch has device '{leaf.Content.DeviceId}' and sequence {leaf.Content.Sequence}; expected '{DeviceId}' and {first + i}", nameof(batch));
            }
        }
        var mark = _merkle.Mark();
        var sealedNow = new List<StoredCheckpoint>(batch.Checkpoints.Count);
        _store.Begin();
        try
        {
            foreach (var leaf in leaves)
            {
                _store.InsertLeaf(leaf.Content.Sequence, leaf.LeafHash, leaf.Bytes);
            }
            // The level-0 run of each plan is checked against the rows just inserted; each
            // checkpoint is stored once the log has its size (a batch without leaves may seal the
            // size it starts at).
            var stored = 0;
            void StoreCheckpointsDue()
            {
                while (stored < batch.Checkpoints.Count && batch.Checkpoints[stored].Size == _merkle.Size)
                {
                    sealedNow.Add(StoreCheckpoint(batch.Checkpoints[stored++]));
                }
            }
            StoreCheckpointsDue();
            foreach (var tree in batch.Trees)
            {
                _merkle.Append(tree);
                StoreCheckpointsDue();
            }
            if (stored != batch.Checkpoints.Count)
            {
                throw new InvalidOperationException($"checkpoint {batch.Checkpoints[stored].Size} is not at a size the batch reaches");
            }
            if (leaves.Count > 0)
            {
                _store.SetMeta(MetaKeys.LogSize, _merkle.Size);
            }
            if (alarmChanges is not null)
            {
                _store.SaveAlarmChanges(alarmChanges);
            }
            if (meta is not null)
            {
                foreach (var (key, value) in meta)
                {
                    _store.SetMeta(key, value);
                }
            }
            _store.Commit();
        }
        catch (Exception failure)
        {
            _store.Rollback();
            if (leaves.Count == 0 || !CommittedAfterAll(batch, failure))
            {
                _merkle.Rewind(mark);
                throw;
            }
            // The commit reported a failure but the database holds the batch: it is durable, and
            // the log continues from it (reopened from the stored hashes).
            _merkle = new MerkleLog(_store.HashStore, batch.Size);
            sealedNow.Clear();
            foreach (var checkpoint in batch.Checkpoints)
            {
                sealedNow.Add(_store.GetCheckpoint(checkpoint.Size) ?? throw new LogIntegrityException(
                    $"leaves {first}..{batch.Size - 1} were committed but checkpoint {checkpoint.Size} of their transaction is missing; the database is damaged"));
            }
        }
        foreach (var checkpoint in sealedNow)
        {
            if (LastCheckpoint is null || checkpoint.Size > LastCheckpoint.Size)
            {
                LastCheckpoint = checkpoint;
            }
        }
        return new AppendOutcome(new CommitResult(first, leaves.Count, Size), sealedNow);
    }

    // After a failed commit only the database can tell whether the batch was committed after all:
    // its last leaf row and the recorded size. If so, its root must be the prepared one.
    private bool CommittedAfterAll(PreparedAppend batch, Exception failure)
    {
        var last = batch.Leaves[^1];
        if (_store.HoldsLeaf(last.Content.Sequence, last.LeafHash) != true)
        {
            return false;
        }
        var reopened = new MerkleLog(_store.HashStore, batch.Size);
        if (reopened.Root() != batch.Root())
        {
            throw new LogIntegrityException(
                $"the commit of leaves {batch.From}..{batch.Size - 1} failed ({failure.Message}) but the database holds them with root {reopened.Root().ToHex()}, not the prepared {batch.Root().ToHex()}; the database is damaged");
        }
        return true;
    }

    /// <summary>
    /// Seals the checkpoint of <paramref name="size"/> (≤ <see cref="Size"/>) signed by the device
    /// key and stores it durably, before anything may upload it. Sealing a size again returns the
    /// stored checkpoint; a different root for a sealed size is never signed.
    /// </summary>
    /// <exception cref="LogIntegrityException">When the stored checkpoint of that size has another root.</exception>
    public StoredCheckpoint Seal(long size, long timeMs)
    {
        StoredCheckpoint stored;
        _store.Begin();
        try
        {
            stored = SealInTransaction(size, timeMs);
            _store.Commit();
        }
        catch
        {
            _store.Rollback();
            throw;
        }
        if (LastCheckpoint is null || size > LastCheckpoint.Size)
        {
            LastCheckpoint = stored;
        }
        return stored;
    }

    // Checks before signing: a size already sealed keeps its checkpoint, and one with another root is never signed.
    private StoredCheckpoint SealInTransaction(long size, long timeMs)
    {
        if (size <= 0 || size > Size)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"a checkpoint size is between 1 and the log size {Size}");
        }
        var root = RootAt(size);
        if (Sealed(size, root) is { } existing)
        {
            return existing;
        }
        var checkpoint = new Checkpoint(Origin, size, root, [Checkpoint.TimeExtension(timeMs)]);
        var stored = new StoredCheckpoint(size, root, timeMs, checkpoint.Sign(_signer).ToString());
        _store.InsertCheckpointRow(stored);
        return stored;
    }

    // Stores a checkpoint signed ahead (Prepare) once the log has grown to its size; the same checks.
    private StoredCheckpoint StoreCheckpoint(StoredCheckpoint signed)
    {
        var root = RootAt(signed.Size);
        if (root != signed.Root)
        {
            throw new InvalidOperationException($"checkpoint {signed.Size} was prepared with root {signed.Root.ToHex()} but the log gives {root.ToHex()}");
        }
        if (Sealed(signed.Size, root) is { } existing)
        {
            return existing;
        }
        _store.InsertCheckpointRow(signed);
        return signed;
    }

    private Hash32 RootAt(long size) => size == Size ? _merkle.Root() : _merkle.Reader.Root(size);

    // The stored checkpoint of a size, if sealed before; none can be when the size is beyond the largest.
    private StoredCheckpoint? Sealed(long size, Hash32 root)
    {
        if (LastCheckpoint is null || size > LastCheckpoint.Size || _store.GetCheckpoint(size) is not { } existing)
        {
            return null;
        }
        if (existing.Root != root)
        {
            throw new LogIntegrityException(
                $"checkpoint {size} was signed with root {existing.Root.ToHex()} but the log now gives {root.ToHex()}; " +
                "signing both would be equivocation. The database was modified or damaged; the gateway stops.");
        }
        return existing;
    }

    /// <summary>
    /// Deletes leaves below <paramref name="to"/> (a multiple of 16, at most the node's committed
    /// size and the last checkpoint) in chunks, each its own transaction.
    /// </summary>
    public void Prune(long to, int chunk = 50_000)
    {
        if (LastCheckpoint is null || to > LastCheckpoint.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(to), to, "only leaves under a sealed checkpoint can be pruned");
        }
        while (PrunedBelow < to)
        {
            var next = Math.Min(to, (PrunedBelow + chunk) / 16 * 16);
            if (next <= PrunedBelow)
            {
                next = to;
            }
            _store.Prune(PrunedBelow, next);
            PrunedBelow = next;
        }
        _store.ReleaseFreePages();
    }

    /// <inheritdoc/>
    public void Dispose() => _store.Dispose();

    private static MerkleLog OpenMerkle(SqliteLogStore store, LogMeta meta, string path)
    {
        var max = store.MaxStoredSequence();
        if (max is { } m && m + 1 != meta.Size)
        {
            throw new LogIntegrityException($"the database {path} records {meta.Size} leaves but its last leaf row is {m}; the database is damaged");
        }
        if (max is null && meta.Size > meta.PrunedBelow)
        {
            throw new LogIntegrityException($"the database {path} records {meta.Size} leaves but holds no leaf rows after {meta.PrunedBelow}; the database is damaged");
        }
        try
        {
            return new MerkleLog(store.HashStore, meta.Size);
        }
        catch (MissingHashesException e)
        {
            throw new LogIntegrityException($"the database {path} lacks Merkle hashes needed to continue the log: {e.Message}");
        }
    }

    // What must hold before the log may be extended or signed again:
    //  - the last checkpoint verifies with the device key and its row matches its note;
    //  - every leaf the node has not committed yet (from the checkpoint at the node's committed size
    //    on) hashes to its stored hash, and those hashes rebuild every checkpoint signed over them,
    //    up to the stored right edge of the tree that the next checkpoint will be computed from.
    // Leaves the node committed were checked by the node against these same signed roots; they
    // are not re-read here, so a restart costs time in proportion to the backlog, not the log.
    private static void Verify(SqliteLogStore store, MerkleLog merkle, LogMeta meta, StoredCheckpoint? last, INoteSigner signer, string path)
    {
        using var key = NoteVerifierKey.FromSpki(signer.KeyName, signer.PublicKey.Span);
        var policy = TrustPolicy.Single(key);
        var origin = DeviceLogs.Origin(meta.DeviceId);
        void CheckNote(StoredCheckpoint checkpoint)
        {
            var verified = CheckpointVerifier.Verify(checkpoint.Note, policy, origin);
            if (!verified.Succeeded)
            {
                throw new LogIntegrityException(
                    $"checkpoint {checkpoint.Size} in {path} does not verify with the device key {signer.KeyId:x8} ({verified.Failure}); " +
                    "the key file is not the one that signed this log, or the database was modified");
            }
            if (verified.Value.Checkpoint.Size != checkpoint.Size || verified.Value.Checkpoint.Root != checkpoint.Root)
            {
                throw new LogIntegrityException($"checkpoint row {checkpoint.Size} in {path} does not match its signed note");
            }
        }

        if (last is null && meta.PrunedBelow > 0)
        {
            throw new LogIntegrityException($"{path} was pruned below {meta.PrunedBelow} but holds no checkpoint; the database is damaged");
        }
        if (last is not null)
        {
            if (last.Size > meta.Size)
            {
                throw new LogIntegrityException($"checkpoint {last.Size} is beyond the {meta.Size} leaves in {path}; the database is damaged");
            }
            CheckNote(last);
        }

        var lowest = Math.Max(meta.PrunedBelow, 1);
        var from = store.LargestCheckpointSizeWithin(lowest, Math.Max(meta.PrunedBelow, meta.NodeCommittedSize))
            ?? (meta.PrunedBelow > 0 ? store.SmallestCheckpointSizeFrom(lowest) ?? 0 : 0);
        MerkleAppender appender;
        try
        {
            appender = MerkleAppender.Restore(from, merkle.Reader.Peaks(from));
        }
        catch (MissingHashesException e)
        {
            throw new LogIntegrityException($"cannot rebuild the log at size {from}: {e.Message}");
        }
        // Checkpoints are read one by one alongside the leaves: a long backlog may have thousands.
        using var checkpoints = store.CheckpointsFrom(Math.Max(from, 1)).GetEnumerator();
        var pending = checkpoints.MoveNext();
        void CheckRoot(long size)
        {
            while (pending && checkpoints.Current.Size == size)
            {
                var checkpoint = checkpoints.Current;
                pending = checkpoints.MoveNext();
                CheckNote(checkpoint);
                if (appender.Root() != checkpoint.Root)
                {
                    throw new LogIntegrityException(
                        $"the stored leaves of {path} give root {appender.Root().ToHex()} at size {size}, but the device signed {checkpoint.Root.ToHex()} " +
                        $"at {FormatTime(checkpoint.TimeMs)}: the log was modified or the storage is damaged. The gateway stops so that it never signs over damaged data; " +
                        "keep the data folder for investigation");
                }
            }
        }
        CheckRoot(from);

        var expected = from;
        var sealedUpTo = last?.Size ?? 0;
        foreach (var (seq, hash, bytes) in store.ReadLeaves(from, meta.Size))
        {
            if (seq != expected)
            {
                throw new LogIntegrityException($"leaf {expected} is missing from {path} (next row is {seq}); the database is damaged");
            }
            var computed = Rfc9162.HashLeaf(bytes);
            if (computed != hash)
            {
                throw new LogIntegrityException($"leaf {seq} in {path} does not hash to its stored hash: its bytes were modified or damaged");
            }
            if (seq >= sealedUpTo)
            {
                // Never signed yet: check that the row is what it claims to be before it is.
                var parsed = ReadingLeaf.Parse(bytes);
                if (!parsed.Succeeded || parsed.Value.Content.Sequence != seq || parsed.Value.Content.DeviceId != meta.DeviceId)
                {
                    throw new LogIntegrityException($"leaf row {seq} in {path} is not leaf {seq} of device '{meta.DeviceId}' ({parsed.Failure?.ToString() ?? "wrong sequence or device"})");
                }
            }
            appender.Append(computed);
            expected++;
            CheckRoot(expected);
        }
        if (expected != meta.Size)
        {
            throw new LogIntegrityException($"leaves [{expected}, {meta.Size}) are missing from {path}; the database is damaged");
        }
        if (appender.Root() != merkle.Root())
        {
            throw new LogIntegrityException($"the stored Merkle nodes of {path} disagree with its leaves; the database is damaged");
        }
    }

    private static string FormatTime(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>
/// A batch of leaves with its tree work done and its checkpoints signed (<see cref="DeviceLog.Prepare"/>),
/// ready to be appended. Immutable once made.
/// </summary>
public sealed class PreparedAppend
{
    internal PreparedAppend(long from, IReadOnlyList<ReadingLeaf> leaves, IReadOnlyList<MerkleAppendPlan> trees, MerkleAppendPlan last,
        IReadOnlyList<StoredCheckpoint> checkpoints)
    {
        From = from;
        Leaves = leaves;
        Trees = trees;
        Last = last;
        Checkpoints = checkpoints;
    }

    /// <summary>The log size the batch appends to.</summary>
    public long From { get; }

    /// <summary>The log size after the batch.</summary>
    public long Size => Last.Size;

    /// <summary>The root after the batch.</summary>
    public Hash32 Root() => Last.Root();

    /// <summary>The leaves, in sequence order.</summary>
    public IReadOnlyList<ReadingLeaf> Leaves { get; }

    /// <summary>The checkpoints signed for sizes within the batch, smallest first.</summary>
    public IReadOnlyList<StoredCheckpoint> Checkpoints { get; }

    // The batch's tree work, cut at the checkpoint sizes so that each one's root is known.
    internal IReadOnlyList<MerkleAppendPlan> Trees { get; }

    internal MerkleAppendPlan Last { get; }
}

/// <summary>What <see cref="DeviceLog.Append(PreparedAppend, IReadOnlyList{AlarmStateChange}?, IReadOnlyList{KeyValuePair{string, object?}}?)"/> committed: the leaves and the checkpoints sealed with them.</summary>
public readonly record struct AppendOutcome(CommitResult Commit, IReadOnlyList<StoredCheckpoint> Sealed);

/// <summary>What a commit appended: leaves [<paramref name="First"/>, <paramref name="First"/> + <paramref name="Count"/>).</summary>
public readonly record struct CommitResult(long First, int Count, long Size)
{
    /// <summary>The last sequence appended, or −1 for an empty commit.</summary>
    public long Last => First + Count - 1;
}

/// <summary>
/// The stored log does not match what the device signed, or cannot be continued safely. The
/// gateway stops instead of extending or signing it (exit code 3).
/// </summary>
public sealed class LogIntegrityException(string message) : Exception(message);
