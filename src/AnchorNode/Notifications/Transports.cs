using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using AnchorNode.Configuration;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace AnchorNode.Notifications;

/// <summary>Sends one notification over one channel; throws <see cref="DeliveryFailedException"/> (or an I/O error) when it did not arrive.</summary>
public interface INotificationTransport
{
    /// <summary>Delivers <paramref name="item"/>; returns only when the receiver accepted it.</summary>
    Task DeliverAsync(OutboxItem item, CancellationToken cancellationToken);
}

/// <summary>The receiver refused or could not be reached; the message says how.</summary>
public sealed class DeliveryFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Webhooks: POSTs the JSON body with <c>X-EdgeTrace-Delivery</c> (the delivery id, the same on every
/// attempt), <c>X-EdgeTrace-Event</c> (the type) and <c>X-EdgeTrace-Signature: sha256=&lt;hex&gt;</c>, the
/// HMAC-SHA256 of the exact body bytes with the endpoint's secret. Any 2xx answer is delivery.
/// </summary>
public sealed class HttpWebhookTransport(HttpClient http) : INotificationTransport
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-EdgeTrace-Signature";

    /// <summary>The idempotency header.</summary>
    public const string DeliveryHeader = "X-EdgeTrace-Delivery";

    /// <summary>The event type header.</summary>
    public const string EventHeader = "X-EdgeTrace-Event";

    /// <summary>The signature header's value for <paramref name="body"/>.</summary>
    public static string Signature(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));

    /// <inheritdoc/>
    public async Task DeliverAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var secret = Encoding.UTF8.GetBytes((await File.ReadAllTextAsync(item.SecretFile ?? throw new DeliveryFailedException("the webhook has no secret file"), cancellationToken)).Trim());
        var body = Encoding.UTF8.GetBytes(item.Body);
        using var request = new HttpRequestMessage(HttpMethod.Post, item.Target) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(DeliveryHeader, item.Id);
        request.Headers.Add(EventHeader, item.Event.Split('/')[0]);
        request.Headers.Add(SignatureHeader, Signature(secret, body));
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new DeliveryFailedException($"{item.Target} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }
}

/// <summary>
/// Email through an SMTP relay with MailKit: one session per message, STARTTLS as
/// <see cref="SmtpSettings.Tls"/> says (required by default), authenticated when credentials are configured.
/// </summary>
public sealed class SmtpEmailTransport(SmtpSettings smtp, NotificationRecipients recipients, TimeSpan timeout) : INotificationTransport
{
    /// <inheritdoc/>
    public async Task DeliverAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var message = new MimeMessage { Subject = item.Subject, MessageId = $"{item.Id}@edgetrace" };
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.Add(MailboxAddress.Parse(item.Target));
        message.Headers.Add("X-EdgeTrace-Delivery", item.Id);
        message.Body = new TextPart("plain") { Text = $"{item.Subject}\n\n{item.Body}\n" };
        var security = smtp.Tls switch
        {
            "starttls" => SecureSocketOptions.StartTls,
            "auto" => SecureSocketOptions.StartTlsWhenAvailable,
            "tls" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.None,
        };
        using var client = new SmtpClient { Timeout = (int)timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(smtp.Host, smtp.Port, security, cancellationToken);
            if (recipients.SmtpCredentials() is var (user, password))
            {
                await client.AuthenticateAsync(user, password, cancellationToken);
            }
            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(true, cancellationToken);
        }
        catch (NotSupportedException e)
        {
            // MailKit's answer when STARTTLS is required and the relay does not offer it.
            throw new DeliveryFailedException($"SMTP {smtp.Host}:{smtp.Port} does not offer STARTTLS, which notifications.smtp.tls '{smtp.Tls}' requires: {e.Message}", e);
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or AuthenticationException or SslHandshakeException)
        {
            throw new DeliveryFailedException($"SMTP {smtp.Host}:{smtp.Port}: {e.Message}", e);
        }
    }
}
