using System.Security.Cryptography;

namespace AnchorNode.Configuration;

/// <summary>Where the node draws random bytes (statement nonces, API key secrets).</summary>
public interface IRandomSource
{
    /// <summary>Fills <paramref name="buffer"/> with random bytes.</summary>
    void Fill(Span<byte> buffer);
}

/// <summary>The operating system's cryptographic random generator.</summary>
public sealed class CryptoRandomSource : IRandomSource
{
    /// <summary>The shared instance.</summary>
    public static readonly CryptoRandomSource Instance = new();

    /// <inheritdoc/>
    public void Fill(Span<byte> buffer) => RandomNumberGenerator.Fill(buffer);
}
