using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using static Firmware.Contracts.Tests.TestKeys;

namespace Firmware.Contracts.Tests.Checkpoints;

public class CheckpointTests
{
    private static readonly EcdsaNoteSigner Device = Signer("edgetrace/device/gw-01", AlphaPem);
    private static readonly Hash32 Root = Hash32.FromHex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

    [Fact]
    public void ToNoteText_IsOriginSizeBase64RootAndExtensions()
    {
        var cp = new Checkpoint("edgetrace/device/gw-01", 8, Root, [Checkpoint.TimeExtension(1_795_428_000_123)]);
        Assert.Equal("edgetrace/device/gw-01\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntime 1795428000123\n", cp.ToNoteText());
        Assert.Equal(1_795_428_000_123, cp.TimeMs);
    }

    [Fact]
    public void SignedCheckpoint_Verifies_AndParsesBack()
    {
        var cp = new Checkpoint("edgetrace/device/gw-01", 8, Root);
        var note = cp.Sign(Device).ToString();
        var verified = CheckpointVerifier.Verify(note, TrustPolicy.Single(Device.VerifierKey), "edgetrace/device/gw-01");
        Assert.True(verified.Succeeded, verified.ToString());
        Assert.Equal(cp.Origin, verified.Value.Checkpoint.Origin);
        Assert.Equal(8, verified.Value.Checkpoint.Size);
        Assert.Equal(Root, verified.Value.Checkpoint.Root);
    }

    [Fact]
    public void Verify_WrongOrigin_Fails()
    {
        var note = new Checkpoint("edgetrace/device/gw-02", 8, Root).Sign(Device).ToString();
        Assert.Equal("origin-mismatch", CheckpointVerifier.Verify(note, TrustPolicy.Single(Device.VerifierKey), "edgetrace/device/gw-01").Failure?.Code);
    }

    [Fact]
    public void Verify_ChecksSignatureBeforeBody()
    {
        // A malformed body signed by an untrusted key reports the signature, not the body.
        var note = SignedNote.Sign("not a checkpoint\n", Signer("x", BetaPem)).ToString();
        Assert.Equal("no-trusted-signature", CheckpointVerifier.Verify(note, TrustPolicy.Single(Device.VerifierKey)).Failure?.Code);
    }

    [Theory]
    [InlineData("o\n", "checkpoint-format")]
    [InlineData("o\n01\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", "checkpoint-format")]
    [InlineData("o\n-1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", "checkpoint-format")]
    [InlineData("o\n1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQ==\n", "checkpoint-format")]
    [InlineData("o o\n1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", "checkpoint-format")]
    [InlineData("o\n99999999999999999999\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", "checkpoint-format")]
    public void ParseText_Malformed_Fails(string text, string code) => Assert.Equal(code, Checkpoint.ParseText(text).Failure?.Code);

    [Fact]
    public void ParseText_SizeZero_IsTheEmptyTree()
    {
        var cp = Checkpoint.ParseText($"o\n0\n{Rfc9162.EmptyRoot.ToBase64()}\n");
        Assert.True(cp.Succeeded);
        Assert.Equal(0, cp.Value.Size);
    }
}
