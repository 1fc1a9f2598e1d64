using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Certificates;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Mqtt.Broker;

/// <summary>
/// An MQTT broker inside the gateway (MQTTnet.Server), so that a site whose battery sensor nodes publish over
/// MQTT needs no broker installed. Sessions and retained messages live in memory: they last as long as the
/// gateway process, which is as long as the gateway needs them.
/// </summary>
/// <remarks>
/// Who may connect: users from <see cref="EmbeddedBrokerOptions.Users"/> (per-node credentials), clients with
/// a certificate from <see cref="EmbeddedBrokerOptions.ClientCertificateAuthorities"/>, anyone when
/// <see cref="EmbeddedBrokerOptions.AllowAnonymous"/>. <see cref="EmbeddedBrokerOptions.MayPublish"/> says who may
/// publish where (a sensor node only to its own topic); a publish elsewhere closes the connection.
/// </remarks>
public sealed partial class MqttNetBroker : IAsyncDisposable
{
    private readonly EmbeddedBrokerOptions _options;
    private readonly ILogger<MqttNetBroker> _logger;
    private readonly MqttServer _server;
    private volatile BrokerUsers _users;

    private MqttNetBroker(EmbeddedBrokerOptions options, ILogger<MqttNetBroker> logger)
    {
        _options = options;
        _logger = logger;
        _users = options.Users;
        var builder = new MqttServerFactory().CreateServerOptionsBuilder()
            .WithPersistentSessions(true)
            .WithMaxPendingMessagesPerClient(options.MaxPendingMessagesPerClient)
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropOldestQueuedMessage);
        if (options.Port is { } port)
        {
            builder.WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(options.BindAddress).WithDefaultEndpointPort(port).WithDefaultEndpointReuseAddress();
        }
        else
        {
            builder.WithoutDefaultEndpoint();
        }
        if (options.TlsPort is { } tlsPort)
        {
            var certificate = options.Certificate ?? throw new ArgumentException("EmbeddedBrokerOptions.Certificate is required for the TLS listener (TlsPort).");
            builder.WithEncryptedEndpoint().WithEncryptedEndpointBoundIPAddress(options.BindAddress).WithEncryptedEndpointPort(tlsPort)
                .WithTlsEndpointReuseAddress().WithEncryptionCertificate(new X509CertificateProvider(certificate));
            if (options.ClientCertificateAuthorities is { Count: > 0 })
            {
                builder.WithClientCertificate(ValidateClientCertificate, checkCertificateRevocation: false);
            }
        }
        // IPv6 listeners stay off: the bind address says where to listen.
        var serverOptions = builder.Build();
        serverOptions.DefaultEndpointOptions.BoundInterNetworkV6Address = System.Net.IPAddress.None;
        serverOptions.TlsEndpointOptions.BoundInterNetworkV6Address = System.Net.IPAddress.None;
        _server = new MqttServerFactory().CreateMqttServer(serverOptions);
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.ClientDisconnectedAsync += e =>
        {
            LogClientDisconnected(e.ClientId, e.DisconnectType.ToString());
            return Task.CompletedTask;
        };
    }

    /// <summary>Starts listening.</summary>
    /// <exception cref="IOException">A port is taken or the address cannot be bound; the message says which.</exception>
    public static async Task<MqttNetBroker> StartAsync(EmbeddedBrokerOptions options, ILogger<MqttNetBroker>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var broker = new MqttNetBroker(options, logger ?? NullLogger<MqttNetBroker>.Instance);
        try
        {
            await broker._server.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidOperationException)
        {
            broker._server.Dispose();
            var ports = string.Join(" and ", new[] { options.Port, options.TlsPort }.Where(p => p is not null));
            throw new IOException($"the embedded MQTT broker cannot listen on {options.BindAddress} port {ports}: {e.Message}; choose a free port or stop what uses it", e);
        }
        broker.LogStarted(options.BindAddress.ToString(), options.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
            options.TlsPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", options.Users.Names.Count);
        return broker;
    }

    /// <summary>Replaces the users (for example after the password file changed).</summary>
    public void ReplaceUsers(BrokerUsers users) => _users = users ?? throw new ArgumentNullException(nameof(users));

    /// <summary>Stops listening and drops every connection; sessions and retained messages are gone.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_server.IsStarted) await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        }
        finally
        {
            _server.Dispose();
        }
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        var who = string.IsNullOrEmpty(e.UserName) ? "(no username)" : e.UserName;
        if (_options.PlainLoopbackOnly && !e.IsSecureConnection && e.RemoteEndPoint is System.Net.IPEndPoint { Address: var address } && !System.Net.IPAddress.IsLoopback(address))
        {
            e.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            LogRefused(e.ClientId, who, e.RemoteEndPoint.ToString() ?? "?", "plain MQTT from the network while the TLS listener is on; connect to the TLS port");
            return Task.CompletedTask;
        }
        if (e.ClientCertificate is not null && _options.ClientCertificateAuthorities is { Count: > 0 })
        {
            // The TLS layer has checked the certificate against the client CAs already.
            Accept(e, "client certificate");
            return Task.CompletedTask;
        }
        if (string.IsNullOrEmpty(e.UserName))
        {
            if (_options.AllowAnonymous)
            {
                Accept(e, "anonymous");
                return Task.CompletedTask;
            }
            e.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            LogRefused(e.ClientId, who, e.RemoteEndPoint?.ToString() ?? "?", "no username, and anonymous clients are not allowed");
            return Task.CompletedTask;
        }
        if (!_users.Check(e.UserName, e.Password))
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            LogRefused(e.ClientId, who, e.RemoteEndPoint?.ToString() ?? "?", "unknown user or wrong password");
            return Task.CompletedTask;
        }
        Accept(e, "password");
        return Task.CompletedTask;
    }

    private void Accept(ValidatingConnectionEventArgs e, string how)
    {
        LogClientConnected(e.ClientId, e.RemoteEndPoint?.ToString() ?? "?", e.ProtocolVersion == MQTTnet.Formatter.MqttProtocolVersion.V500 ? 5 : 4,
            e.CleanSession ?? true, (int)(e.KeepAlivePeriod ?? 0), string.IsNullOrEmpty(e.UserName) ? "-" : e.UserName, how);
    }

    private Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        if (_options.MayPublish is { } mayPublish && !mayPublish(string.IsNullOrEmpty(e.UserName) ? null : e.UserName, e.ApplicationMessage.Topic))
        {
            e.ProcessPublish = false;
            e.CloseConnection = true;
            LogForeignTopic(string.IsNullOrEmpty(e.UserName) ? "(anonymous)" : e.UserName, e.ApplicationMessage.Topic);
        }
        return Task.CompletedTask;
    }

    private bool ValidateClientCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        using var presented = new X509Certificate2(certificate);
        using var verify = new X509Chain();
        verify.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        verify.ChainPolicy.CustomTrustStore.AddRange(_options.ClientCertificateAuthorities!);
        verify.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return verify.Build(presented);
    }

    [LoggerMessage(EventId = 531, EventName = "mqtt-broker-started", Level = LogLevel.Information,
        Message = "embedded MQTT broker listening on {Address} (port {Port}, TLS port {TlsPort}); {Users} users")]
    private partial void LogStarted(string address, string port, string tlsPort, int users);

    [LoggerMessage(EventId = 532, EventName = "mqtt-broker-client", Level = LogLevel.Debug,
        Message = "client {ClientId} connected from {Endpoint} (protocol level {ProtocolLevel}, clean session {CleanSession}, keep-alive {KeepAliveSeconds} s, user {User}, by {How})")]
    private partial void LogClientConnected(string clientId, string endpoint, int protocolLevel, bool cleanSession, int keepAliveSeconds, string user, string how);

    [LoggerMessage(EventId = 533, EventName = "mqtt-broker-refused", Level = LogLevel.Warning,
        Message = "refused client {ClientId} (user {User}) from {Endpoint}: {Reason}; check its credentials and the broker's users file")]
    private partial void LogRefused(string clientId, string user, string endpoint, string reason);

    [LoggerMessage(EventId = 534, EventName = "mqtt-broker-foreign-topic", Level = LogLevel.Warning,
        Message = "client of user {User} published to {Topic}, which it may not (a sensor node publishes only to its own topic); the message is dropped and its connection closed")]
    private partial void LogForeignTopic(string user, string topic);

    [LoggerMessage(EventId = 535, EventName = "mqtt-broker-disconnected", Level = LogLevel.Debug, Message = "client {ClientId} disconnected ({How})")]
    private partial void LogClientDisconnected(string clientId, string how);
}
