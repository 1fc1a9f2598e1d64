namespace Firmware.Contracts.Notes;

/// <summary>
/// Signs note text with one key. A key file, a secure element (ATECC608) or a PKCS#11 token can
/// stand behind it; callers only see the key's name and ID.
/// </summary>
public interface INoteSigner
{
    /// <summary>The key name written in signature lines.</summary>
    string KeyName { get; }

    /// <summary>The 4-byte key ID (big-endian) written before the signature.</summary>
    uint KeyId { get; }

    /// <summary>The DER SubjectPublicKeyInfo of the public key.</summary>
    ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>Signs <paramref name="text"/>; for ECDSA P-256, a DER-encoded signature over SHA-256(text).</summary>
    byte[] Sign(ReadOnlySpan<byte> text);
}
