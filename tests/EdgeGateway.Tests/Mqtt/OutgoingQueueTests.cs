using System.Text;
using EdgeGateway.Mqtt;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>The overflow policy of the bounded outgoing queue, without a broker.</summary>
public sealed class OutgoingQueueTests
{
    [Fact]
    public void Enqueue_WithinCapacity_DequeuesInOrder()
    {
        var queue = new OutgoingQueue(capacity: 3, capacityBytes: 1000);
        Accept(queue, Telemetry("a"));
        Accept(queue, Alarm("b"));
        Accept(queue, State("s", "c"));

        Assert.Equal(["a", "b", "c"], DrainPayloads(queue));
        Assert.Equal(0, queue.Bytes);
    }

    [Fact]
    public void Full_DropsOldestTelemetryFirst()
    {
        var queue = new OutgoingQueue(capacity: 3, capacityBytes: 1000);
        Accept(queue, Alarm("alarm"));
        Accept(queue, Telemetry("t0"));
        Accept(queue, Telemetry("t1"));

        var outcome = queue.Enqueue(Telemetry("t2"));

        Assert.Equal(new EnqueueOutcome(Accepted: true, Dropped: 1, Coalesced: false), outcome);
        Assert.Equal(["alarm", "t1", "t2"], DrainPayloads(queue));
    }

    [Fact]
    public void Full_OfQoS1AndRetained_RefusesNewAndKeepsEverything()
    {
        var queue = new OutgoingQueue(capacity: 2, capacityBytes: 1000);
        Accept(queue, Alarm("a0"));
        Accept(queue, State("s", "on"));

        Assert.False(queue.Enqueue(Alarm("a1")).Accepted);
        Assert.False(queue.Enqueue(Telemetry("t")).Accepted);
        Assert.False(queue.Enqueue(State("other", "x")).Accepted);
        Assert.Equal(["a0", "on"], DrainPayloads(queue));
    }

    [Fact]
    public void RetainedSameTopic_ReplacesQueuedOne_AtTheTail()
    {
        var queue = new OutgoingQueue(capacity: 10, capacityBytes: 1000);
        Accept(queue, State("door", "open"));
        Accept(queue, Alarm("alarm"));

        var outcome = queue.Enqueue(State("door", "closed"));

        Assert.True(outcome.Coalesced);
        Assert.Equal(2, queue.Count);
        Assert.Equal(["alarm", "closed"], DrainPayloads(queue));
    }

    [Fact]
    public void RetainedSameTopic_WhenFull_StillReplaces()
    {
        var queue = new OutgoingQueue(capacity: 2, capacityBytes: 1000);
        Accept(queue, Alarm("alarm"));
        Accept(queue, State("door", "open"));

        var outcome = queue.Enqueue(State("door", "closed"));

        Assert.Equal(new EnqueueOutcome(Accepted: true, Dropped: 0, Coalesced: true), outcome);
        Assert.Equal(["alarm", "closed"], DrainPayloads(queue));
    }

    [Fact]
    public void RefusedRetained_DoesNotLoseTheQueuedValue()
    {
        // A bigger new value that cannot fit must not have removed the old one first.
        var queue = new OutgoingQueue(capacity: 10, capacityBytes: 40);
        Accept(queue, State("door", "open"));
        Accept(queue, Alarm(new string('a', 20)));

        Assert.False(queue.Enqueue(State("door", new string('c', 30))).Accepted);
        Assert.Equal(["open", new string('a', 20)], DrainPayloads(queue));
    }

    [Fact]
    public void ByteCapacity_DropsAsManyTelemetryMessagesAsNeeded()
    {
        // Each telemetry message is 1 (topic) + 8 = 9 bytes.
        var queue = new OutgoingQueue(capacity: 100, capacityBytes: 40);
        for (var i = 0; i < 4; i++) Accept(queue, Telemetry($"reading{i}"));

        var outcome = queue.Enqueue(Alarm(new string('x', 25)));

        Assert.Equal(3, outcome.Dropped);
        Assert.Equal(["reading3", new string('x', 25)], DrainPayloads(queue));
    }

    [Fact]
    public void ReturnToFront_RestoresOrder_UnlessRetainedWasSuperseded()
    {
        var queue = new OutgoingQueue(capacity: 10, capacityBytes: 1000);
        Accept(queue, Telemetry("first"));
        Accept(queue, State("door", "open"));
        Accept(queue, Telemetry("second"));
        Assert.True(queue.TryDequeue(out var first));
        Assert.True(queue.TryDequeue(out var open));

        Assert.True(queue.ReturnToFront(first));
        Accept(queue, State("door", "closed"));
        Assert.False(queue.ReturnToFront(open));

        Assert.Equal(["first", "second", "closed"], DrainPayloads(queue));
    }

    [Fact]
    public void ReturnedTelemetry_IsStillDroppableOldestFirst()
    {
        var queue = new OutgoingQueue(capacity: 2, capacityBytes: 1000);
        Accept(queue, Telemetry("t0"));
        Accept(queue, Telemetry("t1"));
        Assert.True(queue.TryDequeue(out var t0));
        Assert.True(queue.ReturnToFront(t0));

        Assert.Equal(1, queue.Enqueue(Telemetry("t2")).Dropped);

        Assert.Equal(["t1", "t2"], DrainPayloads(queue));
    }

    [Fact]
    public void From_CopiesThePayload_AndChargesTopicUtf8AndPayloadBytes()
    {
        var payload = Encoding.UTF8.GetBytes("{}");
        var message = OutgoingMessage.From(new MqttMessage("a/β", payload, MqttQos.AtLeastOnce), topicBytes: 4);
        payload[0] = (byte)'x';

        Assert.Equal("{}"u8.ToArray(), message.Payload);
        Assert.Equal(4 + 2, message.Size);
    }

    private static OutgoingMessage Telemetry(string payload) => Message("t", payload, MqttQos.AtMostOnce, retain: false);

    private static OutgoingMessage Alarm(string payload) => Message("a", payload, MqttQos.AtLeastOnce, retain: false);

    private static OutgoingMessage State(string topic, string payload) => Message(topic, payload, MqttQos.AtLeastOnce, retain: true);

    private static OutgoingMessage Message(string topic, string payload, MqttQos qos, bool retain) =>
        OutgoingMessage.From(new MqttMessage(topic, Encoding.UTF8.GetBytes(payload), qos, retain), Encoding.UTF8.GetByteCount(topic));

    private static void Accept(OutgoingQueue queue, OutgoingMessage message) =>
        Assert.Equal(new EnqueueOutcome(Accepted: true, Dropped: 0, Coalesced: false), queue.Enqueue(message));

    private static List<string> DrainPayloads(OutgoingQueue queue)
    {
        var payloads = new List<string>();
        while (queue.TryDequeue(out var message))
        {
            payloads.Add(Encoding.UTF8.GetString(message.Payload));
        }
        Assert.Equal(0, queue.Count);
        return payloads;
    }
}
