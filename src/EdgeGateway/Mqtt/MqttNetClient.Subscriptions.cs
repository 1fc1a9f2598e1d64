using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeGateway.Mqtt;

// Subscriptions are remembered and made again after every connect, whatever the session state: a broker
// restarted without persistence has forgotten even a persistent session's subscriptions.
public sealed partial class MqttNetClient
{
    private readonly Lock _subscriptionGate = new();
    private readonly Dictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);

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
            if (_connected && _current is { } connection) Send(subscription, connection);
            return subscription.Acknowledged.Task;
        }
    }

    /// <summary>On the connection loop, right after a connect: (re)subscribe everything. A subscription a caller
    /// already sent on this connection is not sent twice: the broker would replay retained messages twice.</summary>
    private void Resubscribe(Connection connection)
    {
        lock (_subscriptionGate)
        {
            foreach (var subscription in _subscriptions.Values)
            {
                if (subscription.SentOn != connection.Number) Send(subscription, connection);
            }
        }
    }

    // Called holding _subscriptionGate, so that a connect's re-subscribe and a caller's subscribe agree on
    // which connection a subscription was sent on; the SUBACK is awaited outside it.
    private void Send(Subscription subscription, Connection connection)
    {
        subscription.SentOn = connection.Number;
        _ = SubscribeOnAsync(subscription, connection);
    }

    private async Task SubscribeOnAsync(Subscription subscription, Connection connection)
    {
        MqttClientSubscribeResult result;
        try
        {
            var options = new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(subscription.Filter, subscription.Qos == MqttQos.AtLeastOnce ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce)
                .Build();
            result = await connection.Client.SubscribeAsync(options, connection.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The connection ended before the SUBACK: the next connect sends it again.
            return;
        }
        connection.Heard();
        var code = result.Items.Count > 0 ? (int)result.Items.First().ResultCode : 0x80;
        lock (_subscriptionGate)
        {
            if (code < 0x80)
            {
                subscription.Acknowledged.TrySetResult();
                return;
            }
            if (_subscriptions.TryGetValue(subscription.Filter, out var current) && current == subscription)
            {
                _subscriptions.Remove(subscription.Filter);
            }
        }
        LogSubscriptionRefused(subscription.Filter, code);
        subscription.Acknowledged.TrySetException(new MqttSubscribeException(
            $"The broker refused the subscription to '{subscription.Filter}' (SUBACK 0x{code:X2}); check the broker's ACL for this client."));
    }

    private void FailSubscriptions(Exception error)
    {
        lock (_subscriptionGate)
        {
            foreach (var subscription in _subscriptions.Values) subscription.Acknowledged.TrySetException(error);
            _subscriptions.Clear();
        }
    }

    private sealed class Subscription(string filter, MqttQos qos)
    {
        public string Filter { get; } = filter;

        public MqttQos Qos { get; } = qos;

        public TaskCompletionSource Acknowledged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The connection (its number) this was last sent on; 0 before the first.</summary>
        public long SentOn { get; set; }
    }
}
