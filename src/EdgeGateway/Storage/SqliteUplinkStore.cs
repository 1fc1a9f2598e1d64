using Firmware.Contracts.Hashing;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Storage;

/// <summary>
/// The uplink's own connection to the gateway database: it reads sealed checkpoints and leaf
/// bytes (in bounded chunks, so that a week of backlog never sits in memory) and records what the
/// node has committed. WAL lets it read while the log writer writes.
/// </summary>
public sealed class SqliteUplinkStore : IDisposable
{
    private readonly SqliteConnection _connection;

    private SqliteUplinkStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens the database at <paramref name="path"/>.</summary>
    public static SqliteUplinkStore Open(string path) => new(GatewayDatabase.OpenReadWrite(path));

    /// <summary>The log's bookkeeping as last committed.</summary>
    public LogMeta ReadMeta()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT key, value FROM meta WHERE key IN ('device_id', 'log_size', 'pruned_below', 'node_committed_size');";
        string? device = null;
        long size = 0, pruned = 0, committed = 0;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            switch (reader.GetString(0))
            {
                case MetaKeys.DeviceId: device = reader.GetString(1); break;
                case MetaKeys.LogSize: size = reader.GetInt64(1); break;
                case MetaKeys.PrunedBelow: pruned = reader.GetInt64(1); break;
                case MetaKeys.NodeCommittedSize: committed = reader.GetInt64(1); break;
            }
        }
        return new LogMeta(device ?? throw new IOException("the database has no device id"), size, pruned, committed);
    }

    /// <summary>The largest sealed checkpoint.</summary>
    public StoredCheckpoint? LastCheckpoint() =>
        SqliteLogStore.QueryCheckpoint(_connection, null, "SELECT size, root, time_ms, note FROM checkpoints ORDER BY size DESC LIMIT 1;", null);

    /// <summary>The checkpoint of <paramref name="size"/>, if sealed (and not pruned).</summary>
    public StoredCheckpoint? GetCheckpoint(long size) =>
        SqliteLogStore.QueryCheckpoint(_connection, null, "SELECT size, root, time_ms, note FROM checkpoints WHERE size = $size;", size);

    /// <summary>The largest sealed checkpoint with <paramref name="above"/> &lt; size ≤ <paramref name="atMost"/>.</summary>
    public StoredCheckpoint? LargestCheckpointWithin(long above, long atMost)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT size, root, time_ms, note FROM checkpoints WHERE size > $above AND size <= $most ORDER BY size DESC LIMIT 1;";
        command.Parameters.AddWithValue("$above", above);
        command.Parameters.AddWithValue("$most", atMost);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new StoredCheckpoint(reader.GetInt64(0), new Hash32(reader.GetFieldValue<byte[]>(1)), reader.GetInt64(2), reader.GetString(3))
            : null;
    }

    /// <summary>How many leaf rows [<paramref name="from"/>, <paramref name="to"/>) there are, and the total length of their base64.</summary>
    public (long Count, long Base64Length) MeasureLeaves(long from, long to)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT count(*), coalesce(sum((length(bytes) + 2) / 3 * 4), 0) FROM leaves WHERE seq >= $from AND seq < $to;";
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// The bytes of leaves [<paramref name="from"/>, <paramref name="to"/>) in order, read
    /// <paramref name="chunk"/> rows per query so that no read transaction stays open for long.
    /// </summary>
    /// <exception cref="IOException">When a leaf is missing.</exception>
    public IEnumerable<byte[]> ReadLeafBytes(long from, long to, int chunk = 512)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT seq, bytes FROM leaves WHERE seq >= $from AND seq < $to ORDER BY seq;";
        var fromParameter = command.Parameters.Add("$from", SqliteType.Integer);
        var toParameter = command.Parameters.Add("$to", SqliteType.Integer);
        var next = from;
        while (next < to)
        {
            var end = Math.Min(to, next + chunk);
            fromParameter.Value = next;
            toParameter.Value = end;
            var rows = new List<byte[]>(chunk);
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    if (reader.GetInt64(0) != next + rows.Count)
                    {
                        break;
                    }
                    rows.Add(reader.GetFieldValue<byte[]>(1));
                }
            }
            if (rows.Count != end - next)
            {
                throw new IOException($"leaf {next + rows.Count} is missing from the database (pruned or damaged)");
            }
            foreach (var row in rows)
            {
                yield return row;
            }
            next = end;
        }
    }

    /// <summary>Records what the node said it committed, durably.</summary>
    public void RecordNodeCommitted(long committedSize, long? ledgerIndex, long nowMs)
    {
        WriteTransaction.Run(_connection, () =>
        {
            SetMeta(MetaKeys.NodeCommittedSize, committedSize);
            SetMeta(MetaKeys.NodeCommittedMs, nowMs);
            if (ledgerIndex is { } index)
            {
                SetMeta(MetaKeys.NodeLedgerIndex, index);
            }
        });
    }

    /// <summary>Records the uplink's state for <c>status</c>.</summary>
    public void RecordState(string state, string detail, long nowMs)
    {
        WriteTransaction.Run(_connection, () =>
        {
            SetMeta(MetaKeys.UplinkState, state);
            SetMeta(MetaKeys.UplinkDetail, detail);
            SetMeta(MetaKeys.UplinkMs, nowMs);
        });
    }

    /// <summary>Records the node the uplink anchors on, for <c>status</c>.</summary>
    public void RecordNodeUrl(string url) => SetMeta(MetaKeys.NodeUrl, url);

    /// <summary>The gateway time of the last status report sent, or null.</summary>
    public long? LastStatusReportMs()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = $k;";
        command.Parameters.AddWithValue("$k", MetaKeys.StatusReportMs);
        return command.ExecuteScalar() is long ms ? ms : null;
    }

    /// <summary>Records the gateway time of a status report about to be sent.</summary>
    public void RecordStatusReport(long gatewayTimeMs)
    {
        SetMeta(MetaKeys.StatusReportMs, gatewayTimeMs);
    }

    /// <inheritdoc/>
    public void Dispose() => _connection.Dispose();

    private void SetMeta(string key, object value)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "INSERT INTO meta(key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value;";
        command.Parameters.AddWithValue("$k", key);
        command.Parameters.AddWithValue("$v", value);
        command.ExecuteNonQuery();
    }
}
