using EdgeGateway.Mqtt;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>TLS against a real mosquitto TLS listener, with a CA made by openssl for the test.</summary>
public abstract class MqttTlsTests(BrokerKind kind) : IAsyncLifetime
{
    public sealed class OnMosquitto() : MqttTlsTests(BrokerKind.Mosquitto);

    public sealed class OnEmbedded() : MqttTlsTests(BrokerKind.Embedded);

    private TestPki _pki = null!;

    public async Task InitializeAsync() => _pki = await TestPki.CreateAsync();

    public Task DisposeAsync()
    {
        _pki.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("127.0.0.1", MqttProtocolVersion.V311)]
    [InlineData("localhost", MqttProtocolVersion.V5)]
    public async Task TrustedCa_ConnectsAndRoundTrips(string host, MqttProtocolVersion version)
    {
        await using var broker = await TestBrokers.StartAsync(kind, new() { Tls = new BrokerTls(_pki.CaCert, _pki.ServerCert, _pki.ServerKey) });
        var options = TlsOptions(broker, _pki.CaCert) with { Host = host, ProtocolVersion = version };

        await using var client = await ConnectedAsync(options, broker);
        await client.SubscribeAsync("tls/echo", MqttQos.AtLeastOnce, Deadline());
        Assert.True(client.TryPublish(Text("tls/echo", "over TLS", MqttQos.AtLeastOnce)));

        var received = await ReceiveAsync(client, broker);
        Assert.Equal("over TLS", received.Text());
    }

    [Fact]
    public async Task UntrustedCa_IsRefused_SayingTlsVerificationFailed()
    {
        await using var broker = await TestBrokers.StartAsync(kind, new() { Tls = new BrokerTls(_pki.CaCert, _pki.ServerCert, _pki.ServerKey) });
        await using var client = new MqttNetClient(TlsOptions(broker, _pki.OtherCaCert));

        var error = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync(Deadline()));

        Assert.Equal(MqttFailureKind.TlsVerificationFailed, error.Failure?.Kind);
        Assert.Contains("TLS verification failed", error.Message, StringComparison.Ordinal);
        Assert.Contains(_pki.OtherCaCert, error.Message, StringComparison.Ordinal);
        Assert.Equal(MqttConnectionState.Refused, client.State);
        Assert.Equal(error.Failure, client.LastFailure);
        Assert.Equal(0, client.Statistics.Connections);
    }

    [Fact]
    public async Task UntrustedCa_WhileRetrying_StaysRefused_NeverFlipsToConnecting()
    {
        // `status` once showed "connecting" during every retry of a refused connection (and a test read that).
        await using var broker = await TestBrokers.StartAsync(kind, new() { Tls = new BrokerTls(_pki.CaCert, _pki.ServerCert, _pki.ServerKey) });
        await using var client = new MqttNetClient(TlsOptions(broker, _pki.OtherCaCert) with { ReconnectMaxDelay = TimeSpan.FromMilliseconds(50) });
        await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync(Deadline()));

        var target = client.Statistics.ConnectionFailures + 3;
        var seen = new HashSet<MqttConnectionState>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (client.Statistics.ConnectionFailures < target)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "three more attempts did not fail within 20 s");
            seen.Add(client.State);
            await Task.Yield();
        }

        Assert.Equal([MqttConnectionState.Refused], seen);
    }

    [Fact]
    public async Task CertificateForAnotherName_IsRefused_HostnameIsVerified()
    {
        await using var broker = await TestBrokers.StartAsync(kind, new() { Tls = new BrokerTls(_pki.CaCert, _pki.MisnamedServerCert, _pki.MisnamedServerKey) });
        await using var client = new MqttNetClient(TlsOptions(broker, _pki.CaCert));

        var error = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync(Deadline()));

        Assert.Equal(MqttFailureKind.TlsVerificationFailed, error.Failure?.Kind);
        Assert.Contains("does not name '127.0.0.1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCertificateRequired_WithCertificateSignedByCa_Connects()
    {
        await using var broker = await TestBrokers.StartAsync(kind, new()
        {
            Tls = new BrokerTls(_pki.CaCert, _pki.ServerCert, _pki.ServerKey, RequireCertificate: true),
        });
        var options = TlsOptions(broker, _pki.CaCert) with
        {
            Tls = new MqttTlsOptions(_pki.CaCert) { CertFile = _pki.ClientCert, KeyFile = _pki.ClientKey },
        };

        await using var client = await ConnectedAsync(options, broker);
        await client.SubscribeAsync("mtls/echo", MqttQos.AtLeastOnce, Deadline());
        Assert.True(client.TryPublish(Text("mtls/echo", "mutual", MqttQos.AtLeastOnce)));
        Assert.Equal("mutual", (await ReceiveAsync(client, broker)).Text());
    }

    [Fact]
    public async Task ClientCertificateRequired_WithoutCertificate_IsRefused()
    {
        await using var broker = await TestBrokers.StartAsync(kind, new()
        {
            Tls = new BrokerTls(_pki.CaCert, _pki.ServerCert, _pki.ServerKey, RequireCertificate: true),
        });
        await using var client = new MqttNetClient(TlsOptions(broker, _pki.CaCert));

        var error = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync(Deadline()));

        Assert.Equal(MqttFailureKind.Tls, error.Failure?.Kind);
        Assert.Contains("certificate required", error.Message, StringComparison.Ordinal);
        Assert.Contains("MqttOptions.Tls.CertFile", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.Statistics.Connections);
    }

    [Fact]
    public async Task TlsBrokerKilledAndRestarted_ReconnectsAndResubscribes()
    {
        await using var broker = await TestBrokers.StartAsync(kind, new() { Tls = new BrokerTls(_pki.CaCert, _pki.ServerCert, _pki.ServerKey) });
        await using var client = await ConnectedAsync(TlsOptions(broker, _pki.CaCert), broker);
        await client.SubscribeAsync("tls/after", MqttQos.AtLeastOnce, Deadline());

        await broker.KillAsync();
        await UntilAsync(() => client.State != MqttConnectionState.Connected, () => client.State.ToString());
        // The drop is counted as a lost connection (a TLS error on an established connection is not a
        // certificate problem); refused retries while the broker is down are not.
        await UntilAsync(() => client.Statistics.ConnectionsLost == 1, () => $"{client.Statistics.ConnectionsLost} lost, last failure {client.LastFailure}");
        Assert.True(client.TryPublish(Text("tls/after", "queued during the outage", MqttQos.AtLeastOnce)));
        await broker.RestartAsync();

        Assert.Equal("queued during the outage", (await ReceiveAsync(client, broker)).Text());
        Assert.Equal(1, client.Statistics.Reconnects);
    }

    private static MqttOptions TlsOptions(ITestBroker broker, string caFile) => Options(broker) with
    {
        Port = broker.TlsPort!.Value,
        Tls = new MqttTlsOptions(caFile),
    };
}
