using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Merkle;

/// <summary>
/// Where a log keeps the hashes it needs to serve proofs without holding the tree in memory.
/// Only the levels that are multiples of <see cref="MerkleLog.LevelStride"/> are stored (level 0
/// holds the leaf hashes); a node between stored levels is recomputed from at most
/// 2^(stride−1) stored hashes below it. Storage is about 1.07 hashes per leaf.
/// </summary>
/// <remarks>
/// Writes arrive in append order and may rewrite a range with identical values after a restart.
/// An implementation backed by a database performs them in the caller's transaction.
/// </remarks>
public interface IMerkleHashStore
{
    /// <summary>
    /// Fills <paramref name="destination"/> with the hashes at <paramref name="level"/> from
    /// <paramref name="index"/> on. Every requested hash has been written before.
    /// </summary>
    void Read(int level, long index, Span<Hash32> destination);

    /// <summary>Stores <paramref name="hashes"/> at <paramref name="level"/> from <paramref name="index"/> on.</summary>
    void Write(int level, long index, ReadOnlySpan<Hash32> hashes);
}
