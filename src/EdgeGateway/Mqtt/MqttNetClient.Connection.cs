using System.Net.Sockets;
using System.Security.Authentication;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Mqtt;

// The connection loop: connect, run the connection until it ends, record why, wait the backoff delay, again.
// One loop per client; the per-attempt fields below are only touched by it.
public sealed partial class MqttNetClient
{
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(2);
    private static readonly MqttClientFactory Factory = new();

    private long _connectionNumber;

    private async Task RunAsync()
    {
        var first = true;
        while (!_stop.IsCancellationRequested)
        {
            // A retry keeps the state of the failure it retries (reconnecting, refused) until it connects:
            // status must not flip to "connecting" for every attempt while a broker keeps refusing.
            if (first) _state = (int)MqttConnectionState.Connecting;
            first = false;
            Attempt attempt;
            try
            {
                attempt = await RunOneConnectionAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested)
            {
                // A bug must not silently end the gateway's MQTT; log it and go round again after a delay.
                LogNetworkLoopFault(ex);
                await WaitBeforeRetryAsync(_backoff.Next()).ConfigureAwait(false);
                continue;
            }
            if (_stop.IsCancellationRequested || attempt.Failure is not { } failure) break;

            // A broker that stays away fails the same way for hours: warn when the reason changes, not every attempt.
            var level = failure.Message == _lastFailure?.Message ? LogLevel.Debug : LogLevel.Warning;
            _lastFailure = failure;
            Interlocked.Increment(ref _counters.ConnectionFailures);
            if (failure.Kind == MqttFailureKind.ConnectionLost) Interlocked.Increment(ref _counters.ConnectionsLost);
            _state = (int)(failure.Permanent ? MqttConnectionState.Refused : MqttConnectionState.Reconnecting);
            if (failure.Permanent) FailConnectWaiters(new MqttConnectException(failure));
            if (attempt.Connected) _backoff.Reset();
            var delay = _backoff.Next();
            LogConnectionFailed(level, failure.Kind, failure.Message, delay);
            await WaitBeforeRetryAsync(delay).ConfigureAwait(false);
        }
    }

    private readonly record struct Attempt(bool Connected, MqttConnectionFailure? Failure);

    /// <summary>One attempt: connect, run the pump and the watchdog until the connection ends, and say why it ended.</summary>
    private async Task<Attempt> RunOneConnectionAsync()
    {
        _tlsProblem = null;
        using var mqtt = Factory.CreateMqttClient();
        using var connection = new Connection(mqtt, Interlocked.Increment(ref _connectionNumber), _time, _stop.Token);
        mqtt.DisconnectedAsync += e =>
        {
            connection.End(e.Exception, e.Reason, e.ReasonString);
            return Task.CompletedTask;
        };
        mqtt.ApplicationMessageReceivedAsync += e => OnReceived(connection, e);

        MqttClientConnectResult result;
        using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
        {
            attempt.CancelAfter(ConnectTimeout);
            try
            {
                result = await mqtt.ConnectAsync(ClientOptions(), attempt.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                return new Attempt(false, DescribeAttemptFailure(e, timedOut: attempt.IsCancellationRequested));
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return default;
            }
        }
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            return new Attempt(false, DescribeRefusal(result));
        }

        OnConnected(connection, result);
        var pump = PumpAsync(connection);
        var watchdog = WatchAsync(connection);
        var ended = await connection.Ended.ConfigureAwait(false);
        _connected = false;
        connection.Cancel();
        await Task.WhenAll(pump, watchdog).ConfigureAwait(false);
        if (_stop.IsCancellationRequested)
        {
            await DisconnectAsync(mqtt).ConfigureAwait(false);
        }
        await EndConnectionAsync(connection).ConfigureAwait(false);
        return new Attempt(true, _stop.IsCancellationRequested ? null : DescribeLoss(ended));
    }

    /// <summary>Long enough for a TLS handshake on a slow board, short enough that a broker whose packets are
    /// silently dropped does not hold an attempt for the kernel's SYN timeout.</summary>
    private TimeSpan ConnectTimeout => _options.KeepAlive < TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : _options.KeepAlive;

    private MqttClientOptions ClientOptions()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithProtocolVersion(_options.ProtocolVersion == MqttProtocolVersion.V5 ? MQTTnet.Formatter.MqttProtocolVersion.V500 : MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithClientId(_options.ClientId)
            .WithCleanSession(_options.CleanSession)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(ConnectTimeout);
        if (_options.ProtocolVersion == MqttProtocolVersion.V5 && !_options.CleanSession)
        {
            // Without a session expiry interval an MQTT 5 session ends at disconnect whatever the clean-start flag says.
            builder.WithSessionExpiryInterval(_options.SessionExpiry is { } e ? (uint)e.TotalSeconds : uint.MaxValue);
        }
        if ((_options.CredentialsProvider?.Invoke() ?? _options.Credentials) is { } credentials)
        {
            builder.WithCredentials(credentials.Username, credentials.Password is null ? null : System.Text.Encoding.UTF8.GetBytes(credentials.Password));
        }
        if (_tls is { } tls)
        {
            builder.WithTlsOptions(TlsOptions(tls));
        }
        if (_options.Will is { } will)
        {
            builder.WithWillTopic(will.Topic)
                .WithWillPayload(will.Payload.ToArray())
                .WithWillQualityOfServiceLevel((MQTTnet.Protocol.MqttQualityOfServiceLevel)(int)will.Qos)
                .WithWillRetain(will.Retain);
        }
        return builder.Build();
    }

    private void OnConnected(Connection connection, MqttClientConnectResult result)
    {
        // Counted before _connected is set, so that a subscription made meanwhile knows it was sent on this connection.
        var connections = Interlocked.Increment(ref _counters.Connections);
        connection.MaximumPacketSize = result.MaximumPacketSize is > 0 and var max ? max : uint.MaxValue;
        _current = connection;
        _connected = true;
        _state = (int)MqttConnectionState.Connected;
        LogConnected(_options.Host, _options.Port, result.IsSessionPresent, reconnect: connections > 1);
        Resubscribe(connection);
        CompleteConnectWaiters();
    }

    /// <summary>
    /// Watches a connection that may be half-open. MQTTnet pings only when it has sent nothing for a keep-alive
    /// interval, so while messages keep going out nothing would notice that nothing comes back (MQTTnet issue
    /// 2244). When nothing has been heard for a keep-alive interval, this asks for a PINGRESP; no answer within
    /// half an interval ends the connection. A dead link is so noticed within about twice the keep-alive.
    /// </summary>
    private async Task WatchAsync(Connection connection)
    {
        var period = _options.KeepAlive;
        try
        {
            while (true)
            {
                await Task.Delay(period / 4, _time, connection.Token).ConfigureAwait(false);
                if (connection.SinceHeard < period) continue;
                using var answer = CancellationTokenSource.CreateLinkedTokenSource(connection.Token);
                answer.CancelAfter(period / 2);
                try
                {
                    await connection.Client.PingAsync(answer.Token).ConfigureAwait(false);
                    connection.Heard();
                }
                catch (Exception) when (!connection.Token.IsCancellationRequested)
                {
                    connection.End(null, null, KeepAliveExpired);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The connection ended.
        }
    }

    private const string KeepAliveExpired = "no response within the keep-alive interval";

    /// <summary>At shutdown: DISCONNECT, so the broker does not publish the Last Will.</summary>
    private async Task DisconnectAsync(MQTTnet.IMqttClient mqtt)
    {
        try
        {
            using var timeout = new CancellationTokenSource(DisconnectTimeout);
            await mqtt.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // Gone already: the broker may publish the will, which is then true.
        }
    }

    private async Task WaitBeforeRetryAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One connection's client, its cancellation, when the broker was last heard from, and why it ended.</summary>
    private sealed class Connection : IDisposable
    {
        private readonly TaskCompletionSource<Ending> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _cancel;
        private readonly TimeProvider _time;
        private long _heard;

        public Connection(MQTTnet.IMqttClient client, long number, TimeProvider time, CancellationToken stop)
        {
            Client = client;
            Number = number;
            _time = time;
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
            _cancel.Token.Register(() => _ended.TrySetResult(new Ending(null, null, null)));
            Heard();
        }

        public MQTTnet.IMqttClient Client { get; }

        /// <summary>Counts connections of this client, from 1.</summary>
        public long Number { get; }

        public CancellationToken Token => _cancel.Token;

        public Task<Ending> Ended => _ended.Task;

        /// <summary>The broker's maximum packet size (MQTT 5 CONNACK); unlimited otherwise.</summary>
        public uint MaximumPacketSize { get; set; } = uint.MaxValue;

        /// <summary>Messages handed to MQTTnet on this connection and not finished.</summary>
        public int InFlight;

        /// <summary>QoS 0 messages handed over on this connection and not written when it ended.</summary>
        public int LostQos0;

        public TimeSpan SinceHeard => _time.GetElapsedTime(Interlocked.Read(ref _heard));

        public void Heard() => Interlocked.Exchange(ref _heard, _time.GetTimestamp());

        public void End(Exception? exception, MqttClientDisconnectReason? reason, string? detail) =>
            _ended.TrySetResult(new Ending(exception, reason, detail));

        public void Cancel() => _cancel.Cancel();

        public void Dispose() => _cancel.Dispose();
    }

    private sealed record Ending(Exception? Exception, MqttClientDisconnectReason? Reason, string? Detail);

    private MqttConnectionFailure DescribeLoss(Ending ending)
    {
        var broker = Broker;
        var why = ending switch
        {
            { Detail: KeepAliveExpired } => KeepAliveExpired,
            { Reason: { } reason } when reason != MqttClientDisconnectReason.NormalDisconnection && _options.ProtocolVersion == MqttProtocolVersion.V5 =>
                $"the broker disconnected it ({reason}{(string.IsNullOrEmpty(ending.Detail) ? "" : ": " + ending.Detail)})",
            { Exception: { } e } when Innermost<AuthenticationException>(e) is not null => $"TLS error ({ExceptionText(e)})",
            _ => "the broker closed the connection",
        };
        return new MqttConnectionFailure(MqttFailureKind.ConnectionLost, $"Connection to broker {broker} lost: {why}.", Permanent: false, _time.GetUtcNow());
    }

    private string Broker => $"{_options.Host}:{_options.Port}";

    private MqttConnectionFailure DescribeAttemptFailure(Exception error, bool timedOut)
    {
        var broker = Broker;
        var now = _time.GetUtcNow();
        if (_tlsProblem is { } tlsProblem)
        {
            return new MqttConnectionFailure(MqttFailureKind.TlsVerificationFailed,
                $"TLS verification failed for broker {broker}: {tlsProblem}.", Permanent: true, now);
        }
        var text = ExceptionText(error);
        if (timedOut)
        {
            return new MqttConnectionFailure(MqttFailureKind.Network,
                $"Broker {broker} did not accept the connection within {ConnectTimeout.TotalSeconds:0} s; check MqttOptions.Host and Port and that the broker is reachable.", Permanent: false, now);
        }
        if (Innermost<SocketException>(error) is { } socket)
        {
            return socket.SocketErrorCode is SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData
                ? new MqttConnectionFailure(MqttFailureKind.Network, $"Could not resolve broker host '{_options.Host}' ({socket.Message}); check MqttOptions.Host and DNS.", Permanent: false, now)
                : new MqttConnectionFailure(MqttFailureKind.Network, $"Could not connect to broker {broker}: {socket.Message}.", Permanent: false, now);
        }
        if (_tls is not null && (Innermost<AuthenticationException>(error) is not null || text.Contains("SSL", StringComparison.Ordinal) || text.Contains("alert", StringComparison.OrdinalIgnoreCase)))
        {
            // Certificate trouble (required, rejected, unknown CA) needs someone to act; anything else, such as
            // a broker going away mid-handshake, may pass.
            var permanent = text.Contains("certificate", StringComparison.OrdinalIgnoreCase) || text.Contains("unknown ca", StringComparison.OrdinalIgnoreCase);
            return new MqttConnectionFailure(MqttFailureKind.Tls,
                $"TLS handshake with broker {broker} failed ({text}). If the broker requires a client certificate, check MqttOptions.Tls.CertFile and KeyFile.",
                permanent, now);
        }
        if (_tls is { ClientCertificates.Count: 0 } && Innermost<MQTTnet.Adapter.MqttConnectingFailedException>(error) is not null)
        {
            // Under TLS 1.3 a broker that wants a client certificate decides after the handshake; some (the
            // embedded broker among them) then close the connection without an alert saying why.
            return new MqttConnectionFailure(MqttFailureKind.Tls,
                $"Broker {broker} closed the TLS connection without answering the CONNECT ({text}): it most likely requires a client certificate " +
                "(certificate required) and none is configured; set MqttOptions.Tls.CertFile and KeyFile.", Permanent: true, now);
        }
        if (Innermost<MqttProtocolViolationException>(error) is not null)
        {
            return new MqttConnectionFailure(MqttFailureKind.Protocol,
                $"Protocol error talking to broker {broker} ({text}); is it an MQTT {(_options.ProtocolVersion == MqttProtocolVersion.V5 ? "5" : "3.1.1")} broker on that port?", Permanent: false, now);
        }
        return new MqttConnectionFailure(MqttFailureKind.Network, $"Broker {broker} closed the connection before accepting it ({text}).", Permanent: false, now);
    }

    private MqttConnectionFailure DescribeRefusal(MqttClientConnectResult result)
    {
        var code = result.ResultCode;
        var (kind, permanent, hint) = code switch
        {
            MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized or MqttClientConnectResultCode.BadAuthenticationMethod =>
                (MqttFailureKind.NotAuthorized, true, " Check MqttOptions.Credentials and the broker's password file and ACL."),
            MqttClientConnectResultCode.ClientIdentifierNotValid => (MqttFailureKind.Refused, true, " Check MqttOptions.ClientId."),
            MqttClientConnectResultCode.UnsupportedProtocolVersion => (MqttFailureKind.Refused, true, " Try the other MqttOptions.ProtocolVersion."),
            MqttClientConnectResultCode.Banned => (MqttFailureKind.Refused, true, " This client is banned by the broker."),
            _ => (MqttFailureKind.Refused, false, ""),
        };
        var reason = string.IsNullOrEmpty(result.ReasonString) ? "" : $": {result.ReasonString}";
        return new MqttConnectionFailure(kind, $"Broker {Broker} refused the connection: {code}{reason} (code {(int)code}).{hint}", permanent, _time.GetUtcNow());
    }

    private static T? Innermost<T>(Exception? error)
        where T : Exception
    {
        T? found = null;
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is T match) found = match;
        }
        return found;
    }

    /// <summary>The messages of an exception and its inner exceptions, without repeats: OpenSSL's reason is often only in the innermost.</summary>
    private static string ExceptionText(Exception error)
    {
        var parts = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            var message = e.Message.Trim().TrimEnd('.');
            if (message.Length > 0 && !parts.Any(p => p.Contains(message, StringComparison.Ordinal))) parts.Add(message);
        }
        return string.Join(": ", parts);
    }
}
