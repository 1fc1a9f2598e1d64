using Firmware.Contracts.Readings;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Storage;

/// <summary>
/// The <c>alarm_leaves</c> index: every alarm leaf (start or end) in this node's copy of the device
/// logs. It is the alarm history the API, the dashboard and reports read (it survives gateway
/// restarts, since it is read from committed leaves, not from a gateway's memory), and it records
/// when an alarm's escalation was notified. Kept in the upload's transaction; rebuilt from the stored
/// leaves when a database from before the index is opened.
/// </summary>
internal static class AlarmLeaves
{
    public const string InsertSql = """
        INSERT OR IGNORE INTO alarm_leaves (device, seq, time_ms, zone, rule, sensor, state, severity, value, unit)
        VALUES ($device, $seq, $time, $zone, $rule, $sensor, $state, $severity, $value, $unit)
        """;

    public static readonly string[] Parameters = ["$device", "$seq", "$time", "$zone", "$rule", "$sensor", "$state", "$severity", "$value", "$unit"];

    private const string BuiltKey = "alarm_index";

    /// <summary>True for an alarm leaf.</summary>
    public static bool IsIndexed(LeafContent content) => content.Kind == LeafKind.Alarm && content.Zone is not null && content.Rule is not null;

    /// <summary>Builds the index from the stored leaves once, inside <paramref name="tx"/>.</summary>
    public static void EnsureBuilt(SqliteConnection connection, SqliteTransaction tx) =>
        StoredLeafIndex.EnsureBuilt(connection, tx, BuiltKey, LeafKind.Alarm, IsIndexed, InsertSql, Parameters, Bind);

    public static void Bind(SqliteCommand insert, string deviceId, LeafContent content)
    {
        object?[] values = [deviceId, content.Sequence, content.TimeMs, content.Zone, content.Rule, content.SensorId, content.StringValue, AlarmSeverity.Of(content.Severity), content.Value, content.Unit];
        for (var i = 0; i < values.Length; i++)
        {
            insert.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }
}

/// <summary>One alarm leaf as <c>alarm_leaves</c> holds it.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Sequence">The leaf's sequence in the device log.</param>
/// <param name="TimeMs">The leaf's time.</param>
/// <param name="Zone">The zone.</param>
/// <param name="Rule">The rule.</param>
/// <param name="Sensor">The sensor that triggered it, if the leaf names one.</param>
/// <param name="State"><c>start</c> or <c>end</c>.</param>
/// <param name="Severity"><c>warning</c> or <c>alarm</c>.</param>
/// <param name="Value">The value at the transition.</param>
/// <param name="Unit">Its SenML unit.</param>
/// <param name="EscalatedMs">When this node recorded the alarm's escalation, or null.</param>
public sealed record AlarmLeafRow(string DeviceId, long Sequence, long TimeMs, string Zone, string Rule, string? Sensor, string State, string Severity, double? Value, string? Unit, long? EscalatedMs);

/// <summary>Reads <c>alarm_leaves</c>.</summary>
public static class AlarmLeafReader
{
    private const string Columns = "device, seq, time_ms, zone, rule, sensor, state, severity, value, unit, escalated_ms";

    /// <summary>The alarm leaves of <paramref name="deviceId"/> (every device when null), by device and sequence.</summary>
    public static List<AlarmLeafRow> AlarmLeaves(this NodeReader reader, string? deviceId)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var command = deviceId is null
            ? reader.Command($"SELECT {Columns} FROM alarm_leaves ORDER BY device, seq", 0)
            : reader.Command($"SELECT {Columns} FROM alarm_leaves WHERE device = $p0 ORDER BY seq", 1);
        if (deviceId is not null)
        {
            command.Parameters[0].Value = deviceId;
        }
        return Read(command);
    }

    /// <summary>Reads rows of <see cref="Columns"/>.</summary>
    public static List<AlarmLeafRow> Read(SqliteCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var rows = command.ExecuteReader();
        var list = new List<AlarmLeafRow>();
        while (rows.Read())
        {
            list.Add(new AlarmLeafRow(rows.GetString(0), rows.GetInt64(1), rows.GetInt64(2), rows.GetString(3), rows.GetString(4), rows.IsDBNull(5) ? null : rows.GetString(5),
                rows.GetString(6), rows.GetString(7), rows.IsDBNull(8) ? null : rows.GetDouble(8), rows.IsDBNull(9) ? null : rows.GetString(9), rows.IsDBNull(10) ? null : rows.GetInt64(10)));
        }
        return list;
    }

    /// <summary>The select list of <see cref="Read"/>.</summary>
    public static string SelectColumns(string alias) => string.Join(", ", Columns.Split(", ").Select(c => $"{alias}.{c}"));
}
