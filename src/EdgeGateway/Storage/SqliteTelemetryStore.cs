using Microsoft.Data.Sqlite;

namespace EdgeGateway.Storage;

/// <summary>
/// Where the MQTT side records its state and counters for <c>status</c>: its own connection to the
/// gateway database, writing a few meta rows every couple of seconds at most.
/// </summary>
/// <remarks>
/// These rows are a report, not custody: the connection commits with <c>synchronous=NORMAL</c>, so
/// a report costs no fsync. In WAL mode that is still consistent; the log writer's next
/// <c>synchronous=FULL</c> commit makes it durable too.
/// </remarks>
public sealed class SqliteTelemetryStore : IDisposable
{
    private static readonly string[] Keys = [MetaKeys.MqttState, MetaKeys.MqttDetail, MetaKeys.MqttMs, MetaKeys.MqttCounters];

    private readonly SqliteConnection _connection;

    private SqliteTelemetryStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens the database at <paramref name="path"/>.</summary>
    public static SqliteTelemetryStore Open(string path)
    {
        var connection = GatewayDatabase.OpenReadWrite(path);
        GatewayDatabase.Execute(connection, "PRAGMA synchronous = NORMAL;");
        return new SqliteTelemetryStore(connection);
    }

    /// <summary>Records the MQTT state, its detail and the counters (JSON).</summary>
    public void Record(string state, string detail, string counters, long nowMs)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "INSERT INTO meta(key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value;";
        var key = command.Parameters.Add("$k", SqliteType.Text);
        var value = command.Parameters.AddWithValue("$v", DBNull.Value);
        WriteTransaction.Run(_connection, () =>
        {
            foreach (var (k, v) in new (string, object)[] { (MetaKeys.MqttState, state), (MetaKeys.MqttDetail, detail), (MetaKeys.MqttMs, nowMs), (MetaKeys.MqttCounters, counters) })
            {
                key.Value = k;
                value.Value = v;
                command.ExecuteNonQuery();
            }
        });
    }

    /// <summary>Forgets what an earlier run recorded (MQTT is not configured now).</summary>
    public void Clear()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"DELETE FROM meta WHERE key IN ({string.Join(", ", Keys.Select(k => $"'{k}'"))});";
        command.ExecuteNonQuery();
    }

    /// <summary>Whether an earlier run recorded anything.</summary>
    public bool HasRecord() =>
        GatewayDatabase.Scalar<long>(_connection, $"SELECT count(*) FROM meta WHERE key = '{MetaKeys.MqttState}';") > 0;

    /// <inheritdoc/>
    public void Dispose() => _connection.Dispose();
}
