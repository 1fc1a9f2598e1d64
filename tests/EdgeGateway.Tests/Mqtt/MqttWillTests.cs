using System.Globalization;
using EdgeGateway.Mqtt;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>
/// Last Will: a separate process (tests/MqttWillProbe) connects through the gateway's client with a will, and
/// is killed with SIGKILL, as a power cut or crash would end the gateway.
/// </summary>
public abstract class MqttWillTests(BrokerKind kind) : IAsyncLifetime
{
    public sealed class OnMosquitto() : MqttWillTests(BrokerKind.Mosquitto);

    public sealed class OnEmbedded() : MqttWillTests(BrokerKind.Embedded);

    private ITestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBrokers.StartAsync(kind);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Theory]
    [InlineData("3")]
    [InlineData("5")]
    public async Task ProcessKilled_BrokerPublishesTheWill(string protocol)
    {
        await using var subscriber = await ConnectedAsync(Options(_broker), _broker);
        await subscriber.SubscribeAsync("gateway/+/status", MqttQos.AtLeastOnce, Deadline());
        await using var probe = WillProbeProcess.Start(
            "--host", _broker.Host, "--port", _broker.Port.ToString(CultureInfo.InvariantCulture),
            "--client-id", NewClientId("probe"), "--will-topic", "gateway/g-probe/status", "--will-payload", "offline (power lost)",
            "--protocol", protocol);
        var first = await probe.FirstLineAsync(WaitLimit);
        Assert.True(first == "connected", $"probe said '{first}': {probe.Stderr}\n{_broker.Diagnostics()}");

        await probe.KillAsync();

        var will = await ReceiveAsync(subscriber, _broker);
        Assert.Equal("gateway/g-probe/status", will.Topic);
        Assert.Equal("offline (power lost)", will.Text());
        Assert.Equal(MqttQos.AtLeastOnce, will.Qos);
    }

    [Fact]
    public async Task GracefulDispose_DoesNotPublishTheWill()
    {
        await using var subscriber = await ConnectedAsync(Options(_broker), _broker);
        await subscriber.SubscribeAsync("gateway/+/status", MqttQos.AtLeastOnce, Deadline());
        var withWill = Options(_broker) with { Will = Text("gateway/g1/status", "offline (unexpected)", MqttQos.AtLeastOnce) };
        var client = await ConnectedAsync(withWill, _broker);
        Assert.True(client.TryPublish(Text("gateway/g1/status", "shutting down", MqttQos.AtLeastOnce)));

        await client.DisposeAsync();
        await using (var other = await ConnectedAsync(Options(_broker), _broker))
        {
            Assert.True(other.TryPublish(Text("gateway/marker/status", "after dispose", MqttQos.AtLeastOnce)));
        }

        // The broker saw DISCONNECT before the marker was even sent: had it published the will, the will
        // would arrive before the marker.
        Assert.Equal("shutting down", (await ReceiveAsync(subscriber, _broker)).Text());
        Assert.Equal("after dispose", (await ReceiveAsync(subscriber, _broker)).Text());
        Assert.Equal(1, client.Statistics.Delivered);
        Assert.Equal(MqttConnectionState.Disposed, client.State);
    }

    [Fact]
    public async Task ProcessExitsNormally_NoWill_AndLibraryCleanupAtExitIsClean()
    {
        await using var subscriber = await ConnectedAsync(Options(_broker), _broker);
        await subscriber.SubscribeAsync("gateway/+/status", MqttQos.AtLeastOnce, Deadline());
        await using var probe = WillProbeProcess.Start(
            "--host", _broker.Host, "--port", _broker.Port.ToString(CultureInfo.InvariantCulture),
            "--client-id", NewClientId("probe"), "--will-topic", "gateway/g-probe/status", "--will-payload", "offline (unexpected)");
        Assert.Equal("connected", await probe.FirstLineAsync(WaitLimit));

        probe.CloseInput();

        Assert.Equal(0, await probe.WaitForExitAsync(WaitLimit));
        Assert.Equal("", probe.Stderr);
        await using (var other = await ConnectedAsync(Options(_broker), _broker))
        {
            Assert.True(other.TryPublish(Text("gateway/marker/status", "after exit", MqttQos.AtLeastOnce)));
        }
        Assert.Equal("after exit", (await ReceiveAsync(subscriber, _broker)).Text());
    }
}
