using System.Globalization;
using System.Text;
using AnchorNode.Consumer;
using AnchorNode.Consumer.Pages;
using Firmware.Contracts.Epc;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace AnchorNode.Endpoints;

/// <summary>
/// The public consumer routes, all rate limited per client and open without an API key:
/// the GS1 Digital Link resolver (<c>/01/…</c>), QR codes (<c>/qr/01/….svg|.png</c>), label sheets
/// (<c>/labels/01/…</c>) and public proofs (<c>/proof/01/…</c>).
/// </summary>
internal static class ConsumerEndpoints
{
    private const string HtmlType = "text/html; charset=utf-8";

    public static void Map(WebApplication app)
    {
        var routes = app.MapGroup("").RequireRateLimiting(PublicRateLimiting.Policy).WithTags("Consumer");

        routes.MapGet("/01/{**code}", Resolve).ExcludeFromDescription();
        routes.MapGet("/01", Resolve).ExcludeFromDescription();
        routes.MapGet("/labels/01/{**code}", Labels).ExcludeFromDescription();

        routes.MapGet("/qr/01/{**code}", QrCode)
            .WithName("GetQrCode")
            .WithSummary("The QR code of a GS1 Digital Link on the node's public base URL: /qr/01/GTIN[/10/LOT][/21/SERIAL].svg or .png (?px= pixels per module, PNG only, default 10).")
            .Produces(200, contentType: "image/svg+xml")
            .Produces(200, contentType: "image/png")
            .Produces(400, contentType: HtmlType)
            .Produces(429, contentType: HtmlType);

        routes.MapGet("/proof/01/{**code}", Proof)
            .WithName("GetPublicProof")
            .WithSummary("The public proof of a lot or item: what its consumer page claims, the lot's public evidence bundle, checked offline with 'Verifier bundle' (?at= the ledger size the page showed).")
            .Produces(200, contentType: "application/json")
            .Produces(404, contentType: HtmlType)
            .Produces(429, contentType: HtmlType);
    }

    private static async Task<IResult> Resolve(HttpContext http, [FromServices] IPublicTraceSource source, [FromServices] PublicSite site, CancellationToken cancellationToken)
    {
        var raw = RawTarget(http, "");
        if (!DigitalLink.TryParsePath(raw, out var link, out var error))
        {
            return BadCode(http, site, error, raw);
        }
        var context = site.Begin(http);
        var found = context with { CanonicalUrl = site.Uri(link, http.Request) };
        if (link.Lot is null && link.Serial is null)
        {
            // The product page's form asks for the lot as ?10=; send the browser to the canonical path.
            if (http.Request.Query.TryGetValue(DigitalLink.LotAi, out var typed))
            {
                var lot = typed.ToString().Trim();
                if (DigitalLink.CheckQualifier(DigitalLink.LotAi, lot) is { } invalid)
                {
                    return Page(http, StatusCodes.Status400BadRequest, MessagePages.BadCode(invalid, raw, context), cache: false);
                }
                return Results.Redirect(new DigitalLink(link.Gtin, lot).ToPath(), permanent: false, preserveMethod: false);
            }
            var product = await source.FindProductAsync(link.Gtin, cancellationToken);
            return product is null
                ? Page(http, StatusCodes.Status404NotFound, MessagePages.NotFound(link, context), cache: false)
                : Page(http, StatusCodes.Status200OK, MessagePages.Product(product, found), cache: true);
        }
        var trace = await source.FindTraceAsync(link, cancellationToken);
        if (trace is null)
        {
            return Page(http, StatusCodes.Status404NotFound, MessagePages.NotFound(link, context), cache: false);
        }
        var proofHref = trace.Proof is { } proof
            ? "/proof" + link.ToPath() + "?at=" + proof.LedgerSize.ToString(CultureInfo.InvariantCulture)
            : null;
        return Page(http, StatusCodes.Status200OK, TracePage.Render(trace, found, proofHref), cache: true);
    }

    private static async Task<IResult> Labels(HttpContext http, [FromServices] IPublicTraceSource source, [FromServices] PublicSite site, int? count, CancellationToken cancellationToken)
    {
        var raw = RawTarget(http, "/labels");
        if (!DigitalLink.TryParsePath(raw, out var link, out var error))
        {
            return BadCode(http, site, error, raw);
        }
        var context = site.Begin(http);
        var name = link.Lot is null && link.Serial is null
            ? (await source.FindProductAsync(link.Gtin, cancellationToken))?.Name
            : (await source.FindTraceAsync(link, cancellationToken))?.ProductName;
        if (name is null)
        {
            return Page(http, StatusCodes.Status404NotFound, MessagePages.NotFound(link, context), cache: false);
        }
        var labels = Math.Clamp(count ?? LabelSheet.LabelsPerSheet, 1, LabelSheet.MaxLabels);
        return Page(http, StatusCodes.Status200OK, LabelSheet.Render(link, name, site.Uri(link, http.Request), labels, context), cache: true);
    }

    private static IResult QrCode(HttpContext http, [FromServices] PublicSite site, int? px)
    {
        var raw = RawTarget(http, "/qr");
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? raw : raw[..query];
        var format = path.EndsWith(".svg", StringComparison.Ordinal) ? "svg" : path.EndsWith(".png", StringComparison.Ordinal) ? "png" : null;
        if (format is null)
        {
            var context = site.Begin(http);
            var missing = new DigitalLinkError(DigitalLinkErrorKind.NotADigitalLink, null, null, "a QR code path ends in .svg or .png");
            return Page(http, StatusCodes.Status400BadRequest, MessagePages.BadCode(missing, raw, context), cache: false);
        }
        if (!DigitalLink.TryParsePath(path[..^4], out var link, out var error))
        {
            return BadCode(http, site, error, raw);
        }
        var uri = site.Uri(link, http.Request);
        http.Response.Headers.CacheControl = "public, max-age=86400";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        if (format == "svg")
        {
            // The SVG has no script; the policy makes sure nothing in it could run if opened directly.
            http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
            return Results.Text(QrCoderImages.Svg(uri), "image/svg+xml; charset=utf-8", Encoding.UTF8);
        }
        var pixels = Math.Clamp(px ?? 10, 1, QrCoderImages.MaxPixelsPerModule);
        return Results.Bytes(QrCoderImages.Png(uri, pixels), "image/png");
    }

    private static async Task<IResult> Proof(HttpContext http, [FromServices] IPublicTraceSource source, [FromServices] PublicSite site, long? at, CancellationToken cancellationToken)
    {
        var raw = RawTarget(http, "/proof");
        if (!DigitalLink.TryParsePath(raw, out var link, out var error))
        {
            return BadCode(http, site, error, raw);
        }
        var proof = link.Lot is null && link.Serial is null ? null : await source.ExportProofAsync(link, at, cancellationToken);
        if (proof is null)
        {
            return Page(http, StatusCodes.Status404NotFound, MessagePages.NotFound(link, site.Begin(http)), cache: false);
        }
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "private, max-age=300";
        return Results.File(proof.Json, "application/json", proof.FileName);
    }

    private static IResult BadCode(HttpContext http, PublicSite site, DigitalLinkError error, string raw) =>
        Page(http, StatusCodes.Status400BadRequest, MessagePages.BadCode(error, raw, site.Begin(http)), cache: false);

    private static IResult Page(HttpContext http, int status, string html, bool cache)
    {
        // Lots change while stored (a new excursion, a new stop): a short private cache only.
        http.Response.Headers.CacheControl = cache ? "private, max-age=60" : "no-store";
        return Results.Content(html, HtmlType, Encoding.UTF8, status);
    }

    /// <summary>
    /// The request target as sent, still percent-encoded, without <paramref name="prefix"/>: Digital
    /// Link values are decoded exactly once, by the parser (the server's decoded path would already
    /// have turned %2F into a separator for some servers and not others).
    /// </summary>
    private static string RawTarget(HttpContext http, string prefix)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
        {
            raw = http.Request.Path.ToUriComponent() + http.Request.QueryString.ToUriComponent();
        }
        else if (http.Request.PathBase.HasValue && raw.StartsWith(http.Request.PathBase.Value!, StringComparison.Ordinal))
        {
            raw = raw[http.Request.PathBase.Value!.Length..];
        }
        return prefix.Length > 0 && raw.StartsWith(prefix + "/", StringComparison.Ordinal) ? raw[prefix.Length..] : raw;
    }
}
