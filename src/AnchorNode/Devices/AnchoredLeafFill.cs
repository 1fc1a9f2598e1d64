using AnchorNode.Ledger;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Readings;

namespace AnchorNode.Devices;

/// <summary>An anchor entry of a device: its ledger index and the size and root of the device checkpoint it carries.</summary>
internal sealed record AnchorTarget(long Index, long Size, Hash32 Root);

/// <summary>
/// A device whose anchors reach beyond the leaves this node holds (it applied anchor entries another
/// member received): the held size, and the anchors after it in ledger order.
/// </summary>
internal sealed record LeafGap(string DeviceId, long Held, IReadOnlyList<AnchorTarget> Anchors)
{
    /// <summary>The size the last anchor gives the device's log.</summary>
    public long AnchoredSize => Anchors[^1].Size;

    /// <summary>Leaves missing up to the last anchor.</summary>
    public long Missing => AnchoredSize - Held;

    /// <summary>The gap of <paramref name="deviceId"/> on the node <paramref name="reader"/> reads; null when it holds every anchored leaf.</summary>
    public static LeafGap? Of(NodeReader reader, string deviceId)
    {
        var held = reader.DeviceLog(deviceId)?.Size ?? 0;
        var command = reader.Command("SELECT idx, size FROM anchors WHERE device = $p0 AND size > $p1 ORDER BY idx", 2);
        command.Parameters[0].Value = deviceId;
        command.Parameters[1].Value = held;
        var rows = new List<(long Index, long Size)>();
        using (var rowReader = command.ExecuteReader())
        {
            while (rowReader.Read())
            {
                rows.Add((rowReader.GetInt64(0), rowReader.GetInt64(1)));
            }
        }
        var anchors = new List<AnchorTarget>(rows.Count);
        foreach (var (index, size) in rows)
        {
            // The ledger rules only take an anchor that grows the log; a smaller one here would be a damaged table.
            if (anchors.Count > 0 && size <= anchors[^1].Size)
            {
                continue;
            }
            var entry = LedgerEntry.Parse(reader.Entry(index) ?? throw new InvalidDataException($"anchors lists ledger index {index} for {deviceId}, but the entry is missing"));
            var anchor = AnchorEntry.From(entry.Value);
            anchors.Add(new AnchorTarget(index, size, anchor.Value.Checkpoint.Root));
        }
        return anchors.Count == 0 ? null : new LeafGap(deviceId, held, anchors);
    }

    /// <summary>Every device this node holds fewer leaves of than the ledger anchors: (device, held, anchored size), by device id.</summary>
    public static List<(string DeviceId, long Held, long Anchored)> Behind(NodeReader reader)
    {
        var command = reader.Command("""
            SELECT d.device, coalesce(l.size, 0), d.anchored_size FROM devices d LEFT JOIN device_logs l ON l.device = d.device
            WHERE d.anchored_size > coalesce(l.size, 0) ORDER BY d.device
            """, 0);
        using var rows = command.ExecuteReader();
        var list = new List<(string, long, long)>();
        while (rows.Read())
        {
            list.Add((rows.GetString(0), rows.GetInt64(1), rows.GetInt64(2)));
        }
        return list;
    }
}

/// <summary>
/// Leaves of a device from its held size up to one or more of its anchors, each checked as a reading
/// leaf of that device at its sequence and together against the roots the anchors carry (the
/// device-signed checkpoints the ledger accepted): only leaves that give exactly the anchored roots
/// are stored, with <see cref="DeviceLeafRows"/>, as an upload's would have been.
/// </summary>
internal sealed class AnchoredLeafFill
{
    /// <summary>The leaves do not give an anchor's root, or are not the device's leaves at their sequence.</summary>
    public const string Refused = "leaves-refused";

    private readonly List<LeafRun> _runs;
    private readonly List<MerkleNode> _nodes;

    private AnchoredLeafFill(LeafGap gap, List<LeafRun> runs, List<MerkleNode> nodes)
    {
        Gap = gap;
        _runs = runs;
        _nodes = nodes;
        Size = gap.Held + runs.Sum(r => r.Leaves.Count);
    }

    /// <summary>What was missing.</summary>
    public LeafGap Gap { get; }

    /// <summary>The device log's size once stored (the size of the last anchor the leaves reach).</summary>
    public long Size { get; }

    /// <summary>
    /// Checks <paramref name="leaves"/> (sequences from <c>gap.Held</c> on) against the anchors of
    /// <paramref name="gap"/> they reach; leaves past the last anchor they complete are left out.
    /// </summary>
    public static Result<AnchoredLeafFill> Check(NodeReader reader, LeafGap gap, IReadOnlyList<ReadOnlyMemory<byte>> leaves)
    {
        var parsed = new List<ReadingLeaf>(leaves.Count);
        foreach (var bytes in leaves)
        {
            var seq = gap.Held + parsed.Count;
            var leaf = ReadingLeaf.Parse(bytes.Span);
            if (!leaf.Succeeded)
            {
                return Result<AnchoredLeafFill>.Fail(Refused, $"leaf {seq} of {gap.DeviceId} is not a v1 reading leaf: {leaf.Failure}");
            }
            if (leaf.Value.Content.DeviceId != gap.DeviceId || leaf.Value.Content.Sequence != seq)
            {
                return Result<AnchoredLeafFill>.Fail(Refused, $"leaf {seq} of {gap.DeviceId} is leaf {leaf.Value.Content.Sequence} of '{leaf.Value.Content.DeviceId}'");
            }
            parsed.Add(leaf.Value);
        }
        return Check(reader, gap, parsed);
    }

    /// <summary>As <see cref="Check(NodeReader, LeafGap, IReadOnlyList{ReadOnlyMemory{byte}})"/>, for leaves parsed and checked for device and sequence already.</summary>
    public static Result<AnchoredLeafFill> Check(NodeReader reader, LeafGap gap, IReadOnlyList<ReadingLeaf> leaves)
    {
        var reached = gap.Anchors.TakeWhile(a => a.Size <= gap.Held + leaves.Count).ToList();
        if (reached.Count == 0)
        {
            return Result<AnchoredLeafFill>.Fail(Refused, $"leaves {gap.Held}..{gap.Held + leaves.Count - 1} of {gap.DeviceId} stop short of its next anchor (ledger index {gap.Anchors[0].Index}, size {gap.Anchors[0].Size})");
        }
        var used = leaves.Take((int)(reached[^1].Size - gap.Held)).ToList();
        ReadingLeaf.ComputeLeafHashes(used);
        var log = reader.DeviceLog(gap.DeviceId);
        var tree = log is null || gap.Held == 0 ? null : reader.DeviceTree(log.LogId);
        var extended = new ExtendedTree(
            (level, index) => (tree ?? throw new InvalidOperationException($"no stored leaves of {gap.DeviceId}")).PerfectNode(level, index),
            gap.Held, tree is null ? [] : tree.Peaks(gap.Held), used.Select(l => l.LeafHash).ToList());
        var runs = new List<LeafRun>(reached.Count);
        var from = gap.Held;
        foreach (var anchor in reached)
        {
            var root = extended.PrefixRoot(anchor.Size);
            if (root != anchor.Root)
            {
                return Result<AnchoredLeafFill>.Fail(Refused,
                    $"leaves {from}..{anchor.Size - 1} of {gap.DeviceId} give the root {root.ToBase64()} at size {anchor.Size}, but the anchor at ledger index {anchor.Index} says {anchor.Root.ToBase64()}");
            }
            runs.Add(new LeafRun(anchor.Index, used.GetRange((int)(from - gap.Held), (int)(anchor.Size - from))));
            from = anchor.Size;
        }
        return new AnchoredLeafFill(gap, runs, extended.StoredLevelNodes());
    }

    /// <summary>Stores the leaves in the writer's transaction; refuses (<see cref="DeviceLeavesAttachment.Moved"/>) when the log is no longer at the held size.</summary>
    public Result Store(LedgerWriteContext context)
    {
        var (logId, size) = DeviceLogRows.GetOrCreate(context, Gap.DeviceId);
        if (size != Gap.Held)
        {
            return Result.Fail(DeviceLeavesAttachment.Moved, $"the node's copy of {Gap.DeviceId}'s log has {size} leaves, the fill was checked against {Gap.Held}");
        }
        DeviceLeafRows.Append(context, Gap.DeviceId, logId, size, _runs, _nodes);
        return Result.Ok;
    }
}
