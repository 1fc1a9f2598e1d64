using EdgeGateway.Mqtt;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>Bad input to the client gets a clear error and changes nothing; it never reaches native code
/// in a form that could crash it, and what the library itself refuses is counted, not fatal.</summary>
public abstract class MqttMalformedInputTests(BrokerKind kind) : IAsyncLifetime
{
    public sealed class OnMosquitto() : MqttMalformedInputTests(BrokerKind.Mosquitto);

    public sealed class OnEmbedded() : MqttMalformedInputTests(BrokerKind.Embedded);

    private ITestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBrokers.StartAsync(kind);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    public static TheoryData<string, string> BadTopics => new()
    {
        { "", "must not be empty" },
        { "site/+/temperature", "wildcard '+'" },
        { "site/#", "wildcard '#'" },
        { "site/\0/temperature", "NUL character at position 5" },
        { new string('t', 65_536), "65536 bytes in UTF-8; the maximum is 65535" },
    };

    [Theory]
    [MemberData(nameof(BadTopics))]
    public async Task TryPublish_BadTopic_ThrowsSayingWhatIsWrong(string topic, string expected)
    {
        await using var client = await ConnectedAsync(Options(_broker), _broker);

        var error = Assert.Throws<ArgumentException>(() => client.TryPublish(Text(topic, "x")));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.Statistics.Accepted);
        Assert.Equal(MqttConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task TryPublish_UnpairedSurrogateInTopic_Throws()
    {
        // Not theory data: the runner's serialisation would replace the lone surrogate.
        await using var client = new MqttNetClient(Options(_broker));

        var error = Assert.Throws<ArgumentException>(() => client.TryPublish(Text("site/\ud800", "x")));

        Assert.Contains("unpaired surrogate at position 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryPublish_OversizePayload_ThrowsNamingTheLimit()
    {
        await using var client = new MqttNetClient(Options(_broker) with { MaxPayloadBytes = 1024 });

        var error = Assert.Throws<ArgumentException>(() => client.TryPublish(new MqttMessage("big", new byte[1025])));

        Assert.Contains("1025 bytes; the limit is 1024 (MqttOptions.MaxPayloadBytes)", error.Message, StringComparison.Ordinal);
        Assert.True(client.TryPublish(new MqttMessage("big", new byte[1024])));
    }

    [Fact]
    public async Task TryPublish_QoS2OrNull_Throws()
    {
        await using var client = new MqttNetClient(Options(_broker));

        var qos2 = Assert.Throws<ArgumentException>(() => client.TryPublish(new MqttMessage("t", new byte[1], (MqttQos)2)));
        Assert.Contains("QoS 2 is not supported", qos2.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => client.TryPublish(null!));
        Assert.Throws<ArgumentNullException>(() => new MqttMessage(null!, ReadOnlyMemory<byte>.Empty));
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("site/#/temperature", "'#' must be a whole level and the last one")]
    [InlineData("site/temp#", "'#' must be a whole level and the last one")]
    [InlineData("site/cold+/temperature", "'+' must be a whole level")]
    [InlineData("a\0b", "NUL character")]
    public async Task SubscribeAsync_BadFilter_ThrowsSayingWhatIsWrong(string filter, string expected)
    {
        await using var client = new MqttNetClient(Options(_broker));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync(filter, MqttQos.AtMostOnce, Deadline()));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterBadInput_ClientStillWorks()
    {
        await using var client = await ConnectedAsync(Options(_broker), _broker);
        await client.SubscribeAsync("ok/#", MqttQos.AtLeastOnce, Deadline());
        Assert.Throws<ArgumentException>(() => client.TryPublish(Text("ok/+", "x")));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync("ok/#/bad", MqttQos.AtLeastOnce, Deadline()));

        Assert.True(client.TryPublish(Text("ok/1", "still fine", MqttQos.AtLeastOnce)));

        Assert.Equal("still fine", (await ReceiveAsync(client, _broker)).Text());
    }

    [Fact]
    public void Options_Invalid_ListsEveryProblemByField()
    {
        var options = new MqttOptions
        {
            Host = "mqtt://broker",
            Port = 0,
            ClientId = "",
            CleanSession = false,
            KeepAlive = TimeSpan.FromSeconds(1),
            Tls = new MqttTlsOptions("/nonexistent/ca.pem") { CertFile = "/nonexistent/client.pem" },
            Will = Text("status/#", "offline"),
            ReconnectMinDelay = TimeSpan.FromSeconds(10),
            ReconnectMaxDelay = TimeSpan.FromSeconds(1),
            QueueCapacity = 0,
            MaxInFlight = 0,
        };

        var error = Assert.Throws<ArgumentException>(() => new MqttNetClient(options));

        foreach (var field in new[]
        {
            "MqttOptions.Host", "MqttOptions.Port", "MqttOptions.ClientId", "MqttOptions.KeepAlive", "MqttOptions.Tls.CaFile",
            "MqttOptions.Tls.CertFile", "MqttOptions.Tls.CertFile and MqttOptions.Tls.KeyFile", "MqttOptions.Will.Topic",
            "MqttOptions.ReconnectMaxDelay", "MqttOptions.QueueCapacity", "MqttOptions.MaxInFlight",
        })
        {
            Assert.Contains(field, error.Message, StringComparison.Ordinal);
        }
        Assert.Equal(11, options.Validate().Count);
    }

    [Fact]
    public void Options_Defaults_AreValid() => Assert.Empty(new MqttOptions { Host = "broker.local" }.Validate());
}

/// <summary>
/// A broker that announces a maximum packet size (MQTT 5 CONNACK). mosquitto only: the embedded broker
/// (MQTTnet.Server) has no such limit to announce.
/// </summary>
public sealed class MqttBrokerPacketLimitTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync(new() { ExtraConfig = ["max_packet_size 2000"] });

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task MessageLargerThanBrokerMaximum_IsCountedAsFailed_AndLaterMessagesFlow()
    {
        var options = Options(_broker) with { ProtocolVersion = MqttProtocolVersion.V5 };
        await using var client = await ConnectedAsync(options, _broker);
        await client.SubscribeAsync("size/#", MqttQos.AtLeastOnce, Deadline());

        // Within our own limit, but over the 2000-byte maximum packet size the broker announced in CONNACK:
        // the client does not send it: the broker would close the connection.
        Assert.True(client.TryPublish(new MqttMessage("size/big", new byte[3000], MqttQos.AtLeastOnce)));
        Assert.True(client.TryPublish(Text("size/small", "fits", MqttQos.AtLeastOnce)));

        Assert.Equal("fits", (await ReceiveAsync(client, _broker)).Text());
        await UntilAsync(() => client.Statistics.Failed == 1 && client.Statistics.Delivered == 1, () => client.Statistics.ToString());
        Assert.Equal(MqttConnectionState.Connected, client.State);
    }
}
