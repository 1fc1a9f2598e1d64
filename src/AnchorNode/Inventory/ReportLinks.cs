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

    private readonly IDataProtector _protector;
    private readonly TimeProvider _time;

    /// <summary>Links protected with the key ring in <paramref name="keyRingDirectory"/>.</summary>
    public ReportLinks(string keyRingDirectory, TimeProvider time)
    {
        _protector = DataProtectionProvider.Create(new DirectoryInfo(keyRingDirectory), options => options.SetApplicationName(ApplicationName)).CreateProtector(Purpose);
        _time = time;
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
            return false;
        }
        var parts = payload.Split('\n');
        return parts.Length == 2 && parts[0] == receipt
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            && _time.GetUtcNow().ToUnixTimeMilliseconds() < expires;
    }

    /// <summary>The page's path with the token.</summary>
    public static string PagePath(string receipt, string token) =>
        $"/v1/lots/{Uri.EscapeDataString(receipt)}/report.html?access={Uri.EscapeDataString(token)}";
}
