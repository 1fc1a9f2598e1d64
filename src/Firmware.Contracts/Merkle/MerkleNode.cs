using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Merkle;

/// <summary>
/// The hash of a perfect subtree: the node at <paramref name="Level"/> (0 = a leaf) and
/// <paramref name="Index"/> covers leaves [Index·2^Level, (Index+1)·2^Level).
/// </summary>
public readonly record struct MerkleNode(int Level, long Index, Hash32 Hash);
