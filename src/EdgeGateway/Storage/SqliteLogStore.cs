using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using EdgeGateway.Alarms;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Storage;

/// <summary>
/// The device log's storage on the writing connection: leaf rows, the Merkle hash store,
/// checkpoints, alarm state and bookkeeping, written in explicit transactions. One owner (the log
/// writer) uses it; other roles open their own connections.
/// </summary>
public sealed class SqliteLogStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertLeaf;
    private readonly SqliteParameter _leafSeq, _leafHash, _leafBytes;
    private readonly SqliteCommand _setMeta;
    private readonly SqliteParameter _metaKey, _metaValue;
    private readonly SqliteCommand _usedBytes;
    private readonly List<Hash32> _insertedHashes = new(1024);
    // SQLite copies bound blobs (SQLITE_TRANSIENT), so one buffer serves every insert.
    private readonly byte[] _hashBuffer = new byte[Hash32.Length];
    private long _insertedFrom = -1;
    private bool _open;

    private SqliteLogStore(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
        _insertLeaf = connection.CreateCommand();
        _insertLeaf.CommandText = "INSERT INTO leaves(seq, hash, bytes) VALUES ($seq, $hash, $bytes);";
        _leafSeq = _insertLeaf.Parameters.Add("$seq", SqliteType.Integer);
        _leafHash = _insertLeaf.Parameters.Add("$hash", SqliteType.Blob);
        _leafBytes = _insertLeaf.Parameters.Add("$bytes", SqliteType.Blob);

        _setMeta = connection.CreateCommand();
        _setMeta.CommandText = "INSERT INTO meta(key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value;";
        _metaKey = _setMeta.Parameters.Add("$k", SqliteType.Text);
        _metaValue = _setMeta.Parameters.AddWithValue("$v", DBNull.Value);

        _usedBytes = connection.CreateCommand();
        _usedBytes.CommandText = GatewayDatabase.UsedBytesSql;

        HashStore = new SqliteMerkleHashStore(this, connection);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The Merkle hash store in this database.</summary>
    public SqliteMerkleHashStore HashStore { get; }

    /// <summary>True while a transaction is open.</summary>
    public bool InTransaction => _open;

    /// <summary>Opens the database at <paramref name="path"/> for writing.</summary>
    public static SqliteLogStore Open(string path) => new(path, GatewayDatabase.OpenReadWrite(path));

    /// <summary>The bookkeeping.</summary>
    public LogMeta ReadMeta() => new(
        GetMetaString(MetaKeys.DeviceId) ?? throw new IOException($"{Path} has no device id"),
        GetMetaLong(MetaKeys.LogSize) ?? 0,
        GetMetaLong(MetaKeys.PrunedBelow) ?? 0,
        GetMetaLong(MetaKeys.NodeCommittedSize) ?? 0);

    /// <summary>A text value of the meta table.</summary>
    public string? GetMetaString(string key) => Convert.ToString(GetMeta(key), CultureInfo.InvariantCulture);

    /// <summary>An integer value of the meta table.</summary>
    public long? GetMetaLong(string key) => GetMeta(key) is { } v ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : null;

    /// <summary>Starts a transaction (BEGIN IMMEDIATE: the write lock is taken now, not at the first write).</summary>
    public void Begin()
    {
        if (_open)
        {
            throw new InvalidOperationException("a log transaction is already open");
        }
        WriteTransaction.Begin(_connection);
        _open = true;
        _insertedHashes.Clear();
        _insertedFrom = -1;
    }

    /// <summary>Inserts one leaf row; level 0 of the hash store comes with it.</summary>
    public void InsertLeaf(long seq, in Hash32 hash, ReadOnlyMemory<byte> bytes)
    {
        RequireTransaction();
        if (_insertedFrom < 0)
        {
            _insertedFrom = seq;
        }
        else if (seq != _insertedFrom + _insertedHashes.Count)
        {
            throw new InvalidOperationException($"leaf {seq} inserted out of order after {_insertedFrom + _insertedHashes.Count - 1}");
        }
        _leafSeq.Value = seq;
        hash.CopyTo(_hashBuffer);
        _leafHash.Value = _hashBuffer;
        _leafBytes.Value = MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : bytes.ToArray();
        _insertLeaf.ExecuteNonQuery();
        _insertedHashes.Add(hash);
    }

    /// <summary>Sets a meta value inside the open transaction (or on its own when none is open).</summary>
    public void SetMeta(string key, object? value)
    {
        _metaKey.Value = key;
        _metaValue.Value = value ?? DBNull.Value;
        _setMeta.ExecuteNonQuery();
    }

    /// <summary>Saves or deletes alarm engine states inside the open transaction.</summary>
    public void SaveAlarmChanges(IReadOnlyList<AlarmStateChange> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }
        RequireTransaction();
        using var upsert = _connection.CreateCommand();
        upsert.CommandText = "INSERT INTO alarm_state(rule, sensor, state) VALUES ($r, $s, $j) ON CONFLICT(rule, sensor) DO UPDATE SET state = excluded.state;";
        var ur = upsert.Parameters.Add("$r", SqliteType.Text);
        var us = upsert.Parameters.Add("$s", SqliteType.Text);
        var uj = upsert.Parameters.Add("$j", SqliteType.Text);
        using var delete = _connection.CreateCommand();
        delete.CommandText = "DELETE FROM alarm_state WHERE rule = $r AND sensor = $s;";
        var dr = delete.Parameters.Add("$r", SqliteType.Text);
        var ds = delete.Parameters.Add("$s", SqliteType.Text);
        foreach (var change in changes)
        {
            if (change.State is null)
            {
                dr.Value = change.RuleId;
                ds.Value = change.SensorId;
                delete.ExecuteNonQuery();
            }
            else
            {
                ur.Value = change.RuleId;
                us.Value = change.SensorId;
                uj.Value = JsonSerializer.Serialize(change.State, StorageJsonContext.Default.AlarmTrackState);
                upsert.ExecuteNonQuery();
            }
        }
    }

    /// <summary>
    /// Commits the open transaction; with synchronous=FULL it is on disk when this returns. When it
    /// throws, the transaction is over (SQLite rolled it back, or <see cref="Rollback"/> will), but
    /// only the database can tell whether it was in fact committed: see <see cref="HoldsLeaf"/>.
    /// </summary>
    public void Commit()
    {
        RequireTransaction();
        _open = false;
        WriteTransaction.Commit(_connection);
        AfterCommit?.Invoke();
    }

    // A test seam for the failure that cannot be made to order: SQLite reporting an error for a
    // commit that is durable (e.g. the shared-memory index could not grow after the commit frame
    // was written on a full disk).
    internal Action? AfterCommit { get; set; }

    /// <summary>Rolls back whatever SQLite still has open, e.g. after a failed statement or commit. Never throws.</summary>
    public void Rollback()
    {
        _open = false;
        WriteTransaction.RollbackIfOpen(_connection);
    }

    /// <summary>
    /// Whether the committed log holds leaf <paramref name="seq"/> with <paramref name="hash"/> and
    /// records a size of at least <paramref name="seq"/> + 1: asked after a failed commit, to learn
    /// whether it was durable after all. Null when the database cannot be read either.
    /// </summary>
    public bool? HoldsLeaf(long seq, in Hash32 hash)
    {
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT hash FROM leaves WHERE seq = $seq;";
            command.Parameters.AddWithValue("$seq", seq);
            var stored = command.ExecuteScalar() as byte[];
            return stored is not null && new Hash32(stored) == hash && (GetMetaLong(MetaKeys.LogSize) ?? 0) > seq;
        }
        catch (SqliteException)
        {
            return null;
        }
    }

    /// <summary>The saved alarm engine states.</summary>
    public List<AlarmTrackState> ReadAlarmStates() => ReadAlarmStates(_connection, null);

    internal static List<AlarmTrackState> ReadAlarmStates(SqliteConnection connection, SqliteTransaction? tx)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT state FROM alarm_state ORDER BY rule, sensor;";
        var list = new List<AlarmTrackState>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (JsonSerializer.Deserialize(reader.GetString(0), StorageJsonContext.Default.AlarmTrackState) is { } state)
            {
                list.Add(state);
            }
        }
        return list;
    }

    /// <summary>The checkpoint of <paramref name="size"/>, if one was sealed.</summary>
    public StoredCheckpoint? GetCheckpoint(long size) =>
        QueryCheckpoint(_connection, null, "SELECT size, root, time_ms, note FROM checkpoints WHERE size = $size;", size);

    /// <summary>The largest sealed checkpoint.</summary>
    public StoredCheckpoint? LastCheckpoint() =>
        QueryCheckpoint(_connection, null, "SELECT size, root, time_ms, note FROM checkpoints ORDER BY size DESC LIMIT 1;", null);

    /// <summary>The sealed checkpoints of size ≥ <paramref name="minSize"/>, smallest first, read as they are enumerated.</summary>
    public IEnumerable<StoredCheckpoint> CheckpointsFrom(long minSize)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT size, root, time_ms, note FROM checkpoints WHERE size >= $min ORDER BY size;";
        command.Parameters.AddWithValue("$min", minSize);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return new StoredCheckpoint(reader.GetInt64(0), new Hash32(reader.GetFieldValue<byte[]>(1)), reader.GetInt64(2), reader.GetString(3));
        }
    }

    /// <summary>The largest checkpoint size in [<paramref name="from"/>, <paramref name="to"/>], or null.</summary>
    public long? LargestCheckpointSizeWithin(long from, long to)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT max(size) FROM checkpoints WHERE size >= $from AND size <= $to;";
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        return command.ExecuteScalar() is long size ? size : null;
    }

    /// <summary>The smallest checkpoint size of at least <paramref name="from"/>, or null.</summary>
    public long? SmallestCheckpointSizeFrom(long from)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT min(size) FROM checkpoints WHERE size >= $from;";
        command.Parameters.AddWithValue("$from", from);
        return command.ExecuteScalar() is long size ? size : null;
    }

    /// <summary>Stores a sealed checkpoint inside the open transaction.</summary>
    public void InsertCheckpointRow(StoredCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        using var command = _connection.CreateCommand();
        RequireTransaction();
        command.CommandText = "INSERT INTO checkpoints(size, root, time_ms, note) VALUES ($size, $root, $t, $note);";
        command.Parameters.AddWithValue("$size", checkpoint.Size);
        command.Parameters.AddWithValue("$root", checkpoint.Root.Bytes.ToArray());
        command.Parameters.AddWithValue("$t", checkpoint.TimeMs);
        command.Parameters.AddWithValue("$note", checkpoint.Note);
        command.ExecuteNonQuery();
    }

    /// <summary>Leaf rows [<paramref name="from"/>, <paramref name="to"/>) in order, for verification.</summary>
    public IEnumerable<(long Seq, Hash32 Hash, byte[] Bytes)> ReadLeaves(long from, long to)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT seq, hash, bytes FROM leaves WHERE seq >= $from AND seq < $to ORDER BY seq;";
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetInt64(0), new Hash32(reader.GetFieldValue<byte[]>(1)), reader.GetFieldValue<byte[]>(2));
        }
    }

    /// <summary>The highest leaf sequence stored, or null when there are no leaf rows.</summary>
    public long? MaxStoredSequence()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT max(seq) FROM leaves;";
        return command.ExecuteScalar() is long max ? max : null;
    }

    /// <summary>
    /// Deletes leaves [<paramref name="from"/>, <paramref name="to"/>) with the Merkle nodes and
    /// checkpoints that only they needed, in one durable transaction. The caller guarantees that
    /// the node committed them and that <paramref name="to"/> is a multiple of 16.
    /// </summary>
    /// <remarks>
    /// Stored level ℓ serves peaks at levels ℓ..ℓ+3, which for any log size s ≥ <paramref name="to"/>
    /// lie within [s rounded down to 2^(ℓ+4), s). So level-ℓ nodes below <paramref name="to"/>
    /// rounded down to 2^(ℓ+4) are never read again to extend the log or to compute the root of
    /// any size ≥ <paramref name="to"/>; everything else is kept.
    /// </remarks>
    public void Prune(long from, long to)
    {
        if (to % (1 << MerkleLog.LevelStride) != 0)
        {
            throw new ArgumentException($"prune bound {to} must be a multiple of {1 << MerkleLog.LevelStride}", nameof(to));
        }
        Begin();
        try
        {
            using var command = _connection.CreateCommand();
                command.CommandText = "DELETE FROM leaves WHERE seq >= $from AND seq < $to;";
            command.Parameters.AddWithValue("$from", from);
            command.Parameters.AddWithValue("$to", to);
            command.ExecuteNonQuery();

            command.Parameters.Clear();
            command.CommandText = "DELETE FROM merkle_nodes WHERE level = $level AND idx < $bound;";
            var level = command.Parameters.Add("$level", SqliteType.Integer);
            var bound = command.Parameters.Add("$bound", SqliteType.Integer);
            for (var l = MerkleLog.LevelStride; l <= 60; l += MerkleLog.LevelStride)
            {
                var span = 1L << (l + MerkleLog.LevelStride);
                var keepFrom = to / span * span;
                if (keepFrom == 0)
                {
                    break;
                }
                level.Value = l;
                bound.Value = keepFrom >> l;
                command.ExecuteNonQuery();
            }

            command.Parameters.Clear();
            command.CommandText = "DELETE FROM checkpoints WHERE size < $to;";
            command.Parameters.AddWithValue("$to", to);
            command.ExecuteNonQuery();

            SetMeta(MetaKeys.PrunedBelow, to);
            Commit();
        }
        catch
        {
            Rollback();
            throw;
        }
    }

    /// <summary>Returns free pages to the file system after pruning.</summary>
    public void ReleaseFreePages()
    {
        GatewayDatabase.Execute(_connection, "PRAGMA incremental_vacuum;");
        // Move the write-ahead log into the database and truncate it, so the freed space shows.
        GatewayDatabase.Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE);");
    }

    /// <summary>Bytes the database uses on disk, write-ahead log included.</summary>
    public long DiskBytes() => GatewayDatabase.DiskBytes(Path);

    /// <summary>
    /// Bytes of database pages in use (free pages excluded), as this connection sees them: what the
    /// disk budget counts. The write-ahead log adds a bounded amount (at most 8 MiB) on top.
    /// </summary>
    public long UsedBytes()
    {
        // Asked after every commit: one prepared statement rather than a new one each time.
        return Convert.ToInt64(_usedBytes.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Runs <c>PRAGMA integrity_check</c>; "ok" when the file is sound.</summary>
    public string IntegrityCheck() => GatewayDatabase.Scalar<string>(_connection, "PRAGMA integrity_check;");

    /// <inheritdoc/>
    public void Dispose()
    {
        Rollback();
        HashStore.Dispose();
        _insertLeaf.Dispose();
        _setMeta.Dispose();
        _usedBytes.Dispose();
        _connection.Dispose();
    }

    internal void CheckInsertedLeafHashes(long index, ReadOnlySpan<Hash32> hashes)
    {
        var offset = index - _insertedFrom;
        if (!_open || _insertedFrom < 0 || offset < 0 || offset + hashes.Length > _insertedHashes.Count)
        {
            throw new InvalidOperationException(
                $"level-0 hashes [{index}, {index + hashes.Length}) must belong to leaf rows inserted in the same transaction");
        }
        // Public values: one vectorised comparison of the whole run, the mismatch looked for only when there is one.
        var inserted = CollectionsMarshal.AsSpan(_insertedHashes).Slice((int)offset, hashes.Length);
        if (!MemoryMarshal.AsBytes(hashes).SequenceEqual(MemoryMarshal.AsBytes(inserted)))
        {
            var i = 0;
            while (hashes[i] == inserted[i])
            {
                i++;
            }
            throw new InvalidOperationException($"the Merkle log's hash of leaf {index + i} differs from the stored leaf row's");
        }
    }

    internal static StoredCheckpoint? QueryCheckpoint(SqliteConnection connection, SqliteTransaction? tx, string sql, long? size)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        if (size is { } s)
        {
            command.Parameters.AddWithValue("$size", s);
        }
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new StoredCheckpoint(reader.GetInt64(0), new Hash32(reader.GetFieldValue<byte[]>(1)), reader.GetInt64(2), reader.GetString(3))
            : null;
    }

    private object? GetMeta(string key)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = $k;";
        command.Parameters.AddWithValue("$k", key);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    private void RequireTransaction()
    {
        if (!_open)
        {
            throw new InvalidOperationException("no log transaction is open; call Begin first");
        }
    }
}
