namespace EdgeGateway.Mqtt;

/// <summary>
/// Counts messages handed to libmosquitto and not yet finished, by message id, and matches the library's
/// publish callbacks to them.
/// </summary>
/// <remarks>
/// The callback for a message can run on the network thread before <c>mosquitto_publish</c> has returned its
/// id to the pump, so either side may come first: whichever arrives second settles the message. One byte per
/// possible id (MQTT ids are 16-bit) keeps this lock-free; the window is far smaller than the id space, so an
/// id is never reused while still tracked.
/// </remarks>
internal sealed class InFlightTracker
{
    private const byte Free = 0;
    private const byte TrackedQos0 = 1;
    private const byte TrackedQos1 = 2;
    private const byte EarlyDelivered = 3;
    private const byte EarlyFailed = 4;

    private readonly byte[] _slots = new byte[ushort.MaxValue + 1];
    private int _count;

    internal enum CompletionKind
    {
        None,
        Delivered,
        Failed,
    }

    /// <summary>A message that finished, and how many are still in flight after it.</summary>
    internal readonly record struct Completion(CompletionKind Kind, int Remaining);

    /// <summary>Messages handed over and not finished.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Counts a message about to be handed over.</summary>
    public void Begin() => Interlocked.Increment(ref _count);

    /// <summary>Uncounts a message the library did not take.</summary>
    public void Abandon() => Interlocked.Decrement(ref _count);

    /// <summary>Records the id the library gave a message; settles it if the callback came first.</summary>
    public Completion Track(int mid, MqttQos qos)
    {
        ref var slot = ref _slots[(ushort)mid];
        var previous = Interlocked.Exchange(ref slot, qos == MqttQos.AtMostOnce ? TrackedQos0 : TrackedQos1);
        switch (previous)
        {
            case EarlyDelivered:
            case EarlyFailed:
                Volatile.Write(ref slot, Free);
                return new Completion(previous == EarlyDelivered ? CompletionKind.Delivered : CompletionKind.Failed, Interlocked.Decrement(ref _count));
            case TrackedQos0:
            case TrackedQos1:
                // An older message with this id was never reported; give up on it so the window stays honest.
                return new Completion(CompletionKind.Failed, Interlocked.Decrement(ref _count));
            default:
                return new Completion(CompletionKind.None, Count);
        }
    }

    /// <summary>Handles the library's publish callback: QoS 0 written, or QoS 1 acknowledged.</summary>
    public Completion Complete(int mid, bool success)
    {
        ref var slot = ref _slots[(ushort)mid];
        while (true)
        {
            var state = Volatile.Read(ref slot);
            if (state is TrackedQos0 or TrackedQos1)
            {
                if (Interlocked.CompareExchange(ref slot, Free, state) == state)
                {
                    return new Completion(success ? CompletionKind.Delivered : CompletionKind.Failed, Interlocked.Decrement(ref _count));
                }
            }
            else if (state == Free)
            {
                if (Interlocked.CompareExchange(ref slot, success ? EarlyDelivered : EarlyFailed, Free) == Free)
                {
                    return new Completion(CompletionKind.None, Count);
                }
            }
            else
            {
                return new Completion(CompletionKind.None, Count);
            }
        }
    }

    /// <summary>
    /// At the end of a connection: forgets QoS 0 messages not yet written (libmosquitto discards its packet
    /// queue when it reconnects) and stale early marks, and returns how many QoS 0 messages were lost.
    /// QoS 1 messages stay tracked: the library resends them after reconnecting. Call only while no
    /// hand-over is in progress.
    /// </summary>
    public int ForgetUnwrittenQos0()
    {
        var lost = 0;
        for (var i = 0; i < _slots.Length; i++)
        {
            var state = _slots[i];
            if (state == TrackedQos0)
            {
                if (Interlocked.CompareExchange(ref _slots[i], Free, TrackedQos0) == TrackedQos0) lost++;
            }
            else if (state is EarlyDelivered or EarlyFailed)
            {
                Interlocked.CompareExchange(ref _slots[i], Free, state);
            }
        }
        if (lost > 0) Interlocked.Add(ref _count, -lost);
        return lost;
    }
}
