using AnchorNode.Storage;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Hashing;

namespace AnchorNode.Evidence;

/// <summary>The node database as a bundle's source: entries and their proofs, titles, and this node's copy of device logs.</summary>
internal sealed class NodeEvidenceSource(NodeReader reader) : IEvidenceSource
{
    private readonly Dictionary<string, long?> _logs = new(StringComparer.Ordinal);

    public byte[]? Entry(long index) => reader.Entry(index);

    public IReadOnlyList<Hash32> InclusionProof(long index, long size) => reader.Ledger.InclusionProof(index, size);

    public long? TitleIndex(Hash32 statementHash) => reader.State.Title(statementHash)?.Index;

    public long? FirstSequenceAtOrAfter(string deviceId, long timeMs, long size) =>
        Log(deviceId) is { } log ? reader.FirstSequenceAtOrAfter(log, timeMs, size) : null;

    public IReadOnlyList<byte[]> Leaves(string deviceId, long first, long count)
    {
        var log = Log(deviceId) ?? throw new InvalidDataException($"this node holds no readings of '{deviceId}'");
        var leaves = reader.Leaves(log, first, count);
        if (leaves.Count != count || leaves.Select((l, i) => l.Seq != first + i).Any(gap => gap))
        {
            throw new InvalidDataException($"{count - leaves.Count} of the readings {first}..{first + count - 1} are missing from the database");
        }
        return leaves.Select(l => l.Bytes.ToArray()).ToList();
    }

    public IReadOnlyList<Hash32> RangeProof(string deviceId, long first, long end, long size) =>
        reader.DeviceTree(Log(deviceId) ?? throw new InvalidDataException($"this node holds no readings of '{deviceId}'")).RangeProof(first, end, size);

    private long? Log(string deviceId)
    {
        if (!_logs.TryGetValue(deviceId, out var log))
        {
            log = _logs[deviceId] = reader.DeviceLog(deviceId)?.LogId;
        }
        return log;
    }
}
