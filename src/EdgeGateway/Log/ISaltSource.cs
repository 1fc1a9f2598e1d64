using System.Security.Cryptography;

namespace EdgeGateway.Log;

/// <summary>
/// Where leaf salts come from. A salt must be unpredictable: it is what keeps a disclosed
/// sibling hash from revealing the neighbouring reading by brute force over plausible values.
/// </summary>
public interface ISaltSource
{
    /// <summary>Fills <paramref name="salt"/> (16 bytes) with fresh salt.</summary>
    void Fill(Span<byte> salt);
}

/// <summary>Salts from the operating system's cryptographic random generator.</summary>
public sealed class CryptographicSaltSource : ISaltSource
{
    /// <summary>The shared instance.</summary>
    public static CryptographicSaltSource Instance { get; } = new();

    /// <inheritdoc/>
    public void Fill(Span<byte> salt) => RandomNumberGenerator.Fill(salt);
}
