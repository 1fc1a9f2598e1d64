using AnchorNode.Ledger;
using AnchorNode.Storage;
using Firmware.Contracts.Merkle;
using Firmware.Contracts;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Readings;

namespace AnchorNode.Devices;

/// <summary>
/// The leaves of an upload, stored with their anchor entry in the same transaction. Refuses when the
/// device log is no longer where the upload was checked against (a concurrent upload won), so the
/// caller re-checks instead of storing leaves twice.
/// </summary>
internal sealed class DeviceLeavesAttachment : ILedgerAttachment
{
    /// <summary>The device log moved on between check and commit.</summary>
    public const string Moved = "device-log-moved";

    private readonly string _deviceId;
    private readonly long _expectedSize;
    private readonly IReadOnlyList<ReadingLeaf> _leaves;
    private readonly IReadOnlyList<MerkleNode> _nodes;

    /// <summary>
    /// Leaves <paramref name="leaves"/> going after the first <paramref name="expectedSize"/>, and the
    /// stored-level nodes they complete (computed, with the root the anchor carries, by <see cref="ExtendedTree"/>).
    /// </summary>
    public DeviceLeavesAttachment(string deviceId, long expectedSize, IReadOnlyList<ReadingLeaf> leaves, IReadOnlyList<MerkleNode> storedLevelNodes)
    {
        _deviceId = deviceId;
        _expectedSize = expectedSize;
        _leaves = leaves;
        _nodes = storedLevelNodes;
    }

    public Result Apply(LedgerWriteContext context, LedgerEntry entry, long index)
    {
        var (logId, size) = DeviceLogRows.GetOrCreate(context, _deviceId);
        if (size != _expectedSize)
        {
            return Result.Fail(Moved, $"the node's copy of {_deviceId}'s log has {size} leaves, the upload was checked against {_expectedSize}");
        }
        var stored = new StoredLeaf[_leaves.Count];
        long minTime = long.MaxValue, maxTime = long.MinValue;
        for (var i = 0; i < _leaves.Count; i++)
        {
            var leaf = _leaves[i];
            stored[i] = new StoredLeaf(size + i, leaf.Content.TimeMs, leaf.Bytes);
            minTime = Math.Min(minTime, leaf.Content.TimeMs);
            maxTime = Math.Max(maxTime, leaf.Content.TimeMs);
        }
        WriteStoredLevels(context.Tiles.Log(logId), _nodes);
        var insert = context.Command("INSERT INTO leaf_chunks (log, first_seq, count, min_time, max_time, anchor, leaves) VALUES ($log, $first, $count, $min, $max, $anchor, $leaves)",
            "$log", "$first", "$count", "$min", "$max", "$anchor", "$leaves");
        insert.Parameters[0].Value = logId;
        insert.Parameters[1].Value = size;
        insert.Parameters[2].Value = _leaves.Count;
        insert.Parameters[3].Value = minTime;
        insert.Parameters[4].Value = maxTime;
        insert.Parameters[5].Value = index;
        insert.Parameters[6].Value = LeafChunk.Encode(stored);
        insert.ExecuteNonQuery();
        // RFID reads are indexed by EPC for trace links; other leaves cost nothing here.
        var observations = context.Command(EpcObservations.InsertSql, "$epc", "$device", "$seq", "$time", "$sensor");
        var alarms = context.Command(AlarmLeaves.InsertSql, AlarmLeaves.Parameters);
        var suppressions = context.Command(SuppressionEvents.InsertSql, SuppressionEvents.Parameters);
        foreach (var leaf in _leaves)
        {
            if (EpcObservations.IsIndexed(leaf.Content))
            {
                EpcObservations.Bind(observations, _deviceId, leaf.Content);
                observations.ExecuteNonQuery();
            }
            else if (AlarmLeaves.IsIndexed(leaf.Content))
            {
                AlarmLeaves.Bind(alarms, _deviceId, leaf.Content);
                alarms.ExecuteNonQuery();
            }
            else if (SuppressionEvents.IsIndexed(leaf.Content))
            {
                SuppressionEvents.Bind(suppressions, _deviceId, leaf.Content);
                suppressions.ExecuteNonQuery();
            }
        }
        // Numeric measurements are indexed by sensor and time for the dashboard.
        var measurements = new[] { context.Command(Measurements.InsertSql, Measurements.InsertParameters), context.Command(Measurements.UpsertSeriesSql, Measurements.SeriesParameters) };
        foreach (var leaf in _leaves.Where(l => Measurements.IsIndexed(l.Content)))
        {
            foreach (var command in measurements)
            {
                Measurements.Bind(command, _deviceId, leaf.Content);
                command.ExecuteNonQuery();
            }
        }
        var update = context.Command("UPDATE device_logs SET size = $size WHERE log = $log", "$size", "$log");
        update.Parameters[0].Value = size + _leaves.Count;
        update.Parameters[1].Value = logId;
        update.ExecuteNonQuery();
        return Result.Ok;
    }

    // The nodes come in append order, so each stored level's nodes form one contiguous run.
    private static void WriteStoredLevels(IMerkleHashStore store, IReadOnlyList<MerkleNode> nodes)
    {
        foreach (var level in nodes.GroupBy(n => n.Level))
        {
            var run = level.ToList();
            store.Write(level.Key, run[0].Index, run.Select(n => n.Hash).ToArray());
        }
    }
}

/// <summary>The <c>device_logs</c> rows: which tiles log holds a device's leaves, and how many.</summary>
internal static class DeviceLogRows
{
    public static (long LogId, long Size) GetOrCreate(LedgerWriteContext context, string deviceId)
    {
        var select = context.Command("SELECT log, size FROM device_logs WHERE device = $device", "$device");
        select.Parameters[0].Value = deviceId;
        using (var reader = select.ExecuteReader())
        {
            if (reader.Read())
            {
                return (reader.GetInt64(0), reader.GetInt64(1));
            }
        }
        // Log 0 is the ledger.
        var insert = context.Command("INSERT INTO device_logs (device, log, size) VALUES ($device, (SELECT coalesce(max(log), 0) + 1 FROM device_logs), 0) RETURNING log", "$device");
        insert.Parameters[0].Value = deviceId;
        return ((long)insert.ExecuteScalar()!, 0);
    }
}

/// <summary>Keeps the <c>anchors</c> table (each device's anchors with their sizes) beside the ledger.</summary>
internal sealed class AnchorProjection : ILedgerProjection
{
    public void OnAppended(LedgerWriteContext context, LedgerEntry entry, long index)
    {
        if (entry.Kind != EntryKinds.Anchor)
        {
            return;
        }
        var anchor = AnchorEntry.From(entry).Value;
        var insert = context.Command("INSERT INTO anchors (device, idx, size) VALUES ($device, $idx, $size)", "$device", "$idx", "$size");
        insert.Parameters[0].Value = anchor.DeviceId;
        insert.Parameters[1].Value = index;
        insert.Parameters[2].Value = anchor.Checkpoint.Size;
        insert.ExecuteNonQuery();
    }
}
