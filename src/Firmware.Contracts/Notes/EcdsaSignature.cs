namespace Firmware.Contracts.Notes;

/// <summary>
/// The DER form of an ECDSA P-256 signature in a note (signature type 0x02):
/// <c>SEQUENCE { r INTEGER, s INTEGER }</c> (RFC 3279 §2.2.3) in strict DER, 1 ≤ r, s &lt; n.
/// </summary>
/// <remarks>
/// Decoded here rather than by the platform so that every EdgeTrace reader refuses the same
/// bytes: .NET's own decoder takes an INTEGER whose first byte is 0x80 or more (a negative
/// number in DER) as the unsigned value, which gives a second spelling of the same signature.
/// Both s and n − s are accepted, as by OpenSSL and Go's crypto/ecdsa: a note's identity is its
/// text, never its signature bytes (docs/spec.md §4).
/// </remarks>
public static class EcdsaSignature
{
    /// <summary>Bytes of r and of s in the fixed-width form (P-256: 32 each).</summary>
    public const int ScalarLength = 32;

    /// <summary>The order n of the P-256 base point, big-endian.</summary>
    public static ReadOnlySpan<byte> P256Order =>
    [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
    ];

    /// <summary>
    /// Decodes a strict-DER P-256 signature into r ‖ s (64 bytes, each big-endian and left-padded
    /// with zeros). False for anything else: BER lengths, an INTEGER with a superfluous leading zero
    /// or a negative one, r or s of 0 or ≥ n, a fixed-width signature, bytes after the SEQUENCE.
    /// </summary>
    public static bool TryDecodeDer(ReadOnlySpan<byte> der, Span<byte> rs)
    {
        if (rs.Length != 2 * ScalarLength)
        {
            throw new ArgumentException($"r ‖ s takes {2 * ScalarLength} bytes", nameof(rs));
        }
        // 0x30, one length byte (the content is at most 70 bytes, so DER uses the short form), two INTEGERs.
        if (der.Length < 8 || der.Length > 72 || der[0] != 0x30 || der[1] != der.Length - 2)
        {
            return false;
        }
        var rest = der[2..];
        return TryReadScalar(ref rest, rs[..ScalarLength]) && TryReadScalar(ref rest, rs[ScalarLength..]) && rest.IsEmpty;
    }

    private static bool TryReadScalar(ref ReadOnlySpan<byte> input, Span<byte> scalar)
    {
        if (input.Length < 3 || input[0] != 0x02 || input[1] is 0 or > ScalarLength + 1 || input.Length < 2 + input[1])
        {
            return false;
        }
        var content = input.Slice(2, input[1]);
        input = input[(2 + content.Length)..];
        if (content[0] >= 0x80)
        {
            return false; // negative
        }
        if (content[0] == 0x00)
        {
            if (content.Length == 1 || content[1] < 0x80)
            {
                return false; // zero, or a leading zero DER does not need
            }
            content = content[1..];
        }
        if (content.Length > ScalarLength)
        {
            return false;
        }
        scalar.Clear();
        content.CopyTo(scalar[(ScalarLength - content.Length)..]);
        return scalar.SequenceCompareTo(P256Order) < 0;
    }
}
