using System.Security.Cryptography;
using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Tests.Hashing;

public sealed class Sha256LanesTests
{
    private static Hash32[] Hash(byte[][] messages)
    {
        var buffer = messages.SelectMany(m => m).ToArray();
        var offsets = new int[messages.Length];
        for (var i = 1; i < messages.Length; i++)
        {
            offsets[i] = offsets[i - 1] + messages[i - 1].Length;
        }
        var hashes = new Hash32[messages.Length];
        Sha256Lanes.HashAll(buffer, offsets, messages.Select(m => m.Length).ToArray(), hashes);
        return hashes;
    }

    private static void AssertAgreesWithSha256(byte[][] messages)
    {
        var hashes = Hash(messages);
        for (var i = 0; i < messages.Length; i++)
        {
            Assert.True(hashes[i] == new Hash32(SHA256.HashData(messages[i])), $"message {i} of {messages.Length} ({messages[i].Length} bytes)");
        }
    }

    [Fact]
    public void HashAll_EveryLength0To1000_AgreesWithSha256()
    {
        // Neighbouring lengths share a group, so lanes end after different numbers of blocks.
        var random = new Random(1);
        var messages = Enumerable.Range(0, 1001).Select(length =>
        {
            var m = new byte[length];
            random.NextBytes(m);
            return m;
        }).ToArray();
        AssertAgreesWithSha256(messages);
        AssertAgreesWithSha256(messages.Reverse().ToArray());
    }

    [Fact]
    public void HashAll_ThousandsOfRandomMessagesInRandomGroups_AgreesWithSha256()
    {
        var random = new Random(2);
        for (var round = 0; round < 40; round++)
        {
            var messages = Enumerable.Range(0, random.Next(0, 200)).Select(_ =>
            {
                var m = new byte[random.Next(0, 1001)];
                random.NextBytes(m);
                return m;
            }).ToArray();
            AssertAgreesWithSha256(messages);
        }
    }

    [Fact]
    public void HashAll_KnownAnswers_FromFips180()
    {
        // FIPS 180-4 examples (NIST CSRC "SHA256.pdf"): "abc" and the 448-bit two-block message.
        var hashes = Hash([.. Enumerable.Repeat("abc"u8.ToArray(), 5), "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"u8.ToArray(), [], .. Enumerable.Repeat("abc"u8.ToArray(), 2)]);
        Assert.Equal(Hash32.FromHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), hashes[0]);
        Assert.Equal(Hash32.FromHex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"), hashes[5]);
        Assert.Equal(Hash32.FromHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), hashes[6]);
        Assert.Equal(hashes[0], hashes[7]);
    }

    [Fact]
    public void HashAll_MessageOutsideBuffer_IsRefused()
    {
        var hashes = new Hash32[1];
        var error = Assert.Throws<ArgumentException>(() => Sha256Lanes.HashAll(new byte[10], [4], [7], hashes));
        Assert.Contains("outside the 10-byte buffer", error.Message, StringComparison.Ordinal);
    }
}
