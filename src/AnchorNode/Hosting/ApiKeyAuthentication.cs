using System.Security.Claims;
using System.Text.Encodings.Web;
using AnchorNode.Endpoints;
using AnchorNode.Auth;
using AnchorNode.Storage;
using Firmware.Contracts.Uplink;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AnchorNode.Hosting;

/// <summary>
/// Authenticates <c>Authorization: Bearer etk_…</c> API keys as their organisation, with its role
/// as a role claim. Challenges answer 401 and forbids 403, both as RFC 9457 problems.
/// </summary>
public sealed class ApiKeyAuthenticationHandler : AuthenticationHandler<AuthenticationSchemeOptions>
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "ApiKey";

    private readonly OrganisationStore _organisations;
    private readonly NodeReaders _readers;

    /// <summary>The handler.</summary>
    public ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
        OrganisationStore organisations, NodeReaders readers)
        : base(options, logger, encoder)
    {
        _organisations = organisations;
        _readers = readers;
    }

    /// <inheritdoc/>
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return Task.FromResult(AuthenticateResult.Fail("the Authorization header must be 'Bearer <api key>'"));
        }
        Organisation? organisation;
        using (var lease = _readers.Rent())
        {
            organisation = _organisations.Authenticate(lease.Reader, header["Bearer ".Length..].Trim());
        }
        if (organisation is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("unknown or revoked API key"));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, organisation.Name), new Claim(ClaimTypes.Role, organisation.Role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <inheritdoc/>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.WriteAsync(Context, new NodeProblem(ProblemTypes.Unauthenticated, 401,
            $"this endpoint needs an API key: send 'Authorization: Bearer etk_…' (an operator issues keys with '{EdgeTrace.CommandLine.Programs.Node} org add')"));
    }

    /// <inheritdoc/>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.WriteAsync(Context, new NodeProblem(ProblemTypes.Forbidden, 403,
            $"organisation '{Context.User.Identity?.Name}' has role '{Context.User.FindFirst(ClaimTypes.Role)?.Value}', which may not do this"));
}
