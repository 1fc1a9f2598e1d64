using System.Security.Cryptography;
using System.Text;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Proofs;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Tests.Spec;

/// <summary>
/// The test vectors published in docs/vectors and quoted in docs/spec.md must hold for this
/// code, so the spec and the implementation cannot drift apart. The signatures were also checked
/// with `openssl dgst -sha256 -verify`, and the hashes with Python's hashlib (see docs/spec.md).
/// </summary>
public class SpecVectorTests
{
    private static readonly string Vectors = Path.Combine(RepoRoot(), "docs", "vectors");

    /// <summary>docs/vectors in this checkout.</summary>
    internal static string VectorsDirectory => Vectors;

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new DirectoryNotFoundException("EdgeTrace.sln not found above the test output");
    }

    private static string Read(string name) => File.ReadAllText(Path.Combine(Vectors, name));

    private static NoteVerifierKey Key(string name, string file) => NoteVerifierKey.FromSpki(name, Convert.FromBase64String(Read(file).Trim()));

    private static Dictionary<string, string> Hashes() =>
        Read("device-log-hashes.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .ToDictionary(p => string.Join(' ', p[..^1]), p => p[^1]);

    [Fact]
    public void DeviceLogLeaves_ParseAndHashAsPublished()
    {
        var lines = Read("device-log-leaves.jsonl").TrimEnd('\n').Split('\n');
        var hex = Read("device-log-leaves.hex").TrimEnd('\n').Split('\n');
        var hashes = Hashes();
        Assert.Equal(5, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(lines[i]);
            Assert.Equal(hex[i], Convert.ToHexStringLower(bytes));
            var leaf = ReadingLeaf.Parse(bytes);
            Assert.True(leaf.Succeeded, $"leaf {i}: {leaf}");
            Assert.Equal(i, leaf.Value.Content.Sequence);
            Assert.Equal(hashes[$"leaf {i} hash"], leaf.Value.LeafHash.ToHex());
        }
    }

    [Fact]
    public void DeviceLogRootsAndProofs_AreAsPublished()
    {
        var leafHashes = Read("device-log-leaves.hex").TrimEnd('\n').Split('\n').Select(h => Rfc9162.HashLeaf(Convert.FromHexString(h))).ToArray();
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        log.Append(leafHashes);
        var hashes = Hashes();
        for (var n = 1; n <= 5; n++)
        {
            Assert.Equal(hashes[$"root {n}"], log.Reader.Root(n).ToHex());
        }
        Assert.Equal(hashes["inclusion 2 5"], string.Join(",", log.Reader.InclusionProof(2, 5).Select(h => h.ToHex())));
        Assert.Equal(hashes["consistency 3 5"], string.Join(",", log.Reader.ConsistencyProof(3, 5).Select(h => h.ToHex())));
    }

    [Fact]
    public void DeviceCheckpoint_VerifiesWithDeviceKey_AndItsTextIsThePublishedText()
    {
        var policy = TrustPolicy.Single(Key("edgetrace/device/gw-demo", "key-alpha.spki.b64"));
        var verified = CheckpointVerifier.Verify(Read("device-checkpoint.note"), policy, "edgetrace/device/gw-demo");
        Assert.True(verified.Succeeded, verified.ToString());
        Assert.Equal(Read("device-checkpoint.text"), verified.Value.Note.Text);
        Assert.Equal(Hashes()["root 5"], verified.Value.Checkpoint.Root.ToHex());
        Assert.Equal(1_795_428_720_500, verified.Value.Checkpoint.TimeMs);

        // The detached DER signature is the one in the note, and verifies with the SPKI alone.
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(Read("key-alpha.spki.b64").Trim()), out _);
        Assert.True(ecdsa.VerifyData(Encoding.UTF8.GetBytes(Read("device-checkpoint.text")), File.ReadAllBytes(Path.Combine(Vectors, "device-checkpoint.sig.der")),
            HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public void ReadingProof_VerifiesForLeafTwo_AndNoOtherLeaf()
    {
        var policy = TrustPolicy.Single(Key("edgetrace/device/gw-demo", "key-alpha.spki.b64"));
        var proof = TlogProof.Parse(Read("reading-2.tlog-proof"));
        Assert.True(proof.Succeeded, proof.ToString());
        var hex = Read("device-log-leaves.hex").TrimEnd('\n').Split('\n');
        for (var i = 0; i < hex.Length; i++)
        {
            var result = proof.Value.Verify(policy, Rfc9162.HashLeaf(Convert.FromHexString(hex[i])), "edgetrace/device/gw-demo");
            Assert.Equal(i == 2, result.Succeeded);
        }
    }

    [Theory]
    [InlineData("alpha", TestKeys.AlphaPem, TestKeys.AlphaSpki)]
    [InlineData("beta", TestKeys.BetaPem, TestKeys.BetaSpki)]
    [InlineData("gamma", TestKeys.GammaPem, TestKeys.GammaSpki)]
    public void PublishedPrivateKeys_AreTheTestKeys_AndMatchTheirSpki(string name, string pem, string spki)
    {
        var published = Read($"key-{name}.pkcs8.pem");
        Assert.Equal(string.Join("\n", pem.Split('\n').Select(l => l.Trim())) + "\n", published);
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportFromPem(published);
        Assert.Equal(spki, Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));
        Assert.Equal(spki, Read($"key-{name}.spki.b64").Trim());
    }

    [Fact]
    public void LedgerCheckpoint_TwoOfThreePolicy_Holds_ThreeOfThreeDoesNot()
    {
        var keys = new[] { Key("warehouse-op", "key-alpha.spki.b64"), Key("bank-a", "key-beta.spki.b64"), Key("auditor", "key-gamma.spki.b64") };
        var note = Read("ledger-checkpoint-2-signers.note");
        Assert.True(CheckpointVerifier.Verify(note, new TrustPolicy(keys, 2), "edgetrace/ledger/demo").Succeeded);
        Assert.Equal("threshold-not-met", CheckpointVerifier.Verify(note, new TrustPolicy(keys, 3)).Failure?.Code);
    }

    [Fact]
    public void CtLeavesFile_GivesThePublishedRoot()
    {
        var text = Read("merkle-ct-leaves.hex");
        var leaves = text[..^1].Split('\n').Select(Convert.FromHexString).ToArray();
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        log.Append(leaves.Select(l => Rfc9162.HashLeaf(l)).ToArray());
        Assert.Equal(8, leaves.Length);
        Assert.Equal("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", log.Root().ToHex());
    }
}
