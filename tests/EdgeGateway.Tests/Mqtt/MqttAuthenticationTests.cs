using EdgeGateway.Mqtt;
using Microsoft.Extensions.Logging;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>Username/password against a mosquitto with a password file made by mosquitto_passwd.</summary>
public abstract class MqttAuthenticationTests(BrokerKind kind) : IAsyncLifetime
{
    public sealed class OnMosquitto() : MqttAuthenticationTests(BrokerKind.Mosquitto);

    public sealed class OnEmbedded() : MqttAuthenticationTests(BrokerKind.Embedded);

    private static readonly Dictionary<string, string> Users = new() { ["gateway-7"] = "correct horse battery staple" };
    private ITestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBrokers.StartAsync(kind, new() { AllowAnonymous = false, Users = Users });

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V5)]
    public async Task RightCredentials_Connect(MqttProtocolVersion version)
    {
        var options = Options(_broker) with
        {
            ProtocolVersion = version,
            Credentials = new MqttCredentials("gateway-7", "correct horse battery staple"),
        };

        await using var client = await ConnectedAsync(options, _broker);

        Assert.Equal(MqttConnectionState.Connected, client.State);
        Assert.Null(client.LastFailure);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V5)]
    public async Task WrongPassword_IsRefused_AsNotAuthorized(MqttProtocolVersion version)
    {
        await using var client = new MqttNetClient(Options(_broker) with
        {
            ProtocolVersion = version,
            Credentials = new MqttCredentials("gateway-7", "wrong"),
        });

        var error = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync(Deadline()));

        Assert.Equal(MqttFailureKind.NotAuthorized, error.Failure?.Kind);
        Assert.True(error.Failure?.Permanent);
        Assert.Contains("refused the connection", error.Message, StringComparison.Ordinal);
        Assert.Contains("MqttOptions.Credentials", error.Message, StringComparison.Ordinal);
        Assert.Equal(MqttConnectionState.Refused, client.State);
        Assert.Equal(MqttFailureKind.NotAuthorized, client.LastFailure?.Kind);
        Assert.Equal(0, client.Statistics.Connections);
    }

    [Fact]
    public async Task NoCredentials_WhenAnonymousIsOff_IsRefused()
    {
        await using var client = new MqttNetClient(Options(_broker));

        var error = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync(Deadline()));

        Assert.Equal(MqttFailureKind.NotAuthorized, error.Failure?.Kind);
    }

    [Fact]
    public async Task Refused_ThenBrokerAcceptsTheUser_ConnectsByItselfWithoutRestart()
    {
        await using var client = new MqttNetClient(Options(_broker) with { Credentials = new MqttCredentials("gateway-8", "new") });
        await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync(Deadline()));

        await _broker.ReloadUsersAsync(new Dictionary<string, string>(Users) { ["gateway-8"] = "new" });

        await UntilAsync(() => client.State == MqttConnectionState.Connected, () => $"{client.State} {client.LastFailure}\n{_broker.Diagnostics()}");
        Assert.Equal(1, client.Statistics.Connections);
        Assert.True(client.Statistics.ConnectionFailures >= 1);
    }

    [Fact]
    public async Task RepeatedRefusals_WarnOnce_AndConnectingIsLogged()
    {
        var logger = new InMemoryLogger<MqttNetClient>();
        await using (var refused = new MqttNetClient(Options(_broker) with { Credentials = new MqttCredentials("gateway-7", "wrong") }, logger))
        {
            await Assert.ThrowsAsync<MqttConnectException>(() => refused.ConnectAsync(Deadline()));
            await UntilAsync(() => refused.Statistics.ConnectionFailures >= 3, () => refused.Statistics.ToString());
        }

        var warnings = logger.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Single(warnings);
        Assert.Contains("NotAuthorized", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("refused the connection", warnings[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logger.Entries, e => e.Message.Contains("correct horse", StringComparison.Ordinal));

        var connectedLogger = new InMemoryLogger<MqttNetClient>();
        await using var client = new MqttNetClient(Options(_broker) with { Credentials = new MqttCredentials("gateway-7", "correct horse battery staple") }, connectedLogger);
        await client.ConnectAsync(Deadline());
        Assert.Contains(connectedLogger.Entries, e => e.Level == LogLevel.Information && e.Message.StartsWith("MQTT connected to 127.0.0.1", StringComparison.Ordinal));
    }

    [Fact]
    public void Credentials_ToString_HidesPassword()
    {
        var text = new MqttCredentials("gateway-7", "s3cret").ToString();

        Assert.Contains("gateway-7", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", text, StringComparison.Ordinal);
    }
}
