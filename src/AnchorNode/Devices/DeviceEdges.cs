using System.Collections.Concurrent;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;

namespace AnchorNode.Devices;

/// <summary>
/// The right edge (peaks) of each device log at its last committed size, remembered after each
/// commit. The next upload builds on exactly that edge, so growing the tree needs no hash reads from
/// the database. An entry is used only when its size is the size the database says, so a stale one
/// is never used; without one, the peaks are read from the stored tree.
/// </summary>
internal sealed class DeviceEdges
{
    private const int Capacity = 100_000;

    private readonly ConcurrentDictionary<string, (long Size, Hash32[] Peaks)> _edges = new(StringComparer.Ordinal);

    /// <summary>The peaks of the device's log at <paramref name="size"/>.</summary>
    public IReadOnlyList<Hash32> Peaks(string deviceId, long size, MerkleTreeReader? stored)
    {
        if (size == 0)
        {
            return [];
        }
        if (_edges.TryGetValue(deviceId, out var edge) && edge.Size == size)
        {
            return edge.Peaks;
        }
        return (stored ?? throw new InvalidOperationException($"no stored log for {deviceId} of size {size}")).Peaks(size);
    }

    /// <summary>Remembers the device's edge after a commit.</summary>
    public void Committed(string deviceId, long size, Hash32[] peaks)
    {
        if (_edges.Count >= Capacity)
        {
            _edges.Clear();
        }
        _edges[deviceId] = (size, peaks);
    }
}
