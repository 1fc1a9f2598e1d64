using System.Threading.Channels;

namespace EdgeGateway.Mqtt;

/// <summary>
/// An MQTT client that keeps itself connected: it reconnects with exponential backoff, re-subscribes after
/// every reconnect, and sends queued messages once connected again.
/// </summary>
/// <remarks>
/// MQTT carries live telemetry and alarms only; a PUBACK does not mean a message is on disk, so nothing
/// whose loss matters may depend on it. Thread-safe: every member may be called from any thread.
/// </remarks>
public interface IMqttClient : IAsyncDisposable
{
    /// <summary>Where the client is in its connection life.</summary>
    MqttConnectionState State { get; }

    /// <summary>The most recent failed attempt or dropped connection; null until one happens.</summary>
    MqttConnectionFailure? LastFailure { get; }

    /// <summary>A snapshot of the client's counters.</summary>
    MqttClientStatistics Statistics { get; }

    /// <summary>
    /// Messages received on this client's subscriptions, in arrival order. Bounded: when the reader falls
    /// behind by more than the configured capacity, the oldest unread message is dropped and counted in
    /// <see cref="MqttClientStatistics.ReceiveDropped"/>; the network is never held up by a slow reader.
    /// Completed when the client is disposed.
    /// </summary>
    ChannelReader<MqttMessage> Messages { get; }

    /// <summary>
    /// Starts the client if it is not running and waits until it is connected. The client keeps
    /// (re)connecting by itself whatever happens to this call: cancelling ends only the wait.
    /// </summary>
    /// <exception cref="MqttConnectException">An attempt failed for a reason that will not pass by itself
    /// (bad credentials, TLS verification, client id refused). The client keeps retrying with backoff.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task ConnectAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Queues a message for publishing; never waits. Queued messages go out in order once the client is
    /// connected. When the queue is full the overflow policy applies: a retained message replaces a queued
    /// retained message for the same topic; otherwise the oldest queued QoS 0 non-retained message is
    /// dropped to make room; if none is left to drop, the new message is refused.
    /// </summary>
    /// <returns>True if queued; false if refused by the overflow policy.</returns>
    /// <exception cref="ArgumentException">The topic is empty, has a wildcard or NUL, or is too long; the
    /// payload is larger than the configured maximum; the QoS is not 0 or 1.</exception>
    /// <exception cref="ObjectDisposedException">The client is disposed.</exception>
    bool TryPublish(MqttMessage message);

    /// <summary>
    /// Subscribes now if connected, and again after every reconnect; completes when the broker has
    /// acknowledged the subscription (which, while disconnected, is after the next connect). Does not start
    /// the client: that is <see cref="ConnectAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The filter is not a valid MQTT topic filter.</exception>
    /// <exception cref="MqttSubscribeException">The broker refused the subscription.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the
    /// subscription stays registered and is still made.</exception>
    Task SubscribeAsync(string topicFilter, MqttQos qos, CancellationToken cancellationToken);
}
