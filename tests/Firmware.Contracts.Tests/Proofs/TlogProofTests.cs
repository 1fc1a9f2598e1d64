using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Proofs;
using Firmware.Contracts.Tests.Merkle;
using static Firmware.Contracts.Tests.TestKeys;

namespace Firmware.Contracts.Tests.Proofs;

public class TlogProofTests
{
    private const string Origin = "edgetrace/device/gw-01";
    private static readonly EcdsaNoteSigner Device = Signer(Origin, AlphaPem);
    private static readonly EcdsaNoteSigner Witness = Signer("witness.example", BetaPem);
    private static readonly byte[][] Data = TestTrees.Leaves(13);
    private static readonly MerkleLog Log = TestTrees.Log(Data);
    private static readonly SignedNote SignedCheckpoint = new Checkpoint(Origin, 13, Log.Root()).Sign(Device, Witness);

    private static TlogProof ProofFor(int index, byte[]? extra = null) =>
        new(index, Log.Reader.InclusionProof(index, 13), SignedCheckpoint, extra);

    [Fact]
    public void Format_FollowsC2spLayout()
    {
        var text = ProofFor(5, [1, 2, 3]).ToString();
        var lines = text.Split('\n');
        Assert.Equal("c2sp.org/tlog-proof@v1", lines[0]);
        Assert.Equal("extra AQID", lines[1]);
        Assert.Equal("index 5", lines[2]);
        var path = Log.Reader.InclusionProof(5, 13);
        for (var i = 0; i < path.Length; i++)
        {
            Assert.Equal(path[i].ToBase64(), lines[3 + i]);
        }
        Assert.Equal("", lines[3 + path.Length]);
        Assert.EndsWith(SignedCheckpoint.ToString(), text, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseAndVerify_EveryIndex_Succeeds()
    {
        var policy = TrustPolicy.Single(Device.VerifierKey);
        for (var i = 0; i < 13; i++)
        {
            var parsed = TlogProof.Parse(ProofFor(i).ToString());
            Assert.True(parsed.Succeeded, parsed.ToString());
            var verified = parsed.Value.Verify(policy, Rfc9162.HashLeaf(Data[i]), Origin);
            Assert.True(verified.Succeeded, $"{i}: {verified}");
            Assert.Equal(13, verified.Value.Checkpoint.Size);
        }
    }

    [Fact]
    public void Verify_WithCosignerThreshold()
    {
        var both = new TrustPolicy([Device.VerifierKey, Witness.VerifierKey], 2);
        Assert.True(TlogProof.Parse(ProofFor(3).ToString()).Value.Verify(both, Rfc9162.HashLeaf(Data[3])).Succeeded);
    }

    [Fact]
    public void Verify_WrongLeaf_Fails()
    {
        var proof = TlogProof.Parse(ProofFor(3).ToString()).Value;
        Assert.Equal("root-mismatch", proof.Verify(TrustPolicy.Single(Device.VerifierKey), Rfc9162.HashLeaf(Data[4])).Failure?.Code);
    }

    [Fact]
    public void Verify_UntrustedCheckpoint_FailsBeforeLookingAtThePath()
    {
        var proof = TlogProof.Parse(ProofFor(3).ToString()).Value;
        var stranger = TestKeys.Verifier(Origin, GammaSpki);
        Assert.Equal("no-trusted-signature", proof.Verify(TrustPolicy.Single(stranger), Rfc9162.HashLeaf(Data[3])).Failure?.Code);
    }

    [Fact]
    public void Verify_ExtraIsNotTrusted_AndDoesNotAffectVerification()
    {
        var proof = TlogProof.Parse(ProofFor(3, [9, 9]).ToString()).Value;
        Assert.Equal([9, 9], proof.Extra!.Value.ToArray());
        Assert.True(proof.Verify(TrustPolicy.Single(Device.VerifierKey), Rfc9162.HashLeaf(Data[3])).Succeeded);
    }

    [Fact]
    public void Verify_TamperedIndexOrPath_Fails()
    {
        var policy = TrustPolicy.Single(Device.VerifierKey);
        var good = ProofFor(6).ToString();
        var wrongIndex = good.Replace("index 6\n", "index 7\n", StringComparison.Ordinal);
        Assert.False(TlogProof.Parse(wrongIndex).Value.Verify(policy, Rfc9162.HashLeaf(Data[6])).Succeeded);
        var path = Log.Reader.InclusionProof(6, 13);
        var truncated = good.Replace(path[^1].ToBase64() + "\n", "", StringComparison.Ordinal);
        Assert.False(TlogProof.Parse(truncated).Value.Verify(policy, Rfc9162.HashLeaf(Data[6])).Succeeded);
    }

    [Theory]
    [InlineData("c2sp.org/tlog-proof@v2\nindex 0\n\n")]
    [InlineData("c2sp.org/tlog-proof@v1\nindex 01\n\n")]
    [InlineData("c2sp.org/tlog-proof@v1\nindex x\n\n")]
    [InlineData("c2sp.org/tlog-proof@v1\nextra %%\nindex 0\n\n")]
    [InlineData("c2sp.org/tlog-proof@v1\nindex 0\nnot-base64\n\n")]
    [InlineData("c2sp.org/tlog-proof@v1\nindex 0\n")]
    [InlineData("c2sp.org/tlog-proof@v1\nextra \nindex 0\n\n")] // extra line without data
    [InlineData("c2sp.org/tlog-proof@v1\nextra AR==\nindex 0\n\n")] // unused bits not zero
    [InlineData("c2sp.org/tlog-proof@v1\nextra AQ\nindex 0\n\n")] // not padded
    [InlineData("c2sp.org/tlog-proof@v1\nindex 0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n\n")] // path hash: unused bits not zero
    [InlineData("c2sp.org/tlog-proof@v1\nindex -0\n\n")]
    [InlineData("c2sp.org/tlog-proof@v1\nindex +1\n\n")]
    [InlineData("c2sp.org/tlog-proof@v1\nindex 9223372036854775808\n\n")]
    [InlineData("c2sp.org/tlog-proof@v1\nindex  0\n\n")]
    public void Parse_Malformed_Fails(string head)
    {
        var text = head.EndsWith("\n\n", StringComparison.Ordinal) ? head + SignedCheckpoint : head;
        Assert.False(TlogProof.Parse(text).Succeeded);
    }

    [Fact]
    public void Parse_EmptyPath_ForSingleLeafTree()
    {
        var single = TestTrees.Log([[0x42]]);
        var note = new Checkpoint(Origin, 1, single.Root()).Sign(Device);
        var proof = new TlogProof(0, [], note);
        var parsed = TlogProof.Parse(proof.ToString());
        Assert.True(parsed.Succeeded, parsed.ToString());
        Assert.Empty(parsed.Value.Path);
        Assert.True(parsed.Value.Verify(TrustPolicy.Single(Device.VerifierKey), Rfc9162.HashLeaf([0x42])).Succeeded);
    }

    [Fact]
    public void HashOfUnprefixedData_IsNotALeafHash()
    {
        var proof = TlogProof.Parse(ProofFor(2).ToString()).Value;
        Assert.False(proof.Verify(TrustPolicy.Single(Device.VerifierKey), Hash32.Sha256(Data[2])).Succeeded);
    }

    [Fact]
    public void Parse_PathOf65Hashes_Fails()
    {
        var text = "c2sp.org/tlog-proof@v1\nindex 0\n" + string.Concat(Enumerable.Repeat(Hash32.Sha256([]).ToBase64() + "\n", 65)) + "\n" + SignedCheckpoint;
        Assert.False(TlogProof.Parse(text).Succeeded);
    }

    // The checkpoint starts right after the first blank line: one more becomes part of the signed text.
    [Fact]
    public void Verify_SecondBlankLineBeforeTheCheckpoint_Fails()
    {
        var good = ProofFor(3).ToString();
        var blank = good.IndexOf("\n\n", StringComparison.Ordinal);
        var parsed = TlogProof.Parse(good[..blank] + "\n" + good[blank..]);
        Assert.True(parsed.Succeeded, parsed.ToString());
        Assert.Equal("bad-signature", parsed.Value.Verify(TrustPolicy.Single(Device.VerifierKey), Rfc9162.HashLeaf(Data[3])).Failure?.Code);
    }
}
