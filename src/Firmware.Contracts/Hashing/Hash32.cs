using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Firmware.Contracts.Hashing;

/// <summary>
/// A SHA-256 value. A value type, so it can live in records and collections without the
/// reference-equality trap of <c>byte[]</c>; equality is constant-time.
/// </summary>
public readonly struct Hash32 : IEquatable<Hash32>
{
    /// <summary>The size of a hash in bytes.</summary>
    public const int Length = 32;

    // Filled through WritableBytes, which the compiler cannot see.
#pragma warning disable CS0649
    private readonly Buffer _bytes;
#pragma warning restore CS0649

    /// <summary>Copies exactly 32 bytes into a new hash.</summary>
    /// <exception cref="ArgumentException">When <paramref name="bytes"/> is not 32 bytes long.</exception>
    public Hash32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"a SHA-256 hash is {Length} bytes, got {bytes.Length}", nameof(bytes));
        }
        bytes.CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.AsRef(in _bytes[0]), Length));
    }

    /// <summary>The 32 bytes of the hash.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> Bytes => MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in _bytes[0]), Length);

    /// <summary>SHA-256 of <paramref name="data"/>.</summary>
    public static Hash32 Sha256(ReadOnlySpan<byte> data)
    {
        var hash = default(Hash32);
        SHA256.HashData(data, hash.WritableBytes());
        return hash;
    }

    /// <summary>Parses 64 hex digits (either case).</summary>
    public static Hash32 FromHex(string hex)
    {
        if (!TryFromHex(hex, out var hash))
        {
            throw new FormatException($"expected 64 hex digits for a SHA-256 hash, got '{Shorten(hex)}'");
        }
        return hash;
    }

    /// <summary>Parses 64 hex digits (either case); false when the text is anything else.</summary>
    public static bool TryFromHex(string? hex, out Hash32 hash)
    {
        hash = default;
        if (hex is null || hex.Length != Length * 2)
        {
            return false;
        }
        var status = Convert.FromHexString(hex, hash.WritableBytes(), out _, out var written);
        return status == System.Buffers.OperationStatus.Done && written == Length;
    }

    /// <summary>
    /// Parses standard base64 (RFC 4648 §4) of exactly 32 bytes in its canonical spelling: 43
    /// characters and '=', the unused low bits of the last character zero, as <see cref="ToBase64"/>
    /// writes it. One hash has one spelling in a signed text.
    /// </summary>
    public static bool TryFromBase64(string? text, out Hash32 hash)
    {
        hash = default;
        if (text is null || text.Length != 44)
        {
            return false;
        }
        if (!Convert.TryFromBase64String(text, hash.WritableBytes(), out var written) || written != Length || hash.ToBase64() != text)
        {
            hash = default;
            return false;
        }
        return true;
    }

    /// <summary>Lower-case hex.</summary>
    public string ToHex() => Convert.ToHexStringLower(Bytes);

    /// <summary>Standard base64 (RFC 4648 §4), as checkpoints and tlog-proofs carry it.</summary>
    public string ToBase64() => Convert.ToBase64String(Bytes);

    /// <summary>Copies the hash into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination) => Bytes.CopyTo(destination);

    /// <inheritdoc/>
    public bool Equals(Hash32 other) => CryptographicOperations.FixedTimeEquals(Bytes, other.Bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Hash32 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(Bytes);

    /// <summary>Lower-case hex.</summary>
    public override string ToString() => ToHex();

    /// <summary>Constant-time equality.</summary>
    public static bool operator ==(Hash32 left, Hash32 right) => left.Equals(right);

    /// <summary>Constant-time inequality.</summary>
    public static bool operator !=(Hash32 left, Hash32 right) => !left.Equals(right);

    // Only for filling a fresh local: Hash32 is immutable once handed out.
    [UnscopedRef]
    internal Span<byte> WritableBytes() => MemoryMarshal.CreateSpan(ref Unsafe.AsRef(in _bytes[0]), Length);

    private static string Shorten(string? s) => s is null ? "(null)" : s.Length <= 80 ? s : s[..77] + "...";

    [InlineArray(Length)]
    private struct Buffer
    {
        private byte _element0;
    }
}
