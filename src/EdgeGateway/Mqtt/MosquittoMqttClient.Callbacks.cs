using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeGateway.Mqtt.Native;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Mqtt;

// libmosquitto callbacks. Each static entry point is called by native code on the network thread; it finds
// the client through the GCHandle passed as user data, and catches everything: an exception must never
// unwind into C, and the network thread must keep running whatever a handler does.
public sealed partial class MosquittoMqttClient
{
    private readonly Lock _subscriptionGate = new();
    private readonly Dictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Subscription> _pendingSubacks = [];

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnConnectCallback(nint mosq, nint userdata, int rc, int flags, nint properties)
    {
        var client = Client(userdata);
        try
        {
            client?.OnConnected(rc, flags);
        }
        catch (Exception ex)
        {
            client?.CallbackFault(ex, "connect");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnDisconnectCallback(nint mosq, nint userdata, int rc)
    {
        var client = Client(userdata);
        try
        {
            // Stop handing over now; the network thread does the rest when mosquitto_loop returns.
            if (client is not null) client._connected = false;
        }
        catch (Exception ex)
        {
            client?.CallbackFault(ex, "disconnect");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnPublishCallback(nint mosq, nint userdata, int mid, int reasonCode, nint properties)
    {
        var client = Client(userdata);
        try
        {
            client?.OnPublished(mid, reasonCode);
        }
        catch (Exception ex)
        {
            client?.CallbackFault(ex, "publish");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void OnMessageCallback(nint mosq, nint userdata, MosquittoMessage* message)
    {
        var client = Client(userdata);
        try
        {
            if (client is not null && message is not null) client.OnMessage(message);
        }
        catch (Exception ex)
        {
            client?.CallbackFault(ex, "message");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void OnSubscribeCallback(nint mosq, nint userdata, int mid, int qosCount, int* grantedQos)
    {
        var client = Client(userdata);
        try
        {
            client?.OnSubscribed(mid, qosCount > 0 && grantedQos is not null ? grantedQos[0] : Mosq.SubackFailure);
        }
        catch (Exception ex)
        {
            client?.CallbackFault(ex, "subscribe");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void OnLogCallback(nint mosq, nint userdata, int level, byte* text)
    {
        var client = Client(userdata);
        try
        {
            client?.OnLibraryLog(level, text);
        }
        catch (Exception ex)
        {
            client?.CallbackFault(ex, "log");
        }
    }

    /// <summary>
    /// OpenSSL asks for the passphrase of an encrypted client key through this. Answering nothing makes the
    /// key load fail with an error, instead of OpenSSL prompting on a terminal a daemon does not have.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int RefuseKeyPassword(byte* buffer, int size, int rwflag, nint userdata) => 0;

    private static MosquittoMqttClient? Client(nint userdata)
    {
        try
        {
            return MosquittoHandle.Owner<MosquittoMqttClient>(userdata);
        }
        catch (Exception)
        {
            // Not ours, or already freed: nothing to call back into.
            return null;
        }
    }

    private void CallbackFault(Exception ex, string callback)
    {
        try
        {
            Interlocked.Increment(ref _counters.CallbackFaults);
            LogCallbackFault(ex, callback);
        }
        catch (Exception)
        {
            // Nothing left to do safely; the count above is what survives.
        }
    }

    private void OnConnected(int rc, int flags)
    {
        if (rc != 0)
        {
            _attemptFailure = DescribeRefusal(rc);
            return;
        }
        _attemptConnected = true;
        // Counted before _connected is set, so that a subscription made meanwhile knows it was sent on this connection.
        var connections = Interlocked.Increment(ref _counters.Connections);
        _connected = true;
        _state = (int)MqttConnectionState.Connected;
        LogConnected(_options.Host, _options.Port, sessionPresent: (flags & 1) != 0, reconnect: connections > 1);
        Resubscribe();
        CompleteConnectWaiters();
        HandOverQueued();
    }

    private void OnPublished(int mid, int reasonCode)
    {
        // MQTT 5 PUBACK reason codes of 0x80 and above are refusals (e.g. not authorised, quota exceeded).
        var completion = _inFlight.Complete(mid, success: reasonCode < 0x80);
        if (reasonCode >= 0x80) LogPublishRejectedByBroker(mid, MosquittoNative.ReasonString(reasonCode));
        // Refill the slot at once: the next PUBLISH then carries the ACK for this PUBACK.
        if (Settle(completion)) HandOverQueued();
    }

    private unsafe void OnMessage(MosquittoMessage* native)
    {
        if (native->PayloadLength > _options.MaxReceivePayloadBytes)
        {
            Interlocked.Increment(ref _counters.Received);
            Interlocked.Increment(ref _counters.ReceiveOversized);
            return;
        }
        var topic = Marshal.PtrToStringUTF8((nint)native->Topic) ?? "";
        var payload = native->PayloadLength > 0 && native->Payload is not null
            ? new ReadOnlySpan<byte>(native->Payload, native->PayloadLength).ToArray()
            : [];
        var message = new MqttMessage(topic, payload, native->Qos >= 1 ? MqttQos.AtLeastOnce : MqttQos.AtMostOnce, native->Retain != 0);
        Interlocked.Increment(ref _counters.Received);
        ReceiveObserver?.Invoke(message);
        _received.Writer.TryWrite(message);
    }

    private unsafe void OnLibraryLog(int level, byte* text)
    {
        // libmosquitto formats a debug line for every packet; only turn it into a string if someone reads it.
        if (level == Mosq.LogDebug)
        {
            if (_logger.IsEnabled(LogLevel.Trace)) LogLibrary(LogLevel.Trace, Marshal.PtrToStringUTF8((nint)text));
            return;
        }
        var line = Marshal.PtrToStringUTF8((nint)text);
        // Errors reach the operator inside the connection failure (one warning per change of reason), so the
        // raw lines, which repeat on every attempt, stay at Debug.
        if (level == Mosq.LogErr) _lastLibraryError = line;
        LogLibrary(LogLevel.Debug, line);
    }

    private Task AddSubscription(string filter, MqttQos qos)
    {
        lock (_subscriptionGate)
        {
            if (_subscriptions.TryGetValue(filter, out var existing) && existing.Qos == qos && !existing.Acknowledged.Task.IsFaulted)
            {
                return existing.Acknowledged.Task;
            }
            var subscription = new Subscription(filter, qos);
            _subscriptions[filter] = subscription;
            if (_connected) Send(subscription, Interlocked.Read(ref _counters.Connections));
            return subscription.Acknowledged.Task;
        }
    }

    /// <summary>On the network thread, from the connect callback: (re)subscribe everything. A persistent
    /// session may still hold them, but a broker restarted without persistence does not. A subscription a
    /// caller already sent on this connection is not sent twice: the broker would replay retained messages twice.</summary>
    private void Resubscribe()
    {
        lock (_subscriptionGate)
        {
            var connection = Interlocked.Read(ref _counters.Connections);
            foreach (var mid in _pendingSubacks.Where(p => p.Value.SentOn != connection).Select(p => p.Key).ToList()) _pendingSubacks.Remove(mid);
            foreach (var subscription in _subscriptions.Values.ToList())
            {
                if (subscription.SentOn != connection) Send(subscription, connection);
            }
        }
    }

    // Holds _subscriptionGate across mosquitto_subscribe so the SUBACK callback, which takes the same lock,
    // cannot look for the message id before it is recorded. The library takes none of its locks in a way
    // that could wait on this one (subscribe queues a packet; the callback holds no packet locks).
    private unsafe void Send(Subscription subscription, long connection)
    {
        int mid = 0;
        var rc = MosquittoNative.mosquitto_subscribe(_handle, &mid, subscription.Filter, (int)subscription.Qos);
        if (rc == Mosq.ErrSuccess)
        {
            _pendingSubacks[mid] = subscription;
            subscription.SentOn = connection;
        }
        else if (rc != Mosq.ErrNoConn)
        {
            // NO_CONN: sent again on the next connect. Anything else will not get better by retrying.
            _subscriptions.Remove(subscription.Filter);
            subscription.Acknowledged.TrySetException(new MqttSubscribeException(
                $"libmosquitto refused the subscription to '{subscription.Filter}': {MosquittoNative.StrError(rc)}."));
        }
    }

    private void OnSubscribed(int mid, int grantedQos)
    {
        lock (_subscriptionGate)
        {
            if (!_pendingSubacks.Remove(mid, out var subscription)) return;
            if (grantedQos >= Mosq.SubackFailure)
            {
                if (_subscriptions.TryGetValue(subscription.Filter, out var current) && current == subscription)
                {
                    _subscriptions.Remove(subscription.Filter);
                }
                LogSubscriptionRefused(subscription.Filter, grantedQos);
                subscription.Acknowledged.TrySetException(new MqttSubscribeException(
                    $"The broker refused the subscription to '{subscription.Filter}' (SUBACK 0x{grantedQos:X2}); check the broker's ACL for this client."));
                return;
            }
            subscription.Acknowledged.TrySetResult();
        }
    }

    private void FailSubscriptions(Exception error)
    {
        lock (_subscriptionGate)
        {
            foreach (var subscription in _subscriptions.Values) subscription.Acknowledged.TrySetException(error);
            _subscriptions.Clear();
            _pendingSubacks.Clear();
        }
    }

    private sealed class Subscription(string filter, MqttQos qos)
    {
        public string Filter { get; } = filter;

        public MqttQos Qos { get; } = qos;

        public TaskCompletionSource Acknowledged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The connection (its count) this was last sent on; 0 before the first.</summary>
        public long SentOn { get; set; }
    }
}
