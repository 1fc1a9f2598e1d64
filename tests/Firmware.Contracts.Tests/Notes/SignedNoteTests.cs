using System.Text;
using Firmware.Contracts.Notes;
using static Firmware.Contracts.Tests.TestKeys;

namespace Firmware.Contracts.Tests.Notes;

public class SignedNoteTests
{
    private const string Text = "edgetrace/ledger/demo\n12\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";

    private static readonly EcdsaNoteSigner Alpha = Signer("alpha.example", AlphaPem);
    private static readonly EcdsaNoteSigner Beta = Signer("beta.example", BetaPem);
    private static readonly EcdsaNoteSigner Gamma = Signer("gamma.example", GammaPem);

    private static TrustPolicy Policy(int threshold, params EcdsaNoteSigner[] keys) => new(keys.Select(k => k.VerifierKey), threshold);

    [Fact]
    public void KeyId_IsFirstFourBytesOfSpkiSha256()
    {
        Assert.Equal(AlphaKeyId, Alpha.KeyId);
        Assert.Equal(BetaKeyId, Beta.KeyId);
        Assert.Equal(AlphaSpki, Convert.ToBase64String(Alpha.PublicKey.Span));
    }

    [Fact]
    public void SignAndVerify_OneKey_ReturnsText()
    {
        var note = SignedNote.Sign(Text, Alpha).ToString();
        Assert.StartsWith(Text + "\n\u2014 alpha.example ", note, StringComparison.Ordinal);
        var verified = NoteVerifier.Verify(note, Policy(1, Alpha));
        Assert.True(verified.Succeeded, verified.ToString());
        Assert.Equal(Text, verified.Value.Text);
        Assert.Equal(["alpha.example"], verified.Value.Signers);
    }

    [Fact]
    public void Signature_IsDerEcdsaOverSha256OfText_VerifiableWithoutThisCode()
    {
        var note = SignedNote.Sign(Text, Alpha);
        using var ecdsa = System.Security.Cryptography.ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(AlphaSpki), out _);
        var signature = note.Signatures[0].Signature.ToArray();
        Assert.Equal(0x30, signature[0]); // a DER SEQUENCE
        Assert.True(ecdsa.VerifyData(Encoding.UTF8.GetBytes(Text), signature, System.Security.Cryptography.HashAlgorithmName.SHA256,
            System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public void Verify_ThresholdOfThree_NeedsThreeDistinctKeys()
    {
        var three = SignedNote.Sign(Text, Alpha, Beta, Gamma).ToString();
        Assert.True(NoteVerifier.Verify(three, Policy(3, Alpha, Beta, Gamma)).Succeeded);
        var two = SignedNote.Sign(Text, Alpha, Beta).ToString();
        var result = NoteVerifier.Verify(two, Policy(3, Alpha, Beta, Gamma));
        Assert.Equal("threshold-not-met", result.Failure?.Code);
        Assert.True(NoteVerifier.Verify(two, Policy(2, Alpha, Beta, Gamma)).Succeeded);
    }

    [Fact]
    public void Verify_DuplicateSignaturesFromOneKey_CountOnce()
    {
        var note = SignedNote.Sign(Text, Alpha, Alpha, Alpha).ToString();
        var result = NoteVerifier.Verify(note, Policy(2, Alpha, Beta));
        Assert.Equal("threshold-not-met", result.Failure?.Code);
    }

    [Fact]
    public void Verify_SameKeyTrustedUnderTwoNames_CountsOnce()
    {
        var alias = Signer("alias.example", AlphaPem);
        var note = SignedNote.Sign(Text, Alpha, alias).ToString();
        Assert.Equal("threshold-not-met", NoteVerifier.Verify(note, Policy(2, Alpha, alias, Beta)).Failure?.Code);
    }

    // A threshold that one key under two names would have to meet twice can never be met.
    [Fact]
    public void TrustPolicy_ThresholdAboveTheDistinctPublicKeys_Throws()
    {
        var alias = Signer("alias.example", AlphaPem);
        Assert.Throws<ArgumentException>(() => Policy(2, Alpha, alias));
    }

    [Fact]
    public void Verify_SignedOnlyByUntrustedKey_Fails()
    {
        var note = SignedNote.Sign(Text, Gamma).ToString();
        var result = NoteVerifier.Verify(note, Policy(1, Alpha, Beta));
        Assert.Equal("no-trusted-signature", result.Failure?.Code);
        Assert.Contains("gamma.example", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_UnknownSignaturesAlongsideTrusted_AreIgnored()
    {
        var note = SignedNote.Sign(Text, Gamma, Alpha).ToString();
        Assert.True(NoteVerifier.Verify(note, Policy(1, Alpha)).Succeeded);
    }

    [Fact]
    public void Verify_ForgedSignatureFromKnownKey_RejectsWholeNote_EvenWithOtherGoodSignatures()
    {
        // Beta's signature line, but made by Gamma's key under Beta's name and key ID.
        var forged = new NoteSignature("beta.example", BetaKeyId, Gamma.Sign(Encoding.UTF8.GetBytes(Text)));
        var note = SignedNote.Sign(Text, Alpha).ToString() + forged.ToLine() + "\n";
        var result = NoteVerifier.Verify(note, Policy(1, Alpha, Beta));
        Assert.Equal("bad-signature", result.Failure?.Code);
        Assert.Contains("beta.example", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_AlteredText_Fails()
    {
        var note = SignedNote.Sign(Text, Alpha).ToString().Replace("\n12\n", "\n13\n", StringComparison.Ordinal);
        Assert.Equal("bad-signature", NoteVerifier.Verify(note, Policy(1, Alpha)).Failure?.Code);
    }

    [Fact]
    public void Verify_SameNameOtherKeyId_IsIgnoredAsUnknown()
    {
        var impostor = Signer("alpha.example", GammaPem); // same name, different key → different ID
        var note = SignedNote.Sign(Text, impostor).ToString();
        Assert.Equal("no-trusted-signature", NoteVerifier.Verify(note, Policy(1, Alpha)).Failure?.Code);
    }

    [Fact]
    public void Verify_BitFlipInSignature_Fails()
    {
        var note = SignedNote.Sign(Text, Alpha);
        var sig = note.Signatures[0].Signature.ToArray();
        sig[^1] ^= 1;
        var tampered = Text + "\n" + new NoteSignature("alpha.example", AlphaKeyId, sig).ToLine() + "\n";
        Assert.Equal("bad-signature", NoteVerifier.Verify(tampered, Policy(1, Alpha)).Failure?.Code);
    }

    [Theory]
    [InlineData("origin\n1\nroot\n\u2014 alpha.example AAAAAAAA\n", "note-format")] // no blank line
    [InlineData("origin\n1\n\n\u2014 alpha.example AAAAAAAA", "note-format")] // no final newline
    [InlineData("origin\r\n1\n\n\u2014 alpha.example AAAAAAAA\n", "note-control-character")]
    [InlineData("origin\t1\n\n\u2014 alpha.example AAAAAAAA\n", "note-control-character")]
    [InlineData("origin\n\n\n", "note-format")] // blank line but no signatures
    [InlineData("origin\n\n- alpha.example AAAAAAAA\n", "note-signature-format")] // hyphen, not em dash
    [InlineData("origin\n\n\u2014 alpha example AAAAAAAA\n", "note-signature-format")] // space in name
    [InlineData("origin\n\n\u2014 alpha+x AAAAAAAA\n", "note-signature-format")] // plus in name
    [InlineData("origin\n\n\u2014 alpha.example AAAA\n", "note-signature-format")] // shorter than key ID + signature
    [InlineData("origin\n\n\u2014 alpha.example !!!!\n", "note-signature-format")]
    [InlineData("\n\n\u2014 alpha.example AAAAAAAA\n", "note-format")] // empty text
    [InlineData("origin\u007f\n\n\u2014 alpha.example AAAAAAAA\n", "note-control-character")] // DEL
    [InlineData("origin\u0085\n\n\u2014 alpha.example AAAAAAAA\n", "note-control-character")] // C1 (NEL)
    [InlineData("origin\u009b\n\n\u2014 alpha.example AAAAAAAA\n", "note-control-character")] // C1 (CSI)
    [InlineData("origin\n\n\u2014 alpha.example AAAAAAAAAB==\n", "note-signature-format")] // unused bits not zero
    [InlineData("origin\n\n\u2014 alpha.example AAAAAAA\n", "note-signature-format")] // not padded
    [InlineData("origin\n\n\u2014 alpha.example AAAAAA-_\n", "note-signature-format")] // URL-safe alphabet
    public void Parse_Malformed_FailsWithReason(string note, string code)
    {
        var result = SignedNote.Parse(note);
        Assert.False(result.Succeeded);
        Assert.Equal(code, result.Failure!.Code);
        Assert.Equal(code, NoteVerifier.Verify(note, Policy(1, Alpha)).Failure?.Code);
    }

    [Fact]
    public void Parse_TextWithEmptyLines_SplitsAtLastBlankLine()
    {
        var text = "line one\n\nline three\n";
        var note = SignedNote.Sign(text, Alpha).ToString();
        var verified = NoteVerifier.Verify(note, Policy(1, Alpha));
        Assert.True(verified.Succeeded, verified.ToString());
        Assert.Equal(text, verified.Value.Text);
    }

    [Fact]
    public void Parse_InvalidUtf8Bytes_Fails()
    {
        var bytes = Encoding.UTF8.GetBytes(SignedNote.Sign(Text, Alpha).ToString());
        bytes[2] = 0xFF;
        Assert.Equal("note-encoding", SignedNote.Parse(bytes).Failure?.Code);
    }

    [Fact]
    public void Parse_TooManySignatures_Fails()
    {
        var note = SignedNote.Sign(Text, Enumerable.Repeat<INoteSigner>(Alpha, SignedNote.MaxSignatures + 1)).ToString();
        Assert.Equal("note-too-many-signatures", SignedNote.Parse(note).Failure?.Code);
    }

    [Fact]
    public void Sign_TextWithControlCharacter_Throws() =>
        Assert.Throws<ArgumentException>(() => SignedNote.Sign("bell\a\n", Alpha));

    [Fact]
    public void WithSignature_AddsCosignature_ThatVerifies()
    {
        var note = SignedNote.Sign(Text, Alpha).WithSignature(Beta);
        Assert.True(NoteVerifier.Verify(note.ToString(), Policy(2, Alpha, Beta)).Succeeded);
        var merged = SignedNote.Sign(Text, Alpha).Merge(SignedNote.Sign(Text, Gamma));
        Assert.Equal(2, merged.Signatures.Count);
    }

    [Fact]
    public void TrustPolicy_ThresholdOutOfRange_Throws()
    {
        Assert.Throws<ArgumentException>(() => Policy(0, Alpha));
        Assert.Throws<ArgumentException>(() => Policy(2, Alpha));
    }

    [Fact]
    public void VerifierKey_Parse_RejectsNonP256AndBadBase64()
    {
        Assert.True(NoteVerifierKey.Parse("alpha.example=" + AlphaSpki).Succeeded);
        Assert.Equal("key-format", NoteVerifierKey.Parse("alpha.example").Failure?.Code);
        Assert.Equal("key-format", NoteVerifierKey.Parse("alpha.example=###").Failure?.Code);
        using var p384 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        var result = NoteVerifierKey.Parse("x=" + Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo()));
        Assert.Equal("key-format", result.Failure?.Code);
        Assert.Contains("P-256", result.Failure!.Message, StringComparison.Ordinal);
    }

    // (r, n − s) verifies whenever (r, s) does; it is accepted, because nothing in EdgeTrace takes
    // a signature's bytes as identity (docs/spec.md §4.3).
    [Fact]
    public void Verify_HighSTwinOfAValidSignature_IsAccepted()
    {
        var note = SignedNote.Sign(Text, Alpha);
        Span<byte> rs = stackalloc byte[64];
        Assert.True(EcdsaSignature.TryDecodeDer(note.Signatures[0].Signature.Span, rs));
        var twin = Der(rs[..32].ToArray(), Negate(rs[32..].ToArray()));
        var malleated = Text + "\n" + new NoteSignature("alpha.example", AlphaKeyId, twin).ToLine() + "\n";
        Assert.NotEqual(note.ToString(), malleated);
        var verified = NoteVerifier.Verify(malleated, Policy(1, Alpha));
        Assert.True(verified.Succeeded, verified.ToString());
        Assert.Equal(Text, verified.Value.Text);
    }

    public static TheoryData<string> NonDerSpellings() => ["long-form length", "leading zero", "negative r", "trailing byte", "fixed-width r||s", "r = 0", "s = n"];

    // The same (r, s) in any spelling but strict DER is a bad signature, which rejects the note.
    [Theory]
    [MemberData(nameof(NonDerSpellings))]
    public void Verify_SignatureNotInStrictDer_RejectsTheNote(string spelling)
    {
        // Sign until r has its top bit set, so that DER needs a 0x00 before it and "negative r" exists.
        byte[] r, s;
        do
        {
            var signature = SignedNote.Sign(Text, Alpha).Signatures[0].Signature.Span;
            var rs = new byte[64];
            Assert.True(EcdsaSignature.TryDecodeDer(signature, rs));
            (r, s) = (rs[..32], rs[32..]);
        }
        while (r[0] < 0x80);
        var der = Der(r, s);
        Assert.True(NoteVerifier.Verify(Text + "\n" + new NoteSignature("alpha.example", AlphaKeyId, der).ToLine() + "\n", Policy(1, Alpha)).Succeeded);
        byte[] bad = spelling switch
        {
            "long-form length" => [0x30, 0x81, .. der[1..]],
            "leading zero" => Sequence([.. Integer([0x00, 0x00, .. r], raw: true), .. Integer(s)]),
            "negative r" => Sequence([.. Integer(r, raw: true), .. Integer(s)]),
            "trailing byte" => [.. der, 0x00],
            "fixed-width r||s" => [.. r, .. s],
            "r = 0" => Sequence([.. Integer([0]), .. Integer(s)]),
            _ => Sequence([.. Integer(r), .. Integer(EcdsaSignature.P256Order.ToArray())]),
        };
        var note = Text + "\n" + new NoteSignature("alpha.example", AlphaKeyId, bad).ToLine() + "\n";
        Assert.Equal("bad-signature", NoteVerifier.Verify(note, Policy(1, Alpha)).Failure?.Code);
    }

    [Fact]
    public void VerifierKey_OtherEncodingsOfAP256Key_AreRefused()
    {
        var spki = Convert.FromBase64String(AlphaSpki);
        Assert.Equal(NoteKeys.P256SpkiLength, spki.Length);
        byte[][] others =
        [
            [0x30, 0x81, .. spki[1..]], // BER length
            [.. spki, 0x00], // trailing byte
            [.. Convert.FromHexString("3039301306072a8648ce3d020106082a8648ce3d030107032200"), (byte)(2 + (spki[^1] & 1)), .. spki[27..59]], // compressed point
        ];
        foreach (var other in others)
        {
            Assert.Throws<ArgumentException>(() => NoteVerifierKey.FromSpki("alpha.example", other));
        }
        Assert.Equal("key-format", NoteVerifierKey.Parse("alpha.example=" + AlphaSpki + "\n").Failure?.Code);
        Assert.Equal("key-format", NoteVerifierKey.Parse("alpha.example=" + AlphaSpki[..60] + " " + AlphaSpki[60..]).Failure?.Code);
    }

    private static byte[] Negate(byte[] s)
    {
        var n = new System.Numerics.BigInteger(EcdsaSignature.P256Order, isUnsigned: true, isBigEndian: true);
        var value = new System.Numerics.BigInteger(s, isUnsigned: true, isBigEndian: true);
        var negated = (n - value).ToByteArray(isUnsigned: true, isBigEndian: true);
        return [.. new byte[32 - negated.Length], .. negated];
    }

    private static byte[] Minimal(byte[] magnitude) => magnitude.SkipWhile(b => b == 0).DefaultIfEmpty((byte)0).ToArray();

    // An INTEGER of a non-negative magnitude in DER, or (raw) of exactly the given content bytes.
    private static byte[] Integer(byte[] magnitude, bool raw = false)
    {
        var content = raw ? magnitude : Minimal(magnitude) is var m && m[0] >= 0x80 ? [0x00, .. m] : m;
        return [0x02, (byte)content.Length, .. content];
    }

    private static byte[] Sequence(byte[] content) => [0x30, (byte)content.Length, .. content];

    private static byte[] Der(byte[] r, byte[] s) => Sequence([.. Integer(r), .. Integer(s)]);
}
