using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Merkle;

/// <summary>An <see cref="IMerkleHashStore"/> in memory: for tests, tools and small logs.</summary>
public sealed class InMemoryMerkleHashStore : IMerkleHashStore
{
    private readonly List<List<Hash32>> _levels = [];

    /// <inheritdoc/>
    public void Read(int level, long index, Span<Hash32> destination)
    {
        if (level >= _levels.Count || index < 0 || index + destination.Length > _levels[level].Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"hashes [{index}, {index + destination.Length}) at level {level} were never written");
        }
        var source = _levels[level];
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = source[(int)index + i];
        }
    }

    /// <inheritdoc/>
    public void Write(int level, long index, ReadOnlySpan<Hash32> hashes)
    {
        while (_levels.Count <= level)
        {
            _levels.Add([]);
        }
        var target = _levels[level];
        if (index > target.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"write at level {level} index {index} leaves a hole after {target.Count}");
        }
        for (var i = 0; i < hashes.Length; i++)
        {
            var at = (int)index + i;
            if (at < target.Count)
            {
                target[at] = hashes[i];
            }
            else
            {
                target.Add(hashes[i]);
            }
        }
    }
}
