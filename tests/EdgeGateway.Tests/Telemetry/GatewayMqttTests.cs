using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Mqtt;
using EdgeGateway.Storage;
using EdgeGateway.Telemetry;
using EdgeGateway.Tests.Mqtt;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Mqtt;
using Firmware.Contracts.Readings;
using GatewayStatus = Firmware.Contracts.Mqtt.GatewayStatus;

namespace EdgeGateway.Tests.Telemetry;

/// <summary>
/// The real gateway process with <c>mqtt</c> configured, against a real mosquitto: what it publishes
/// (topics and payloads of docs/spec.md §9), its retained status and Last Will.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GatewayMqttTests : IAsyncLifetime
{
    private const string DeviceId = "gw-mqtt";
    private readonly MqttTopics _topics = new();
    private MosquittoBroker _broker = null!;
    private GatewayFolder _folder = null!;

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync(new BrokerOptions { LogTypes = ["error", "warning", "notice"] });
        _folder = await GatewayFolder.CreateAsync(DeviceId);
        _folder.WriteConfig(TestConfig.Json(DeviceId, c =>
        {
            c["sealing"]!["intervalSeconds"] = 30;
            c["simulation"] = new JsonObject { ["sensorsPerZone"] = 2, ["palletCount"] = 2 };
            // The simulated chiller cycles around 5 °C: alarms start and end within seconds at --speed 600.
            c["alarms"] = new JsonArray(new JsonObject { ["id"] = "chiller-warm", ["zone"] = "chiller-1", ["above"] = 5.0 });
            c["mqtt"] = MqttConfig(_broker);
        }));
    }

    public async Task DisposeAsync()
    {
        _folder.Dispose();
        await _broker.DisposeAsync();
    }

    /// <summary>The <c>mqtt</c> section for a gateway of <paramref name="broker"/>, reconnecting quickly.</summary>
    internal static JsonObject MqttConfig(MosquittoBroker broker) => new()
    {
        ["host"] = broker.Host,
        ["port"] = broker.Port,
        ["keepAliveSeconds"] = 5,
        ["reconnectMinSeconds"] = 0.05,
        ["reconnectMaxSeconds"] = 0.5,
    };

    [Fact]
    public async Task Run_PublishesReadingsAlarmsProgressAndStatus_LiveReadingsAreTheCommittedLeaves()
    {
        await using var subscriber = await MqttCollector.StartAsync(_broker.Host, _broker.Port, $"edgetrace/{DeviceId}/#");
        await using var gateway = GatewayProcess.Start("run", "--data", _folder.Path, "--simulate", "5", "--speed", "600");

        await subscriber.WaitUntilAsync(all =>
                all.Count(m => m.Topic.StartsWith(_topics.AllReadings(DeviceId)[..^1], StringComparison.Ordinal)) >= 50
                && all.Any(m => m.Topic == _topics.AlarmEvents(DeviceId) && m.Text().Contains("\"end\"", StringComparison.Ordinal))
                && all.Any(m => m.Topic == _topics.Progress(DeviceId)),
            "readings, an alarm that started and ended, and a sealed checkpoint");
        var online = Status(await subscriber.WaitForAsync(m => m.Topic == _topics.Status(DeviceId), "the online status"));
        Assert.Equal(GatewayStatus.Online, online.State);
        Assert.NotNull(online.LogSize);

        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var offline = Status(await subscriber.WaitForAsync(m => m.Topic == _topics.Status(DeviceId) && Status(m).State == GatewayStatus.Offline, "the offline status"));
        Assert.Equal(GatewayStatus.ShutdownReason, offline.Reason);
        Assert.NotNull(offline.TimeMs);

        var audit = LogAudit.Read(_folder.DatabasePath);
        var stored = audit.Leaves.ToDictionary(l => l.Seq, l => l.Bytes);
        var messages = subscriber.Messages;

        // Every live reading is a one-record SenML pack holding the stored leaf's exact bytes, on its sensor's topic.
        var readings = messages.Where(m => m.Topic.StartsWith($"edgetrace/{DeviceId}/readings/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(readings);
        foreach (var reading in readings)
        {
            var payload = reading.Payload.ToArray();
            Assert.Equal((byte)'[', payload[0]);
            Assert.Equal((byte)']', payload[^1]);
            var leaf = ReadingLeaf.Parse(payload.AsSpan(1, payload.Length - 2));
            Assert.True(leaf.Succeeded, leaf.ToString());
            Assert.Equal(stored[leaf.Value.Content.Sequence], payload[1..^1]);
            Assert.Equal(_topics.Readings(DeviceId, leaf.Value.Content.SensorId!), reading.Topic);
            Assert.False(reading.Retain);
            var record = Assert.Single(SenmlPack.Parse(payload, 0).Value);
            Assert.Equal(leaf.Value.Content.Value, record.Value);
        }
        // Only committed leaves are published, and each once.
        Assert.Equal(readings.Count, readings.Select(r => r.Payload.ToArray()).Distinct(new BytesComparer()).Count());

        // Alarm events name the alarm leaf in the log; the retained zone state follows them.
        var events = messages.Where(m => m.Topic == _topics.AlarmEvents(DeviceId))
            .Select(m => JsonSerializer.Deserialize(m.Payload.Span, MqttJsonContext.Default.AlarmEvent)!).ToList();
        Assert.Contains(events, e => e.State == "start");
        foreach (var e in events)
        {
            var leaf = ReadingLeaf.Parse(stored[e.Sequence]).Value.Content;
            Assert.Equal((LeafKind.Alarm, "chiller-1", "chiller-warm", e.State, e.Sensor, e.TimeMs), (leaf.Kind, e.Zone, e.Rule, leaf.StringValue, leaf.SensorId, leaf.TimeMs));
            Assert.Equal(leaf.Value, e.Value);
        }
        var alarmStates = messages.Where(m => m.Topic == _topics.AlarmState(DeviceId, "chiller-1"))
            .Select(m => JsonSerializer.Deserialize(m.Payload.Span, MqttJsonContext.Default.ZoneAlarmState)!).ToList();
        var activeAfterEvents = events.GroupBy(e => e.Sensor).Where(g => g.Last().State == "start").Select(g => g.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(activeAfterEvents, alarmStates[^1].Active.Select(a => a.Sensor).Order(StringComparer.Ordinal).ToList());
        Assert.All(alarmStates[^1].Active, a => Assert.Equal("chiller-warm", a.Rule));
        // Zones without rules have no alarm state.
        Assert.DoesNotContain(messages, m => m.Topic == _topics.AlarmState(DeviceId, "freezer-1"));

        // Sealed events carry checkpoints the log really signed.
        var progress = messages.Where(m => m.Topic == _topics.Progress(DeviceId))
            .Select(m => JsonSerializer.Deserialize(m.Payload.Span, MqttJsonContext.Default.ProgressEvent)!).ToList();
        Assert.All(progress, p => Assert.Equal("sealed", p.Event));
        Assert.All(progress, p => Assert.Equal(audit.RootAt(p.Size).ToHex(), p.Root));

        // A late subscriber gets the retained state: offline after the clean stop, and the chiller's alarms.
        await using var late = await MqttCollector.StartAsync(_broker.Host, _broker.Port, _topics.Status(DeviceId), _topics.AlarmState(DeviceId, "chiller-1"));
        await late.WaitUntilAsync(all => all.Count >= 2, "two retained messages");
        Assert.All(late.Messages, m => Assert.True(m.Retain));
        Assert.Equal(GatewayStatus.ShutdownReason, Status(late.On(_topics.Status(DeviceId)).Single()).Reason);

        // And status shows what was published.
        var status = GatewayStatusReader.Read(_folder.DatabasePath);
        Assert.Equal(MqttStates.Stopped, status.MqttState);
        Assert.True(status.MqttCounters!.ReadingsPublished >= readings.Count, $"{status.MqttCounters} vs {readings.Count}");
        Assert.Equal(events.Count, status.MqttCounters.AlarmEventsPublished);
        Assert.Equal(0, status.MqttCounters.PublishRefused + status.MqttCounters.PublishErrors + status.MqttCounters.DroppedOverflow);
    }

    [Fact]
    public async Task KilledWithSigkill_BrokerPublishesTheLastWill_AndARestartIsOnlineAgain()
    {
        await using var subscriber = await MqttCollector.StartAsync(_broker.Host, _broker.Port, _topics.Status(DeviceId));
        await using (var gateway = GatewayProcess.Start("run", "--data", _folder.Path, "--simulate", "5", "--speed", "600"))
        {
            await subscriber.WaitForAsync(m => Status(m).State == GatewayStatus.Online, "the online status");
            await gateway.WaitForAcknowledgementsAsync(3);
            gateway.Kill();
            await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        var will = Status(await subscriber.WaitForAsync(m => Status(m).State == GatewayStatus.Offline, "the Last Will"));
        Assert.Equal(GatewayStatus.LastWill, will);
        Assert.Equal("""{"state":"offline","reason":"connection-lost"}""", subscriber.Messages.Last(m => Status(m).State == GatewayStatus.Offline).Text());

        var seen = subscriber.Messages.Count;
        await using (var again = GatewayProcess.Start("run", "--data", _folder.Path, "--simulate", "5", "--speed", "600"))
        {
            var online = Status(await subscriber.WaitForAsync(m => Status(m).State == GatewayStatus.Online, "online after the restart", skip: seen));
            Assert.True(online.LogSize > 0);
            again.Terminate();
            Assert.Equal(0, await again.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        await subscriber.WaitForAsync(m => Status(m).Reason == GatewayStatus.ShutdownReason, "the shutdown status", skip: seen);
    }

    private static GatewayStatus Status(MqttMessage message) => JsonSerializer.Deserialize(message.Payload.Span, MqttJsonContext.Default.GatewayStatus)!;

    private sealed class BytesComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Encoding.UTF8.GetString(obj).GetHashCode(StringComparison.Ordinal);
    }
}
