using System.Runtime.InteropServices;
using EdgeGateway.Mqtt.Native;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Mqtt;

// The network thread: connects, runs mosquitto_loop, reconnects with backoff. Every library callback runs
// on this thread, inside mosquitto_loop, so the per-attempt fields below need no locking.
public sealed partial class MosquittoMqttClient
{
    private MqttConnectionFailure? _attemptFailure;
    private bool _attemptConnected;
    private string? _lastLibraryError;
    private bool _libraryLogOn;

    private void RunNetwork()
    {
        var first = true;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                RunOneConnection(first);
                first = false;
            }
            catch (Exception ex) when (ex is not ObjectDisposedException || !_stop.IsCancellationRequested)
            {
                // A bug must not silently end the gateway's MQTT; log it and go round again after a delay.
                LogNetworkLoopFault(ex);
                WaitBeforeRetry(_backoff.Next());
            }
            catch (ObjectDisposedException)
            {
                break;
            }
        }
        try
        {
            Disconnect();
        }
        finally
        {
            EndConnection();
            _handle.Dispose();
            _networkExited.TrySetResult();
        }
    }

    /// <summary>One attempt: connect, run the loop until the connection ends, record why, wait the backoff delay.</summary>
    private void RunOneConnection(bool first)
    {
        // A retry keeps the state of the failure it retries (reconnecting, refused) until it connects:
        // status must not flip to "connecting" for every attempt while a broker keeps refusing.
        if (first)
        {
            _state = (int)MqttConnectionState.Connecting;
        }
        _attemptFailure = null;
        _attemptConnected = false;
        _lastLibraryError = null;
        LibraryLog(on: true);

        // Blocking connects: the TCP connect (and name lookup) happen here, so a refused or unreachable broker
        // is reported at once with its errno. (With the asynchronous variants, libmosquitto 2.0 under TLS did
        // not report a refused TCP connect at all; it stayed "connecting".) The TLS handshake and CONNACK are
        // still driven by mosquitto_loop below.
        var rc = first ? ConnectFirst() : MosquittoNative.mosquitto_reconnect(_handle);
        var errno = Marshal.GetLastPInvokeError();
        if (rc == Mosq.ErrSuccess)
        {
            while (!_stop.IsCancellationRequested)
            {
                rc = MosquittoNative.mosquitto_loop(_handle, LoopTimeoutMilliseconds, 1);
                if (rc != Mosq.ErrSuccess)
                {
                    errno = Marshal.GetLastPInvokeError();
                    break;
                }
                if (_connected) LibraryLog(on: false);
            }
        }
        EndConnection();
        if (_stop.IsCancellationRequested) return;

        var failure = _attemptFailure ?? Describe(rc, errno);
        // A broker that stays away fails the same way for hours: warn when the reason changes, not every attempt.
        var level = failure.Message == _lastFailure?.Message ? LogLevel.Debug : LogLevel.Warning;
        _lastFailure = failure;
        Interlocked.Increment(ref _counters.ConnectionFailures);
        if (failure.Kind == MqttFailureKind.ConnectionLost) Interlocked.Increment(ref _counters.ConnectionsLost);
        _state = (int)(failure.Permanent ? MqttConnectionState.Refused : MqttConnectionState.Reconnecting);
        if (failure.Permanent) FailConnectWaiters(new MqttConnectException(failure));
        if (_attemptConnected) _backoff.Reset();
        var delay = _backoff.Next();
        LogConnectionFailed(level, failure.Kind, failure.Message, delay);
        WaitBeforeRetry(delay);
    }

    /// <summary>The first attempt also stores host, port, keep-alive and CONNECT properties in the library,
    /// which every later <c>mosquitto_reconnect</c> reuses.</summary>
    private unsafe int ConnectFirst()
    {
        nint properties = 0;
        try
        {
            if (_options.ProtocolVersion == MqttProtocolVersion.V5 && !_options.CleanSession)
            {
                // Without a session expiry interval an MQTT 5 session ends at disconnect whatever the
                // clean-start flag says.
                var expiry = _options.SessionExpiry is { } e ? (uint)e.TotalSeconds : uint.MaxValue;
                var rc = MosquittoNative.mosquitto_property_add_int32(&properties, Mosq.PropSessionExpiryInterval, expiry);
                if (rc != Mosq.ErrSuccess) return rc;
            }
            return MosquittoNative.mosquitto_connect_bind_v5(_handle, _options.Host, _options.Port, (int)_options.KeepAlive.TotalSeconds, null, properties);
        }
        finally
        {
            MosquittoNative.mosquitto_property_free_all(&properties);
        }
    }

    /// <summary>
    /// Turns libmosquitto's log callback on or off (off is overridden when debug logging is enabled).
    /// Whenever a log callback is set, the library formats a line for every packet it sends or receives;
    /// what matters (TLS and connection errors) is logged while connecting, so the callback stays off while
    /// connected. Called on the network thread outside callbacks: the setter takes a library lock.
    /// </summary>
    private unsafe void LibraryLog(bool on)
    {
        on |= _logger.IsEnabled(LogLevel.Debug);
        if (on == _libraryLogOn) return;
        MosquittoNative.mosquitto_log_callback_set(_handle, on ? &OnLogCallback : null);
        _libraryLogOn = on;
    }

    /// <summary>
    /// Bookkeeping when a connection (or attempt) ends: stop handing over, and count the QoS 0 messages that
    /// went down with the socket.
    /// </summary>
    private void EndConnection()
    {
        lock (_publishGate)
        {
            _connected = false;
            var lost = _inFlight.ForgetUnwrittenQos0();
            if (lost > 0)
            {
                Interlocked.Add(ref _counters.LostOnDisconnect, lost);
                LogLostOnDisconnect(lost);
                CheckDrained();
            }
        }
    }

    /// <summary>Called from <see cref="DisposeAsync"/>: wakes the network thread out of
    /// <c>mosquitto_loop</c> (queuing a DISCONNECT does that) so it notices the stop.</summary>
    private void RequestDisconnect()
    {
        try
        {
            MosquittoNative.mosquitto_disconnect(_handle);
        }
        catch (ObjectDisposedException)
        {
            // The network thread has already released the client.
        }
    }

    /// <summary>On the network thread at shutdown: sends DISCONNECT, so the broker does not publish the
    /// Last Will, and runs the loop until the socket is closed.</summary>
    private void Disconnect()
    {
        if (MosquittoNative.mosquitto_disconnect(_handle) != Mosq.ErrSuccess) return;
        var deadline = _time.GetTimestamp();
        while (_time.GetElapsedTime(deadline) < DisconnectTimeout)
        {
            if (MosquittoNative.mosquitto_loop(_handle, 100, 1) != Mosq.ErrSuccess) return;
        }
    }

    private void WaitBeforeRetry(TimeSpan delay)
    {
        try
        {
            Task.Delay(delay, _time, _stop.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private MqttConnectionFailure Describe(int rc, int errno)
    {
        var broker = $"{_options.Host}:{_options.Port}";
        var detail = rc switch
        {
            Mosq.ErrErrno when errno != 0 => Marshal.GetPInvokeErrorMessage(errno),
            // An MQTT 5 DISCONNECT from the broker passes its reason code through (e.g. 142 session taken over).
            >= 128 when _options.ProtocolVersion == MqttProtocolVersion.V5 => MosquittoNative.ReasonString(rc),
            _ => MosquittoNative.StrError(rc),
        };
        var now = _time.GetUtcNow();
        if (rc == Mosq.ErrInval)
        {
            // Options were validated, so this is the socket: mosquitto_loop uses select(), which cannot watch a
            // file descriptor numbered 1024 or above.
            return new MqttConnectionFailure(MqttFailureKind.Network,
                $"libmosquitto refused to run the connection to {broker} ({detail}); it uses select(), which fails when " +
                "the process has more than about 1,000 files and sockets open. Check for a descriptor leak.", Permanent: true, now);
        }
        if (_attemptConnected)
        {
            var why = rc switch
            {
                Mosq.ErrKeepalive => "no response within the keep-alive interval",
                Mosq.ErrConnLost or Mosq.ErrNoConn => "the broker closed the connection",
                Mosq.ErrTls => "TLS error" + (_lastLibraryError is null ? "" : $" ({_lastLibraryError})"),
                _ => detail,
            };
            return new MqttConnectionFailure(MqttFailureKind.ConnectionLost, $"Connection to broker {broker} lost: {why}.", Permanent: false, now);
        }
        // Checked after the connected case: a TLS error on an established connection (broker restarted) is a
        // lost connection, not a certificate problem.
        if (rc is Mosq.ErrTls or Mosq.ErrTlsHandshake || (_options.Tls is not null && _lastLibraryError?.Contains("OpenSSL", StringComparison.Ordinal) == true))
        {
            var openssl = _lastLibraryError ?? detail;
            if (openssl.Contains("verify failed", StringComparison.OrdinalIgnoreCase) || openssl.Contains("certificate verify", StringComparison.OrdinalIgnoreCase))
            {
                return new MqttConnectionFailure(MqttFailureKind.TlsVerificationFailed,
                    $"TLS verification failed for broker {broker}: its certificate does not chain to a CA in MqttOptions.Tls.CaFile " +
                    $"('{_options.Tls?.CaFile}') or does not name '{_options.Host}' ({openssl}).", Permanent: true, now);
            }
            // Certificate trouble (required, rejected, unknown CA) needs someone to act; anything else, such as
            // a broker going away mid-handshake, may pass.
            return new MqttConnectionFailure(MqttFailureKind.Tls,
                $"TLS handshake with broker {broker} failed ({openssl}). If the broker requires a client certificate, " +
                "check MqttOptions.Tls.CertFile and KeyFile.",
                Permanent: openssl.Contains("certificate", StringComparison.OrdinalIgnoreCase) || openssl.Contains("unknown ca", StringComparison.OrdinalIgnoreCase),
                now);
        }
        return rc switch
        {
            Mosq.ErrEai or Mosq.ErrLookup => new MqttConnectionFailure(MqttFailureKind.Network,
                $"Could not resolve broker host '{_options.Host}' ({detail}); check MqttOptions.Host and DNS.", Permanent: false, now),
            Mosq.ErrProtocol or Mosq.ErrMalformedPacket => new MqttConnectionFailure(MqttFailureKind.Protocol,
                $"Protocol error talking to broker {broker} ({detail}); is it an MQTT {(_options.ProtocolVersion == MqttProtocolVersion.V5 ? "5" : "3.1.1")} broker on that port?", Permanent: false, now),
            Mosq.ErrKeepalive => new MqttConnectionFailure(MqttFailureKind.Network,
                $"Broker {broker} did not answer the connection attempt within the keep-alive interval.", Permanent: false, now),
            Mosq.ErrConnLost or Mosq.ErrNoConn => new MqttConnectionFailure(MqttFailureKind.Network,
                $"Broker {broker} closed the connection before accepting it" + (_lastLibraryError is null ? "." : $" ({_lastLibraryError})."), Permanent: false, now),
            _ => new MqttConnectionFailure(MqttFailureKind.Network, $"Could not connect to broker {broker}: {detail}.", Permanent: false, now),
        };
    }

    private MqttConnectionFailure DescribeRefusal(int code)
    {
        var broker = $"{_options.Host}:{_options.Port}";
        var v5 = _options.ProtocolVersion == MqttProtocolVersion.V5;
        var text = v5 ? MosquittoNative.ReasonString(code) : MosquittoNative.ConnackString(code);
        var now = _time.GetUtcNow();
        // MQTT 3.1.1 §3.2.2.3 return codes; MQTT 5 §3.2.2.2 reason codes.
        var (kind, permanent, hint) = (v5, code) switch
        {
            (false, 4) or (false, 5) or (true, 134) or (true, 135) or (true, 140) =>
                (MqttFailureKind.NotAuthorized, true, " Check MqttOptions.Credentials and the broker's password file and ACL."),
            (false, 2) or (true, 133) => (MqttFailureKind.Refused, true, " Check MqttOptions.ClientId."),
            (false, 1) or (true, 132) => (MqttFailureKind.Refused, true, " Try the other MqttOptions.ProtocolVersion."),
            (true, 138) => (MqttFailureKind.Refused, true, " This client is banned by the broker."),
            _ => (MqttFailureKind.Refused, false, ""),
        };
        return new MqttConnectionFailure(kind, $"Broker {broker} refused the connection: {text} (code {code}).{hint}", permanent, now);
    }
}
