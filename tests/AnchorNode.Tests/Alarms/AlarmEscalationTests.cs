using System.Net;
using System.Text;
using System.Text.Json;
using AnchorNode.Configuration;
using AnchorNode.Notifications;
using AnchorNode.Tests.Infrastructure;
using AnchorNode.Tests.Notifications;
using netDumbster.smtp;

namespace AnchorNode.Tests.Alarms;

/// <summary>
/// What the operator is told of alarms and calibrations, through the outbox, on a real node with a
/// local webhook receiver and an in-process SMTP server: escalation of unacknowledged alarms (once per
/// alarm, also across a restart; never for an alarm acknowledged or ended in time), and every alarm
/// start and end and calibration that needs them (each once; an alarm leaf older than a day is not told).
/// </summary>
public sealed class AlarmEscalationTests() : NotificationTestBase("edgetrace-escalation-tests")
{
    [Fact]
    public async Task UnacknowledgedActiveAlarm_EscalatesOnce_ByWebhookAndEmail_NotAgainAfterARestart_AcknowledgedAndEndedOnesNever()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Root);
        // Only escalations: the alarm and calibration notices are the next test's.
        var node = NodeTelling(receiver, new AlarmSettings { EscalateAfterMs = 600_000, CheckIntervalMs = 50, NotifyOperator = false });
        await node.InitializeAsync();
        try
        {
            var now = Time.GetUtcNow().ToUnixTimeMilliseconds() - 1000;
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

            Time.Advance(TimeSpan.FromMinutes(11));
            await Eventually.TrueAsync(() => receiver.Accepted.Count == 1 && Smtp.ReceivedEmailCount == 1, "the escalation webhook and email were delivered");
            var hook = receiver.Accepted[0];
            Assert.True(hook.SignatureValid);
            Assert.Equal("alarm.escalated", hook.Event);
            var body = JsonDocument.Parse(hook.Body).RootElement;
            var alarm = body.GetProperty("escalation");
            Assert.Equal(("alarm.escalated", $"alarm.escalated/{device.Id}/{forgotten}", device.Id, forgotten, "chiller-high", 600_000L),
                (body.GetProperty("type").GetString(), body.GetProperty("event").GetString(), alarm.GetProperty("deviceId").GetString(),
                 alarm.GetProperty("sequence").GetInt64(), alarm.GetProperty("rule").GetString(), alarm.GetProperty("escalateAfterMs").GetInt64()));
            var mail = Assert.Single(Smtp.ReceivedEmail);
            Assert.Contains("Alarm not acknowledged for more than 10 min", mail.Headers["Subject"], StringComparison.Ordinal);
            Assert.Contains("chiller-high", mail.Headers["Subject"], StringComparison.Ordinal);
            Assert.NotNull(node.Runtime.Alarms.Find(device.Id, forgotten)!.EscalatedMs);
            Assert.Null(node.Runtime.Alarms.Find(device.Id, acknowledged)!.EscalatedMs);
            Assert.Null(node.Runtime.Alarms.Find(device.Id, ended)!.EscalatedMs);

            // A restart, and more time: the same alarm does not escalate again, and nothing else does.
            await node.RestartAsync();
            Time.Advance(TimeSpan.FromMinutes(30));
            Assert.Empty(node.Runtime.AlarmEscalations!.Check());
            await Eventually.TrueAsync(() => node.Runtime.Outbox.Summary(10) is { Pending: 0, Delivered: 2, Failed: 0 }, "both notifications delivered, none added");
            Assert.Single(receiver.Accepted);
            Assert.Equal(1, Smtp.ReceivedEmailCount);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task AlarmStartAndEnd_AndCalibrationFlags_AreToldOnce_StaleAlarmsAreNot()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Root);
        var node = NodeTelling(receiver, new AlarmSettings { EscalateAfterMs = 0, CheckIntervalMs = 3_600_000 });
        await node.InitializeAsync();
        try
        {
            var now = Time.GetUtcNow().ToUnixTimeMilliseconds() - 1000;
            using var device = new SimulatedDevice("gw-tell", 43).Add(2);
            await node.EnrolAsync(device);
            var stale = device.AddAlarm("start", rule: "door-open", sensor: null, timeMs: now - (2 * 86_400_000L));
            var started = device.AddAlarm("start", rule: "chiller-high", value: 9.4, timeMs: now);
            var ended = device.AddAlarm("end", rule: "chiller-high", value: 7.9, timeMs: now + 300);
            await node.AnchorAsync(device, 0);
            using (var client = node.Operator())
            {
                var overdue = $$"""{"offset": -0.3, "certificate": "CNAS-L0001-2025-118", "laboratory": "Shanghai Institute of Measurement", "calibratedMs": {{now - (400L * 86_400_000)}}, "dueMs": {{now - (35L * 86_400_000)}}}""";
                using var response = await client.PostAsync($"v1/devices/{device.Id}/sensors/t1/calibrations", new StringContent(overdue, Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }

            // Calibrations are looked at hourly (the node's first look was at its start, before them).
            Time.Advance(OperatorEventWatcher.CalibrationInterval);
            var watcher = node.Runtime.OperatorEvents!;
            watcher.Check();
            await Eventually.TrueAsync(() => receiver.Accepted.Count == 4 && Smtp.ReceivedEmailCount == 4, "four webhooks and four emails delivered");

            var events = receiver.Accepted.Select(h => (h.Event, JsonDocument.Parse(h.Body).RootElement)).OrderBy(e => e.Event, StringComparer.Ordinal).ToList();
            Assert.All(receiver.Accepted, h => Assert.True(h.SignatureValid));
            Assert.Equal(["alarm.ended", "alarm.started", "calibration.missing", "calibration.overdue"], events.Select(e => e.Event));
            var start = events[1].Item2;
            Assert.Equal($"alarm.started/{device.Id}/{started}", start.GetProperty("event").GetString());
            Assert.Equal((started, "chiller-high", "cold-a", "t1", 9.4), (start.GetProperty("alarm").GetProperty("sequence").GetInt64(), start.GetProperty("alarm").GetProperty("rule").GetString(),
                start.GetProperty("alarm").GetProperty("zone").GetString(), start.GetProperty("alarm").GetProperty("sensor").GetString(), start.GetProperty("alarm").GetProperty("value").GetDouble()));
            Assert.Equal(ended, events[0].Item2.GetProperty("alarm").GetProperty("sequence").GetInt64());
            Assert.Equal(("t1", "overdue", "CNAS-L0001-2025-118"), (events[3].Item2.GetProperty("calibration").GetProperty("sensorId").GetString(),
                events[3].Item2.GetProperty("calibration").GetProperty("status").GetString(), events[3].Item2.GetProperty("calibration").GetProperty("certificate").GetString()));
            Assert.Equal("h1", events[2].Item2.GetProperty("calibration").GetProperty("sensorId").GetString());
            var subjects = Smtp.ReceivedEmail.Select(m => m.Headers["Subject"]).ToList();
            Assert.Contains(subjects, s => s!.StartsWith("Alarm 'chiller-high' started in zone cold-a on t1 at 9.4 Cel", StringComparison.Ordinal));
            Assert.Contains(subjects, s => s!.StartsWith("Calibration overdue since", StringComparison.Ordinal) && s!.Contains("t1", StringComparison.Ordinal));
            // The stale alarm is in the history but was not told.
            Assert.NotNull(node.Runtime.Alarms.Find(device.Id, stale));
            Assert.DoesNotContain(receiver.Accepted, h => h.Body.Contains("door-open", StringComparison.Ordinal));

            // Checked again, and after a restart: nothing new.
            watcher.Check();
            await node.RestartAsync();
            node.Runtime.OperatorEvents!.Check();
            await Eventually.TrueAsync(() => node.Runtime.Outbox.Summary(20) is { Pending: 0, Delivered: 8, Failed: 0 }, "the eight deliveries done, none added");
            Assert.Equal(4, receiver.Accepted.Count);
            Assert.Equal(4, Smtp.ReceivedEmailCount);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    // A node whose operator contacts are the receiver and the SMTP server, with these alarm settings.
    private TestNode NodeTelling(WebhookReceiver receiver, AlarmSettings alarms) => new()
    {
        Time = Time,
        ConfigureNode = c => c with
        {
            Notifications = new NotificationSettings
            {
                Operator = new NotificationContact { Webhooks = [new WebhookEndpoint { Url = receiver.Url, SecretFile = receiver.SecretFile }], Emails = ["cold-room@warehouse.example"] },
                Smtp = new SmtpSettings { Host = "127.0.0.1", Port = Smtp.Configuration.Port, From = "node@warehouse.example", Tls = "auto" },
                RetryBaseMs = 40, RetryMaxMs = 200, PollIntervalMs = 50, GatewayCheckIntervalMs = 3_600_000, TimeoutMs = 5000,
            },
            Alarms = alarms,
        },
    };
}
