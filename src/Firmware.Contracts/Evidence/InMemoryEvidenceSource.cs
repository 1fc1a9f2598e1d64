using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Evidence;

/// <summary>A ledger and device logs in memory as a bundle's source: for tools, tests and other implementations' vectors.</summary>
public sealed class InMemoryEvidenceSource : IEvidenceSource
{
    private readonly IReadOnlyList<LedgerEntry> _entries;
    private readonly MerkleTreeReader _ledger;
    private readonly ILedgerState _state;
    private readonly Dictionary<string, (IReadOnlyList<ReadingLeaf> Leaves, MerkleTreeReader Tree)> _devices = new(StringComparer.Ordinal);

    /// <summary>A source over <paramref name="entries"/> (index = position), whose Merkle tree <paramref name="ledger"/> reads, and their <paramref name="state"/>.</summary>
    public InMemoryEvidenceSource(IReadOnlyList<LedgerEntry> entries, MerkleTreeReader ledger, ILedgerState state)
    {
        _entries = entries ?? throw new ArgumentNullException(nameof(entries));
        _ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));
        _state = state ?? throw new ArgumentNullException(nameof(state));
    }

    /// <summary>Adds a device's log: its leaves by sequence and the tree over them.</summary>
    public InMemoryEvidenceSource WithDevice(string deviceId, IReadOnlyList<ReadingLeaf> leaves, MerkleTreeReader tree)
    {
        _devices[deviceId] = (leaves, tree);
        return this;
    }

    /// <inheritdoc/>
    public byte[]? Entry(long index) => index >= 0 && index < _entries.Count ? _entries[(int)index].Bytes.ToArray() : null;

    /// <inheritdoc/>
    public IReadOnlyList<Hash32> InclusionProof(long index, long size) => _ledger.InclusionProof(index, size);

    /// <inheritdoc/>
    public long? TitleIndex(Hash32 statementHash) => _state.Title(statementHash)?.Index;

    /// <inheritdoc/>
    public long? FirstSequenceAtOrAfter(string deviceId, long timeMs, long size)
    {
        if (!_devices.TryGetValue(deviceId, out var device))
        {
            return null;
        }
        for (var seq = 0; seq < Math.Min(size, device.Leaves.Count); seq++)
        {
            if (device.Leaves[seq].Content.TimeMs >= timeMs)
            {
                return seq;
            }
        }
        return null;
    }

    /// <inheritdoc/>
    public IReadOnlyList<byte[]> Leaves(string deviceId, long first, long count)
    {
        if (!_devices.TryGetValue(deviceId, out var device) || first < 0 || first + count > device.Leaves.Count)
        {
            throw new InvalidDataException($"leaves {first}..{first + count - 1} of '{deviceId}' are not held");
        }
        return device.Leaves.Skip((int)first).Take((int)count).Select(l => l.Bytes.ToArray()).ToList();
    }

    /// <inheritdoc/>
    public IReadOnlyList<Hash32> RangeProof(string deviceId, long first, long end, long size) =>
        _devices.TryGetValue(deviceId, out var device) ? device.Tree.RangeProof(first, end, size) : throw new InvalidDataException($"no log of '{deviceId}'");
}
