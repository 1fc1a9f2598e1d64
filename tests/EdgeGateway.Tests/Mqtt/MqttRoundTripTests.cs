using EdgeGateway.Mqtt;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>Publish and receive through a real mosquitto, for both protocol versions and both QoS levels.</summary>
public abstract class MqttRoundTripTests(BrokerKind kind) : IAsyncLifetime
{
    public sealed class OnMosquitto() : MqttRoundTripTests(BrokerKind.Mosquitto);

    public sealed class OnEmbedded() : MqttRoundTripTests(BrokerKind.Embedded);

    private ITestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBrokers.StartAsync(kind);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttQos.AtMostOnce)]
    [InlineData(MqttProtocolVersion.V311, MqttQos.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V5, MqttQos.AtMostOnce)]
    [InlineData(MqttProtocolVersion.V5, MqttQos.AtLeastOnce)]
    public async Task Publish_ThenSubscriberReceives_SameBytesInOrder(MqttProtocolVersion version, MqttQos qos)
    {
        await using var subscriber = await ConnectedAsync(Options(_broker) with { ProtocolVersion = version }, _broker);
        await subscriber.SubscribeAsync("site/+/temperature", qos, Deadline());
        await using var publisher = await ConnectedAsync(Options(_broker) with { ProtocolVersion = version }, _broker);

        for (var i = 0; i < 20; i++)
        {
            Assert.True(publisher.TryPublish(Text($"site/cold-room-{i % 2}/temperature", $"{{\"v\":{i}}}", qos)));
        }

        for (var i = 0; i < 20; i++)
        {
            var received = await ReceiveAsync(subscriber, _broker);
            Assert.Equal($"site/cold-room-{i % 2}/temperature", received.Topic);
            Assert.Equal($"{{\"v\":{i}}}", received.Text());
            Assert.Equal(qos, received.Qos);
            Assert.False(received.Retain);
        }
        await UntilAsync(() => publisher.Statistics.Delivered == 20, () => publisher.Statistics.ToString());
        Assert.Equal(20, publisher.Statistics.Published);
        Assert.Equal(0, publisher.Statistics.InFlight);
        Assert.Equal(MqttConnectionState.Connected, publisher.State);
    }

    [Fact]
    public async Task Publish_BinaryAndEmptyPayloads_ArriveUnchanged()
    {
        await using var subscriber = await ConnectedAsync(Options(_broker), _broker);
        await subscriber.SubscribeAsync("bin/#", MqttQos.AtLeastOnce, Deadline());
        await using var publisher = await ConnectedAsync(Options(_broker), _broker);
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        Assert.True(publisher.TryPublish(new MqttMessage("bin/all", bytes, MqttQos.AtLeastOnce)));
        Assert.True(publisher.TryPublish(new MqttMessage("bin/empty", ReadOnlyMemory<byte>.Empty, MqttQos.AtLeastOnce)));

        var first = await ReceiveAsync(subscriber, _broker);
        Assert.Equal(bytes, first.Payload.ToArray());
        var second = await ReceiveAsync(subscriber, _broker);
        Assert.Equal("bin/empty", second.Topic);
        Assert.Equal(0, second.Payload.Length);
    }

    [Fact]
    public async Task Subscribe_WhileTheConnectIsBeingHandled_IsSentOnce_SoRetainedMessagesArriveOnce()
    {
        await using (var retainer = await ConnectedAsync(Options(_broker), _broker))
        {
            Assert.True(retainer.TryPublish(Text("race/state", "retained", MqttQos.AtLeastOnce, retain: true)));
            await UntilAsync(() => retainer.Statistics.Delivered == 1, () => retainer.Statistics.ToString());
        }
        // Holds the network thread in the connect callback, after it counts as connected and before it re-subscribes.
        var logger = new ConnectHoldingLogger();
        await using var client = new MqttNetClient(Options(_broker), logger);
        var connecting = client.ConnectAsync(Deadline());
        Assert.True(logger.Entered.Wait(WaitLimit), "the client did not connect");

        var subscribed = client.SubscribeAsync("race/#", MqttQos.AtLeastOnce, Deadline());
        logger.Release.Set();
        await connecting;
        await subscribed;
        // Published after both possible SUBSCRIBEs on the same connection, so it arrives after any replay.
        Assert.True(client.TryPublish(Text("race/sentinel", "end", MqttQos.AtLeastOnce)));
        var received = new List<MqttMessage>();
        while (received.LastOrDefault()?.Topic != "race/sentinel")
        {
            received.Add(await ReceiveAsync(client, _broker));
        }
        Assert.Equal(["race/state", "race/sentinel"], received.Select(m => m.Topic));
    }

    private sealed class ConnectHoldingLogger : Microsoft.Extensions.Logging.ILogger<MqttNetClient>
    {
        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (formatter(state, exception).StartsWith("MQTT connected", StringComparison.Ordinal) && !Entered.IsSet)
            {
                Entered.Set();
                Release.Wait(WaitLimit);
            }
        }
    }

    [Fact]
    public async Task Receive_PayloadOverTheLimit_IsCountedAndDropped_LaterMessagesArrive()
    {
        await using var subscriber = await ConnectedAsync(Options(_broker) with { MaxReceivePayloadBytes = 1000 }, _broker);
        await subscriber.SubscribeAsync("size/#", MqttQos.AtLeastOnce, Deadline());
        await using var publisher = await ConnectedAsync(Options(_broker), _broker);

        Assert.True(publisher.TryPublish(new MqttMessage("size/big", new byte[1001], MqttQos.AtLeastOnce)));
        Assert.True(publisher.TryPublish(new MqttMessage("size/fits", new byte[1000], MqttQos.AtLeastOnce)));

        var received = await ReceiveAsync(subscriber, _broker);
        Assert.Equal("size/fits", received.Topic);
        Assert.Equal(1000, received.Payload.Length);
        Assert.Equal(1, subscriber.Statistics.ReceiveOversized);
        Assert.Equal(2, subscriber.Statistics.Received);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V5)]
    public async Task RetainedMessage_LateSubscriber_GetsLatestValueFlaggedRetained(MqttProtocolVersion version)
    {
        await using (var publisher = await ConnectedAsync(Options(_broker) with { ProtocolVersion = version }, _broker))
        {
            Assert.True(publisher.TryPublish(Text("gateway/g1/status", "starting", MqttQos.AtLeastOnce, retain: true)));
            Assert.True(publisher.TryPublish(Text("gateway/g1/status", "online", MqttQos.AtLeastOnce, retain: true)));
            await UntilAsync(() => publisher.Statistics.Delivered + publisher.Statistics.Coalesced == 2, () => publisher.Statistics.ToString());
        }

        await using var late = await ConnectedAsync(Options(_broker) with { ProtocolVersion = version }, _broker);
        await late.SubscribeAsync("gateway/+/status", MqttQos.AtLeastOnce, Deadline());

        var received = await ReceiveAsync(late, _broker);
        Assert.Equal("gateway/g1/status", received.Topic);
        Assert.Equal("online", received.Text());
        Assert.True(received.Retain);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V5)]
    public async Task PersistentSession_QoS1WhileAway_DeliveredOnReturn(MqttProtocolVersion version)
    {
        var id = NewClientId("persistent");
        var options = Options(_broker, id) with { ProtocolVersion = version, CleanSession = false };
        await using (var first = await ConnectedAsync(options, _broker))
        {
            await first.SubscribeAsync("alarms/#", MqttQos.AtLeastOnce, Deadline());
        }

        await using (var publisher = await ConnectedAsync(Options(_broker), _broker))
        {
            Assert.True(publisher.TryPublish(Text("alarms/cold-room-1", "too warm", MqttQos.AtLeastOnce)));
            await UntilAsync(() => publisher.Statistics.Delivered == 1, () => publisher.Statistics.ToString());
        }

        // No SubscribeAsync this time: the broker kept the subscription and the message in the session.
        await using var back = await ConnectedAsync(options, _broker);
        var received = await ReceiveAsync(back, _broker);
        Assert.Equal("alarms/cold-room-1", received.Topic);
        Assert.Equal("too warm", received.Text());
    }

    [Fact]
    public async Task CleanSession_QoS1WhileAway_NotKept()
    {
        var id = NewClientId("clean");
        var options = Options(_broker, id);
        await using (var first = await ConnectedAsync(options, _broker))
        {
            await first.SubscribeAsync("alarms/#", MqttQos.AtLeastOnce, Deadline());
        }
        await using (var publisher = await ConnectedAsync(Options(_broker), _broker))
        {
            Assert.True(publisher.TryPublish(Text("alarms/cold-room-1", "while away", MqttQos.AtLeastOnce)));
            await UntilAsync(() => publisher.Statistics.Delivered == 1, () => publisher.Statistics.ToString());
        }

        await using var back = await ConnectedAsync(options, _broker);
        await back.SubscribeAsync("alarms/#", MqttQos.AtLeastOnce, Deadline());
        await using var publisher2 = await ConnectedAsync(Options(_broker), _broker);
        Assert.True(publisher2.TryPublish(Text("alarms/cold-room-1", "after return", MqttQos.AtLeastOnce)));

        // The first message to arrive is the one sent after the return: the clean session kept nothing.
        var received = await ReceiveAsync(back, _broker);
        Assert.Equal("after return", received.Text());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, true, 7, "p2, c1, k7")]
    [InlineData(MqttProtocolVersion.V311, false, 65, "p2, c0, k65")]
    [InlineData(MqttProtocolVersion.V5, true, 9, "p5, c1, k9")]
    public async Task ConnectOptions_ReachTheBroker(MqttProtocolVersion version, bool cleanSession, int keepAliveSeconds, string expected)
    {
        var id = NewClientId("options");

        await using var client = await ConnectedAsync(Options(_broker, id) with
        {
            ProtocolVersion = version,
            CleanSession = cleanSession,
            KeepAlive = TimeSpan.FromSeconds(keepAliveSeconds),
        }, _broker);

        // mosquitto logs "New client connected from ... as <id> (p<protocol>, c<clean>, k<keep-alive>)".
        Assert.Contains($"as {id} ({expected}", _broker.Diagnostics(), StringComparison.Ordinal);
    }
}
