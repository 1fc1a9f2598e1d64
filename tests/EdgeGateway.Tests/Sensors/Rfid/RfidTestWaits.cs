using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Rfid;

namespace EdgeGateway.Tests.Sensors.Rfid;

internal static class RfidTestWaits
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Polls a reader's state until it reports the device open (bounded).</summary>
    public static async Task UntilOpenAsync(Func<RfidReaderState> state)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!state().IsOpen)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"reader did not open the device: {state().Detail}");
            await Task.Delay(10);
        }
    }

    public static async Task<SensorEvent> NextAsync(IAsyncEnumerator<SensorEvent> events)
    {
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Timeout), "stream ended");
        return events.Current;
    }
}
