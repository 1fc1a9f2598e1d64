namespace EdgeGateway.Mqtt;

/// <summary>A validated message, copied when it was queued, and its place in the order of hand-over.</summary>
internal sealed class OutgoingMessage
{
    private OutgoingMessage(string topic, int topicBytes, byte[] payload, MqttQos qos, bool retain)
    {
        Topic = topic;
        Payload = payload;
        Qos = qos;
        Retain = retain;
        Size = topicBytes + payload.Length;
    }

    public string Topic { get; }

    /// <summary>A copy of the caller's payload: the caller may reuse its buffer once <c>TryPublish</c> returns.</summary>
    public byte[] Payload { get; }

    public MqttQos Qos { get; }

    public bool Retain { get; }

    /// <summary>Bytes charged against the queue's byte capacity: the topic in UTF-8 and the payload.</summary>
    public long Size { get; }

    /// <summary>QoS 0 telemetry: what the overflow policy may drop.</summary>
    public bool Droppable => Qos == MqttQos.AtMostOnce && !Retain;

    /// <summary>Set when first handed to a connection; a QoS 1 message resent after a reconnect keeps its place by it.</summary>
    public long Sequence { get; set; }

    internal LinkedListNode<LinkedListNode<OutgoingMessage>>? DroppableEntry { get; set; }

    /// <summary>Copies a validated message.</summary>
    public static OutgoingMessage From(MqttMessage message, int topicBytes) =>
        new(message.Topic, topicBytes, message.Payload.ToArray(), message.Qos, message.Retain);
}

/// <summary>What <see cref="OutgoingQueue.Enqueue"/> did.</summary>
/// <param name="Accepted">The message is queued.</param>
/// <param name="Dropped">Older QoS 0 non-retained messages dropped to make room.</param>
/// <param name="Coalesced">A queued retained message for the same topic was replaced.</param>
internal readonly record struct EnqueueOutcome(bool Accepted, int Dropped, bool Coalesced);

/// <summary>
/// The bounded outgoing queue and its overflow policy. FIFO, with two exceptions that keep the newest
/// information when space runs out:
/// <list type="number">
/// <item>A retained message replaces the queued retained message for the same topic (the old one is removed
/// and the new one joins the tail), so state topics cost one slot each and the latest value always wins.</item>
/// <item>When the queue is full (by count or by bytes), the oldest QoS 0 non-retained messages (telemetry)
/// are dropped until the new message fits; if dropping all of them would not make room, the new message is
/// refused and nothing already queued is touched. QoS 1 and retained messages are never dropped.</item>
/// </list>
/// Thread-safe.
/// </summary>
internal sealed class OutgoingQueue
{
    private readonly Lock _gate = new();
    private readonly LinkedList<OutgoingMessage> _all = new();
    private readonly LinkedList<LinkedListNode<OutgoingMessage>> _droppable = new();
    private readonly Dictionary<string, LinkedListNode<OutgoingMessage>> _retained = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly long _capacityBytes;
    private long _bytes;
    private long _droppableBytes;
    private volatile int _count;

    public OutgoingQueue(int capacity, long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 1);
        _capacity = capacity;
        _capacityBytes = capacityBytes;
    }

    public int Count => _count;

    /// <summary>Lock-free; exact when nothing is being added or taken at the same moment.</summary>
    public bool IsEmpty => _count == 0;

    public long Bytes
    {
        get { lock (_gate) return _bytes; }
    }

    public EnqueueOutcome Enqueue(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            LinkedListNode<OutgoingMessage>? replaced = null;
            if (message.Retain) _retained.TryGetValue(message.Topic, out replaced);

            var count = _all.Count - (replaced is null ? 0 : 1) + 1;
            var bytes = _bytes - (replaced?.Value.Size ?? 0) + message.Size;
            var excessCount = count - _capacity;
            var excessBytes = bytes - _capacityBytes;
            if (excessCount > 0 || excessBytes > 0)
            {
                // Refuse before touching anything if dropping every droppable message would not suffice.
                if (_droppable.Count < excessCount || _droppableBytes < excessBytes)
                {
                    return new EnqueueOutcome(Accepted: false, Dropped: 0, Coalesced: false);
                }
            }

            if (replaced is not null) Remove(replaced);
            var dropped = 0;
            while (_all.Count + 1 > _capacity || _bytes + message.Size > _capacityBytes)
            {
                Remove(_droppable.First!.Value);
                dropped++;
            }
            Append(message, atFront: false);
            _count = _all.Count;
            return new EnqueueOutcome(Accepted: true, dropped, Coalesced: replaced is not null);
        }
    }

    public bool TryDequeue(out OutgoingMessage message)
    {
        lock (_gate)
        {
            var first = _all.First;
            if (first is null)
            {
                message = null!;
                return false;
            }
            Remove(first);
            _count = _all.Count;
            message = first.Value;
            return true;
        }
    }

    /// <summary>
    /// Puts back a message just taken by <see cref="TryDequeue"/> that could not be handed over, at the head
    /// so order is kept. May exceed the capacity by that one message. A retained message that has been
    /// superseded meanwhile is not put back.
    /// </summary>
    /// <returns>False if the message was superseded and so not put back.</returns>
    public bool ReturnToFront(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            if (message.Retain && _retained.ContainsKey(message.Topic)) return false;
            Append(message, atFront: true);
            _count = _all.Count;
            return true;
        }
    }

    /// <summary>Empties the queue and returns how many messages were in it.</summary>
    public int Clear()
    {
        lock (_gate)
        {
            var count = _all.Count;
            _all.Clear();
            _droppable.Clear();
            _retained.Clear();
            _bytes = 0;
            _droppableBytes = 0;
            _count = 0;
            return count;
        }
    }

    private void Append(OutgoingMessage message, bool atFront)
    {
        var node = atFront ? _all.AddFirst(message) : _all.AddLast(message);
        _bytes += message.Size;
        if (message.Droppable)
        {
            message.DroppableEntry = atFront ? _droppable.AddFirst(node) : _droppable.AddLast(node);
            _droppableBytes += message.Size;
        }
        if (message.Retain) _retained[message.Topic] = node;
    }

    private void Remove(LinkedListNode<OutgoingMessage> node)
    {
        var message = node.Value;
        _all.Remove(node);
        _bytes -= message.Size;
        if (message.DroppableEntry is { } entry)
        {
            _droppable.Remove(entry);
            message.DroppableEntry = null;
            _droppableBytes -= message.Size;
        }
        if (message.Retain && _retained.TryGetValue(message.Topic, out var current) && current == node)
        {
            _retained.Remove(message.Topic);
        }
    }
}
