using AnchorNode.Runtime;
using System.Security.Claims;
using AnchorNode.Auth;
using AnchorNode.Inventory;
using AnchorNode.Ledger;
using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>
/// Condition reports for lenders and auditors: JSON, an HTML page, the evidence bundle that
/// reproduces them offline, and time-limited page links. Every report is computed from the bundle
/// it offers for download, verified first.
/// </summary>
internal static class ReportEndpoints
{
    public static void Map(WebApplication app)
    {
        var lots = app.MapGroup("/v1/lots/{receipt}").WithTags("Reports");

        lots.MapGet("/report", async (string receipt, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (query, problem) = Query(request);
                if (problem is not null)
                {
                    return problem;
                }
                var built = await BuildAsync(node, receipt, query!.Value.Request, query.Value.Threshold, cancellationToken);
                if (!built.Succeeded)
                {
                    return Problems.Result(NodeProblem.From(built.Failure!));
                }
                var report = built.Value;
                var pledge = PledgeOf(node, report);
                var response = new LotReportResponse(receipt, report.Lot.LotIndex, LotViews.Public(report.Lot.Lot), report.Lot.Title is { } title ? LotViews.Title(title) : null,
                    pledge is null ? null : LotViews.Pledge(pledge, report.Lot.Report.Pledge?.Statement.Covenants ?? []),
                    report.Conditions, report.Proof, BundlePath(receipt, request.QueryString.Value), $"/v1/lots/{Uri.EscapeDataString(receipt)}/report.html{request.QueryString.Value}");
                return Results.Json(response, InventoryJsonContext.Default.LotReportResponse);
            })
            .RequireAuthorization(Policies.LenderOrAuditor)
            .WithName("GetConditionReport")
            .WithSummary("The lot's condition report on signed terms (its active or latest pledge, else the lot's own history), as of the best-signed checkpoint. Query: pledge, threshold (member signatures the proof needs; default the consortium's quorum); a custom analysis, labelled as such: from and to (ISO 8601), activationEnergyK, intervalMs, delayMs, cumulativeMs.")
            .Produces<LotReportResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(503);

        lots.MapGet("/report.html", async (string receipt, string? access, HttpContext context, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (built, language, refused) = await PageReportAsync(context, node, receipt, access, cancellationToken);
                if (refused is not null)
                {
                    return refused;
                }
                var keys = built!.Evidence.Members.Select(m => $"{m.Name}={m.PublicKey}").ToList();
                var page = ReportPage.Render(built!, new ReportPageContext(PledgeOf(node, built!), BundlePath(receipt, context.Request.QueryString.Value), keys, language));
                // The page needs nothing from anywhere: say so, so that a browser refuses if it ever tried.
                context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'";
                context.Response.Headers.CacheControl = "no-store";
                return Results.Content(page, "text/html; charset=utf-8");
            })
            .WithName("GetConditionReportPage")
            .WithSummary("The condition report as an HTML page with an SVG temperature chart, in English or Chinese (?lang=en|zh, else Accept-Language). Lenders and auditors by API key, or anyone with a report link (?access=).")
            .Produces<string>(200, "text/html")
            .ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(503);

        lots.MapGet("/report.pdf", async (string receipt, string? access, HttpContext context, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (built, language, refused) = await PageReportAsync(context, node, receipt, access, cancellationToken);
                if (refused is not null)
                {
                    return refused;
                }
                var keys = built!.Evidence.Members.Select(m => $"{m.Name}={m.PublicKey}").ToList();
                var page = $"{context.Request.Scheme}://{context.Request.Host}/v1/lots/{Uri.EscapeDataString(receipt)}/report.html{context.Request.QueryString.Value}";
                context.Response.Headers.CacheControl = "no-store";
                try
                {
                    return Results.File(ReportPdf.Render(built!, new ReportPdfContext(PledgeOf(node, built!), page, keys, language)), "application/pdf", $"{receipt}.condition-report.pdf");
                }
                catch (ReportFontMissingException e)
                {
                    return Problems.Result(new NodeProblem("font-missing", 503, e.Message));
                }
            })
            .WithName("GetConditionReportPdf")
            .WithSummary("The condition report as a PDF to file or print (the HTML page's figures, the chart, signatures and their meaning, a QR code to the page, the bundle's SHA-256), in English or Chinese (?lang=en|zh, else Accept-Language; Chinese needs a CJK font on the node, else 503 font-missing). Lenders and auditors by API key, or anyone with a report link (?access=).")
            .Produces(200, contentType: "application/pdf")
            .ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(503);

        lots.MapGet("/bundle", async (string receipt, string? access, HttpContext context, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                if (Deny(context, node, receipt, access) is { } denied)
                {
                    return denied;
                }
                var (query, problem) = Query(context.Request);
                if (problem is not null)
                {
                    return problem;
                }
                var exported = node.LotExporter.Export(receipt, query!.Value.Request);
                if (!exported.Succeeded && exported.Failure!.Code == "no-checkpoint")
                {
                    await SignAsync(node, cancellationToken);
                    exported = node.LotExporter.Export(receipt, query.Value.Request);
                }
                return exported.Succeeded
                    ? Results.Bytes(exported.Value.Bundle.ToJson(), "application/json", $"{receipt}.lot-evidence.json")
                    : Problems.Result(NodeProblem.From(exported.Failure!));
            })
            .WithName("GetLotBundle")
            .WithSummary("The lot's evidence bundle for the same query as the report: 'Verifier bundle' checks it, 'Verifier report' recomputes the report from it. Lenders and auditors, or a report link.")
            .Produces<EvidenceBundle>(200, "application/json")
            .ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(503);

        lots.MapPost("/report-links", (string receipt, int? hours, HttpRequest request, NodeRuntime node) =>
            {
                using (var lease = node.Readers.Rent())
                {
                    if (lease.Reader.State.Lot(receipt) is null)
                    {
                        return Problems.Of(LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
                    }
                }
                var valid = Math.Clamp(hours ?? 24, 1, 24 * 31);
                var (token, expires) = node.ReportLinks.Create(receipt, TimeSpan.FromHours(valid));
                var path = ReportLinks.PagePath(receipt, token);
                return Results.Json(new ReportLinkView(receipt, path, $"{request.Scheme}://{request.Host}{path}", expires), InventoryJsonContext.Default.ReportLinkView, statusCode: 201);
            })
            .RequireAuthorization(Policies.LenderOrAuditor)
            .WithName("CreateReportLink")
            .WithSummary("A link to the lot's report page that works in a browser without an API key, for ?hours= (default 24, at most 744).")
            .Produces<ReportLinkView>(201)
            .ProducesProblem(401).ProducesProblem(403).ProducesProblem(404);
    }

    /// <summary>Builds the report, signing a checkpoint first when none covers the lot's newest entries yet.</summary>
    internal static async Task<Result<LotReport>> BuildAsync(NodeRuntime node, string receipt, LotBundleRequest request, int? threshold, CancellationToken cancellationToken)
    {
        var built = node.Reports.Build(receipt, request, threshold);
        if (!built.Succeeded && built.Failure!.Code == "no-checkpoint")
        {
            // Signed now, or by the checkpoint service in the meantime: either way, look again.
            await SignAsync(node, cancellationToken);
            built = node.Reports.Build(receipt, request, threshold);
        }
        return built;
    }

    internal static async Task SignAsync(NodeRuntime node, CancellationToken cancellationToken)
    {
        try
        {
            await node.Checkpointer.SignIfGrownAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or LedgerWriteException or Microsoft.Data.Sqlite.SqliteException)
        {
            // The signing guard refused (see docs/anchor-node.md) or the disk is busy; the caller
            // answers no-checkpoint if no checkpoint covers the lot yet.
        }
    }

    // A page or PDF: by API key or report link, the query checked, the report built.
    private static async Task<(LotReport? Report, ReportLanguage Language, IResult? Refused)> PageReportAsync(HttpContext context, NodeRuntime node, string receipt, string? access, CancellationToken cancellationToken)
    {
        if (Deny(context, node, receipt, access) is { } denied)
        {
            return (null, default, denied);
        }
        var (query, problem) = Query(context.Request);
        if (problem is not null)
        {
            return (null, default, problem);
        }
        // ?lang= when given (and then only en or zh), else the browser's Accept-Language.
        var language = ReportLanguage.English;
        if (context.Request.Query.TryGetValue("lang", out var code))
        {
            if (ReportWords.FromCode(code.ToString()) is not { } asked)
            {
                return (null, default, Problems.Result(Problems.Field(RequestProblemTypes.InvalidField, "lang", $"'lang' is en or zh, got '{code}'")));
            }
            language = asked;
        }
        else if (Consumer.LanguageNegotiation.FromAcceptLanguage(context.Request.Headers.AcceptLanguage.ToString()) == Consumer.ConsumerLanguage.Chinese)
        {
            language = ReportLanguage.Chinese;
        }
        context.Response.Headers.ContentLanguage = language.Tag();
        context.Response.Headers.Vary = "Accept-Language";
        var built = await BuildAsync(node, receipt, query!.Value.Request, query.Value.Threshold, cancellationToken);
        return built.Succeeded ? (built.Value, language, null) : (null, language, Problems.Result(NodeProblem.From(built.Failure!)));
    }

    internal static PledgeRecord? PledgeOf(NodeRuntime node, LotReport report)
    {
        if (report.Lot.Report.Pledge is not { } pledge)
        {
            return null;
        }
        using var lease = node.Readers.Rent();
        return lease.Reader.State.Pledge(pledge.Index);
    }

    private static IResult? Deny(HttpContext context, NodeRuntime node, string receipt, string? access)
    {
        if (node.ReportLinks.Allows(access, receipt))
        {
            return null;
        }
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Problems.Result(new NodeProblem(ProblemTypes.Unauthenticated, 401,
                access is null
                    ? "this page needs an API key of a lender or auditor ('Authorization: Bearer etk_…') or a report link (POST /v1/lots/{receipt}/report-links)"
                    : "the report link is not valid for this lot or has expired; ask for a new one"));
        }
        return user.IsInRole(Roles.Lender) || user.IsInRole(Roles.Auditor)
            ? null
            : Problems.Result(new NodeProblem(ProblemTypes.Forbidden, 403, $"organisation '{user.Identity.Name}' has role '{user.FindFirst(ClaimTypes.Role)?.Value}'; reports are for lenders and auditors"));
    }

    private static string BundlePath(string receipt, string? query) => $"/v1/lots/{Uri.EscapeDataString(receipt)}/bundle{query}";

    /// <summary>
    /// Reads the report query: pledge, threshold (default the consortium's quorum), and for a custom
    /// analysis from and to (ISO 8601) with activationEnergyK, intervalMs, delayMs, cumulativeMs.
    /// </summary>
    internal static ((LotBundleRequest Request, int? Threshold)? Value, IResult? Problem) Query(HttpRequest request)
    {
        var q = request.Query;
        var problems = new List<string>();
        long? Long(string name)
        {
            if (!q.TryGetValue(name, out var text))
            {
                return null;
            }
            if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
            problems.Add($"'{name}' must be a non-negative whole number, got '{text}'");
            return null;
        }
        long? Time(string name)
        {
            if (!q.TryGetValue(name, out var text))
            {
                return null;
            }
            if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time))
            {
                return time.ToUnixTimeMilliseconds();
            }
            problems.Add($"'{name}' must be an ISO 8601 time such as 2026-03-01T00:00:00Z, got '{text}'");
            return null;
        }
        double? energy = null;
        if (q.TryGetValue("activationEnergyK", out var energyText))
        {
            if (double.TryParse(energyText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var e) && double.IsFinite(e) && e > 0)
            {
                energy = e;
            }
            else
            {
                problems.Add($"'activationEnergyK' must be a positive number of kelvin, got '{energyText}'");
            }
        }
        var pledge = Long("pledge");
        var from = Time("from");
        var to = Time("to");
        var interval = Long("intervalMs");
        var delay = Long("delayMs");
        var cumulative = Long("cumulativeMs");
        var threshold = Long("threshold");
        BundleCustom? custom = null;
        if (from is not null || to is not null || energy is not null || interval is not null || delay is not null || cumulative is not null)
        {
            // Anything chosen here is a custom analysis, labelled as such: the verdict on a pledge uses its signed terms only.
            if (from is null || to is null)
            {
                problems.Add("a custom analysis needs both 'from' and 'to' (without them the report uses the pledge's or the lot's signed terms)");
            }
            else if (to <= from)
            {
                problems.Add("'to' must be after 'from'");
            }
            if (interval == 0)
            {
                problems.Add("'intervalMs' must be positive");
            }
            custom = new BundleCustom(from ?? 0, to ?? 0, energy ?? MeanKineticTemperature.DefaultActivationEnergyK, interval ?? EvidenceVerifier.DefaultIntervalMs, delay ?? 0, cumulative);
        }
        if (threshold is 0)
        {
            problems.Add("'threshold' must be at least 1 (leave it out for the consortium's quorum)");
        }
        var request2 = new LotBundleRequest { Pledge = pledge, Custom = custom };
        if (problems.Count > 0)
        {
            return (null, Problems.Of(ProblemTypes.MalformedRequest, string.Join("; ", problems)));
        }
        return ((request2, threshold is { } t ? (int)Math.Min(t, 100) : null), null);
    }
}
