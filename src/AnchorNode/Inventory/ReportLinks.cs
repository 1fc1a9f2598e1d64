using AnchorNode.Auth;

namespace AnchorNode.Inventory;

/// <summary>
/// Time-limited links to one lot's report page, for lenders who open it in a browser (which cannot
/// send an API key): an <see cref="AccessLinks"/> token whose subject is the receipt number.
/// </summary>
public sealed class ReportLinks
{
    /// <summary>The data-protection application name the node and the CLI share.</summary>
    public const string ApplicationName = AccessLinks.ApplicationName;

    private const string Purpose = "edgetrace.report-link.v1";

    private readonly AccessLinks _links;

    /// <summary>Links protected with the key ring in <paramref name="keyRingDirectory"/>.</summary>
    public ReportLinks(string keyRingDirectory, TimeProvider time) => _links = new AccessLinks(keyRingDirectory, Purpose, time);

    /// <summary>A token for <paramref name="receipt"/>'s report, valid for <paramref name="validFor"/>.</summary>
    public (string Token, long ExpiresMs) Create(string receipt, TimeSpan validFor) => _links.Create(receipt, validFor);

    /// <summary>True when <paramref name="token"/> is a link this node minted for <paramref name="receipt"/> and it has not expired.</summary>
    public bool Allows(string? token, string receipt) => _links.Allows(token, receipt);

    /// <summary>The page's path with the token.</summary>
    public static string PagePath(string receipt, string token) =>
        $"/v1/lots/{Uri.EscapeDataString(receipt)}/report.html?access={Uri.EscapeDataString(token)}";
}
