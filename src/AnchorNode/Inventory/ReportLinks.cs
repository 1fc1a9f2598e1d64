using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace AnchorNode.Inventory;

/// <summary>
/// Time-limited links to one lot's report page, for lenders who open it in a browser (which cannot
/// send an API key): the token is the receipt number and an expiry, encrypted and authenticated
/// with the node's data-protection key ring, so only this node can mint or read it. The node and
/// its CLI share the ring in the data folder.
/// </summary>
public sealed class ReportLinks
{
    /// <summary>The data-protection application name the node and the CLI share.</summary>
    public const string ApplicationName = "edgetrace-anchor-node";

    private const string Purpose = "edgetrace.report-link.v1";

    private readonly string _keyRingDirectory;
    private readonly TimeProvider _time;
    private IDataProtector _protector;
    private long _reloadedAtMs;

    /// <summary>Links protected with the key ring in <paramref name="keyRingDirectory"/>.</summary>
    public ReportLinks(string keyRingDirectory, TimeProvider time)
    {
        _keyRingDirectory = keyRingDirectory;
        _time = time;
        _protector = Protector(keyRingDirectory);
    }

    /// <summary>A token for <paramref name="receipt"/>'s report, valid for <paramref name="validFor"/>.</summary>
    public (string Token, long ExpiresMs) Create(string receipt, TimeSpan validFor)
    {
        var expires = _time.GetUtcNow().Add(validFor).ToUnixTimeMilliseconds();
        return (_protector.Protect(string.Create(CultureInfo.InvariantCulture, $"{receipt}\n{expires}")), expires);
    }

    /// <summary>True when <paramref name="token"/> is a link this node minted for <paramref name="receipt"/> and it has not expired.</summary>
    public bool Allows(string? token, string receipt)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }
        string payload;
        try
        {
            payload = _protector.Unprotect(token);
        }
        catch (CryptographicException)
        {
            // The CLI may have added the key it minted the link with after this process read the ring;
            // read it again, but not more than once a minute however many bad tokens arrive.
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (now - Interlocked.Read(ref _reloadedAtMs) < 60_000)
            {
                return false;
            }
            Interlocked.Exchange(ref _reloadedAtMs, now);
            try
            {
                _protector = Protector(_keyRingDirectory);
                payload = _protector.Unprotect(token);
            }
            catch (CryptographicException)
            {
                return false;
            }
        }
        var parts = payload.Split('\n');
        return parts.Length == 2 && parts[0] == receipt
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            && _time.GetUtcNow().ToUnixTimeMilliseconds() < expires;
    }

    private static IDataProtector Protector(string directory) =>
        DataProtectionProvider.Create(new DirectoryInfo(directory), options => options.SetApplicationName(ApplicationName)).CreateProtector(Purpose);

    /// <summary>The page's path with the token.</summary>
    public static string PagePath(string receipt, string token) =>
        $"/v1/lots/{Uri.EscapeDataString(receipt)}/report.html?access={Uri.EscapeDataString(token)}";
}
