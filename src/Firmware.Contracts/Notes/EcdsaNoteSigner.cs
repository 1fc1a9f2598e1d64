using System.Security.Cryptography;

namespace Firmware.Contracts.Notes;

/// <summary>
/// Signs notes with an in-process ECDSA P-256 key (signature type 0x02): DER-encoded
/// signatures over SHA-256 of the note text, as transparency-dev/witness produces them.
/// </summary>
public sealed class EcdsaNoteSigner : INoteSigner, IDisposable
{
    private readonly ECDsa _key;
    private readonly byte[] _publicKey;
    private readonly Lock _gate = new();

    /// <summary>Takes ownership of <paramref name="key"/>, which must be a P-256 private key.</summary>
    public EcdsaNoteSigner(string keyName, ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!NoteKeys.IsValidKeyName(keyName))
        {
            throw new ArgumentException($"key name '{keyName}' must be non-empty, without spaces or '+'", nameof(keyName));
        }
        NoteKeys.EnsureP256(key);
        _key = key;
        _publicKey = key.ExportSubjectPublicKeyInfo();
        KeyName = keyName;
        KeyId = NoteKeys.KeyIdOf(_publicKey);
    }

    /// <inheritdoc/>
    public string KeyName { get; }

    /// <inheritdoc/>
    public uint KeyId { get; }

    /// <inheritdoc/>
    public ReadOnlyMemory<byte> PublicKey => _publicKey;

    /// <summary>The matching verifier key.</summary>
    public NoteVerifierKey VerifierKey => NoteVerifierKey.FromSpki(KeyName, _publicKey);

    /// <summary>Creates a fresh P-256 key pair.</summary>
    public static EcdsaNoteSigner Generate(string keyName) => new(keyName, ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Loads a PKCS#8 PEM private key (<c>-----BEGIN PRIVATE KEY-----</c>).</summary>
    public static EcdsaNoteSigner FromPkcs8Pem(string keyName, string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new ArgumentException($"the key is not a PKCS#8 PEM ECDSA private key: {e.Message}", nameof(pem), e);
        }
        return new EcdsaNoteSigner(keyName, key);
    }

    /// <summary>The private key as PKCS#8 PEM, for storing with restrictive permissions.</summary>
    public string ExportPkcs8Pem()
    {
        lock (_gate)
        {
            return _key.ExportPkcs8PrivateKeyPem();
        }
    }

    /// <inheritdoc/>
    public byte[] Sign(ReadOnlySpan<byte> text)
    {
        lock (_gate)
        {
            return _key.SignData(text, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}
