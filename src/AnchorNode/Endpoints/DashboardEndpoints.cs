using AnchorNode.Runtime;
using System.Security.Claims;
using AnchorNode.Auth;
using AnchorNode.Dashboard;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>
/// The operator dashboard: the page (<c>GET /dashboard</c>, opened with a dashboard link), the JSON
/// it polls (<c>GET /v1/dashboard</c>, also for scripts with an operator or auditor API key), and
/// minting links (<c>POST /v1/dashboard-links</c>, operators). Gateway status reports come in at
/// <see cref="UplinkRoutes.Status"/>.
/// </summary>
internal static class DashboardEndpoints
{
    private const int MaxReportBytes = 64 * 1024;

    public static void Map(WebApplication app)
    {
        app.MapPost(UplinkRoutes.Status, async (string deviceId, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (note, problem) = await RequestBodies.ReadTextAsync(request, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                var outcome = node.StatusReports.Accept(deviceId, note!);
                return outcome.Receipt is { } receipt
                    ? Results.Json(receipt, UplinkJsonContext.Default.StatusReceipt)
                    : Problems.Result(NodeProblem.ForDeviceWrite(outcome.Failure!));
            })
            .WithTags("Devices")
            .WithName("PostGatewayStatus")
            .WithSummary("A gateway's status report: a signed note (text/plain) whose text is 'edgetrace/device-status/v1' and the report as one line of JSON, signed with the device key. Kept as the device's latest report for the dashboard; not evidence.")
            .Accepts<string>(LotEndpoints.TextBody)
            .WithBodyLimit(MaxReportBytes)
            .Produces<StatusReceipt>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

        app.MapGet(DashboardLinks.PagePath, (string? access, HttpContext context, NodeRuntime node) =>
            {
                var request = context.Request;
                if (access is not null)
                {
                    if (node.DashboardLinks.ExpiryOf(access) is not { } expires)
                    {
                        return Denied(context, 401, "The link is not a dashboard link of this node, or it has expired.");
                    }
                    // The token moves into a cookie for the page and the data it polls, and out of the address bar (and history).
                    var until = DateTimeOffset.FromUnixTimeMilliseconds(expires);
                    foreach (var path in new[] { DashboardLinks.PagePath, DashboardLinks.DataPath })
                    {
                        context.Response.Cookies.Append(DashboardLinks.CookieName, access, new CookieOptions
                        {
                            HttpOnly = true,
                            SameSite = SameSiteMode.Strict,
                            Secure = request.IsHttps,
                            Path = request.PathBase + path,
                            Expires = until,
                        });
                    }
                    context.Response.Headers.CacheControl = "no-store";
                    return Results.Redirect(request.PathBase + DashboardLinks.PagePath);
                }
                if (!node.DashboardLinks.Allows(request.Cookies[DashboardLinks.CookieName]))
                {
                    var user = context.User;
                    if (user.Identity?.IsAuthenticated != true)
                    {
                        return Denied(context, 401, request.Cookies.ContainsKey(DashboardLinks.CookieName)
                            ? "The dashboard link this browser opened has expired."
                            : "This browser has not opened a dashboard link yet.");
                    }
                    if (!IsOperatorOrAuditor(user))
                    {
                        return Denied(context, 403, $"Organisation '{user.Identity.Name}' has role '{user.FindFirst(ClaimTypes.Role)?.Value}'; the dashboard is for operators and auditors.");
                    }
                }
                context.Response.Headers.ContentSecurityPolicy = DashboardPage.ContentSecurityPolicy;
                context.Response.Headers.CacheControl = "no-store";
                context.Response.Headers["Referrer-Policy"] = "no-referrer";
                return Results.Content(DashboardPage.Render(node.Dashboard.Build(), node.Dashboard.Clock), "text/html; charset=utf-8");
            })
            .WithTags("Dashboard")
            .WithName("GetDashboardPage")
            .WithSummary("The operator dashboard page: readings per zone (current, 24 h min/max/mean, sparkline), alarms per zone, lots with covenant state, gateways, the ledger, on one clock; rendered on the server and patched in place every few seconds. Open a dashboard link (?access=, then a cookie), or an operator or auditor API key.")
            .Produces<string>(200, "text/html")
            .Produces(302)
            .Produces<string>(401, "text/html");

        app.MapGet(DashboardLinks.DataPath, (HttpContext context, NodeRuntime node) =>
                DataAccess(context, node) ?? Results.Json(node.Dashboard.Build(), DashboardJsonContext.Default.DashboardView))
            .WithTags("Dashboard")
            .WithName("GetDashboard")
            .WithSummary("What the dashboard shows, as JSON: per zone each sensor's latest committed measurement (age, stale) and its last 24 h (min, max, mean, sparkline points); gateways (online, backlog, anchored checkpoint, sensor faults, equivocation); alarms per zone; lots with product and covenant state; the ledger; the time zone of the page.")
            .Produces<DashboardView>()
            .ProducesProblem(401).ProducesProblem(403);

        app.MapGet(DashboardLinks.SectionsPath, (HttpContext context, NodeRuntime node) =>
                DataAccess(context, node) ?? Results.Json(DashboardPage.RenderSections(node.Dashboard.Build(), node.Dashboard.Clock), DashboardJsonContext.Default.DashboardSectionsView))
            .WithTags("Dashboard")
            .WithName("GetDashboardSections")
            .WithSummary("The dashboard page's sections rendered again, as HTML fragments by element id, with the 'updated' line: what the open page patches itself with every few seconds.")
            .Produces<DashboardSectionsView>()
            .ProducesProblem(401).ProducesProblem(403);

        app.MapPost("/v1/dashboard-links", (int? hours, HttpRequest request, NodeRuntime node) =>
            {
                var valid = Math.Clamp(hours ?? 24 * 7, 1, 24 * 31);
                var (token, expires) = node.DashboardLinks.Create(TimeSpan.FromHours(valid));
                var path = DashboardLinks.LinkPath(token);
                return Results.Json(new DashboardLinkView(path, $"{request.Scheme}://{request.Host}{request.PathBase}{path}", expires), DashboardJsonContext.Default.DashboardLinkView, statusCode: 201);
            })
            .RequireAuthorization(Policies.Operator)
            .WithTags("Dashboard")
            .WithName("CreateDashboardLink")
            .WithSummary("A link to the dashboard page that works in a browser without an API key, for ?hours= (default 168, at most 744).")
            .Produces<DashboardLinkView>(201)
            .ProducesProblem(401).ProducesProblem(403);
    }

    /// <summary>
    /// Null when the request may use the dashboard's data (a dashboard link's cookie, which stands for
    /// the operator who minted it, or an operator key, or for reading also an auditor key); else the problem.
    /// </summary>
    internal static IResult? DataAccess(HttpContext context, NodeRuntime node, bool operatorOnly = false)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (node.DashboardLinks.Allows(context.Request.Cookies[DashboardLinks.CookieName]))
        {
            return null;
        }
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Problems.Result(new NodeProblem(ProblemTypes.Unauthenticated, 401,
                "the dashboard data needs an operator or auditor API key ('Authorization: Bearer etk_…') or the cookie a dashboard link sets"));
        }
        var allowed = operatorOnly ? user.IsInRole(Roles.Operator) : IsOperatorOrAuditor(user);
        return allowed ? null
            : Problems.Result(new NodeProblem(ProblemTypes.Forbidden, 403,
                $"organisation '{user.Identity.Name}' has role '{user.FindFirst(ClaimTypes.Role)?.Value}'; {(operatorOnly ? "this is for operators" : "the dashboard is for operators and auditors")}"));
    }

    private static bool IsOperatorOrAuditor(ClaimsPrincipal user) => user.IsInRole(Roles.Operator) || user.IsInRole(Roles.Auditor);

    private static IResult Denied(HttpContext context, int status, string reason)
    {
        if (status == 401)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }
        context.Response.Headers.ContentSecurityPolicy = DashboardPage.StaticContentSecurityPolicy;
        context.Response.Headers.CacheControl = "no-store";
        return Results.Content(DashboardPage.Unauthorised(reason), "text/html; charset=utf-8", statusCode: status);
    }
}
