using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using static Firmware.Contracts.Tests.Merkle.TestTrees;

namespace Firmware.Contracts.Tests.Merkle;

/// <summary>
/// Known answers for the Certificate Transparency test tree. Provenance: the roots, audit paths
/// and consistency proofs published with transparency-dev/merkle (testonly/reference_test.go,
/// generated from the C++ ReferenceSnapshotConsistency of certificate-transparency); the empty
/// root is `printf '' | sha256sum`.
/// </summary>
public class KnownAnswerTests
{
    private static readonly string[] Roots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    public static TheoryData<long, long, string[]> InclusionVectors => new()
    {
        { 0, 1, [] },
        { 0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
        { 1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
    };

    public static TheoryData<long, long, string[]> ConsistencyVectors => new()
    {
        { 1, 1, [] },
        { 1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
    };

    [Fact]
    public void EmptyRoot_IsSha256OfEmptyString() => Assert.Equal(Roots[0], Rfc9162.EmptyRoot.ToHex());

    [Fact]
    public void LeafHash_PrefixesZeroByte() =>
        // SHA-256(0x00): printf '\x00' | sha256sum
        Assert.Equal(Roots[1], Rfc9162.HashLeaf([]).ToHex());

    [Fact]
    public void Roots_MatchCtTestTree_ForEverySize()
    {
        var appender = new MerkleAppender();
        Assert.Equal(Roots[0], appender.Root().ToHex());
        for (var n = 1; n <= 8; n++)
        {
            appender.Append(Rfc9162.HashLeaf(CtLeaves[n - 1]));
            Assert.Equal(Roots[n], appender.Root().ToHex());
        }
        var log = Log(CtLeaves);
        for (var n = 0; n <= 8; n++)
        {
            Assert.Equal(Roots[n], log.Reader.Root(n).ToHex());
        }
    }

    [Theory]
    [MemberData(nameof(InclusionVectors))]
    public void InclusionProof_MatchesPublishedPath_AndVerifies(long index, long size, string[] expected)
    {
        var log = Log(CtLeaves);
        var path = log.Reader.InclusionProof(index, size);
        Assert.Equal(expected, path.Select(h => h.ToHex()));
        var result = MerkleVerifier.VerifyInclusion(index, size, Rfc9162.HashLeaf(CtLeaves[index]), Hs(expected), H(Roots[size]));
        Assert.True(result.Succeeded, result.ToString());
    }

    [Theory]
    [MemberData(nameof(ConsistencyVectors))]
    public void ConsistencyProof_MatchesPublishedProof_AndVerifies(long oldSize, long newSize, string[] expected)
    {
        var log = Log(CtLeaves);
        var proof = log.Reader.ConsistencyProof(oldSize, newSize);
        Assert.Equal(expected, proof.Select(h => h.ToHex()));
        var result = MerkleVerifier.VerifyConsistency(oldSize, newSize, H(Roots[oldSize]), H(Roots[newSize]), Hs(expected));
        Assert.True(result.Succeeded, result.ToString());
    }

    [Fact]
    public void SplitPoint_IsLargestPowerOfTwoBelow_NotTheMidpoint()
    {
        var expected = new Dictionary<long, long> { [2] = 1, [3] = 2, [4] = 2, [5] = 4, [8] = 4, [9] = 8, [1000] = 512, [1L << 40] = 1L << 39, [(1L << 62) + 1] = 1L << 62 };
        foreach (var (n, k) in expected)
        {
            Assert.Equal(k, Rfc9162.SplitPoint(n));
        }
    }

    [Fact]
    public void Hash32_RoundTripsHexAndBase64_AndComparesByValue()
    {
        var a = H(Roots[8]);
        var b = Hash32.FromHex(Roots[8].ToUpperInvariant());
        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.True(Hash32.TryFromBase64("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=", out var c));
        Assert.Equal(a, c);
        Assert.Equal("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=", a.ToBase64());
        Assert.NotEqual(a, H(Roots[7]));
        Assert.False(Hash32.TryFromHex(Roots[8][..62], out _));
        Assert.False(Hash32.TryFromHex(Roots[8][..62] + "zz", out _));
        Assert.False(Hash32.TryFromBase64("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQw==", out _));
    }
}
