using System.Buffers;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace EdgeGateway.Mqtt;

// The pump: hands queued messages to MQTTnet while connected, at most MaxInFlight unfinished at a time, in
// order (MQTTnet writes packets in the order PublishAsync is called: its send lock is first come, first
// served, and is taken before PublishAsync first yields). QoS 1 messages that were not acknowledged when a
// connection ended wait in _resend, ordered by when they were first handed over, and go before the queue on
// the next connection.
public sealed partial class MqttNetClient
{
    private readonly Signal _work = new();
    private readonly Lock _resendGate = new();
    private readonly SortedDictionary<long, OutgoingMessage> _resend = [];
    private long _nextSequence;
    private int _inFlight;
    private volatile Connection? _current;

    private int InFlightCount
    {
        get
        {
            lock (_resendGate) return Volatile.Read(ref _inFlight) + _resend.Count;
        }
    }

    private async Task PumpAsync(Connection connection)
    {
        await Task.Yield();
        try
        {
            while (!connection.Token.IsCancellationRequested)
            {
                if (Volatile.Read(ref connection.InFlight) >= _options.MaxInFlight || !TryTake(out var message))
                {
                    if (_queue.IsEmpty) CheckDrained();
                    await _work.WaitAsync(connection.Token).ConfigureAwait(false);
                    continue;
                }
                HandOver(connection, message);
            }
        }
        catch (OperationCanceledException)
        {
            // The connection ended.
        }
    }

    private bool TryTake(out OutgoingMessage message)
    {
        lock (_resendGate)
        {
            if (_resend.Count > 0)
            {
                var first = _resend.First();
                _resend.Remove(first.Key);
                message = first.Value;
                Interlocked.Increment(ref _inFlight);
                return true;
            }
            if (!_queue.TryDequeue(out message)) return false;
            message.Sequence = ++_nextSequence;
            Interlocked.Increment(ref _inFlight);
            return true;
        }
    }

    private void HandOver(Connection connection, OutgoingMessage message)
    {
        // MQTT 5: a packet over the broker's maximum (CONNACK) would make it close the connection.
        if (PacketSize(message) > connection.MaximumPacketSize)
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Increment(ref _counters.Failed);
            LogPublishRefused(message.Topic, message.Payload.Length, $"the packet is larger than the broker's maximum packet size ({connection.MaximumPacketSize} bytes)");
            CheckDrained();
            return;
        }
        Interlocked.Increment(ref connection.InFlight);
        Interlocked.Increment(ref _counters.Published);
        Task<MqttClientPublishResult> publishing;
        try
        {
            publishing = connection.Client.PublishAsync(ToApplicationMessage(message), connection.Token);
        }
        catch (Exception e)
        {
            publishing = Task.FromException<MqttClientPublishResult>(e);
        }
        if (publishing.IsCompleted)
        {
            Finish(connection, message, publishing);
        }
        else
        {
            publishing.ContinueWith((task, state) => Finish(connection, (OutgoingMessage)state!, task),
                message, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Finish(Connection connection, OutgoingMessage message, Task<MqttClientPublishResult> publishing)
    {
        try
        {
            if (publishing.IsCompletedSuccessfully)
            {
                var result = publishing.Result;
                if (message.Qos == MqttQos.AtLeastOnce) connection.Heard();
                // MQTT 5 PUBACK reason codes of 0x80 and above are refusals (e.g. not authorised, quota exceeded).
                if ((int)result.ReasonCode >= 0x80)
                {
                    Interlocked.Increment(ref _counters.Failed);
                    LogPublishRejectedByBroker(message.Topic, $"{result.ReasonCode}{(string.IsNullOrEmpty(result.ReasonString) ? "" : ": " + result.ReasonString)}");
                }
                else
                {
                    Interlocked.Increment(ref _counters.Delivered);
                }
                Interlocked.Decrement(ref _inFlight);
            }
            else if (message.Qos == MqttQos.AtLeastOnce)
            {
                // Not acknowledged: sent again on the next connection, before anything newer.
                lock (_resendGate)
                {
                    _resend[message.Sequence] = message;
                    Interlocked.Decrement(ref _inFlight);
                }
                // A PUBACK that never came on a connection still up: treat the connection as dead.
                if (publishing.Exception?.GetBaseException() is MqttCommunicationTimedOutException)
                {
                    connection.End(null, null, KeepAliveExpired);
                }
            }
            else
            {
                Interlocked.Decrement(ref _inFlight);
                Interlocked.Increment(ref _counters.LostOnDisconnect);
                Interlocked.Increment(ref connection.LostQos0);
            }
        }
        finally
        {
            Interlocked.Decrement(ref connection.InFlight);
            _work.Set();
            CheckDrained();
        }
    }

    /// <summary>After a connection ended: waits until MQTTnet has finished with everything handed to it
    /// (pending publishes fail once it is disconnected) and reports the QoS 0 messages that went with it.</summary>
    private async Task EndConnectionAsync(Connection connection)
    {
        var waited = _time.GetTimestamp();
        while (Volatile.Read(ref connection.InFlight) > 0 && _time.GetElapsedTime(waited) < DisconnectTimeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), _time).ConfigureAwait(false);
        }
        if (connection.LostQos0 > 0) LogLostOnDisconnect(connection.LostQos0);
        if (_current == connection) _current = null;
    }

    /// <summary>At shutdown: what was handed over or waits to be resent, forgotten and counted.</summary>
    private int ForgetInFlight()
    {
        lock (_resendGate)
        {
            var count = Volatile.Read(ref _inFlight) + _resend.Count;
            _resend.Clear();
            Interlocked.Exchange(ref _inFlight, 0);
            return count;
        }
    }

    private static MqttApplicationMessage ToApplicationMessage(OutgoingMessage message) => new()
    {
        Topic = message.Topic,
        Payload = new ReadOnlySequence<byte>(message.Payload),
        QualityOfServiceLevel = message.Qos == MqttQos.AtLeastOnce ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce,
        Retain = message.Retain,
    };

    /// <summary>An upper bound of the PUBLISH packet's size: fixed header (at most 5), topic length and
    /// topic, packet id, MQTT 5 properties length (empty), payload.</summary>
    private static long PacketSize(OutgoingMessage message) => 5 + (message.Size - message.Payload.Length) + 2 + 2 + 1 + message.Payload.Length;

    private Task OnReceived(Connection connection, MqttApplicationMessageReceivedEventArgs e)
    {
        try
        {
            connection.Heard();
            var received = e.ApplicationMessage;
            Interlocked.Increment(ref _counters.Received);
            // Not copied at all when over the limit: the receive queue holds at most its capacity × the limit.
            if (received.Payload.Length > _options.MaxReceivePayloadBytes)
            {
                Interlocked.Increment(ref _counters.ReceiveOversized);
                return Task.CompletedTask;
            }
            var message = new MqttMessage(received.Topic, received.Payload.ToArray(),
                received.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce ? MqttQos.AtMostOnce : MqttQos.AtLeastOnce, received.Retain);
            ReceiveObserver?.Invoke(message);
            _received.Writer.TryWrite(message);
        }
        catch (Exception ex)
        {
            CallbackFault(ex, "message");
        }
        return Task.CompletedTask;
    }

    private void CallbackFault(Exception ex, string handler)
    {
        try
        {
            Interlocked.Increment(ref _counters.CallbackFaults);
            LogCallbackFault(ex, handler);
        }
        catch (Exception)
        {
            // Nothing left to do safely; the count above is what survives.
        }
    }

    /// <summary>An auto-reset signal for one waiter: <see cref="Set"/> wakes the pump, or makes its next wait return at once.</summary>
    private sealed class Signal
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource? _waiter;
        private bool _set;

        public void Set()
        {
            TaskCompletionSource? waiter;
            lock (_gate)
            {
                if (_waiter is null)
                {
                    _set = true;
                    return;
                }
                waiter = _waiter;
                _waiter = null;
            }
            waiter.TrySetResult();
        }

        public Task WaitAsync(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (_set)
                {
                    _set = false;
                    return Task.CompletedTask;
                }
                _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return _waiter.Task.WaitAsync(cancellationToken);
            }
        }
    }
}
