using System.Security.Cryptography;

namespace Firmware.Contracts.Notes;

/// <summary>
/// A public key trusted to sign notes under a name: the pair (name, key ID) identifies it in
/// signature lines. Thread-safe.
/// </summary>
public sealed class NoteVerifierKey : IDisposable
{
    private readonly byte[] _spki;
    private readonly ECDsa _key;
    private readonly Lock _gate = new();

    private NoteVerifierKey(string name, byte[] spki, ECDsa key)
    {
        Name = name;
        _spki = spki;
        _key = key;
        KeyId = NoteKeys.KeyIdOf(spki);
    }

    /// <summary>The key name expected in signature lines.</summary>
    public string Name { get; }

    /// <summary>SHA-256(SPKI)[:4], big-endian.</summary>
    public uint KeyId { get; }

    /// <summary>The DER SubjectPublicKeyInfo.</summary>
    public ReadOnlyMemory<byte> PublicKey => _spki;

    /// <summary>The base64 of the DER SubjectPublicKeyInfo.</summary>
    public string PublicKeyBase64 => Convert.ToBase64String(_spki);

    /// <summary>A key from its name and DER SubjectPublicKeyInfo.</summary>
    /// <exception cref="ArgumentException">When the name is invalid or the key is not P-256.</exception>
    public static NoteVerifierKey FromSpki(string name, ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        if (!NoteKeys.IsValidKeyName(name))
        {
            throw new ArgumentException($"key name '{name}' must be non-empty, without spaces or '+'", nameof(name));
        }
        var key = NoteKeys.ImportP256PublicKey(subjectPublicKeyInfo);
        return new NoteVerifierKey(name, subjectPublicKeyInfo.ToArray(), key);
    }

    /// <summary>Parses <c>NAME=BASE64_SPKI</c>, the form the command-line tools take.</summary>
    public static Result<NoteVerifierKey> Parse(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            return Result<NoteVerifierKey>.Fail("key-format", $"expected NAME=BASE64_SPKI, got '{text}'");
        }
        var name = text[..eq];
        var b64 = text[(eq + 1)..];
        if (!NoteKeys.TryFromCanonicalBase64(b64, out var spki))
        {
            return Result<NoteVerifierKey>.Fail("key-format", $"the public key of '{name}' is not canonical base64 (one line of RFC 4648 §4 base64, padded)");
        }
        try
        {
            return FromSpki(name, spki);
        }
        catch (ArgumentException e)
        {
            return Result<NoteVerifierKey>.Fail("key-format", $"key '{name}': {e.Message}");
        }
    }

    /// <summary>
    /// Verifies an ECDSA P-256 signature over SHA-256(<paramref name="text"/>) in strict DER
    /// (<see cref="EcdsaSignature.TryDecodeDer"/>); false for any other encoding.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> text, ReadOnlySpan<byte> signature)
    {
        Span<byte> rs = stackalloc byte[2 * EcdsaSignature.ScalarLength];
        if (!EcdsaSignature.TryDecodeDer(signature, rs))
        {
            return false;
        }
        lock (_gate)
        {
            try
            {
                return _key.VerifyData(text, rs, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
            catch (CryptographicException)
            {
                return false;
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}={PublicKeyBase64}";

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}
