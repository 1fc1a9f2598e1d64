using System.Text.Json;
using System.Text.Json.Serialization;
using AnchorNode.Configuration;
using AnchorNode.Inventory;

namespace AnchorNode.Notifications;

/// <summary>One place a notification goes.</summary>
/// <param name="Channel"><see cref="NotificationOutbox.Webhook"/> or <see cref="NotificationOutbox.Email"/>.</param>
/// <param name="Target">The URL or the address.</param>
/// <param name="SecretFile">The webhook's secret file (absolute path).</param>
public sealed record Recipient(string Channel, string Target, string? SecretFile);

/// <summary>A gateway's online state changing, as the dashboard decides it.</summary>
/// <param name="DeviceId">The gateway.</param>
/// <param name="Site">Its site.</param>
/// <param name="Zone">Its zone.</param>
/// <param name="State"><c>offline</c> or <c>online</c>.</param>
/// <param name="LastContactMs">When the node last heard from it.</param>
/// <param name="OfflineAfterMs">The silence after which a gateway counts as offline.</param>
public sealed record GatewayPresenceChange(string DeviceId, string? Site, string? Zone, string State, long? LastContactMs, long OfflineAfterMs);

/// <summary>
/// The JSON body of every notification (webhook body; attached to the email as text). <see cref="Type"/>
/// says which of <see cref="Breach"/> and <see cref="Gateway"/> is present.
/// </summary>
/// <param name="Type"><c>covenant.breach</c>, <c>gateway.offline</c>, <c>gateway.online</c>, <c>alarm.started</c>,
/// <c>alarm.ended</c>, <c>alarm.escalated</c>, <c>calibration.due-soon</c>, <c>calibration.overdue</c> or <c>calibration.missing</c>.</param>
/// <param name="Event">The event's key; one event has one key however many recipients it has.</param>
/// <param name="Consortium">The consortium.</param>
/// <param name="Node">The member whose node sends it.</param>
/// <param name="TimeMs">When the node recorded the event, Unix ms.</param>
/// <param name="Subject">One line for people.</param>
/// <param name="Breach">The breach, for <c>covenant.breach</c>.</param>
/// <param name="Gateway">The change, for <c>gateway.*</c>.</param>
/// <param name="Escalation">The alarm that escalated, for <c>alarm.escalated</c>.</param>
/// <param name="Alarm">The alarm leaf, for <c>alarm.started</c> and <c>alarm.ended</c>.</param>
/// <param name="Calibration">The sensor and its calibration, for <c>calibration.*</c>.</param>
public sealed record NotificationMessage(
    string Type, string Event, string Consortium, string Node, long TimeMs, string Subject,
    CovenantBreachEvent? Breach = null, GatewayPresenceChange? Gateway = null, AlarmEscalation? Escalation = null,
    AlarmTransitionNotice? Alarm = null, CalibrationNotice? Calibration = null)
{
    /// <summary>The outbox rows of this message, one per recipient.</summary>
    public IEnumerable<OutboxItem> For(IEnumerable<Recipient> recipients)
    {
        var body = JsonSerializer.Serialize(this, NotificationJsonContext.Default.NotificationMessage);
        return recipients.Select(r => new OutboxItem(
            NotificationOutbox.DeliveryId(Event, r.Channel, r.Target), Event, r.Channel, r.Target, r.SecretFile, Subject, body, TimeMs, "pending", 0, TimeMs, null));
    }
}

/// <summary>Who gets what, from <see cref="NotificationSettings"/> with secret files resolved against the data folder.</summary>
public sealed class NotificationRecipients
{
    private readonly NotificationSettings _settings;
    private readonly string _folder;

    private NotificationRecipients(NotificationSettings settings, string folder)
    {
        _settings = settings;
        _folder = folder;
    }

    /// <summary>The settings.</summary>
    public NotificationSettings Settings => _settings;

    /// <summary>
    /// The recipients of <paramref name="settings"/>, checking that every secret and credentials file
    /// can be read now (a node must not find out at its first alarm).
    /// </summary>
    /// <exception cref="InvalidDataException">When a file is missing, unreadable or empty; the message names the member of node.json.</exception>
    public static NotificationRecipients Load(NotificationSettings settings, DataFolder folder)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(folder);
        var recipients = new NotificationRecipients(settings, folder.Path);
        foreach (var (field, contact) in settings.Contacts)
        {
            for (var i = 0; i < contact.Webhooks.Count; i++)
            {
                recipients.ReadFile(contact.Webhooks[i].SecretFile, $"{field}.webhooks[{i}].secretFile");
            }
        }
        if (settings.Smtp?.CredentialsFile is { } credentials && recipients.ReadFile(credentials, "notifications.smtp.credentialsFile").Split('\n').Length < 2)
        {
            throw new InvalidDataException($"{folder.ConfigFile}: notifications.smtp.credentialsFile: {recipients.FullPath(credentials)} must hold the user name on its first line and the password on its second");
        }
        return recipients;
    }

    /// <summary>The operator's recipients.</summary>
    public IReadOnlyList<Recipient> Operator => Of(_settings.Operator);

    /// <summary>The recipients of the lender member <paramref name="lender"/> (none when it has no contacts).</summary>
    public IReadOnlyList<Recipient> Lender(string lender) => Of(_settings.Lenders.GetValueOrDefault(lender));

    /// <summary>The absolute path of a file named in node.json.</summary>
    public string FullPath(string file) => Path.GetFullPath(file, _folder);

    /// <summary>The SMTP credentials (user, password), when configured.</summary>
    public (string User, string Password)? SmtpCredentials()
    {
        if (_settings.Smtp?.CredentialsFile is not { } file)
        {
            return null;
        }
        var lines = File.ReadAllText(FullPath(file)).Split('\n');
        return (lines[0].Trim(), lines[1].TrimEnd('\r'));
    }

    private List<Recipient> Of(NotificationContact? contact) => contact is null ? [] :
        [.. contact.Webhooks.Select(h => new Recipient(NotificationOutbox.Webhook, h.Url, FullPath(h.SecretFile))),
         .. contact.Emails.Select(e => new Recipient(NotificationOutbox.Email, e, null))];

    private string ReadFile(string file, string field)
    {
        var path = FullPath(file);
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{field}: cannot read {path}: {e.Message}", e);
        }
        return text.Length > 0 ? text : throw new InvalidDataException($"{field}: {path} is empty");
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(NotificationMessage))]
internal sealed partial class NotificationJsonContext : JsonSerializerContext;
