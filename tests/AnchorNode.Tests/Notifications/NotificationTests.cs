using System.Text.Json;
using AnchorNode.Configuration;
using AnchorNode.Dashboard;
using AnchorNode.Hosting;
using AnchorNode.Inventory;
using AnchorNode.Notifications;
using AnchorNode.Runtime;
using AnchorNode.Tests.Dashboard;
using AnchorNode.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using netDumbster.smtp;

namespace AnchorNode.Tests.Notifications;

/// <summary>
/// The notification outbox on a real node: a webhook receiver on Kestrel that checks signatures and
/// answers 503 first, an in-process SMTP server, restarts on the same data folder.
/// </summary>
public sealed class NotificationTests() : NotificationTestBase("edgetrace-notify-tests")
{
    private NotificationSettings Settings(NotificationContact? operatorContact = null, IReadOnlyDictionary<string, NotificationContact>? lenders = null, string tls = "auto") => new()
    {
        Operator = operatorContact,
        Lenders = lenders ?? new Dictionary<string, NotificationContact>(),
        Smtp = new SmtpSettings { Host = "127.0.0.1", Port = Smtp.Configuration.Port, From = "node@warehouse.example", Tls = tls },
        RetryBaseMs = 40,
        RetryMaxMs = 200,
        PollIntervalMs = 50,
        GatewayCheckIntervalMs = 50,
        TimeoutMs = 5000,
    };

    private static NotificationContact Hook(WebhookReceiver receiver, params string[] emails) =>
        new() { Webhooks = [new WebhookEndpoint { Url = receiver.Url, SecretFile = receiver.SecretFile }], Emails = emails };

    [Fact]
    public async Task GatewayOffline_ThenBackOnline_ReachesTheOperatorsWebhookAfter503s_AndItsEmail()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Root, failFirst: 2);
        var node = new TestNode
        {
            Time = Time,
            ConfigureNode = c => c with { GatewayOfflineAfterMs = 60_000, Notifications = Settings(Hook(receiver, "cold-room@warehouse.example")) },
        };
        await node.InitializeAsync();
        try
        {
            using var device = new SimulatedDevice("gw-notify", 7).Add(2);
            await node.EnrolAsync(device);
            await node.AnchorAsync(device, 0);
            await Eventually.TrueAsync(() => PresenceOf(node.Runtime, device.Id) == "online", "the watcher saw the gateway online");
            Assert.Equal(0, node.Runtime.Outbox.Summary(10).Pending + node.Runtime.Outbox.Summary(10).Delivered);

            Time.Advance(TimeSpan.FromSeconds(75));
            await Eventually.TrueAsync(() => receiver.Accepted.Count == 1 && Smtp.ReceivedEmailCount == 1, "the offline webhook and email were delivered");

            var attempts = receiver.Attempts.ToList();
            Assert.Equal([503, 503, 200], attempts.Select(a => a.Status));
            Assert.All(attempts, a => Assert.True(a.SignatureValid));
            Assert.Single(attempts.Select(a => a.DeliveryId).Distinct());
            Assert.Equal(32, attempts[0].DeliveryId!.Length);
            Assert.Equal("gateway.offline", attempts[0].Event);
            var body = JsonDocument.Parse(attempts[2].Body).RootElement;
            Assert.Equal(("gateway.offline", "gw-notify", "offline", "warehouse"),
                (body.GetProperty("type").GetString(), body.GetProperty("gateway").GetProperty("deviceId").GetString(),
                 body.GetProperty("gateway").GetProperty("state").GetString(), body.GetProperty("node").GetString()));
            var mail = Assert.Single(Smtp.ReceivedEmail);
            Assert.Equal("cold-room@warehouse.example", Assert.Single(mail.ToAddresses).Address);
            Assert.Contains("Gateway gw-notify (site-1/cold-a) is offline", mail.Headers["Subject"], StringComparison.Ordinal);
            Assert.Contains("\"gateway.offline\"", mail.MessageParts[0].BodyData, StringComparison.Ordinal);

            await StatusReports.PostOkAsync(node, device, StatusReports.Report(device, Time.GetUtcNow().ToUnixTimeMilliseconds(), 2, 2));
            await Eventually.TrueAsync(() => receiver.Accepted.Count == 2 && Smtp.ReceivedEmailCount == 2, "the back-online webhook and email were delivered");
            var online = receiver.Accepted[1];
            Assert.Equal("gateway.online", online.Event);
            Assert.NotEqual(attempts[0].DeliveryId, online.DeliveryId);
            await Eventually.TrueAsync(() => node.Runtime.Outbox.Summary(10) is { Pending: 0, Delivered: 4, Failed: 0 }, "all four notifications marked delivered");
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Restart_MidRetry_LosesNothing_AndDeliversWithTheSameIdempotencyId()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Root, failFirst: int.MaxValue);
        var folder = new DataFolder(Path.Combine(Root, "node"));
        var settings = Settings(lenders: new Dictionary<string, NotificationContact> { ["bank"] = Hook(receiver, "credit@bank.example") }) with { RetryBaseMs = 200, RetryMaxMs = 400 };
        folder.Initialise(new NodeConfig { Consortium = "demo", Member = "warehouse", Notifications = settings }).Dispose();
        var breach = new CovenantBreachEvent(7, "urn:receipt:1", "bank", "temperature above 8 for 30m", "gw-1", "t1", 1000, 1_801_000, 1_900_000, 11.5, false, 2_000_000);

        var (runtime, app) = await StartAsync(folder);
        await runtime.Sequencer.RunExclusiveAsync(context => { runtime.CovenantEvents.Record(context, breach); return 0; }, CancellationToken.None);
        await runtime.CovenantEvents.PublishAsync(breach, CancellationToken.None);
        await Eventually.TrueAsync(() => receiver.Attempts.Count >= 2, "two refused attempts");
        // The node goes away mid-retry: the webhook is still due, the email (the SMTP server took it) is not.
        await app.StopAsync();
        await app.DisposeAsync();
        await runtime.DisposeAsync();
        var refused = receiver.Attempts.ToList();
        Assert.All(refused, a => Assert.Equal(503, a.Status));

        var status = await Programs.RunAsync(Programs.AnchorNode, "notifications", "--data", folder.Path);
        Assert.Equal(0, status.ExitCode);
        Assert.Equal(("1", "1", "0"), (status.Field("pending"), status.Field("delivered"), status.Field("failed")));
        var line = Assert.Single(status.Output.Split('\n'), l => l.StartsWith($"pending: {refused[0].DeliveryId} webhook {receiver.Url} covenant.breach attempts ", StringComparison.Ordinal));
        Assert.Contains("last error: " + receiver.Url + " answered 503", line, StringComparison.Ordinal);

        receiver.FailFirst = 0;
        (runtime, app) = await StartAsync(folder);
        try
        {
            await Eventually.TrueAsync(() => receiver.Accepted.Count == 1, "delivery after the restart");
            Assert.Single(receiver.Attempts.Select(a => a.DeliveryId).Distinct());
            var body = JsonDocument.Parse(receiver.Accepted[0].Body).RootElement;
            Assert.Equal(("covenant.breach", 7, "urn:receipt:1", 11.5),
                (body.GetProperty("type").GetString(), body.GetProperty("breach").GetProperty("pledgeIndex").GetInt32(),
                 body.GetProperty("breach").GetProperty("receipt").GetString(), body.GetProperty("breach").GetProperty("peak").GetDouble()));
            var mail = Assert.Single(Smtp.ReceivedEmail);
            Assert.Equal("credit@bank.example", Assert.Single(mail.ToAddresses).Address);
            Assert.Equal((0, 2, 0), (runtime.Outbox.Summary(10).Pending, runtime.Outbox.Summary(10).Delivered, runtime.Outbox.Summary(10).Failed));

            // Recording the same breach again (a monitor round after a crash) adds nothing.
            await runtime.Sequencer.RunExclusiveAsync(context => { runtime.CovenantEvents.Record(context, breach); return 0; }, CancellationToken.None);
            Assert.Equal(2, runtime.Outbox.All(10).Count);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await runtime.DisposeAsync();
        }
    }

    [Fact]
    public async Task StartTlsRequired_ButNotOffered_IsRetriedThenFailed_WithTheReasonShown()
    {
        var folder = new DataFolder(Path.Combine(Root, "node"));
        var settings = Settings(lenders: new Dictionary<string, NotificationContact> { ["bank"] = new() { Emails = ["credit@bank.example"] } }, tls: "starttls") with { MaxAttempts = 2 };
        folder.Initialise(new NodeConfig { Consortium = "demo", Member = "warehouse", Notifications = settings }).Dispose();
        var breach = new CovenantBreachEvent(3, "urn:receipt:2", "bank", "temperature above 8 for 30m", "gw-1", "t1", 1000, 1_801_000, 1_900_000, 9.5, true, 2_000_000);
        var (runtime, app) = await StartAsync(folder);
        try
        {
            await runtime.Sequencer.RunExclusiveAsync(context => { runtime.CovenantEvents.Record(context, breach); return 0; }, CancellationToken.None);
            await runtime.CovenantEvents.PublishAsync(breach, CancellationToken.None);
            await Eventually.TrueAsync(() => runtime.Outbox.Summary(10).Failed == 1, "the email marked failed after two attempts");
            var failed = Assert.Single(runtime.Outbox.Summary(10).Undelivered);
            Assert.Equal(("failed", 2), (failed.Status, failed.Attempts));
            Assert.Contains("does not offer STARTTLS", failed.LastError, StringComparison.Ordinal);
            Assert.Equal(0, Smtp.ReceivedEmailCount);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await runtime.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("webhook-url", "notifications.lenders.bank.webhooks[0].url: 'ftp://x' is not an http(s) URL")]
    [InlineData("email", "notifications.operator.emails[0]: 'not-an-address' is not an email address")]
    [InlineData("no-smtp", "notifications.smtp is missing; notifications.operator.emails needs a mail relay")]
    [InlineData("tls", "notifications.smtp.tls: 'sometimes' must be one of starttls, auto, tls, none")]
    [InlineData("retry", "notifications.maxAttempts must be between 1 and 1000, got 0")]
    public void Config_Invalid_NamesTheField(string what, string expected)
    {
        var good = new NotificationSettings
        {
            Operator = new NotificationContact { Emails = ["ops@warehouse.example"] },
            Lenders = new Dictionary<string, NotificationContact> { ["bank"] = new() { Webhooks = [new WebhookEndpoint { Url = "https://bank.example/hook", SecretFile = "bank.secret" }] } },
            Smtp = new SmtpSettings { Host = "mail.example", From = "node@warehouse.example" },
        };
        Assert.Null(good.Problem());
        var bad = what switch
        {
            "webhook-url" => good with { Lenders = new Dictionary<string, NotificationContact> { ["bank"] = new() { Webhooks = [new WebhookEndpoint { Url = "ftp://x", SecretFile = "s" }] } } },
            "email" => good with { Operator = new NotificationContact { Emails = ["not-an-address"] } },
            "no-smtp" => good with { Smtp = null },
            "tls" => good with { Smtp = good.Smtp with { Tls = "sometimes" } },
            _ => good with { MaxAttempts = 0 },
        };
        Assert.Equal(expected, (new NodeConfig { Consortium = "demo", Member = "warehouse", Notifications = bad }).Problem());
    }

    [Fact]
    public async Task Start_WithAMissingSecretFile_ExitsTwo_NamingTheField()
    {
        var folder = new DataFolder(Path.Combine(Root, "node"));
        var settings = Settings(new NotificationContact { Webhooks = [new WebhookEndpoint { Url = "https://ops.example/hook", SecretFile = "missing.secret" }] });
        folder.Initialise(new NodeConfig { Consortium = "demo", Member = "warehouse", Notifications = settings }).Dispose();

        var run = await Programs.RunAsync(Programs.AnchorNode, "notifications", "--data", folder.Path);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("notifications.operator.webhooks[0].secretFile: cannot read " + Path.Combine(folder.Path, "missing.secret"), run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Backoff_DoublesUpToTheMaximum_WithUpToHalfTakenOffByJitter()
    {
        Assert.Equal([500, 1000, 2000, 4000, 5000, 5000], Enumerable.Range(1, 6).Select(a => NotificationDispatcher.BackoffMs(a, 1000, 10_000, 0)));
        Assert.Equal([750, 1500, 3000, 6000, 7500], Enumerable.Range(1, 5).Select(a => NotificationDispatcher.BackoffMs(a, 1000, 10_000, 0.5)));
    }

    private async Task<(NodeRuntime Runtime, WebApplication App)> StartAsync(DataFolder folder)
    {
        var runtime = NodeRuntime.Open(folder, NullLoggerFactory.Instance, Time);
        var app = NodeHost.Build(runtime, ["http://127.0.0.1:0"], builder => builder.Logging.ClearProviders());
        await app.StartAsync();
        return (runtime, app);
    }

    private static string? PresenceOf(NodeRuntime runtime, string device)
    {
        using var connection = runtime.Database.OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT state FROM gateway_presence WHERE device = $d";
        command.Parameters.AddWithValue("$d", device);
        return command.ExecuteScalar() as string;
    }
}
