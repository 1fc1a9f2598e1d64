using System.Text.Json.Serialization;

namespace AnchorNode.Configuration;

/// <summary>
/// Who the node notifies and how (<c>notifications</c> in <c>node.json</c>): the operator's contacts
/// (gateway offline and back online), each lender member's contacts (covenant breaches of its
/// pledges), the SMTP relay for email and the retry schedule of the outbox.
/// </summary>
public sealed record NotificationSettings
{
    /// <summary>The operator's contacts: gateway offline / back online.</summary>
    [JsonPropertyName("operator")]
    public NotificationContact? Operator { get; set; }

    /// <summary>Contacts per lender member name: breaches of the covenants of that lender's pledges.</summary>
    [JsonPropertyName("lenders")]
    public IReadOnlyDictionary<string, NotificationContact> Lenders { get; set; } = new Dictionary<string, NotificationContact>();

    /// <summary>The mail relay; required when any contact has email addresses.</summary>
    [JsonPropertyName("smtp")]
    public SmtpSettings? Smtp { get; set; }

    /// <summary>The most attempts per notification before it is marked failed.</summary>
    [JsonPropertyName("maxAttempts")]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The wait after the first failed attempt; it doubles after each (with jitter) up to <see cref="RetryMaxMs"/>.</summary>
    [JsonPropertyName("retryBaseMs")]
    public int RetryBaseMs { get; set; } = 5_000;

    /// <summary>The longest wait between two attempts.</summary>
    [JsonPropertyName("retryMaxMs")]
    public int RetryMaxMs { get; set; } = 3_600_000;

    /// <summary>How often the outbox is looked at for due notifications (new ones are sent at once).</summary>
    [JsonPropertyName("pollIntervalMs")]
    public int PollIntervalMs { get; set; } = 1_000;

    /// <summary>How often gateways' online state is compared with the last one notified.</summary>
    [JsonPropertyName("gatewayCheckIntervalMs")]
    public int GatewayCheckIntervalMs { get; set; } = 10_000;

    /// <summary>How long one webhook request or SMTP session may take.</summary>
    [JsonPropertyName("timeoutMs")]
    public int TimeoutMs { get; set; } = 15_000;

    /// <summary>Every contact with the name of its member in node.json.</summary>
    [JsonIgnore]
    public IEnumerable<(string Field, NotificationContact Contact)> Contacts =>
        (Operator is null ? [] : new[] { ("notifications.operator", Operator) })
            .Concat(Lenders.Select(l => ($"notifications.lenders.{l.Key}", l.Value)));

    /// <summary>Checks the values; null when usable. Messages name the member of node.json.</summary>
    public string? Problem()
    {
        if (Lenders is null)
        {
            return "notifications.lenders is null; give an object or leave the member out";
        }
        var ranges = new (string Name, int Value, int Min, int Max)[]
        {
            ("maxAttempts", MaxAttempts, 1, 1000), ("retryBaseMs", RetryBaseMs, 10, 86_400_000), ("retryMaxMs", RetryMaxMs, 10, 604_800_000),
            ("pollIntervalMs", PollIntervalMs, 10, 3_600_000), ("gatewayCheckIntervalMs", GatewayCheckIntervalMs, 10, 3_600_000), ("timeoutMs", TimeoutMs, 100, 600_000),
        };
        if (ranges.FirstOrDefault(r => r.Value < r.Min || r.Value > r.Max) is { Name: not null } bad)
        {
            return $"notifications.{bad.Name} must be between {bad.Min} and {bad.Max}, got {bad.Value}";
        }
        if (RetryMaxMs < RetryBaseMs)
        {
            return $"notifications.retryMaxMs ({RetryMaxMs}) must not be below retryBaseMs ({RetryBaseMs})";
        }
        foreach (var name in Lenders.Keys.Where(k => !Firmware.Contracts.Ledger.LedgerNames.IsValidMemberName(k)))
        {
            return $"notifications.lenders: '{name}' is not a member name";
        }
        foreach (var (field, contact) in Contacts)
        {
            if (contact is null)
            {
                return $"{field} is null";
            }
            if (contact.Problem(field) is { } problem)
            {
                return problem;
            }
        }
        if (Smtp is null && Contacts.Any(c => c.Contact.Emails.Count > 0))
        {
            return $"notifications.smtp is missing; {Contacts.First(c => c.Contact.Emails.Count > 0).Field}.emails needs a mail relay";
        }
        return Smtp?.Problem();
    }
}

/// <summary>Where one party is notified.</summary>
public sealed record NotificationContact
{
    /// <summary>Webhook endpoints.</summary>
    [JsonPropertyName("webhooks")]
    public IReadOnlyList<WebhookEndpoint> Webhooks { get; set; } = [];

    /// <summary>Email addresses.</summary>
    [JsonPropertyName("emails")]
    public IReadOnlyList<string> Emails { get; set; } = [];

    /// <summary>Checks the values; null when usable.</summary>
    public string? Problem(string field)
    {
        if (Webhooks is null || Emails is null)
        {
            return $"{field}: webhooks and emails must be lists (or left out)";
        }
        for (var i = 0; i < Webhooks.Count; i++)
        {
            var hook = Webhooks[i];
            if (hook is null || !Uri.TryCreate(hook.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                return $"{field}.webhooks[{i}].url: '{hook?.Url}' is not an http(s) URL";
            }
            if (string.IsNullOrWhiteSpace(hook.SecretFile))
            {
                return $"{field}.webhooks[{i}].secretFile is missing: the file holding the endpoint's HMAC secret";
            }
        }
        for (var i = 0; i < Emails.Count; i++)
        {
            if (!System.Net.Mail.MailAddress.TryCreate(Emails[i], out var address) || address.Address != Emails[i])
            {
                return $"{field}.emails[{i}]: '{Emails[i]}' is not an email address";
            }
        }
        return null;
    }
}

/// <summary>A webhook endpoint and the file holding its HMAC-SHA256 secret.</summary>
public sealed record WebhookEndpoint
{
    /// <summary>Where the JSON body is POSTed.</summary>
    [JsonPropertyName("url")]
    public required string Url { get; init; }

    /// <summary>The secret's file (UTF-8; surrounding white space ignored), relative to the data folder or absolute.</summary>
    [JsonPropertyName("secretFile")]
    public required string SecretFile { get; init; }
}

/// <summary>The SMTP relay.</summary>
public sealed record SmtpSettings
{
    /// <summary>Connection security values of <see cref="Tls"/>.</summary>
    public static readonly IReadOnlyList<string> TlsModes = ["starttls", "auto", "tls", "none"];

    /// <summary>The relay's host name or address.</summary>
    [JsonPropertyName("host")]
    public required string Host { get; init; }

    /// <summary>The relay's port.</summary>
    [JsonPropertyName("port")]
    public int Port { get; set; } = 587;

    /// <summary>The sender address.</summary>
    [JsonPropertyName("from")]
    public required string From { get; init; }

    /// <summary>A file with the user name on its first line and the password on its second; none: no authentication.</summary>
    [JsonPropertyName("credentialsFile")]
    public string? CredentialsFile { get; init; }

    /// <summary>
    /// <c>starttls</c> (default: STARTTLS required, refuse to send in clear), <c>auto</c> (STARTTLS when
    /// the relay offers it), <c>tls</c> (TLS from the first byte, port 465), <c>none</c> (clear text; a local relay only).
    /// </summary>
    [JsonPropertyName("tls")]
    public string Tls { get; set; } = "starttls";

    /// <summary>Checks the values; null when usable.</summary>
    public string? Problem() =>
        string.IsNullOrWhiteSpace(Host) || Uri.CheckHostName(Host) == UriHostNameType.Unknown ? $"notifications.smtp.host: '{Host}' is not a host name"
        : Port is < 1 or > 65535 ? $"notifications.smtp.port must be between 1 and 65535, got {Port}"
        : !System.Net.Mail.MailAddress.TryCreate(From, out _) ? $"notifications.smtp.from: '{From}' is not an email address"
        : !TlsModes.Contains(Tls) ? $"notifications.smtp.tls: '{Tls}' must be one of {string.Join(", ", TlsModes)}"
        : CredentialsFile is { } file && string.IsNullOrWhiteSpace(file) ? "notifications.smtp.credentialsFile is empty; leave it out for no authentication"
        : null;
}
