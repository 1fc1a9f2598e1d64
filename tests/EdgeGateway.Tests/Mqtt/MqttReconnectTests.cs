using EdgeGateway.Mqtt;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>
/// The broker is killed with SIGKILL mid-stream and started again on the same port. Each test uses one client
/// that subscribes to what it publishes: after reconnecting, its SUBSCRIBE goes out before the queued
/// PUBLISHes on the same connection, so the broker (which lost everything: persistence is off) routes them
/// back only if the client re-subscribed by itself.
/// </summary>
public abstract class MqttReconnectTests(BrokerKind kind) : IAsyncLifetime
{
    public sealed class OnMosquitto() : MqttReconnectTests(BrokerKind.Mosquitto);

    public sealed class OnEmbedded() : MqttReconnectTests(BrokerKind.Embedded);

    private ITestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBrokers.StartAsync(kind);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V5)]
    public async Task BrokerKilledAndRestarted_ReconnectsResubscribesAndDeliversQueuedQoS1(MqttProtocolVersion version)
    {
        await using var client = await ConnectedAsync(Options(_broker) with { ProtocolVersion = version }, _broker);
        await client.SubscribeAsync("telemetry/#", MqttQos.AtLeastOnce, Deadline());
        for (var i = 0; i < 5; i++) Assert.True(client.TryPublish(Text("telemetry/before", $"before-{i}", MqttQos.AtLeastOnce)));
        for (var i = 0; i < 5; i++) Assert.Equal($"before-{i}", (await ReceiveAsync(client, _broker)).Text());
        await UntilAsync(() => client.Statistics.Delivered == 5, () => client.Statistics.ToString());

        await _broker.KillAsync();
        await UntilAsync(() => client.State != MqttConnectionState.Connected, () => client.State.ToString());
        for (var i = 0; i < 30; i++) Assert.True(client.TryPublish(Text("telemetry/during", $"during-{i}", MqttQos.AtLeastOnce)));
        Assert.Equal(30, client.Statistics.QueueLength);
        // The drop is counted as a lost connection; refused retries while the broker is down are not.
        await UntilAsync(() => client.Statistics.ConnectionsLost == 1, () => $"{client.Statistics.ConnectionsLost} lost, last failure {client.LastFailure}");
        await _broker.RestartAsync();

        var received = new List<string>();
        while (received.Distinct().Count() < 30) received.Add((await ReceiveAsync(client, _broker)).Text());
        // At least once: every message arrives, in order of first arrival.
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"during-{i}"), received.Distinct());
        await UntilAsync(() => client.Statistics.Delivered == 35, () => client.Statistics.ToString());
        var statistics = client.Statistics;
        Assert.True(statistics.Reconnects >= 1, statistics.ToString());
        Assert.Equal(MqttConnectionState.Connected, client.State);
        Assert.Equal(0, statistics.QueueLength);
        Assert.Equal(0, statistics.DroppedOverflow + statistics.Rejected + statistics.LostOnDisconnect + statistics.Failed);
    }

    [Fact]
    public async Task QueueBoundExceededDuringOutage_OverflowPolicyShowsInStatisticsAndDelivery()
    {
        var options = Options(_broker) with { QueueCapacity = 10 };
        await using var client = await ConnectedAsync(options, _broker);
        await client.SubscribeAsync("#", MqttQos.AtLeastOnce, Deadline());
        await _broker.KillAsync();
        await UntilAsync(() => client.State != MqttConnectionState.Connected, () => client.State.ToString());

        // 5 alarms (QoS 1), 3 versions of a retained state, 8 readings (QoS 0) into 10 slots.
        for (var i = 0; i < 5; i++) Assert.True(client.TryPublish(Text("alarm", $"alarm-{i}", MqttQos.AtLeastOnce)));
        for (var i = 0; i < 3; i++) Assert.True(client.TryPublish(Text("state", $"state-{i}", MqttQos.AtLeastOnce, retain: true)));
        for (var i = 0; i < 8; i++) Assert.True(client.TryPublish(Text("reading", $"reading-{i}")));
        // Full: two more alarms push out the two oldest remaining readings, then nothing droppable is left.
        Assert.True(client.TryPublish(Text("alarm", "alarm-5", MqttQos.AtLeastOnce)));
        Assert.True(client.TryPublish(Text("alarm", "alarm-6", MqttQos.AtLeastOnce)));
        for (var i = 0; i < 2; i++) Assert.True(client.TryPublish(Text("alarm", $"alarm-{7 + i}", MqttQos.AtLeastOnce)));
        Assert.False(client.TryPublish(Text("alarm", "alarm-9", MqttQos.AtLeastOnce)));
        Assert.False(client.TryPublish(Text("reading", "reading-8")));

        var during = client.Statistics;
        Assert.Equal(10, during.QueueLength);
        Assert.Equal(2, during.Coalesced);
        Assert.Equal(8, during.DroppedOverflow);
        Assert.Equal(2, during.Rejected);
        Assert.Equal(5 + 3 + 8 + 4, during.Accepted);

        await _broker.RestartAsync();
        var received = new List<string>();
        for (var i = 0; i < 10; i++) received.Add((await ReceiveAsync(client, _broker)).Text());
        Assert.Equal(
            ["alarm-0", "alarm-1", "alarm-2", "alarm-3", "alarm-4", "state-2", "alarm-5", "alarm-6", "alarm-7", "alarm-8"],
            received);
        await UntilAsync(() => client.Statistics.Delivered == 10, () => client.Statistics.ToString());
    }

    [Fact]
    public async Task BrokerDownAtStart_ConnectAsyncWaitsAndConnectsWhenItComesUp()
    {
        var options = Options(_broker);
        await _broker.KillAsync();
        await using var client = new MqttNetClient(options);
        Assert.True(client.TryPublish(Text("early", "queued before the first connection", MqttQos.AtLeastOnce)));

        var connect = client.ConnectAsync(Deadline());
        await UntilAsync(() => client.LastFailure?.Kind == MqttFailureKind.Network, () => $"{client.State} {client.LastFailure}");
        Assert.False(connect.IsCompleted);
        Assert.Equal(MqttConnectionState.Reconnecting, client.State);
        await _broker.RestartAsync();

        await connect;
        await UntilAsync(() => client.Statistics.Delivered == 1, () => client.Statistics.ToString());
        Assert.Equal(0, client.Statistics.Reconnects);
    }
}

/// <summary>A broker that stops answering (SIGSTOP) with the connection still open. mosquitto only: a process can be frozen.</summary>
public sealed class MqttKeepAliveSoakTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    [Trait("Category", "Soak")]
    public async Task BrokerHangs_KeepAliveDetectsIt_AndClientReconnectsWhenItRecovers()
    {
        // The shortest keep-alive the client allows; detection takes up to two of them.
        var options = Options(_broker) with { KeepAlive = TimeSpan.FromSeconds(5) };
        await using var client = await ConnectedAsync(options, _broker);

        await _broker.FreezeAsync();
        await UntilAsync(() => client.State != MqttConnectionState.Connected, () => client.State.ToString(), TimeSpan.FromSeconds(30));
        Assert.Equal(MqttFailureKind.ConnectionLost, client.LastFailure?.Kind);
        Assert.Contains("keep-alive", client.LastFailure?.Message, StringComparison.Ordinal);
        await _broker.ThawAsync();

        await UntilAsync(() => client.State == MqttConnectionState.Connected, () => $"{client.State} {client.LastFailure}", TimeSpan.FromSeconds(30));
        Assert.True(client.Statistics.Reconnects >= 1);
    }
}
