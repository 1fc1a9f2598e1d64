using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;

namespace Firmware.Contracts.Tests.Merkle;

internal static class TestTrees
{
    /// <summary>
    /// The eight leaves of the Certificate Transparency test tree, used by RFC 6962 implementations
    /// (certificate-transparency C++ merkle_tree_test, transparency-dev/merkle testonly).
    /// </summary>
    public static readonly byte[][] CtLeaves =
    [
        [],
        [0x00],
        [0x10],
        [0x20, 0x21],
        [0x30, 0x31],
        [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ];

    /// <summary>Leaf data that differs for every index: the index as 4 bytes plus its low byte.</summary>
    public static byte[][] Leaves(int count) =>
        Enumerable.Range(0, count).Select(i => (byte[])[.. BitConverter.GetBytes(i), (byte)(i * 7)]).ToArray();

    public static MerkleLog Log(IEnumerable<byte[]> leaves, IMerkleHashStore? store = null)
    {
        var log = new MerkleLog(store ?? new InMemoryMerkleHashStore());
        log.Append(leaves.Select(l => Rfc9162.HashLeaf(l)).ToArray());
        return log;
    }

    public static Hash32 H(string hex) => Hash32.FromHex(hex);

    public static Hash32[] Hs(params string[] hex) => hex.Select(Hash32.FromHex).ToArray();

    public static Hash32 ToHash(byte[] bytes) => new(bytes);
}
