using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Tests.Notifications;

/// <summary>
/// A webhook receiver on a real Kestrel at 127.0.0.1:0, as a lender or operator would run one: checks
/// the HMAC-SHA256 signature against its secret (constant time), records each attempt with its
/// delivery id, and answers 503 to the first <see cref="FailFirst"/> attempts.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _seen;

    private WebhookReceiver(WebApplication app, string secretFile)
    {
        _app = app;
        SecretFile = secretFile;
    }

    /// <summary>One request as it arrived.</summary>
    public sealed record Attempt(string? DeliveryId, string? Event, bool SignatureValid, int Status, string Body);

    public string Url { get; private set; } = "";

    /// <summary>A file holding the secret (for node.json).</summary>
    public string SecretFile { get; }

    public byte[] Secret { get; } = RandomNumberGenerator.GetBytes(24);

    /// <summary>How many attempts are answered 503 before the receiver accepts.</summary>
    public int FailFirst { get; set; }

    public ConcurrentQueue<Attempt> Attempts { get; } = new();

    public IReadOnlyList<Attempt> Accepted => Attempts.Where(a => a.Status == 200).ToList();

    public static async Task<WebhookReceiver> StartAsync(string folder, int failFirst = 0)
    {
        Directory.CreateDirectory(folder);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, Path.Combine(folder, $"webhook-{Guid.NewGuid():N}.secret")) { FailFirst = failFirst };
        await File.WriteAllTextAsync(receiver.SecretFile, Convert.ToBase64String(receiver.Secret) + "\n");
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/') + "/hook";
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var expected = Encoding.ASCII.GetBytes("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Convert.ToBase64String(Secret)), body)));
        var given = Encoding.ASCII.GetBytes(context.Request.Headers["X-EdgeTrace-Signature"].ToString());
        var valid = given.Length == expected.Length && CryptographicOperations.FixedTimeEquals(given, expected);
        var status = !valid ? 401 : Interlocked.Increment(ref _seen) <= FailFirst ? 503 : 200;
        Attempts.Enqueue(new Attempt(context.Request.Headers["X-EdgeTrace-Delivery"].ToString(), context.Request.Headers["X-EdgeTrace-Event"].ToString(), valid, status, Encoding.UTF8.GetString(body)));
        context.Response.StatusCode = status;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
