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

/// <summary>
/// Salts from the operating system's cryptographic random generator, drawn 4 KiB at a time: one
/// system call per 256 salts instead of one each. Bytes handed out are wiped from the buffer.
/// Thread-safe.
/// </summary>
public sealed class CryptographicSaltSource : ISaltSource
{
    private readonly byte[] _buffer = new byte[4096];
    private readonly Lock _gate = new();
    private int _next = 4096;

    /// <summary>The shared instance.</summary>
    public static CryptographicSaltSource Instance { get; } = new();

    /// <inheritdoc/>
    public void Fill(Span<byte> salt)
    {
        if (salt.Length > _buffer.Length)
        {
            RandomNumberGenerator.Fill(salt);
            return;
        }
        lock (_gate)
        {
            if (_next + salt.Length > _buffer.Length)
            {
                RandomNumberGenerator.Fill(_buffer);
                _next = 0;
            }
            var taken = _buffer.AsSpan(_next, salt.Length);
            taken.CopyTo(salt);
            taken.Clear();
            _next += salt.Length;
        }
    }
}
