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

    /// <summary>Bytes in the SubjectPublicKeyInfo of a P-256 key: <see cref="P256SpkiPrefix"/>, then X and Y.</summary>
    public const int P256SpkiLength = 91;

    /// <summary>
    /// The first 27 bytes of every P-256 SubjectPublicKeyInfo in its one DER form (named curve
    /// prime256v1, uncompressed point): SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 },
    /// BIT STRING { 0x04 ‖ X ‖ Y } }. The key ID hashes these bytes, so one key has one form.
    /// </summary>
    public static ReadOnlySpan<byte> P256SpkiPrefix =>
        [0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04];

    /// <summary>
    /// Decodes base64 only in its canonical form (RFC 4648 §4: standard alphabet, padded, no white
    /// space, unused bits zero), the one spelling <see cref="Convert.ToBase64String(byte[])"/> writes.
    /// </summary>
    public static bool TryFromCanonicalBase64(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        if (text is null || text.Length % 4 != 0)
        {
            return false;
        }
        try
        {
            var decoded = Convert.FromBase64String(text);
            if (!string.Equals(Convert.ToBase64String(decoded), text, StringComparison.Ordinal))
            {
                return false;
            }
            bytes = decoded;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Imports a P-256 public key from its DER SubjectPublicKeyInfo: exactly the 91 bytes of
    /// <see cref="P256SpkiPrefix"/> followed by a point on the curve (no compressed points, explicit
    /// curve parameters or other encodings of the same key, which would have another key ID).
    /// </summary>
    /// <exception cref="ArgumentException">When the bytes are not a P-256 public key in that form.</exception>
    public static ECDsa ImportP256PublicKey(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        if (subjectPublicKeyInfo.Length != P256SpkiLength || !subjectPublicKeyInfo.StartsWith(P256SpkiPrefix))
        {
            throw new ArgumentException(
                $"not the DER SubjectPublicKeyInfo of a P-256 key: expected {P256SpkiLength} bytes starting {Convert.ToHexStringLower(P256SpkiPrefix)} (named curve, uncompressed point), got {subjectPublicKeyInfo.Length} bytes");
        }
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
