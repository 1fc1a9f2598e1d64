using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Mqtt;

/// <summary>
/// <see cref="IMqttClient"/> on MQTTnet 5 (a managed MQTT client: no native library).
/// </summary>
/// <remarks>
/// <para>MQTTnet 5 connects once and reports when the connection ends; everything that keeps a gateway's
/// MQTT going is here: one connection loop that connects, reconnects with jittered backoff and re-subscribes;
/// a pump per connection that hands queued messages to MQTTnet, at most <see cref="MqttOptions.MaxInFlight"/>
/// at a time, so that messages wait in the bounded <see cref="OutgoingQueue"/> where the overflow policy
/// applies; QoS 1 messages that were not acknowledged when a connection ended are sent again on the next one
/// (MQTTnet does not resend them); and a watchdog that asks the broker for a PINGRESP when nothing has been
/// heard for a keep-alive interval while publishing (MQTTnet only pings when it has sent nothing, so a
/// half-open link under a steady stream of publishes would otherwise go unnoticed: MQTTnet issue 2244).</para>
/// <para>Received messages are copied out of MQTTnet's handler into <see cref="Messages"/>, which never blocks
/// it; exceptions in that handler are counted and logged, never passed back into MQTTnet.</para>
/// </remarks>
public sealed partial class MqttNetClient : IMqttClient
{
    private readonly MqttOptions _options;
    private readonly ILogger<MqttNetClient> _logger;
    private readonly TimeProvider _time;
    private readonly ReconnectBackoff _backoff;
    private readonly OutgoingQueue _queue;
    private readonly Channel<MqttMessage> _received;
    private readonly Counters _counters = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _disposal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TlsSettings? _tls;

    private readonly Lock _waiterGate = new();
    private readonly List<TaskCompletionSource> _connectWaiters = [];

    private Task? _loop;
    private int _started;
    private int _disposed;
    private volatile bool _connected;
    private volatile int _state = (int)MqttConnectionState.NotStarted;
    private volatile MqttConnectionFailure? _lastFailure;
    private volatile TaskCompletionSource? _drained;
    private int _overflowWarned;

    /// <summary>Creates a client; nothing is sent until <see cref="ConnectAsync"/>.</summary>
    /// <param name="options">Connection settings; validated here.</param>
    /// <param name="logger">Where connection events go.</param>
    /// <param name="timeProvider">Clock for reconnect delays, the watchdog and timestamps; the system clock by default.</param>
    /// <param name="random">Source of reconnect jitter; seed it for reproducible delays.</param>
    /// <exception cref="ArgumentException">The options are invalid, or a TLS file cannot be used; the message
    /// names each bad field.</exception>
    public MqttNetClient(
        MqttOptions options,
        ILogger<MqttNetClient>? logger = null,
        TimeProvider? timeProvider = null,
        Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _options = options;
        _logger = logger ?? NullLogger<MqttNetClient>.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _backoff = new ReconnectBackoff(options.ReconnectMinDelay, options.ReconnectMaxDelay, random ?? new Random());
        _queue = new OutgoingQueue(options.QueueCapacity, options.QueueCapacityBytes);
        _received = Channel.CreateBounded<MqttMessage>(
            new BoundedChannelOptions(options.ReceiveQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleWriter = true,
            },
            _ => Interlocked.Increment(ref _counters.ReceiveDropped));
        _tls = options.Tls is { } tls ? TlsSettings.Load(tls) : null;
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
        InFlight = InFlightCount,
    };

    /// <summary>
    /// Test seam: runs inside MQTTnet's message handler before the message is queued for <see cref="Messages"/>.
    /// Lets a test make that handler throw.
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
        _work.Set();
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
    /// Sends what is queued (for up to <see cref="MqttOptions.ShutdownFlushTimeout"/>, if connected), then
    /// disconnects cleanly so the broker does not publish the Last Will.
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
            if (_loop is { } loop)
            {
                await FlushAsync().ConfigureAwait(false);
                await _stop.CancelAsync().ConfigureAwait(false);
                await loop.ConfigureAwait(false);
            }
            var discarded = _queue.Clear() + ForgetInFlight();
            Interlocked.Add(ref _counters.DiscardedAtShutdown, discarded);
            if (discarded > 0) LogDiscardedAtShutdown(discarded);
            _state = (int)MqttConnectionState.Disposed;
            _received.Writer.TryComplete();
            FailConnectWaiters(new ObjectDisposedException(nameof(MqttNetClient)));
            FailSubscriptions(new ObjectDisposedException(nameof(MqttNetClient)));
        }
        finally
        {
            _stop.Dispose();
            _disposal.TrySetResult();
        }
    }

    private void StartOnce()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        _state = (int)MqttConnectionState.Connecting;
        _loop = Task.Run(RunAsync);
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

    private async Task FlushAsync()
    {
        if (!_connected || IsDrained) return;
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _drained = drained;
        CheckDrained();
        try
        {
            await drained.Task.WaitAsync(_options.ShutdownFlushTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogFlushTimedOut(_options.ShutdownFlushTimeout, _queue.Count + InFlightCount);
        }
    }

    private bool IsDrained => _queue.IsEmpty && InFlightCount == 0;

    private void CheckDrained()
    {
        if (IsDrained)
        {
            Interlocked.Exchange(ref _overflowWarned, 0);
            _drained?.TrySetResult();
        }
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
