using System.Runtime.CompilerServices;
using EdgeGateway.Sensors;

namespace EdgeGateway.Tests.Sensors;

public class MergedSensorSourceTests
{
    [Fact]
    public async Task ReadAsync_TwoSources_YieldsEventsOfBoth()
    {
        var a = new ListSource("a", new Measurement("a/1", Quantity.Temperature, 1, 4.0, "Cel"));
        var b = new ListSource("b", new TagObservation("b/rfid", 2, "raw:04A1B2C3"), new TagObservation("b/rfid", 3, "raw:04A1B2C4"));
        var merged = new MergedSensorSource([a, b]);

        var seen = new List<SensorEvent>();
        await foreach (var e in merged.ReadAsync(CancellationToken.None).WithCancellation(CancellationToken.None))
            seen.Add(e);

        Assert.Equal("a+b", merged.Name);
        Assert.Equal(2, merged.Sensors.Count);
        Assert.Equal(3, seen.Count);
        Assert.Equal(["raw:04A1B2C3", "raw:04A1B2C4"], seen.OfType<TagObservation>().Select(t => t.Value));
    }

    [Fact]
    public void Constructor_SameChannelInTwoSources_IsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MergedSensorSource([new ListSource("a"), new ListSource("a")]));
        Assert.Contains("'a/1'", ex.Message, StringComparison.Ordinal);
    }

    private sealed class ListSource(string name, params SensorEvent[] events) : ISensorSource
    {
        public string Name => name;

        public IReadOnlyList<SensorInfo> Sensors { get; } = events.Length == 0
            ? [new SensorInfo($"{name}/1", "test", Quantity.Temperature, "Cel")]
            : events.Select(e => new SensorInfo(e.SensorId, "test", e.Quantity, SenmlUnits.For(e.Quantity))).Distinct().ToList();

        public async IAsyncEnumerable<SensorEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var e in events)
            {
                await Task.Yield();
                yield return e;
            }
        }
    }
}
