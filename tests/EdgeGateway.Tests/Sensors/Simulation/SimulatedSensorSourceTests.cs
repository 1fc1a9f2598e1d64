using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Simulation;

namespace EdgeGateway.Tests.Sensors.Simulation;

public class SimulatedSensorSourceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ReadAsync_Speed60_ReleasesEachEventAtSimulatedOffsetOver60()
    {
        var warehouse = new SimulatedWarehouse(new SimulatedWarehouseOptions { Seed = 3 });
        var expected = warehouse.Generate().Take(60).ToList();
        var time = new ManualTimeProvider();
        var start = time.GetUtcNow();
        var source = new SimulatedSensorSource(warehouse, 60, time);

        await using var events = source.ReadAsync(CancellationToken.None).GetAsyncEnumerator();
        var waited = 0;
        foreach (var e in expected)
        {
            var due = TimeSpan.FromMilliseconds((e.TimeMs - warehouse.Options.StartTimeMs) / 60.0);
            var next = events.MoveNextAsync().AsTask();
            if (time.GetUtcNow() - start < due)
            {
                Assert.False(next.IsCompleted, $"event due at {due} released at {time.GetUtcNow() - start}");
                await time.AdvanceToNextTimerAsync(Wait);
                waited++;
            }
            Assert.True(await next.WaitAsync(Wait));
            Assert.Equal(e, events.Current);
            Assert.InRange((time.GetUtcNow() - start - due).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        }
        Assert.True(waited > 3, "the source waited between readings");
        Assert.True(expected[^1].TimeMs - expected[0].TimeMs >= 60_000, "the test covered more than one logging interval");
    }

    [Fact]
    public async Task ReadAsync_OneRealMinuteAtSpeed60_IsOneSimulatedHour()
    {
        var warehouse = new SimulatedWarehouse(new SimulatedWarehouseOptions { SensorsPerZone = 1 });
        var time = new ManualTimeProvider();
        var start = time.GetUtcNow();
        var source = new SimulatedSensorSource(warehouse, 60, time);
        var simHour = warehouse.Options.StartTimeMs + 3_600_000;

        using var cts = new CancellationTokenSource();
        await using var events = source.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var last = 0L;
        while (true)
        {
            var next = events.MoveNextAsync().AsTask();
            if (!next.IsCompleted)
            {
                if (time.NextDue is { } due && due - start > TimeSpan.FromMinutes(1))
                {
                    await cts.CancelAsync();
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.WaitAsync(Wait));
                    break;
                }
                await time.AdvanceToNextTimerAsync(Wait);
            }
            Assert.True(await next.WaitAsync(Wait));
            last = events.Current.TimeMs;
        }

        Assert.InRange(last, simHour - 60_000, simHour);
        Assert.True(time.GetUtcNow() - start <= TimeSpan.FromMinutes(1));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_SpeedNotAPositiveFactor_Throws(double speed) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedSensorSource(new SimulatedWarehouse(new SimulatedWarehouseOptions()), speed, TimeProvider.System));

    [Fact]
    public async Task ReadAsync_Cancelled_WhileWaiting_Stops()
    {
        var time = new ManualTimeProvider();
        var source = new SimulatedSensorSource(new SimulatedWarehouse(new SimulatedWarehouseOptions()), 1, time);
        using var cts = new CancellationTokenSource();
        await using var events = source.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        Task<bool> next;
        do next = events.MoveNextAsync().AsTask();
        while (next.IsCompleted);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.WaitAsync(Wait));
    }

    [Fact]
    public void Sensors_AreTheWarehouses()
    {
        var warehouse = new SimulatedWarehouse(new SimulatedWarehouseOptions());
        Assert.Same(warehouse.Sensors, new SimulatedSensorSource(warehouse, 60, TimeProvider.System).Sensors);
    }
}
