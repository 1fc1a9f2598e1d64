using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using netDumbster.smtp;

namespace Demo;

/// <summary>
/// Where the demo node's notifications go, both on 127.0.0.1 and started by the demo: a webhook
/// receiver (Kestrel) that checks every delivery's <c>X-EdgeTrace-Signature</c> (HMAC-SHA256 of the
/// raw body keyed with the endpoint's secret, docs/anchor-node.md "Notifications") before it reads
/// the body, and an SMTP server. The node's <c>notifications</c> settings name them as the operator's
/// and the bank's contacts; each notification is printed as it arrives.
/// </summary>
internal sealed class DemoReceivers : IAsyncDisposable
{
    private const string SignatureHeader = "X-EdgeTrace-Signature";
    private const string DeliveryHeader = "X-EdgeTrace-Delivery";
    private const int MaxBody = 1024 * 1024;

    /// <summary>The contacts: the node's operator and the lender member, each with a webhook secret and a mailbox.</summary>
    private static readonly (string Contact, string Email)[] Contacts = [("operator", "cold-room@warehouse.example"), ("bank", "credit-risk@bank.example")];

    private readonly WebApplication _hooks;
    private readonly SimpleSmtpServer _smtp;
    private readonly ConcurrentDictionary<string, byte> _deliveries = new(StringComparer.Ordinal);
    private int _disposed;

    private DemoReceivers(WebApplication hooks, SimpleSmtpServer smtp)
    {
        _hooks = hooks;
        _smtp = smtp;
    }

    /// <summary>The webhook receiver's base address.</summary>
    public string WebhookUrl { get; private set; } = "";

    /// <summary>The SMTP server's port on 127.0.0.1.</summary>
    public int SmtpPort => _smtp.Configuration.Port;

    /// <summary>
    /// Starts both receivers, points the notifications of the node in <paramref name="nodeFolder"/> at
    /// them (its <c>node.json</c>, as an operator would edit it) and prints their addresses. They stop
    /// when <paramref name="cancellationToken"/> is cancelled (the demo stopping).
    /// </summary>
    public static async Task<DemoReceivers> StartAsync(string nodeFolder, DemoProgress progress, CancellationToken cancellationToken)
    {
        var secrets = Contacts.ToDictionary(c => c.Contact, c => Secret(Path.Combine(nodeFolder, $"{c.Contact}-hook.secret")), StringComparer.Ordinal);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var smtp = Configuration.Configure().WithAddress(IPAddress.Loopback).WithRandomPort().Build();
        var receivers = new DemoReceivers(builder.Build(), smtp);
        receivers._hooks.MapPost("/hooks/{contact}", (string contact, HttpRequest request, CancellationToken ct) => receivers.ReceiveAsync(contact, request, secrets, progress, ct));
        smtp.MessageReceived += (_, e) => progress.Note(Mail(e.Message));
        await receivers._hooks.StartAsync(cancellationToken);
        receivers.WebhookUrl = receivers._hooks.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        receivers.Configure(Path.Combine(nodeFolder, "node.json"));
        cancellationToken.Register(() => _ = receivers.DisposeAsync().AsTask());
        await Console.Out.WriteLineAsync($"webhook receiver: {receivers.WebhookUrl}/hooks/{{operator,bank}} (checks each delivery's HMAC-SHA256 signature)");
        await Console.Out.WriteLineAsync($"smtp receiver: 127.0.0.1:{receivers.SmtpPort} (mail to {string.Join(", ", Contacts.Select(c => c.Email))})");
        return receivers;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _hooks.StopAsync(CancellationToken.None);
        await _hooks.DisposeAsync();
        _smtp.Stop();
        _smtp.Dispose();
    }

    /// <summary>The node's <c>notifications</c>: every contact by webhook and email, through the local SMTP server in clear text (same host).</summary>
    private void Configure(string file)
    {
        var config = DemoRunner.ReadJsonObject(file);
        var notifications = config["notifications"] as JsonObject ?? [];
        JsonObject Contact((string Contact, string Email) c) => new()
        {
            ["webhooks"] = new JsonArray(new JsonObject { ["url"] = $"{WebhookUrl}/hooks/{c.Contact}", ["secretFile"] = $"{c.Contact}-hook.secret" }),
            ["emails"] = new JsonArray(c.Email),
        };
        notifications["operator"] = Contact(Contacts[0]);
        notifications["lenders"] = new JsonObject { [Contacts[1].Contact] = Contact(Contacts[1]) };
        notifications["smtp"] = new JsonObject { ["host"] = "127.0.0.1", ["port"] = SmtpPort, ["from"] = "edgetrace@warehouse.example", ["tls"] = "none" };
        // Retried quickly: the receivers are up while the demo runs.
        notifications["retryBaseMs"] = 1000;
        config["notifications"] = notifications;
        File.WriteAllText(file, config.ToJsonString(DemoRunner.IndentedJson) + "\n");
    }

    private async Task<IResult> ReceiveAsync(string contact, HttpRequest request, Dictionary<string, byte[]> secrets, DemoProgress progress, CancellationToken cancellationToken)
    {
        if (!secrets.TryGetValue(contact, out var secret))
        {
            return Results.NotFound();
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBody)
        {
            return Results.StatusCode(413);
        }
        var body = buffer.ToArray();
        var expected = Encoding.ASCII.GetBytes("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body)));
        var given = Encoding.ASCII.GetBytes(request.Headers[SignatureHeader].ToString());
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            progress.Note($"notification: webhook to {contact} REFUSED: the {SignatureHeader} header does not match the body (answered 401)");
            return Results.Unauthorized();
        }
        var (type, subject) = Read(body);
        var delivery = request.Headers[DeliveryHeader].ToString();
        var again = _deliveries.TryAdd(delivery, 0) ? "" : ", delivered again (same delivery id)";
        progress.Note($"notification: webhook {type} to {contact}: {subject} (signature ok{again})");
        return Results.NoContent();
    }

    private static string Mail(SmtpMessage message)
    {
        var text = message.MessageParts.Length > 0 ? message.MessageParts[0].BodyData : message.Data;
        var start = text.IndexOf('{', StringComparison.Ordinal);
        var (type, _) = start < 0 ? ("?", "") : Read(Encoding.UTF8.GetBytes(text[start..]));
        return $"notification: email {type} to {string.Join(", ", message.ToAddresses.Select(a => a.ToString()))}: {message.Headers["Subject"]}";
    }

    /// <summary>The body's <c>type</c> and <c>subject</c>.</summary>
    private static (string Type, string Subject) Read(byte[] body)
    {
        try
        {
            var json = JsonNode.Parse(body);
            return (json?["type"]?.GetValue<string>() ?? "?", json?["subject"]?.GetValue<string>() ?? "");
        }
        catch (JsonException)
        {
            return ("?", "(a body that is not JSON)");
        }
    }

    /// <summary>A webhook secret, made once per demo folder (mode 0600); its UTF-8 bytes key the signatures.</summary>
    private static byte[] Secret(string file)
    {
        if (!File.Exists(file))
        {
            File.WriteAllText(file, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        return Encoding.UTF8.GetBytes(File.ReadAllText(file).Trim());
    }
}
