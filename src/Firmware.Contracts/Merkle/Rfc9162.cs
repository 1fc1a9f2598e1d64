using System.Buffers;
using System.Security.Cryptography;
using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Merkle;

/// <summary>
/// The hashing of RFC 9162 §2.1.1: a leaf hash is SHA-256(0x00 ‖ data), an interior node hash is
/// SHA-256(0x01 ‖ left ‖ right), and the root of the empty tree is SHA-256 of the empty string.
/// The prefixes keep a leaf from ever being mistaken for a node (second-preimage resistance).
/// </summary>
public static class Rfc9162
{
    /// <summary>SHA-256 of the empty string: the root of a tree with no leaves.</summary>
    public static readonly Hash32 EmptyRoot = Hash32.Sha256([]);

    private const int StackLimit = 1024;

    /// <summary>SHA-256(0x00 ‖ <paramref name="leafData"/>).</summary>
    public static Hash32 HashLeaf(ReadOnlySpan<byte> leafData)
    {
        var length = leafData.Length + 1;
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            buffer[0] = 0x00;
            leafData.CopyTo(buffer[1..]);
            return Hash32.Sha256(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>SHA-256(0x01 ‖ <paramref name="left"/> ‖ <paramref name="right"/>).</summary>
    public static Hash32 HashChildren(in Hash32 left, in Hash32 right)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * Hash32.Length];
        buffer[0] = 0x01;
        left.CopyTo(buffer.Slice(1, Hash32.Length));
        right.CopyTo(buffer.Slice(1 + Hash32.Length, Hash32.Length));
        var result = default(Hash32);
        SHA256.HashData(buffer, result.WritableBytes());
        return result;
    }

    /// <summary>
    /// The largest power of two smaller than <paramref name="n"/> (n ≥ 2): where RFC 9162 splits a
    /// tree of n leaves into its left and right subtrees.
    /// </summary>
    public static long SplitPoint(long n)
    {
        if (n < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "a tree splits only when it has two or more leaves");
        }
        return 1L << (63 - (int)long.LeadingZeroCount(n - 1));
    }
}
