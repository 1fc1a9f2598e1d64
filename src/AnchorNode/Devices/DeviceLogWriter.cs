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
        DeviceLeafRows.Append(context, _deviceId, logId, size, [new LeafRun(index, _leaves)], _nodes);
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
