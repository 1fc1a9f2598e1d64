using EdgeGateway.Mqtt;
using static EdgeGateway.Mqtt.InFlightTracker;

namespace EdgeGateway.Tests.Mqtt;

public sealed class InFlightTrackerTests
{
    [Fact]
    public void CallbackAfterTrack_SettlesOnCallback()
    {
        var tracker = new InFlightTracker();
        tracker.Begin();

        Assert.Equal(new Completion(CompletionKind.None, 1), tracker.Track(7, MqttQos.AtLeastOnce));
        Assert.Equal(new Completion(CompletionKind.Delivered, 0), tracker.Complete(7, success: true));
    }

    [Fact]
    public void CallbackBeforeTrack_SettlesOnTrack()
    {
        var tracker = new InFlightTracker();
        tracker.Begin();

        Assert.Equal(CompletionKind.None, tracker.Complete(7, success: false).Kind);
        Assert.Equal(new Completion(CompletionKind.Failed, 0), tracker.Track(7, MqttQos.AtLeastOnce));
        Assert.Equal(0, tracker.Count);
    }

    [Fact]
    public void DuplicateCallback_CountsOnce()
    {
        var tracker = new InFlightTracker();
        tracker.Begin();
        tracker.Track(9, MqttQos.AtMostOnce);

        Assert.Equal(CompletionKind.Delivered, tracker.Complete(9, success: true).Kind);
        Assert.Equal(0, tracker.Count);
        tracker.Begin();
        tracker.Track(10, MqttQos.AtMostOnce);
        Assert.Equal(CompletionKind.None, tracker.Complete(9, success: true).Kind);
        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public void ForgetUnwrittenQos0_KeepsQos1ForResend()
    {
        var tracker = new InFlightTracker();
        for (var mid = 1; mid <= 4; mid++)
        {
            tracker.Begin();
            tracker.Track(mid, mid % 2 == 0 ? MqttQos.AtLeastOnce : MqttQos.AtMostOnce);
        }

        Assert.Equal(2, tracker.ForgetUnwrittenQos0());
        Assert.Equal(2, tracker.Count);
        Assert.Equal(CompletionKind.None, tracker.Complete(1, success: true).Kind);
        Assert.Equal(new Completion(CompletionKind.Delivered, 1), tracker.Complete(2, success: true));
    }

    [Fact]
    public async Task ConcurrentTrackAndComplete_NeverLosesOrDoubleCounts()
    {
        // The pump tracks ids in order while the network thread completes them, either side first; both stay
        // within a window of the id space, as the client's MaxInFlight guarantees.
        const int Messages = 200_000;
        const int Window = 1000;
        var tracker = new InFlightTracker();
        var delivered = 0;
        var tracked = 0;
        var completer = Task.Run(() =>
        {
            for (var i = 0; i < Messages; i++)
            {
                while (i >= Volatile.Read(ref tracked) + Window) Thread.Yield();
                if (tracker.Complete(i, success: true).Kind == CompletionKind.Delivered) Interlocked.Increment(ref delivered);
            }
        });
        for (var i = 0; i < Messages; i++)
        {
            while (tracker.Count >= Window) Thread.Yield();
            tracker.Begin();
            if (tracker.Track(i, MqttQos.AtLeastOnce).Kind == CompletionKind.Delivered) Interlocked.Increment(ref delivered);
            Volatile.Write(ref tracked, i + 1);
        }
        await completer;

        Assert.Equal(Messages, delivered);
        Assert.Equal(0, tracker.Count);
    }
}
