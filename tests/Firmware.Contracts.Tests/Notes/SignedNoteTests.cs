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
        Assert.Equal("threshold-not-met", NoteVerifier.Verify(note, Policy(2, Alpha, alias)).Failure?.Code);
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
}
