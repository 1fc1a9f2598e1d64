using AnchorNode.Ledger;
using AnchorNode.Storage;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Readings;

namespace AnchorNode.Devices;

/// <summary>Leaves that came with one anchor entry: stored as one <c>leaf_chunks</c> row that names it.</summary>
/// <param name="AnchorIndex">The ledger index of the anchor entry.</param>
/// <param name="Leaves">The leaves, in sequence order.</param>
internal sealed record LeafRun(long AnchorIndex, IReadOnlyList<ReadingLeaf> Leaves);

/// <summary>
/// Writes a device's leaves into this node's copy of its log: the stored-level hash tiles, one
/// <c>leaf_chunks</c> row per anchor, the EPC, alarm, suppression and measurement indexes, and the
/// new <c>device_logs.size</c>. The one place leaves are stored, whether they came with an upload
/// (<see cref="DeviceLeavesAttachment"/>) or from another member (<see cref="AnchoredLeafFill"/>).
/// </summary>
internal static class DeviceLeafRows
{
    /// <summary>
    /// Appends <paramref name="runs"/> (consecutive, the first at <paramref name="size"/>) to the log
    /// <paramref name="logId"/> of <paramref name="deviceId"/>, with the stored-level
    /// <paramref name="nodes"/> they complete. The caller checked that the log holds <paramref name="size"/> leaves.
    /// </summary>
    public static void Append(LedgerWriteContext context, string deviceId, long logId, long size, IReadOnlyList<LeafRun> runs, IReadOnlyList<MerkleNode> nodes)
    {
        WriteStoredLevels(context.Tiles.Log(logId), nodes);
        var first = size;
        foreach (var run in runs)
        {
            InsertChunk(context, logId, first, run);
            Index(context, deviceId, run.Leaves);
            first += run.Leaves.Count;
        }
        var update = context.Command("UPDATE device_logs SET size = $size WHERE log = $log", "$size", "$log");
        update.Parameters[0].Value = first;
        update.Parameters[1].Value = logId;
        update.ExecuteNonQuery();
    }

    private static void InsertChunk(LedgerWriteContext context, long logId, long first, LeafRun run)
    {
        var stored = new StoredLeaf[run.Leaves.Count];
        long minTime = long.MaxValue, maxTime = long.MinValue;
        for (var i = 0; i < stored.Length; i++)
        {
            var leaf = run.Leaves[i];
            stored[i] = new StoredLeaf(first + i, leaf.Content.TimeMs, leaf.Bytes);
            minTime = Math.Min(minTime, leaf.Content.TimeMs);
            maxTime = Math.Max(maxTime, leaf.Content.TimeMs);
        }
        var insert = context.Command("INSERT INTO leaf_chunks (log, first_seq, count, min_time, max_time, anchor, leaves) VALUES ($log, $first, $count, $min, $max, $anchor, $leaves)",
            "$log", "$first", "$count", "$min", "$max", "$anchor", "$leaves");
        insert.Parameters[0].Value = logId;
        insert.Parameters[1].Value = first;
        insert.Parameters[2].Value = stored.Length;
        insert.Parameters[3].Value = minTime;
        insert.Parameters[4].Value = maxTime;
        insert.Parameters[5].Value = run.AnchorIndex;
        insert.Parameters[6].Value = LeafChunk.Encode(stored);
        insert.ExecuteNonQuery();
    }

    private static void Index(LedgerWriteContext context, string deviceId, IReadOnlyList<ReadingLeaf> leaves)
    {
        // RFID reads are indexed by EPC for trace links; other leaves cost nothing here.
        var observations = context.Command(EpcObservations.InsertSql, "$epc", "$device", "$seq", "$time", "$sensor");
        var alarms = context.Command(AlarmLeaves.InsertSql, AlarmLeaves.Parameters);
        var suppressions = context.Command(SuppressionEvents.InsertSql, SuppressionEvents.Parameters);
        foreach (var leaf in leaves)
        {
            if (EpcObservations.IsIndexed(leaf.Content))
            {
                EpcObservations.Bind(observations, deviceId, leaf.Content);
                observations.ExecuteNonQuery();
            }
            else if (AlarmLeaves.IsIndexed(leaf.Content))
            {
                AlarmLeaves.Bind(alarms, deviceId, leaf.Content);
                alarms.ExecuteNonQuery();
            }
            else if (SuppressionEvents.IsIndexed(leaf.Content))
            {
                SuppressionEvents.Bind(suppressions, deviceId, leaf.Content);
                suppressions.ExecuteNonQuery();
            }
        }
        // Numeric measurements are indexed by sensor and time for the dashboard.
        var measurements = new[] { context.Command(Measurements.InsertSql, Measurements.InsertParameters), context.Command(Measurements.UpsertSeriesSql, Measurements.SeriesParameters) };
        foreach (var leaf in leaves.Where(l => Measurements.IsIndexed(l.Content)))
        {
            foreach (var command in measurements)
            {
                Measurements.Bind(command, deviceId, leaf.Content);
                command.ExecuteNonQuery();
            }
        }
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
