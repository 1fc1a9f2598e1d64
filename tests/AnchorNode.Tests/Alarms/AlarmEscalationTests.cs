using System.Net;
using System.Text;
using System.Text.Json;
using AnchorNode.Configuration;
using AnchorNode.Tests.Infrastructure;
using AnchorNode.Tests.Notifications;
using netDumbster.smtp;

namespace AnchorNode.Tests.Alarms;

/// <summary>
/// Escalation of unacknowledged alarms through the outbox, on a real node with a local webhook
/// receiver and an in-process SMTP server: once per alarm, also across a restart; never for an
/// alarm acknowledged or ended in time.
/// </summary>
public sealed class AlarmEscalationTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgetrace-escalation-tests", Guid.NewGuid().ToString("N"));
    private readonly OffsetTimeProvider _time = new();
    private SimpleSmtpServer _smtp = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        _smtp = netDumbster.smtp.Configuration.Configure().WithAddress(IPAddress.Loopback).WithRandomPort().Build();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _smtp.Stop();
        _smtp.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task UnacknowledgedActiveAlarm_EscalatesOnce_ByWebhookAndEmail_NotAgainAfterARestart_AcknowledgedAndEndedOnesNever()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_root);
        var node = new TestNode
        {
            Time = _time,
            ConfigureNode = c => c with
            {
                Notifications = new NotificationSettings
                {
                    Operator = new NotificationContact { Webhooks = [new WebhookEndpoint { Url = receiver.Url, SecretFile = receiver.SecretFile }], Emails = ["cold-room@warehouse.example"] },
                    Smtp = new SmtpSettings { Host = "127.0.0.1", Port = _smtp.Configuration.Port, From = "node@warehouse.example", Tls = "auto" },
                    RetryBaseMs = 40, RetryMaxMs = 200, PollIntervalMs = 50, GatewayCheckIntervalMs = 3_600_000, TimeoutMs = 5000,
                },
                Alarms = new AlarmSettings { EscalateAfterMs = 600_000, CheckIntervalMs = 50 },
            },
        };
        await node.InitializeAsync();
        try
        {
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds() - 1000;
            using var device = new SimulatedDevice("gw-escalate", 41).Add(2);
            await node.EnrolAsync(device);
            var forgotten = device.AddAlarm("start", rule: "chiller-high", timeMs: now);
            var acknowledged = device.AddAlarm("start", rule: "freezer-high", zone: "freezer-1", sensor: "t2", timeMs: now);
            var ended = device.AddAlarm("start", rule: "door-open", sensor: null, timeMs: now);
            device.AddAlarm("end", rule: "door-open", sensor: null, timeMs: now + 500);
            await node.AnchorAsync(device, 0);
            using (var client = node.Operator())
            using (var ack = await client.PostAsync($"v1/devices/{device.Id}/alarms/{acknowledged}/acknowledgements",
                new StringContent("""{"comment":"Defrost cycle; probe reading is expected."}""", Encoding.UTF8, "application/json")))
            {
                Assert.Equal(HttpStatusCode.Created, ack.StatusCode);
            }
            var watcher = node.Runtime.AlarmEscalations!;
            Assert.Empty(watcher.Check());
            Assert.Empty(node.Runtime.Outbox.All(10));

            _time.Advance(TimeSpan.FromMinutes(11));
            await Eventually.TrueAsync(() => receiver.Accepted.Count == 1 && _smtp.ReceivedEmailCount == 1, "the escalation webhook and email were delivered");
            var hook = receiver.Accepted[0];
            Assert.True(hook.SignatureValid);
            Assert.Equal("alarm.escalated", hook.Event);
            var body = JsonDocument.Parse(hook.Body).RootElement;
            var alarm = body.GetProperty("escalation");
            Assert.Equal(("alarm.escalated", $"alarm.escalated/{device.Id}/{forgotten}", device.Id, forgotten, "chiller-high", 600_000L),
                (body.GetProperty("type").GetString(), body.GetProperty("event").GetString(), alarm.GetProperty("deviceId").GetString(),
                 alarm.GetProperty("sequence").GetInt64(), alarm.GetProperty("rule").GetString(), alarm.GetProperty("escalateAfterMs").GetInt64()));
            var mail = Assert.Single(_smtp.ReceivedEmail);
            Assert.Contains("Alarm not acknowledged for more than 10 min", mail.Headers["Subject"], StringComparison.Ordinal);
            Assert.Contains("chiller-high", mail.Headers["Subject"], StringComparison.Ordinal);
            Assert.NotNull(node.Runtime.Alarms.Find(device.Id, forgotten)!.EscalatedMs);
            Assert.Null(node.Runtime.Alarms.Find(device.Id, acknowledged)!.EscalatedMs);
            Assert.Null(node.Runtime.Alarms.Find(device.Id, ended)!.EscalatedMs);

            // A restart, and more time: the same alarm does not escalate again, and nothing else does.
            await node.RestartAsync();
            _time.Advance(TimeSpan.FromMinutes(30));
            Assert.Empty(node.Runtime.AlarmEscalations!.Check());
            await Eventually.TrueAsync(() => node.Runtime.Outbox.Summary(10) is { Pending: 0, Delivered: 2, Failed: 0 }, "both notifications delivered, none added");
            Assert.Single(receiver.Accepted);
            Assert.Equal(1, _smtp.ReceivedEmailCount);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }
}
