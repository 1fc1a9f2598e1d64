using System.Collections.Concurrent;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Storage;

/// <summary>A stored ledger checkpoint.</summary>
/// <param name="Size">Ledger size.</param>
/// <param name="TimeMs">Its time extension.</param>
/// <param name="Note">The signed note, with every signature gathered.</param>
/// <param name="Signatures">How many signature lines it carries.</param>
public sealed record StoredCheckpoint(long Size, long TimeMs, string Note, int Signatures);

/// <summary>A device's log as this node holds it.</summary>
/// <param name="LogId">Its number in the tiles table.</param>
/// <param name="Size">Leaves held.</param>
public sealed record DeviceLogInfo(long LogId, long Size);

/// <summary>An RFID read in a device's log.</summary>
/// <param name="Epc">The EPC URI read.</param>
/// <param name="DeviceId">The device whose log holds it.</param>
/// <param name="Seq">Its sequence in that log.</param>
/// <param name="TimeMs">When it was read.</param>
/// <param name="SensorId">The reader.</param>
public sealed record EpcObservation(string Epc, string DeviceId, long Seq, long TimeMs, string SensorId);

/// <summary>One upload's leaves.</summary>
public sealed record LeafBatch(long FirstSeq, int Count, long MinTimeMs, long MaxTimeMs, long AnchorIndex);

/// <summary>
/// A read-only session on the node database with prepared statements, for request handlers,
/// exports and proofs. Not thread-safe: rent one per operation from <see cref="NodeReaders"/>.
/// Use <see cref="Snapshot"/> when several reads must see the same commit.
/// </summary>
public sealed class NodeReader : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTileStore _tiles;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    internal NodeReader(SqliteConnection connection, string consortium, TileCache? tiles = null)
    {
        _connection = connection;
        _tiles = new SqliteTileStore(connection, tiles);
        State = new SqliteLedgerState(connection, consortium);
        Ledger = new MerkleTreeReader(_tiles.Log(0));
    }

    /// <summary>The ledger state as of the last commit (or the snapshot).</summary>
    public SqliteLedgerState State { get; }

    /// <summary>Proofs over the ledger's Merkle log.</summary>
    public MerkleTreeReader Ledger { get; }

    /// <summary>Proofs over a device's log.</summary>
    public MerkleTreeReader DeviceTree(long logId) => new(_tiles.Log(logId));

    /// <summary>Starts a read transaction: every read until it is disposed sees one commit.</summary>
    public IDisposable Snapshot()
    {
        NodeDatabase.Execute(_connection, "BEGIN");
        // A deferred transaction takes its snapshot at the first read.
        _ = State.Size;
        return new SnapshotScope(_connection);
    }

    /// <summary>
    /// A device's ledger record, this node's copy of its log and the ledger size, read with one
    /// statement (so consistent with each other); null when the device was never enrolled.
    /// </summary>
    public (DeviceRecord Device, DeviceLogInfo? Log, long LedgerSize)? DeviceStanding(string deviceId)
    {
        var command = Command("""
            SELECT d.device, d.spki, d.site, d.zone, d.sensors, d.enrolment, d.enrolled_by, d.revocation, d.anchor, d.anchored_size, d.anchored_root, d.equivocation,
                   l.log, l.size, (SELECT value FROM meta WHERE key = 'ledger_size')
            FROM devices d LEFT JOIN device_logs l ON l.device = d.device
            WHERE d.device = $p0
            """, 1);
        command.Parameters[0].Value = deviceId;
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }
        var log = reader.IsDBNull(12) ? null : new DeviceLogInfo(reader.GetInt64(12), reader.GetInt64(13));
        return (SqliteLedgerState.ReadDevice(reader), log, long.Parse(reader.GetString(14), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The number of ledger entries.</summary>
    public long LedgerSize => State.Size;

    /// <summary>A value of the <c>meta</c> table, or null.</summary>
    public string? Meta(string key)
    {
        var command = Command("SELECT value FROM meta WHERE key = $p0", 1);
        command.Parameters[0].Value = key;
        return command.ExecuteScalar() as string;
    }

    /// <summary>The bytes of the entry at <paramref name="index"/>, or null when missing.</summary>
    public byte[]? Entry(long index)
    {
        var command = Command("SELECT bytes FROM entries WHERE idx = $p0", 1);
        command.Parameters[0].Value = index;
        return command.ExecuteScalar() as byte[];
    }

    /// <summary>Entries from <paramref name="from"/> on, at most <paramref name="count"/>.</summary>
    public List<(long Index, byte[] Bytes)> Entries(long from, int count)
    {
        var command = Command("SELECT idx, bytes FROM entries WHERE idx >= $p0 ORDER BY idx LIMIT $p1", 2);
        command.Parameters[0].Value = from;
        command.Parameters[1].Value = count;
        using var reader = command.ExecuteReader();
        var list = new List<(long, byte[])>();
        while (reader.Read())
        {
            list.Add((reader.GetInt64(0), (byte[])reader.GetValue(1)));
        }
        return list;
    }

    /// <summary>The newest checkpoint, or null.</summary>
    public StoredCheckpoint? LatestCheckpoint() => Checkpoints("SELECT size, time_ms, note, signatures FROM checkpoints ORDER BY size DESC LIMIT 1").FirstOrDefault();

    /// <summary>The largest checkpoint of at most <paramref name="maxSize"/> with at least <paramref name="signatures"/> member signatures, or null.</summary>
    public StoredCheckpoint? LatestSignedBy(long maxSize, int signatures) =>
        Checkpoints("SELECT size, time_ms, note, signatures FROM checkpoints WHERE size <= $p0 AND signatures >= $p1 ORDER BY size DESC LIMIT 1", maxSize, signatures).FirstOrDefault();

    /// <summary>The checkpoint at <paramref name="size"/>, or null.</summary>
    public StoredCheckpoint? CheckpointAt(long size) => Checkpoints("SELECT size, time_ms, note, signatures FROM checkpoints WHERE size = $p0", size).FirstOrDefault();

    /// <summary>Checkpoints of size greater than <paramref name="after"/>, oldest first.</summary>
    public List<StoredCheckpoint> CheckpointsAfter(long after, int limit) =>
        Checkpoints("SELECT size, time_ms, note, signatures FROM checkpoints WHERE size > $p0 ORDER BY size LIMIT $p1", after, limit);

    /// <summary>
    /// The checkpoint with the most signatures (then the newest) among those that include entry
    /// <paramref name="index"/>; null when none does.
    /// </summary>
    public StoredCheckpoint? BestCheckpoint(long index) =>
        Checkpoints("SELECT size, time_ms, note, signatures FROM checkpoints WHERE size > $p0 ORDER BY signatures DESC, size DESC LIMIT 1", index).FirstOrDefault();

    /// <summary>Checkpoints that include entry <paramref name="index"/>, newest first.</summary>
    public List<StoredCheckpoint> CheckpointsCovering(long index, int limit) =>
        Checkpoints("SELECT size, time_ms, note, signatures FROM checkpoints WHERE size > $p0 ORDER BY size DESC LIMIT $p1", index, limit);

    /// <summary>This node's copy of a device's log, or null when it holds none.</summary>
    public DeviceLogInfo? DeviceLog(string deviceId)
    {
        var command = Command("SELECT log, size FROM device_logs WHERE device = $p0", 1);
        command.Parameters[0].Value = deviceId;
        using var reader = command.ExecuteReader();
        return reader.Read() ? new DeviceLogInfo(reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    /// <summary>
    /// Stored leaves with sequence in [<paramref name="from"/>, <paramref name="from"/>+<paramref name="count"/>),
    /// in stored order (missing ones are simply absent).
    /// </summary>
    public List<StoredLeaf> Leaves(long logId, long from, long count)
    {
        var end = from + count;
        var list = new List<StoredLeaf>();
        var command = Command("""
            SELECT leaves FROM leaf_chunks
            WHERE log = $p0 AND first_seq >= coalesce((SELECT max(first_seq) FROM leaf_chunks WHERE log = $p0 AND first_seq <= $p1), 0) AND first_seq < $p2
            ORDER BY first_seq
            """, 3);
        command.Parameters[0].Value = logId;
        command.Parameters[1].Value = from;
        command.Parameters[2].Value = end;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.AddRange(LeafChunk.Decode((byte[])reader.GetValue(0)).Where(l => l.Seq >= from && l.Seq < end));
        }
        return list;
    }

    /// <summary>The first and last sequence of stored leaves with time in [<paramref name="fromMs"/>, <paramref name="toMs"/>].</summary>
    public (long First, long Last)? SequenceRange(long logId, long fromMs, long toMs)
    {
        // Each upload records its time span, so only the uploads overlapping the window are decoded.
        var command = Command("SELECT leaves FROM leaf_chunks WHERE log = $p0 AND max_time >= $p1 AND min_time <= $p2 ORDER BY first_seq", 3);
        command.Parameters[0].Value = logId;
        command.Parameters[1].Value = fromMs;
        command.Parameters[2].Value = toMs;
        using var reader = command.ExecuteReader();
        long? first = null, last = null;
        while (reader.Read())
        {
            foreach (var leaf in LeafChunk.Decode((byte[])reader.GetValue(0)))
            {
                if (leaf.TimeMs >= fromMs && leaf.TimeMs <= toMs)
                {
                    first = first is null ? leaf.Seq : Math.Min(first.Value, leaf.Seq);
                    last = last is null ? leaf.Seq : Math.Max(last.Value, leaf.Seq);
                }
            }
        }
        return first is null ? null : (first.Value, last!.Value);
    }

    /// <summary>The ledger state map as of the checkpoint of <paramref name="size"/>.</summary>
    public List<Firmware.Contracts.Ledger.StateEntry> StateAt(long size) => StateValues.At(_connection, size);

    /// <summary>The smallest sequence below <paramref name="size"/> of a stored leaf dated at or after <paramref name="timeMs"/>, or null.</summary>
    public long? FirstSequenceAtOrAfter(long logId, long timeMs, long size)
    {
        // Each upload records its time span: skip those wholly before the time, decode the rest in order.
        var command = Command("SELECT leaves FROM leaf_chunks WHERE log = $p0 AND max_time >= $p1 AND first_seq < $p2 ORDER BY first_seq", 3);
        command.Parameters[0].Value = logId;
        command.Parameters[1].Value = timeMs;
        command.Parameters[2].Value = size;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            foreach (var leaf in LeafChunk.Decode((byte[])reader.GetValue(0)))
            {
                if (leaf.Seq < size && leaf.TimeMs >= timeMs)
                {
                    return leaf.Seq;
                }
            }
        }
        return null;
    }

    /// <summary>The device's anchors (ledger index, anchored size), newest first.</summary>
    public List<(long Index, long Size)> Anchors(string deviceId, int limit)
    {
        var command = Command("SELECT idx, size FROM anchors WHERE device = $p0 ORDER BY idx DESC LIMIT $p1", 2);
        command.Parameters[0].Value = deviceId;
        command.Parameters[1].Value = limit;
        using var reader = command.ExecuteReader();
        var list = new List<(long, long)>();
        while (reader.Read())
        {
            list.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }
        return list;
    }

    /// <summary>The ledger index of the device's last anchor below <paramref name="beforeIndex"/> whose size exceeds <paramref name="minSize"/>.</summary>
    public (long Index, long Size)? AnchorCovering(string deviceId, long minSize, long beforeIndex)
    {
        var command = Command("SELECT idx, size FROM anchors WHERE device = $p0 AND size > $p1 AND idx < $p2 ORDER BY idx DESC LIMIT 1", 3);
        command.Parameters[0].Value = deviceId;
        command.Parameters[1].Value = minSize;
        command.Parameters[2].Value = beforeIndex;
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    /// <summary>Ledger indices of entries of <paramref name="kind"/>, ascending.</summary>
    public List<long> EntryIndices(string kind)
    {
        var command = Command("SELECT idx FROM entries WHERE kind = $p0 ORDER BY idx", 1);
        command.Parameters[0].Value = kind;
        using var reader = command.ExecuteReader();
        var list = new List<long>();
        while (reader.Read())
        {
            list.Add(reader.GetInt64(0));
        }
        return list;
    }

    /// <summary>The RFID reads of <paramref name="epc"/> in this node's device leaves, in time order.</summary>
    public List<EpcObservation> Observations(string epc)
    {
        var command = Command("SELECT epc, device, seq, time_ms, sensor FROM epc_observations WHERE epc = $p0 ORDER BY time_ms, device, seq", 1);
        command.Parameters[0].Value = epc;
        return ReadObservations(command);
    }

    /// <summary>RFID reads from <paramref name="fromMs"/> on (oldest first), at most <paramref name="limit"/>.</summary>
    public List<EpcObservation> ObservationsSince(long fromMs, int limit)
    {
        var command = Command("SELECT epc, device, seq, time_ms, sensor FROM epc_observations WHERE time_ms >= $p0 ORDER BY time_ms, device, seq LIMIT $p1", 2);
        command.Parameters[0].Value = fromMs;
        command.Parameters[1].Value = limit;
        return ReadObservations(command);
    }

    /// <summary>The time of the last stored leaf with sequence below <paramref name="size"/>, or null.</summary>
    public long? TimeOfLastLeaf(long logId, long size)
    {
        if (size <= 0)
        {
            return null;
        }
        var leaves = Leaves(logId, size - 1, 1);
        return leaves.Count == 0 ? null : leaves[0].TimeMs;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        State.Dispose();
        _tiles.Dispose();
        _connection.Dispose();
    }

    internal SqliteCommand Command(string sql, int parameters)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < parameters; i++)
            {
                command.Parameters.Add(new SqliteParameter($"$p{i}", null));
            }
            _commands.Add(sql, command);
        }
        return command;
    }

    private List<StoredCheckpoint> Checkpoints(string sql, params object[] values)
    {
        var command = Command(sql, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }
        using var reader = command.ExecuteReader();
        var list = new List<StoredCheckpoint>();
        while (reader.Read())
        {
            list.Add(new StoredCheckpoint(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3)));
        }
        return list;
    }

    private static List<EpcObservation> ReadObservations(Microsoft.Data.Sqlite.SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var list = new List<EpcObservation>();
        while (reader.Read())
        {
            list.Add(new EpcObservation(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4)));
        }
        return list;
    }

    private sealed class SnapshotScope(SqliteConnection connection) : IDisposable
    {
        public void Dispose() => NodeDatabase.Execute(connection, "COMMIT");
    }
}

/// <summary>A pool of <see cref="NodeReader"/>s: connections and prepared statements are reused across requests.</summary>
public sealed class NodeReaders : IDisposable
{
    private readonly NodeDatabase _database;
    private readonly string _consortium;
    private readonly ConcurrentBag<NodeReader> _idle = [];
    private readonly TileCache _tiles = new();
    private readonly int _maxIdle;
    private bool _disposed;

    /// <summary>Readers of <paramref name="database"/>.</summary>
    public NodeReaders(NodeDatabase database, string consortium, int maxIdle = 32)
    {
        _database = database;
        _consortium = consortium;
        _maxIdle = maxIdle;
    }

    /// <summary>A reader; dispose the lease to give it back.</summary>
    public Lease Rent() => new(this, _idle.TryTake(out var reader) ? reader : new NodeReader(_database.OpenReader(), _consortium, _tiles));

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    private void Return(NodeReader reader)
    {
        if (_disposed || _idle.Count >= _maxIdle)
        {
            reader.Dispose();
        }
        else
        {
            _idle.Add(reader);
        }
    }

    /// <summary>A rented reader.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly NodeReaders _owner;

        internal Lease(NodeReaders owner, NodeReader reader)
        {
            _owner = owner;
            Reader = reader;
        }

        /// <summary>The reader.</summary>
        public NodeReader Reader { get; }

        /// <inheritdoc/>
        public void Dispose() => _owner.Return(Reader);
    }
}
