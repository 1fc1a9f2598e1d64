using System.Threading.Channels;
using EdgeGateway.Mqtt.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Mqtt;

/// <summary>
/// <see cref="IMqttClient"/> on libmosquitto (the Eclipse Mosquitto client library, Debian package
/// <c>libmosquitto1</c>).
/// </summary>
/// <remarks>
/// <para>Callers (<see cref="TryPublish"/>, <see cref="SubscribeAsync"/>) and one dedicated network thread share
/// the native client. The network thread runs <c>mosquitto_loop</c>, connects, reconnects with backoff, and
/// receives every library callback. Callbacks only copy data and hand it on (to <see cref="Messages"/>, to
/// waiting tasks, to counters); they catch every exception, so nothing unwinds into native code and the
/// network thread never stops.</para>
/// <para>Handing over to the library is windowed (<see cref="MqttOptions.MaxInFlight"/>) so that messages
/// wait in the bounded <see cref="OutgoingQueue"/>, where the overflow policy applies, rather than in the
/// library's unbounded internal lists. Whoever frees or fills the window hands over: a caller of
/// <see cref="TryPublish"/> while there is room, the network thread when a message completes or the
/// connection comes up. The network thread refilling as each acknowledgement arrives keeps data flowing
/// both ways, which also keeps TCP from stalling on delayed ACKs.</para>
/// </remarks>
public sealed partial class MosquittoMqttClient : IMqttClient
{
    private const int LoopTimeoutMilliseconds = 1000;
    private static readonly TimeSpan NetworkStopTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(2);

    private readonly MqttOptions _options;
    private readonly ILogger<MosquittoMqttClient> _logger;
    private readonly TimeProvider _time;
    private readonly ReconnectBackoff _backoff;
    private readonly MosquittoHandle _handle;
    private readonly OutgoingQueue _queue;
    private readonly Channel<MqttMessage> _received;
    private readonly InFlightTracker _inFlight;
    private readonly Counters _counters = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _networkExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _disposal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // One hand-over at a time, and none during the network thread's end-of-connection bookkeeping, so that
    // a QoS 0 message is either counted as lost with the old connection or not handed over at all.
    private readonly Lock _publishGate = new();
    private readonly Lock _waiterGate = new();
    private readonly List<TaskCompletionSource> _connectWaiters = [];

    private Thread? _network;
    private int _started;
    private int _disposed;
    private volatile bool _connected;
    private volatile int _state = (int)MqttConnectionState.NotStarted;
    private volatile MqttConnectionFailure? _lastFailure;
    private volatile TaskCompletionSource? _drained;
    private int _overflowWarned;
    private int _handOverRequested;

    /// <summary>Creates a client; nothing is sent until <see cref="ConnectAsync"/>.</summary>
    /// <param name="options">Connection settings; validated here.</param>
    /// <param name="logger">Where connection events and library messages go.</param>
    /// <param name="timeProvider">Clock for reconnect delays and timestamps; the system clock by default.</param>
    /// <param name="random">Source of reconnect jitter; seed it for reproducible delays.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message names each bad field.</exception>
    /// <exception cref="MqttUnavailableException">libmosquitto is not installed (or too old); the message
    /// says how to install it.</exception>
    public MosquittoMqttClient(
        MqttOptions options,
        ILogger<MosquittoMqttClient>? logger = null,
        TimeProvider? timeProvider = null,
        Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _options = options;
        _logger = logger ?? NullLogger<MosquittoMqttClient>.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _backoff = new ReconnectBackoff(options.ReconnectMinDelay, options.ReconnectMaxDelay, random ?? new Random());
        _queue = new OutgoingQueue(options.QueueCapacity, options.QueueCapacityBytes);
        _inFlight = new InFlightTracker();
        _received = Channel.CreateBounded<MqttMessage>(
            new BoundedChannelOptions(options.ReceiveQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleWriter = true,
            },
            _ => Interlocked.Increment(ref _counters.ReceiveDropped));
        _handle = MosquittoHandle.Create(options.ClientId.Length == 0 ? null : options.ClientId, options.CleanSession, this);
        try
        {
            Configure();
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public MqttConnectionState State => (MqttConnectionState)_state;

    /// <inheritdoc/>
    public MqttConnectionFailure? LastFailure => _lastFailure;

    /// <inheritdoc/>
    public ChannelReader<MqttMessage> Messages => _received.Reader;

    /// <inheritdoc/>
    public MqttClientStatistics Statistics => new()
    {
        Accepted = Interlocked.Read(ref _counters.Accepted),
        Rejected = Interlocked.Read(ref _counters.Rejected),
        DroppedOverflow = Interlocked.Read(ref _counters.DroppedOverflow),
        Coalesced = Interlocked.Read(ref _counters.Coalesced),
        Published = Interlocked.Read(ref _counters.Published),
        Delivered = Interlocked.Read(ref _counters.Delivered),
        LostOnDisconnect = Interlocked.Read(ref _counters.LostOnDisconnect),
        Failed = Interlocked.Read(ref _counters.Failed),
        DiscardedAtShutdown = Interlocked.Read(ref _counters.DiscardedAtShutdown),
        Received = Interlocked.Read(ref _counters.Received),
        ReceiveDropped = Interlocked.Read(ref _counters.ReceiveDropped),
        ReceiveOversized = Interlocked.Read(ref _counters.ReceiveOversized),
        Connections = Interlocked.Read(ref _counters.Connections),
        ConnectionFailures = Interlocked.Read(ref _counters.ConnectionFailures),
        ConnectionsLost = Interlocked.Read(ref _counters.ConnectionsLost),
        CallbackFaults = Interlocked.Read(ref _counters.CallbackFaults),
        QueueLength = _queue.Count,
        InFlight = _inFlight.Count,
    };

    /// <summary>
    /// Test seam: runs inside the library's message callback, on the network thread, before the message is
    /// queued for <see cref="Messages"/>. Lets a test make that callback throw.
    /// </summary>
    internal Action<MqttMessage>? ReceiveObserver { get; set; }

    /// <inheritdoc/>
    public Task ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        TaskCompletionSource waiter;
        lock (_waiterGate)
        {
            if (_connected)
            {
                StartOnce();
                return Task.CompletedTask;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connectWaiters.Add(waiter);
        }
        StartOnce();
        return WaitForConnectionAsync(waiter, cancellationToken);
    }

    /// <inheritdoc/>
    public bool TryPublish(MqttMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (MqttTopic.CheckName(message.Topic, out var topicBytes) is { } problem)
        {
            throw new ArgumentException(problem, nameof(message));
        }
        if (!Enum.IsDefined(message.Qos))
        {
            throw new ArgumentException($"QoS {(int)message.Qos} is not supported: use AtMostOnce (0) or AtLeastOnce (1).", nameof(message));
        }
        if (message.Payload.Length > _options.MaxPayloadBytes)
        {
            throw new ArgumentException(
                $"Payload for '{message.Topic}' is {message.Payload.Length} bytes; the limit is {_options.MaxPayloadBytes} (MqttOptions.MaxPayloadBytes).",
                nameof(message));
        }

        var outcome = _queue.Enqueue(OutgoingMessage.From(message, topicBytes));
        if (!outcome.Accepted)
        {
            Interlocked.Increment(ref _counters.Rejected);
            WarnOverflowOnce();
            return false;
        }
        Interlocked.Increment(ref _counters.Accepted);
        if (outcome.Coalesced) Interlocked.Increment(ref _counters.Coalesced);
        if (outcome.Dropped > 0)
        {
            Interlocked.Add(ref _counters.DroppedOverflow, outcome.Dropped);
            WarnOverflowOnce();
        }
        HandOverQueued();
        return true;
    }

    /// <inheritdoc/>
    public async Task SubscribeAsync(string topicFilter, MqttQos qos, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (MqttTopic.CheckFilter(topicFilter) is { } problem) throw new ArgumentException(problem, nameof(topicFilter));
        if (!Enum.IsDefined(qos))
        {
            throw new ArgumentException($"QoS {(int)qos} is not supported: use AtMostOnce (0) or AtLeastOnce (1).", nameof(qos));
        }
        var acknowledged = AddSubscription(topicFilter, qos);
        await acknowledged.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends what is queued (for up to <see cref="MqttOptions.ShutdownFlushTimeout"/>, if connected),
    /// disconnects cleanly so the broker does not publish the Last Will, and releases the native client.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _disposal.Task.ConfigureAwait(false);
            return;
        }
        try
        {
            if (Volatile.Read(ref _started) != 0)
            {
                await FlushAsync().ConfigureAwait(false);
                await _stop.CancelAsync().ConfigureAwait(false);
                RequestDisconnect();
                try
                {
                    await _networkExited.Task.WaitAsync(NetworkStopTimeout, _time).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Most likely stuck in a blocking connect; it releases the native client when it returns.
                    LogNetworkThreadSlowToStop(NetworkStopTimeout);
                }
            }
            else
            {
                _handle.Dispose();
            }
            var discarded = _queue.Clear() + _inFlight.Count;
            Interlocked.Add(ref _counters.DiscardedAtShutdown, discarded);
            if (discarded > 0) LogDiscardedAtShutdown(discarded);
            _state = (int)MqttConnectionState.Disposed;
            _received.Writer.TryComplete();
            FailConnectWaiters(new ObjectDisposedException(nameof(MosquittoMqttClient)));
            FailSubscriptions(new ObjectDisposedException(nameof(MosquittoMqttClient)));
        }
        finally
        {
            _disposal.TrySetResult();
        }
    }

    private unsafe void Configure()
    {
        Check(MosquittoNative.mosquitto_int_option(_handle, Mosq.OptProtocolVersion, (int)_options.ProtocolVersion), "MqttOptions.ProtocolVersion");
        // Calls come from several threads; without this libmosquitto writes from whichever thread queues a packet.
        Check(MosquittoNative.mosquitto_threaded_set(_handle, true), "threaded mode");
        Check(MosquittoNative.mosquitto_max_inflight_messages_set(_handle, (uint)_options.MaxInFlight), "MqttOptions.MaxInFlight");
        if (_options.Credentials is { } credentials)
        {
            Check(MosquittoNative.mosquitto_username_pw_set(_handle, credentials.Username, credentials.Password), "MqttOptions.Credentials");
        }
        if (_options.Tls is { } tls)
        {
            Check(MosquittoNative.mosquitto_tls_set(_handle, tls.CaFile, null, tls.CertFile, tls.KeyFile, &RefuseKeyPassword),
                "MqttOptions.Tls (are the files readable PEM?)");
            Check(MosquittoNative.mosquitto_tls_insecure_set(_handle, false), "TLS host name verification");
        }
        if (_options.Will is { } will)
        {
            var topic = will.Topic;
            fixed (byte* payload = will.Payload.Span)
            {
                Check(MosquittoNative.mosquitto_will_set(_handle, topic, will.Payload.Length, payload, (int)will.Qos, will.Retain), "MqttOptions.Will");
            }
        }
        MosquittoNative.mosquitto_connect_v5_callback_set(_handle, &OnConnectCallback);
        MosquittoNative.mosquitto_disconnect_callback_set(_handle, &OnDisconnectCallback);
        MosquittoNative.mosquitto_publish_v5_callback_set(_handle, &OnPublishCallback);
        MosquittoNative.mosquitto_message_callback_set(_handle, &OnMessageCallback);
        MosquittoNative.mosquitto_subscribe_callback_set(_handle, &OnSubscribeCallback);

        static void Check(int rc, string what)
        {
            if (rc != Mosq.ErrSuccess)
            {
                throw new ArgumentException($"libmosquitto rejected {what}: {MosquittoNative.StrError(rc)}.");
            }
        }
    }

    private void StartOnce()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        _state = (int)MqttConnectionState.Connecting;
        _network = new Thread(RunNetwork)
        {
            IsBackground = true,
            Name = "mqtt-network",
        };
        _network.Start();
    }

    private async Task WaitForConnectionAsync(TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        try
        {
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_waiterGate) _connectWaiters.Remove(waiter);
        }
    }

    private void CompleteConnectWaiters()
    {
        lock (_waiterGate)
        {
            foreach (var waiter in _connectWaiters) waiter.TrySetResult();
            _connectWaiters.Clear();
        }
    }

    private void FailConnectWaiters(Exception error)
    {
        lock (_waiterGate)
        {
            foreach (var waiter in _connectWaiters) waiter.TrySetException(error);
            _connectWaiters.Clear();
        }
    }

    private void WarnOverflowOnce()
    {
        if (Interlocked.Exchange(ref _overflowWarned, 1) == 0)
        {
            LogQueueOverflow(_options.QueueCapacity, _options.QueueCapacityBytes);
        }
    }

    /// <summary>
    /// Moves queued messages into libmosquitto while connected and the window has room. Callable from any
    /// thread, including library callbacks on the network thread: it never waits for another hand-over. If
    /// one is running, it leaves a request that the running one picks up before it finishes.
    /// </summary>
    private void HandOverQueued()
    {
        // A caller that enqueues hands over itself, so an empty queue seen here needs nothing more.
        if (_queue.IsEmpty)
        {
            CheckDrained();
            return;
        }
        Volatile.Write(ref _handOverRequested, 1);
        while (Volatile.Read(ref _handOverRequested) == 1 && _publishGate.TryEnter())
        {
            try
            {
                Volatile.Write(ref _handOverRequested, 0);
                HandOverLocked();
            }
            finally
            {
                _publishGate.Exit();
            }
        }
        CheckDrained();
    }

    private void HandOverLocked()
    {
        if (!_connected || _queue.IsEmpty) return;
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            var mosq = _handle.DangerousGetHandle();
            while (_connected && _inFlight.Count < _options.MaxInFlight && _queue.TryDequeue(out var message))
            {
                if (!HandOver(mosq, message)) break;
            }
        }
        catch (ObjectDisposedException)
        {
            // Released at shutdown; what is still queued is counted as discarded.
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
        if (_queue.IsEmpty) Interlocked.Exchange(ref _overflowWarned, 0);
    }

    /// <returns>False when the connection has gone and handing over should stop.</returns>
    private unsafe bool HandOver(nint mosq, OutgoingMessage message)
    {
        // Counted before the call: the library may report completion on the network thread before it returns.
        _inFlight.Begin();
        int mid = 0;
        int rc;
        fixed (byte* buffer = message.Buffer)
        {
            rc = MosquittoNative.mosquitto_publish(mosq, &mid, buffer, message.PayloadLength, buffer + message.PayloadOffset, (int)message.Qos, message.Retain);
        }
        // A QoS 1 message refused with NO_CONN has still been stored by libmosquitto, which sends it after
        // reconnecting; only QoS 0 comes back to the queue.
        if (rc == Mosq.ErrSuccess || (rc == Mosq.ErrNoConn && message.Qos == MqttQos.AtLeastOnce))
        {
            Interlocked.Increment(ref _counters.Published);
            Settle(_inFlight.Track(mid, message.Qos));
            return rc == Mosq.ErrSuccess;
        }
        _inFlight.Abandon();
        if (rc == Mosq.ErrNoConn)
        {
            if (!_queue.ReturnToFront(message)) Interlocked.Increment(ref _counters.Coalesced);
            return false;
        }
        Interlocked.Increment(ref _counters.Failed);
        LogPublishRefused(message.Topic, message.PayloadLength, MosquittoNative.StrError(rc));
        return true;
    }

    /// <summary>Counts a completion reported by <see cref="InFlightTracker"/>.</summary>
    /// <returns>Whether a message finished (and so the window has room).</returns>
    private bool Settle(InFlightTracker.Completion completion)
    {
        if (completion.Kind == InFlightTracker.CompletionKind.None) return false;
        if (completion.Kind == InFlightTracker.CompletionKind.Delivered) Interlocked.Increment(ref _counters.Delivered);
        else Interlocked.Increment(ref _counters.Failed);
        return true;
    }

    private async Task FlushAsync()
    {
        if (!_connected || (_queue.Count == 0 && _inFlight.Count == 0)) return;
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _drained = drained;
        HandOverQueued();
        try
        {
            await drained.Task.WaitAsync(_options.ShutdownFlushTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogFlushTimedOut(_options.ShutdownFlushTimeout, _queue.Count + _inFlight.Count);
        }
    }

    private void CheckDrained()
    {
        if (_drained is { } drained && _queue.IsEmpty && _inFlight.Count == 0) drained.TrySetResult();
    }

    private sealed class Counters
    {
        public long Accepted;
        public long Rejected;
        public long DroppedOverflow;
        public long Coalesced;
        public long Published;
        public long Delivered;
        public long LostOnDisconnect;
        public long Failed;
        public long DiscardedAtShutdown;
        public long Received;
        public long ReceiveDropped;
        public long ReceiveOversized;
        public long Connections;
        public long ConnectionFailures;
        public long ConnectionsLost;
        public long CallbackFaults;
    }
}
