using EdgeGateway.Alarms;
using Firmware.Contracts.Readings;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Storage;

/// <summary>What <c>status</c> reports, read from the database.</summary>
public sealed record GatewayStatus
{
    /// <summary>The device.</summary>
    public required string DeviceId { get; init; }

    /// <summary>Leaves in the log (sequence numbers 0 … size − 1).</summary>
    public required long LogSize { get; init; }

    /// <summary>Leaves still stored (the others were pruned after the node committed them).</summary>
    public required long LeavesStored { get; init; }

    /// <summary>The last sequence number, or null for an empty log.</summary>
    public long? LastSequence => LogSize > 0 ? LogSize - 1 : null;

    /// <summary>Leaves below this were pruned.</summary>
    public required long PrunedBelow { get; init; }

    /// <summary>The size of the last sealed checkpoint (0 when none).</summary>
    public required long CheckpointSize { get; init; }

    /// <summary>When it was sealed, Unix ms, or null.</summary>
    public long? CheckpointTimeMs { get; init; }

    /// <summary>The size the node said it committed.</summary>
    public required long NodeCommittedSize { get; init; }

    /// <summary>When it said so, Unix ms, or null.</summary>
    public long? NodeCommittedTimeMs { get; init; }

    /// <summary>Leaves the node has not committed.</summary>
    public long Backlog => Math.Max(0, LogSize - NodeCommittedSize);

    /// <summary>The node the uplink anchors on (one of <c>node.urls</c>), or null before the first attempt.</summary>
    public string? NodeUrl { get; init; }

    /// <summary>The uplink state (see docs), or null before the first attempt.</summary>
    public string? UplinkState { get; init; }

    /// <summary>What the uplink last reported.</summary>
    public string? UplinkDetail { get; init; }

    /// <summary>When, Unix ms.</summary>
    public long? UplinkTimeMs { get; init; }

    /// <summary>Bytes of the database files on disk (with the write-ahead log).</summary>
    public required long DiskBytes { get; init; }

    /// <summary>Bytes of pages in use, what the budget counts.</summary>
    public required long DiskUsedBytes { get; init; }

    /// <summary>The budget, as the daemon last applied it.</summary>
    public long? DiskBudgetBytes { get; init; }

    /// <summary>Since when new readings are refused, or null.</summary>
    public long? DiskFullSinceMs { get; init; }

    /// <summary>Why readings are refused (<see cref="DiskFullCauses"/>), or null.</summary>
    public string? DiskFullCause { get; init; }

    /// <summary>Readings refused while the budget is exhausted.</summary>
    public long RefusedReadings { get; init; }

    /// <summary>Alarms that have started and not ended.</summary>
    public required IReadOnlyList<ActiveAlarm> ActiveAlarms { get; init; }

    /// <summary>Suppression windows open when the daemon last committed: by id, the zone, reason, start and planned end.</summary>
    public IReadOnlyDictionary<string, OpenWindow> OpenWindows { get; init; } = new Dictionary<string, OpenWindow>();

    /// <summary>The MQTT state (see docs), or null when MQTT is not configured.</summary>
    public string? MqttState { get; init; }

    /// <summary>What the MQTT side last reported.</summary>
    public string? MqttDetail { get; init; }

    /// <summary>When, Unix ms.</summary>
    public long? MqttTimeMs { get; init; }

    /// <summary>The MQTT counters of the running (or last) daemon.</summary>
    public Telemetry.TelemetrySnapshot? MqttCounters { get; init; }
}

/// <summary>Reads <see cref="GatewayStatus"/> through a read-only connection, safe while the daemon runs.</summary>
public static class GatewayStatusReader
{
    /// <summary>The status of the database at <paramref name="path"/>.</summary>
    public static GatewayStatus Read(string path)
    {
        using var connection = GatewayDatabase.OpenReadOnly(path);
        // One read transaction: every figure comes from the same snapshot.
        using var tx = connection.BeginTransaction(deferred: true);
        var meta = new Dictionary<string, object?>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = "SELECT key, value FROM meta;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                meta[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetValue(1);
            }
        }
        var checkpoint = SqliteLogStore.QueryCheckpoint(connection, tx, "SELECT size, root, time_ms, note FROM checkpoints ORDER BY size DESC LIMIT 1;", null);
        var states = SqliteLogStore.ReadAlarmStates(connection, tx);
        var windows = states
            .Where(s => s.SensorId == AlarmEngine.WindowKey && s.OutSinceMs is not null && s.LastTimeMs is not null)
            .ToDictionary(s => s.RuleId, s => new OpenWindow(s.Zone, s.Reason ?? "unknown", s.OutSinceMs!.Value, s.LastTimeMs!.Value), StringComparer.Ordinal);
        var alarms = states
            .Where(s => s.Active)
            .Select(s => new ActiveAlarm(s.RuleId, s.Zone, s.SensorId, s.ActiveSinceMs ?? 0, s.ActiveValue, s.ActiveUnit) { Severity = s.Severity ?? AlarmSeverity.Alarm })
            .ToList();
        var used = GatewayDatabase.UsedBytes(connection, tx);
        tx.Commit();

        long? Long(string key) => meta.GetValueOrDefault(key) is { } v ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : null;
        string? Text(string key) => meta.GetValueOrDefault(key) is { } v ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) : null;
        if (Long(MetaKeys.DiskFullSinceMs) is { } diskFullSince)
        {
            alarms.Add(GatewayAlarms.DiskFull(diskFullSince));
        }
        var size = Long(MetaKeys.LogSize) ?? 0;
        var pruned = Long(MetaKeys.PrunedBelow) ?? 0;
        return new GatewayStatus
        {
            DeviceId = Text(MetaKeys.DeviceId) ?? "",
            LogSize = size,
            LeavesStored = size - pruned,
            PrunedBelow = pruned,
            CheckpointSize = checkpoint?.Size ?? 0,
            CheckpointTimeMs = checkpoint?.TimeMs,
            NodeCommittedSize = Long(MetaKeys.NodeCommittedSize) ?? 0,
            NodeCommittedTimeMs = Long(MetaKeys.NodeCommittedMs),
            NodeUrl = Text(MetaKeys.NodeUrl),
            UplinkState = Text(MetaKeys.UplinkState),
            UplinkDetail = Text(MetaKeys.UplinkDetail),
            UplinkTimeMs = Long(MetaKeys.UplinkMs),
            DiskBytes = GatewayDatabase.DiskBytes(path),
            DiskUsedBytes = used,
            DiskBudgetBytes = Long(MetaKeys.DiskBudgetBytes),
            DiskFullSinceMs = Long(MetaKeys.DiskFullSinceMs),
            DiskFullCause = Text(MetaKeys.DiskFullCause),
            RefusedReadings = Long(MetaKeys.RefusedReadings) ?? 0,
            ActiveAlarms = alarms,
            OpenWindows = windows,
            MqttState = Text(MetaKeys.MqttState),
            MqttDetail = Text(MetaKeys.MqttDetail),
            MqttTimeMs = Long(MetaKeys.MqttMs),
            MqttCounters = Telemetry.TelemetrySnapshot.FromJson(Text(MetaKeys.MqttCounters)),
        };
    }
}
