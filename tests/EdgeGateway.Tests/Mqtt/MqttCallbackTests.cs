using EdgeGateway.Mqtt;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>Exceptions in code run from MQTTnet's receive handler stay in the client: counted, never passed back.</summary>
public abstract class MqttCallbackTests(BrokerKind kind) : IAsyncLifetime
{
    public sealed class OnMosquitto() : MqttCallbackTests(BrokerKind.Mosquitto);

    public sealed class OnEmbedded() : MqttCallbackTests(BrokerKind.Embedded);

    private ITestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBrokers.StartAsync(kind);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task HandlerThrowsInsideMessageCallback_NetworkThreadCarriesOn()
    {
        await using var client = await ConnectedAsync(Options(_broker), _broker);
        client.ReceiveObserver = message =>
        {
            if (message.Text() == "poison") throw new InvalidOperationException("handler bug");
        };
        await client.SubscribeAsync("cb/#", MqttQos.AtLeastOnce, Deadline());

        Assert.True(client.TryPublish(Text("cb/1", "poison", MqttQos.AtLeastOnce)));
        Assert.True(client.TryPublish(Text("cb/2", "after", MqttQos.AtLeastOnce)));
        Assert.True(client.TryPublish(Text("cb/3", "and again", MqttQos.AtLeastOnce)));

        Assert.Equal("after", (await ReceiveAsync(client, _broker)).Text());
        Assert.Equal("and again", (await ReceiveAsync(client, _broker)).Text());
        Assert.Equal(1, client.Statistics.CallbackFaults);
        Assert.Equal(MqttConnectionState.Connected, client.State);
        Assert.Equal(0, client.Statistics.Reconnects);
    }

    [Fact]
    public async Task ReaderThatThrows_DoesNotAffectTheClient()
    {
        await using var client = await ConnectedAsync(Options(_broker), _broker);
        await client.SubscribeAsync("reader/#", MqttQos.AtMostOnce, Deadline());
        var seen = new List<string>();
        var reader = Task.Run(async () =>
        {
            await foreach (var message in client.Messages.ReadAllAsync())
            {
                seen.Add(message.Text());
                if (seen.Count == 1) throw new InvalidOperationException("consumer bug");
            }
        });

        Assert.True(client.TryPublish(Text("reader/1", "first")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => reader);
        Assert.True(client.TryPublish(Text("reader/2", "second")));

        Assert.Equal("second", (await ReceiveAsync(client, _broker)).Text());
        Assert.Equal(MqttConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task SlowReader_OldestReceivedMessagesAreDroppedAndCounted()
    {
        await using var client = await ConnectedAsync(Options(_broker) with { ReceiveQueueCapacity = 3 }, _broker);
        await client.SubscribeAsync("flood/#", MqttQos.AtLeastOnce, Deadline());

        for (var i = 0; i < 10; i++) Assert.True(client.TryPublish(Text("flood/x", $"m{i}", MqttQos.AtLeastOnce)));
        await UntilAsync(() => client.Statistics.Received == 10, () => client.Statistics.ToString());

        Assert.Equal(7, client.Statistics.ReceiveDropped);
        Assert.Equal("m7", (await ReceiveAsync(client, _broker)).Text());
    }
}
