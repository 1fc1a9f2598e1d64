using System.Security.Cryptography;

namespace Firmware.Contracts.Tests.Merkle;

/// <summary>
/// A deliberately naive Merkle tree written straight from the recursive definitions of
/// RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH) and §2.1.4.1 (PROOF/SUBPROOF), over byte arrays and
/// SHA256 alone. The production code is held against it; it shares no code with it.
/// </summary>
internal static class ReferenceMerkle
{
    public static byte[] Mth(IReadOnlyList<byte[]> d)
    {
        var n = d.Count;
        if (n == 0)
        {
            return SHA256.HashData([]);
        }
        if (n == 1)
        {
            return SHA256.HashData([0x00, .. d[0]]);
        }
        var k = LargestPowerOfTwoBelow(n);
        return SHA256.HashData([0x01, .. Mth(Slice(d, 0, k)), .. Mth(Slice(d, k, n))]);
    }

    public static List<byte[]> Path(int m, IReadOnlyList<byte[]> d)
    {
        var n = d.Count;
        if (n == 1)
        {
            return [];
        }
        var k = LargestPowerOfTwoBelow(n);
        if (m < k)
        {
            return [.. Path(m, Slice(d, 0, k)), Mth(Slice(d, k, n))];
        }
        return [.. Path(m - k, Slice(d, k, n)), Mth(Slice(d, 0, k))];
    }

    public static List<byte[]> Proof(int m, IReadOnlyList<byte[]> d) => SubProof(m, d, true);

    private static List<byte[]> SubProof(int m, IReadOnlyList<byte[]> d, bool b)
    {
        var n = d.Count;
        if (m == n)
        {
            return b ? [] : [Mth(d)];
        }
        var k = LargestPowerOfTwoBelow(n);
        if (m <= k)
        {
            return [.. SubProof(m, Slice(d, 0, k), b), Mth(Slice(d, k, n))];
        }
        return [.. SubProof(m - k, Slice(d, k, n), false), Mth(Slice(d, 0, k))];
    }

    private static int LargestPowerOfTwoBelow(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }
        return k;
    }

    private static List<byte[]> Slice(IReadOnlyList<byte[]> d, int from, int to) => d.Skip(from).Take(to - from).ToList();
}
