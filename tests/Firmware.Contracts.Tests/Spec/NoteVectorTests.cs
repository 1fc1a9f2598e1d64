using System.Text;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Proofs;

namespace Firmware.Contracts.Tests.Spec;

/// <summary>
/// docs/vectors/notes/ and docs/vectors/proofs/ (made by docs/vectors/make-note-vectors.py): every
/// file listed in cases.txt gets the verdict listed there from the reference code, and every file
/// in the folders is listed.
/// </summary>
public class NoteVectorTests
{
    private static readonly string Notes = Path.Combine(SpecVectorTests.VectorsDirectory, "notes");
    private static readonly string Proofs = Path.Combine(SpecVectorTests.VectorsDirectory, "proofs");

    public static TheoryData<string, int, string, string> NoteCases() => Cases(Notes);

    public static TheoryData<string, int, string, string> ProofCases() => Cases(Proofs);

    [Theory]
    [MemberData(nameof(NoteCases))]
    public void NoteVector_GetsItsVerdict(string file, int threshold, string result, string why)
    {
        var keys = new[] { Key("alpha", "key-alpha.spki.b64"), Key("beta", "key-beta.spki.b64") };
        // The bytes as stored: a reader meets them as bytes, and some are not valid as they stand.
        var parsed = SignedNote.Parse(File.ReadAllBytes(Path.Combine(Notes, file)));
        var verdict = parsed.Succeeded ? NoteVerifier.Verify(parsed.Value, new TrustPolicy(keys, threshold)).ToString() : $"parse failure: {parsed}";
        var accepted = parsed.Succeeded && NoteVerifier.Verify(parsed.Value, new TrustPolicy(keys, threshold)).Succeeded;
        Assert.True((result == "accept") == accepted, $"{file} ({why}): expected {result}, got {verdict}");
    }

    [Theory]
    [MemberData(nameof(ProofCases))]
    public void ProofVector_GetsItsVerdict(string file, int leaf, string result, string why)
    {
        var policy = TrustPolicy.Single(Key("edgetrace/device/gw-demo", "key-alpha.spki.b64"));
        var leafHash = Rfc9162.HashLeaf(Convert.FromHexString(File.ReadAllLines(Path.Combine(SpecVectorTests.VectorsDirectory, "device-log-leaves.hex"))[leaf]));
        var parsed = TlogProof.Parse(Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(Proofs, file))));
        var verified = parsed.Succeeded && parsed.Value.Verify(policy, leafHash, "edgetrace/device/gw-demo").Succeeded;
        Assert.True((result == "accept") == verified, $"{file} for leaf {leaf} ({why}): expected {result}");
    }

    [Fact]
    public void EveryVectorFile_IsListed_AndBothVerdictsOccur()
    {
        foreach (var folder in new[] { Notes, Proofs })
        {
            var listed = Cases(folder).Select(c => (string)c[0]).ToHashSet();
            var files = Directory.GetFiles(folder).Select(Path.GetFileName).Where(f => f != "cases.txt").ToHashSet();
            Assert.Equal(files.Order(), listed.Order());
            var verdicts = Cases(folder).Select(c => (string)c[2]).ToHashSet();
            Assert.Equal(["accept", "refuse"], verdicts.Order());
        }
    }

    [Fact]
    public void HighSNote_IsTheLowSNoteWithSReplacedByNMinusS()
    {
        static byte[] Rs(string file)
        {
            var note = SignedNote.Parse(File.ReadAllText(Path.Combine(Notes, file))).Value;
            var rs = new byte[64];
            Assert.True(EcdsaSignature.TryDecodeDer(note.Signatures[0].Signature.Span, rs));
            return rs;
        }
        var low = Rs("plain.note");
        var high = Rs("high-s.note");
        Assert.Equal(low[..32], high[..32]);
        var n = new System.Numerics.BigInteger(EcdsaSignature.P256Order, isUnsigned: true, isBigEndian: true);
        var sLow = new System.Numerics.BigInteger(low[32..], isUnsigned: true, isBigEndian: true);
        var sHigh = new System.Numerics.BigInteger(high[32..], isUnsigned: true, isBigEndian: true);
        Assert.Equal(n, sLow + sHigh);
        Assert.True(sHigh > n / 2);
    }

    private static NoteVerifierKey Key(string name, string file) =>
        NoteVerifierKey.FromSpki(name, Convert.FromBase64String(File.ReadAllText(Path.Combine(SpecVectorTests.VectorsDirectory, file)).Trim()));

    // (FILE, THRESHOLD or LEAF, RESULT, WHY) from a folder's cases.txt.
    private static TheoryData<string, int, string, string> Cases(string folder)
    {
        var data = new TheoryData<string, int, string, string>();
        foreach (var line in File.ReadAllLines(Path.Combine(folder, "cases.txt")))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var parts = line.Split(" | ", 4);
            Assert.True(parts[2] is "accept" or "refuse", line);
            data.Add(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2], parts[3]);
        }
        return data;
    }
}
