using Firmware.Contracts.Readings;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Storage;

/// <summary>A sensor's quantity and its latest measurement in this node's device leaves.</summary>
/// <param name="DeviceId">The device whose log holds it.</param>
/// <param name="SensorId">The sensor.</param>
/// <param name="Quantity">The quantity measured.</param>
/// <param name="Zone">The zone its leaf names, or null.</param>
/// <param name="Unit">Its SenML unit, or null.</param>
/// <param name="TimeMs">When it was measured.</param>
/// <param name="Seq">Its sequence in the device log.</param>
/// <param name="Value">The value.</param>
public sealed record MeasurementSeries(string DeviceId, string SensorId, string Quantity, string? Zone, string? Unit, long TimeMs, long Seq, double Value);

/// <summary>Measurements of one time bucket.</summary>
/// <param name="StartMs">The bucket's start.</param>
/// <param name="Count">How many measurements fell in it.</param>
/// <param name="Min">The smallest.</param>
/// <param name="Max">The largest.</param>
/// <param name="Sum">Their sum.</param>
public sealed record MeasurementBucket(long StartMs, long Count, double Min, double Max, double Sum)
{
    /// <summary>The mean of the bucket.</summary>
    public double Mean => Sum / Count;
}

/// <summary>
/// The <c>measurements</c> index: every numeric measurement in this node's copy of the device logs,
/// by device, sensor, quantity and time, and <c>measurement_series</c>, each sensor's latest. It is
/// how the dashboard shows current values and the last 24 hours without decoding stored uploads.
/// Kept in the upload's transaction; rebuilt from the stored leaves when a database from before the
/// index is opened.
/// </summary>
internal static class Measurements
{
    /// <summary>The parameters of <see cref="InsertSql"/>.</summary>
    public static readonly string[] InsertParameters = ["$device", "$sensor", "$quantity", "$time", "$seq", "$value"];

    /// <summary>The parameters of <see cref="UpsertSeriesSql"/>.</summary>
    public static readonly string[] SeriesParameters = ["$device", "$sensor", "$quantity", "$zone", "$unit", "$time", "$seq", "$value"];

    public const string InsertSql = "INSERT OR IGNORE INTO measurements (device, sensor, quantity, time_ms, seq, value) VALUES ($device, $sensor, $quantity, $time, $seq, $value)";

    // A later upload may carry an older reading (a gateway's backlog); the latest by time stays.
    public const string UpsertSeriesSql = """
        INSERT INTO measurement_series (device, sensor, quantity, zone, unit, time_ms, seq, value)
        VALUES ($device, $sensor, $quantity, $zone, $unit, $time, $seq, $value)
        ON CONFLICT (device, sensor, quantity) DO UPDATE SET zone = excluded.zone, unit = excluded.unit, time_ms = excluded.time_ms, seq = excluded.seq, value = excluded.value
        WHERE excluded.time_ms > measurement_series.time_ms OR (excluded.time_ms = measurement_series.time_ms AND excluded.seq > measurement_series.seq)
        """;

    private const string BuiltKey = "measurement_index";

    /// <summary>True when the leaf is a numeric measurement worth indexing.</summary>
    public static bool IsIndexed(LeafContent content) =>
        content.Kind == LeafKind.Measurement && content.Value is { } value && double.IsFinite(value) && content.SensorId is not null && content.Quantity is not null;

    /// <summary>Sets the parameters of both statements (made with their parameter lists) for one leaf.</summary>
    public static void Bind(SqliteCommand command, string deviceId, LeafContent content)
    {
        command.Parameters["$device"].Value = deviceId;
        command.Parameters["$sensor"].Value = content.SensorId;
        command.Parameters["$quantity"].Value = content.Quantity;
        if (command.Parameters.Contains("$zone"))
        {
            command.Parameters["$zone"].Value = (object?)content.Zone ?? DBNull.Value;
            command.Parameters["$unit"].Value = (object?)content.Unit ?? DBNull.Value;
        }
        command.Parameters["$time"].Value = content.TimeMs;
        command.Parameters["$seq"].Value = content.Sequence;
        command.Parameters["$value"].Value = content.Value;
    }

    /// <summary>Builds the index from the stored leaves once, inside <paramref name="tx"/>.</summary>
    public static void EnsureBuilt(SqliteConnection connection, SqliteTransaction tx)
    {
        using var insert = StoredLeafIndex.Prepare(connection, tx, InsertSql, InsertParameters);
        using var upsert = StoredLeafIndex.Prepare(connection, tx, UpsertSeriesSql, SeriesParameters);
        StoredLeafIndex.EnsureBuilt(connection, tx, BuiltKey, LeafKind.Measurement, IsIndexed, (device, content) =>
        {
            foreach (var command in new[] { insert, upsert })
            {
                Bind(command, device, content);
                command.ExecuteNonQuery();
            }
        });
    }

    /// <summary>Every sensor's quantity with its latest measurement, by device, sensor and quantity.</summary>
    public static List<MeasurementSeries> Series(NodeReader reader)
    {
        var command = reader.Command("SELECT device, sensor, quantity, zone, unit, time_ms, seq, value FROM measurement_series ORDER BY device, sensor, quantity", 0);
        using var rows = command.ExecuteReader();
        var list = new List<MeasurementSeries>();
        while (rows.Read())
        {
            list.Add(new MeasurementSeries(rows.GetString(0), rows.GetString(1), rows.GetString(2), rows.IsDBNull(3) ? null : rows.GetString(3),
                rows.IsDBNull(4) ? null : rows.GetString(4), rows.GetInt64(5), rows.GetInt64(6), rows.GetDouble(7)));
        }
        return list;
    }

    /// <summary>
    /// The measurements of one series from <paramref name="fromMs"/> (inclusive) on, in
    /// <paramref name="buckets"/> buckets of <paramref name="bucketMs"/> counted from
    /// <paramref name="fromMs"/>, oldest first; empty buckets are left out, and anything later than
    /// the last bucket (a leaf dated slightly ahead) falls in the last. One range read over the
    /// primary key, grouped in SQLite: the rows never leave the database.
    /// </summary>
    public static List<MeasurementBucket> Buckets(NodeReader reader, string deviceId, string sensorId, string quantity, long fromMs, long bucketMs, int buckets)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketMs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(buckets);
        var command = reader.Command("""
            SELECT MIN((time_ms - $p3) / $p4, $p5) AS bucket, COUNT(*), MIN(value), MAX(value), SUM(value)
            FROM measurements WHERE device = $p0 AND sensor = $p1 AND quantity = $p2 AND time_ms >= $p3
            GROUP BY bucket ORDER BY bucket
            """, 6);
        command.Parameters[0].Value = deviceId;
        command.Parameters[1].Value = sensorId;
        command.Parameters[2].Value = quantity;
        command.Parameters[3].Value = fromMs;
        command.Parameters[4].Value = bucketMs;
        command.Parameters[5].Value = buckets - 1;
        using var rows = command.ExecuteReader();
        var list = new List<MeasurementBucket>();
        while (rows.Read())
        {
            list.Add(new MeasurementBucket(fromMs + (rows.GetInt64(0) * bucketMs), rows.GetInt64(1), rows.GetDouble(2), rows.GetDouble(3), rows.GetDouble(4)));
        }
        return list;
    }
}
