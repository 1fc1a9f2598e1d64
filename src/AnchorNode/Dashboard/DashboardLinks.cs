using AnchorNode.Auth;

namespace AnchorNode.Dashboard;

/// <summary>
/// Time-limited links to the operator dashboard, for a browser (which cannot send an API key): an
/// <see cref="AccessLinks"/> token of its own purpose, so a report link never opens the dashboard.
/// The page moves the token into a cookie (<see cref="CookieName"/>) so that it leaves the address bar.
/// </summary>
public sealed class DashboardLinks
{
    /// <summary>The cookie that carries the token, set for <c>/dashboard</c> and <c>/v1/dashboard</c> only.</summary>
    public const string CookieName = "edgetrace-dashboard";

    /// <summary>The page.</summary>
    public const string PagePath = "/dashboard";

    /// <summary>The JSON the page polls.</summary>
    public const string DataPath = "/v1/dashboard";

    /// <summary>The sections the page patches itself with (under <see cref="DataPath"/>, so the cookie reaches it).</summary>
    public const string SectionsPath = DataPath + "/sections";

    private const string Purpose = "edgetrace.dashboard-link.v1";
    private const string Subject = "dashboard";

    private readonly AccessLinks _links;

    /// <summary>Links protected with the key ring in <paramref name="keyRingDirectory"/>.</summary>
    public DashboardLinks(string keyRingDirectory, TimeProvider time) => _links = new AccessLinks(keyRingDirectory, Purpose, time);

    /// <summary>A token valid for <paramref name="validFor"/>.</summary>
    public (string Token, long ExpiresMs) Create(TimeSpan validFor) => _links.Create(Subject, validFor);

    /// <summary>True when <paramref name="token"/> is a dashboard token this node minted and it has not expired.</summary>
    public bool Allows(string? token) => _links.Allows(token, Subject);

    /// <summary>When <paramref name="token"/> expires (Unix ms) if it is valid now; else null.</summary>
    public long? ExpiryOf(string? token) => _links.ExpiryOf(token, Subject);

    /// <summary>The page's path with the token.</summary>
    public static string LinkPath(string token) => $"{PagePath}?access={Uri.EscapeDataString(token)}";
}
