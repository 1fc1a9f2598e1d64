using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace AnchorNode.Auth;

/// <summary>
/// Time-limited access tokens for pages a browser opens without an API key: the token is a subject
/// (what it opens) and an expiry, encrypted and authenticated with the node's data-protection key
/// ring under a purpose of its own, so only this node can mint or read it and a token for one
/// purpose opens nothing else. The node and its CLI share the ring in the data folder.
/// </summary>
public sealed class AccessLinks
{
    /// <summary>The data-protection application name the node and the CLI share.</summary>
    public const string ApplicationName = "edgetrace-anchor-node";

    private readonly string _keyRingDirectory;
    private readonly string _purpose;
    private readonly TimeProvider _time;
    private IDataProtector _protector;
    private long _reloadedAtMs;

    /// <summary>Tokens for <paramref name="purpose"/>, protected with the key ring in <paramref name="keyRingDirectory"/>.</summary>
    public AccessLinks(string keyRingDirectory, string purpose, TimeProvider time)
    {
        _keyRingDirectory = keyRingDirectory;
        _purpose = purpose;
        _time = time;
        _protector = Protector(keyRingDirectory, purpose);
    }

    /// <summary>A token for <paramref name="subject"/>, valid for <paramref name="validFor"/>.</summary>
    public (string Token, long ExpiresMs) Create(string subject, TimeSpan validFor)
    {
        var expires = _time.GetUtcNow().Add(validFor).ToUnixTimeMilliseconds();
        return (_protector.Protect(string.Create(CultureInfo.InvariantCulture, $"{subject}\n{expires}")), expires);
    }

    /// <summary>True when <paramref name="token"/> is one this node minted for <paramref name="subject"/> and it has not expired.</summary>
    public bool Allows(string? token, string subject) => ExpiryOf(token, subject) is not null;

    /// <summary>When <paramref name="token"/> expires (Unix ms) if it is one this node minted for <paramref name="subject"/> and still valid; else null.</summary>
    public long? ExpiryOf(string? token, string subject)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        string payload;
        try
        {
            payload = _protector.Unprotect(token);
        }
        catch (CryptographicException)
        {
            // The CLI may have added the key it minted the token with after this process read the ring;
            // read it again, but not more than once a minute however many bad tokens arrive.
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (now - Interlocked.Read(ref _reloadedAtMs) < 60_000)
            {
                return null;
            }
            Interlocked.Exchange(ref _reloadedAtMs, now);
            try
            {
                _protector = Protector(_keyRingDirectory, _purpose);
                payload = _protector.Unprotect(token);
            }
            catch (CryptographicException)
            {
                return null;
            }
        }
        var parts = payload.Split('\n');
        return parts.Length == 2 && parts[0] == subject
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            && _time.GetUtcNow().ToUnixTimeMilliseconds() < expires
                ? expires
                : null;
    }

    private static IDataProtector Protector(string directory, string purpose) =>
        DataProtectionProvider.Create(new DirectoryInfo(directory), options => options.SetApplicationName(ApplicationName)).CreateProtector(purpose);
}
