using AnchorNode.Ledger;
using Firmware.Contracts;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
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

    public DeviceLeavesAttachment(string deviceId, long expectedSize, IReadOnlyList<ReadingLeaf> leaves)
    {
        _deviceId = deviceId;
        _expectedSize = expectedSize;
        _leaves = leaves;
    }

    public Result Apply(LedgerWriteContext context, LedgerEntry entry, long index)
    {
        var (logId, size) = DeviceLogRows.GetOrCreate(context, _deviceId);
        if (size != _expectedSize)
        {
            return Result.Fail(Moved, $"the node's copy of {_deviceId}'s log has {size} leaves, the upload was checked against {_expectedSize}");
        }
        var insert = context.Command("INSERT INTO leaves (log, seq, time_ms, bytes) VALUES ($log, $seq, $time, $bytes)", "$log", "$seq", "$time", "$bytes");
        var hashes = new Firmware.Contracts.Hashing.Hash32[_leaves.Count];
        long minTime = long.MaxValue, maxTime = long.MinValue;
        for (var i = 0; i < _leaves.Count; i++)
        {
            var leaf = _leaves[i];
            insert.Parameters[0].Value = logId;
            insert.Parameters[1].Value = size + i;
            insert.Parameters[2].Value = leaf.Content.TimeMs;
            insert.Parameters[3].Value = leaf.Bytes.ToArray();
            insert.ExecuteNonQuery();
            hashes[i] = leaf.LeafHash;
            minTime = Math.Min(minTime, leaf.Content.TimeMs);
            maxTime = Math.Max(maxTime, leaf.Content.TimeMs);
        }
        var log = new MerkleLog(context.Tiles.Log(logId), size);
        log.Append(hashes);
        var anchored = AnchorEntry.From(entry).Value.Checkpoint;
        if (log.Size != anchored.Size || log.Root() != anchored.Root)
        {
            // Checked before proposing; failing here means the stored tree changed underneath.
            return Result.Fail(Moved, $"the stored log of {_deviceId} does not give the anchored root at size {anchored.Size}");
        }
        var update = context.Command("UPDATE device_logs SET size = $size WHERE log = $log", "$size", "$log");
        update.Parameters[0].Value = log.Size;
        update.Parameters[1].Value = logId;
        update.ExecuteNonQuery();
        var batch = context.Command("INSERT INTO leaf_batches (log, first_seq, count, min_time, max_time, anchor) VALUES ($log, $first, $count, $min, $max, $anchor)",
            "$log", "$first", "$count", "$min", "$max", "$anchor");
        batch.Parameters[0].Value = logId;
        batch.Parameters[1].Value = size;
        batch.Parameters[2].Value = _leaves.Count;
        batch.Parameters[3].Value = minTime;
        batch.Parameters[4].Value = maxTime;
        batch.Parameters[5].Value = index;
        batch.ExecuteNonQuery();
        return Result.Ok;
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
