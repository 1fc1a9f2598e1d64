using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Sysfs;
using EdgeGateway.Tests.Sensors.Sysfs;

namespace EdgeGateway.Tests.Sensors;

public sealed class PollingSensorSourceTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly FakeSysfsTree _tree = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _tree.Dispose();

    private static async Task<List<SensorEvent>> TakeAsync(IAsyncEnumerator<SensorEvent> events, int count)
    {
        var list = new List<SensorEvent>();
        while (list.Count < count)
        {
            Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Wait));
            list.Add(events.Current);
        }
        return list;
    }

    [Fact]
    public async Task ReadAsync_EveryInterval_OneEventPerChannel()
    {
        _tree.AddSht(0);
        _tree.AddW1("28-0316a2791c3f", FakeSysfsTree.W1Slave(4.5));
        var found = await new SysfsSensorDiscovery(new SysfsDiscoveryOptions { Root = _tree.Root }, FileSysfsReader.Instance, _time)
            .DiscoverAsync(CancellationToken.None);
        var source = new PollingSensorSource(found.Sensors, TimeSpan.FromMinutes(1), _time);
        var t0 = _time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.Equal(3, source.Sensors.Count);

        await using var events = source.ReadAsync(CancellationToken.None).GetAsyncEnumerator();
        var first = await TakeAsync(events, 3);
        var pending = events.MoveNextAsync().AsTask();
        Assert.False(pending.IsCompleted, "nothing more before the interval has passed");

        _tree.Write("sys/devices/w1_bus_master1/28-0316a2791c3f/w1_slave", FakeSysfsTree.W1Slave(5.0));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await pending.WaitAsync(Wait));
        var second = new List<SensorEvent> { events.Current };
        second.AddRange(await TakeAsync(events, 2));

        Assert.All(first, e => Assert.Equal(t0, e.TimeMs));
        Assert.All(second, e => Assert.Equal(t0 + 60_000, e.TimeMs));
        var expectedChannels = source.Sensors.Select(s => (s.Id, s.Quantity)).OrderBy(c => c.ToString()).ToList();
        Assert.Equal(expectedChannels, first.Select(e => (e.SensorId, e.Quantity)).OrderBy(c => c.ToString()));
        Assert.Equal(expectedChannels, second.Select(e => (e.SensorId, e.Quantity)).OrderBy(c => c.ToString()));
        Assert.Equal(5.0, Assert.IsType<Measurement>(second.Single(e => e.SensorId.StartsWith("w1/", StringComparison.Ordinal))).Value);
    }

    [Fact]
    public async Task ReadAsync_SensorThrows_FaultPerChannelAndPollingGoesOn()
    {
        var broken = new ThrowingSensor();
        var source = new PollingSensorSource([broken], TimeSpan.FromSeconds(10), _time);

        await using var events = source.ReadAsync(CancellationToken.None).GetAsyncEnumerator();
        var first = await TakeAsync(events, 2);
        _time.Advance(TimeSpan.FromSeconds(10));
        var second = await TakeAsync(events, 2);

        Assert.All(first.Concat(second), e =>
        {
            var fault = Assert.IsType<SensorFault>(e);
            Assert.Equal("io-error", fault.Code);
            Assert.Contains("InvalidOperationException: bus wedged", fault.Detail, StringComparison.Ordinal);
        });
        Assert.Equal(2, broken.Reads);
    }

    [Fact]
    public async Task ReadAsync_Cancelled_StopsPollingLoops()
    {
        var sensor = new ThrowingSensor();
        using var cts = new CancellationTokenSource();
        var source = new PollingSensorSource([sensor], TimeSpan.FromSeconds(10), _time);

        var enumerator = source.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        await TakeAsync(enumerator, 2);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await enumerator.MoveNextAsync().AsTask().WaitAsync(Wait));
        await enumerator.DisposeAsync().AsTask().WaitAsync(Wait);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, sensor.Reads);
        Assert.Null(_time.NextDue);
    }

    [Fact]
    public void Constructor_NonPositiveInterval_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PollingSensorSource([], TimeSpan.Zero, _time));

    private sealed class ThrowingSensor : IPolledSensor
    {
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public IReadOnlyList<SensorInfo> Channels { get; } =
        [
            new("test/broken", "test", Quantity.Temperature, "Cel"),
            new("test/broken", "test", Quantity.Humidity, "%RH"),
        ];

        public ValueTask<IReadOnlyList<SensorEvent>> ReadOnceAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            throw new InvalidOperationException("bus wedged");
        }
    }
}
