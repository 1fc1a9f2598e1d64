using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Firmware.Contracts.Notes;

/// <summary>Key names and key IDs of C2SP signed notes with signature type 0x02 (ECDSA).</summary>
public static class NoteKeys
{
    /// <summary>The C2SP signed-note signature type of ECDSA signatures.</summary>
    public const byte EcdsaSignatureType = 0x02;

    /// <summary>OID of the NIST P-256 curve (secp256r1).</summary>
    public const string P256Oid = "1.2.840.10045.3.1.7";

    /// <summary>
    /// The key ID of an ECDSA key: the first four bytes, big-endian, of SHA-256 over its DER
    /// SubjectPublicKeyInfo (C2SP signed-note, signature type 0x02).
    /// </summary>
    public static uint KeyIdOf(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(subjectPublicKeyInfo, hash);
        return BinaryPrimitives.ReadUInt32BigEndian(hash);
    }

    /// <summary>
    /// Checks a key name: non-empty, no Unicode white space and no plus sign (C2SP signed-note),
    /// and, for EdgeTrace, no control characters and at most 256 characters.
    /// </summary>
    public static bool IsValidKeyName(string? name) =>
        !string.IsNullOrEmpty(name)
        && name.Length <= 256
        && !name.Any(ch => char.IsWhiteSpace(ch) || ch == '+' || char.IsControl(ch));

    /// <summary>Imports a DER SubjectPublicKeyInfo and checks that it is an ECDSA P-256 key.</summary>
    /// <exception cref="ArgumentException">When the bytes are not a P-256 public key.</exception>
    public static ECDsa ImportP256PublicKey(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out var read);
            if (read != subjectPublicKeyInfo.Length)
            {
                throw new ArgumentException($"the public key has {subjectPublicKeyInfo.Length - read} trailing bytes after its SubjectPublicKeyInfo");
            }
            EnsureP256(key);
            return key;
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException)
        {
            // An SPKI naming a curve the platform lacks is thrown as PlatformNotSupportedException.
            key.Dispose();
            throw new ArgumentException($"not a DER SubjectPublicKeyInfo of an ECDSA key: {e.Message}", e);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    internal static void EnsureP256(ECDsa key)
    {
        var curve = key.ExportParameters(false).Curve;
        if (curve.Oid?.Value != P256Oid && curve.Oid?.FriendlyName is not ("nistP256" or "ECDSA_P256" or "secp256r1"))
        {
            throw new ArgumentException($"EdgeTrace keys are ECDSA P-256; this key is on curve {curve.Oid?.FriendlyName ?? curve.Oid?.Value ?? "unknown"}");
        }
    }
}
