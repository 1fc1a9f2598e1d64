using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Simulation;
using Firmware.Contracts.Epc;

namespace EdgeGateway.Tests.Sensors.Simulation;

public class SimulatedWarehouseTests
{
    private static readonly TimeSpan OneDay = TimeSpan.FromHours(24);

    private static List<Measurement> Temperatures(IEnumerable<SensorEvent> events, string zone) =>
        events.OfType<Measurement>()
            .Where(m => m.Quantity == Quantity.Temperature && m.SensorId.StartsWith($"sim/{zone}/", StringComparison.Ordinal))
            .ToList();

    [Fact]
    public void Generate_SameSeed_IdenticalEvents()
    {
        var options = new SimulatedWarehouseOptions { Seed = 7, SensorFaultProbability = 0.01 };
        var a = new SimulatedWarehouse(options).Generate(TimeSpan.FromHours(6)).ToList();
        var b = new SimulatedWarehouse(options).Generate(TimeSpan.FromHours(6)).ToList();

        Assert.Equal(a, b);
        Assert.Equal(new SimulatedWarehouse(options).Pallets, new SimulatedWarehouse(options).Pallets);
        Assert.NotEqual(a, new SimulatedWarehouse(options with { Seed = 8 }).Generate(TimeSpan.FromHours(6)).ToList());
    }

    [Fact]
    public void Generate_EveryProbeChannel_OncePerLoggingIntervalInTimeOrder()
    {
        var options = new SimulatedWarehouseOptions { LoggingInterval = TimeSpan.FromMinutes(5) };
        var warehouse = new SimulatedWarehouse(options);

        var events = warehouse.Generate(TimeSpan.FromHours(3)).ToList();

        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.TimeMs <= p.Second.TimeMs), "events are in time order");
        var readings = events.Where(e => e.Quantity != Quantity.Tag).ToList();
        foreach (var channel in warehouse.Sensors.Where(s => s.Quantity != Quantity.Tag))
        {
            var times = readings.Where(e => e.SensorId == channel.Id && e.Quantity == channel.Quantity).Select(e => e.TimeMs).ToList();
            Assert.Equal(36, times.Count);
            Assert.All(times.Zip(times.Skip(1)), p => Assert.Equal(300_000, p.Second - p.First));
        }
    }

    [Fact]
    public void Sensors_FiftySensorWarehouse_HasStableIdsAndZones()
    {
        var warehouse = new SimulatedWarehouse(new SimulatedWarehouseOptions { SensorsPerZone = 17 });

        var probes = warehouse.Sensors.Where(s => s.Quantity == Quantity.Temperature).ToList();
        Assert.Equal(51, probes.Count);
        Assert.Contains(probes, s => s is { Id: "sim/chiller-1/t0", Zone: "chiller-1", Unit: "Cel" });
        Assert.Contains(probes, s => s is { Id: "sim/freezer-1/t16", Zone: "freezer-1" });
        Assert.Equal(51, warehouse.Sensors.Count(s => s.Quantity == Quantity.Humidity));
        Assert.Equal(["sim/dock-1/rfid", "sim/chiller-1/rfid", "sim/freezer-1/rfid", "sim/ambient-1/rfid"],
            warehouse.Sensors.Where(s => s.Quantity == Quantity.Tag).Select(s => s.Id));
    }

    [Fact]
    public void Generate_MoreSensors_LeaveExistingProbesReadingsUnchanged()
    {
        Measurement[] Probe0(int perZone) => new SimulatedWarehouse(new SimulatedWarehouseOptions { SensorsPerZone = perZone })
            .Generate(TimeSpan.FromHours(4)).OfType<Measurement>().Where(m => m.SensorId == "sim/chiller-1/t0").ToArray();

        Assert.Equal(Probe0(1), Probe0(6));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(42)]
    public void CompressorFailure_ChillerAbove8ForMoreThan30Minutes_AndRecovers(int seed)
    {
        var options = new SimulatedWarehouseOptions { Seed = seed, SensorsPerZone = 3 };
        var failureStart = options.StartTimeMs + (long)TimeSpan.FromHours(2).TotalMilliseconds;
        var failureEnd = failureStart + (long)TimeSpan.FromMinutes(45).TotalMilliseconds;

        var chiller = Temperatures(new SimulatedWarehouse(options).Generate(TimeSpan.FromHours(8)), SimulatedWarehouse.ChillerZone);

        foreach (var probe in chiller.GroupBy(m => m.SensorId))
        {
            var longestAbove = LongestRunAbove(probe.ToList(), 8.0);
            Assert.True(longestAbove > TimeSpan.FromMinutes(30), $"{probe.Key}: longest excursion {longestAbove}");
            Assert.InRange(probe.Max(m => m.Value), 11.0, 13.0);
            Assert.All(probe.Where(m => m.TimeMs < failureStart), m => Assert.InRange(m.Value, 2.0, 8.0));
            Assert.All(probe.Where(m => m.TimeMs > failureEnd + 3_600_000), m => Assert.InRange(m.Value, 2.0, 8.0));
            Assert.All(probe.Where(m => m.Value > 8.0), m => Assert.InRange(m.TimeMs, failureStart, failureEnd + 3_600_000));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(99)]
    public void Generate_FreezerAndAmbientStayInRangeAllDay(int seed)
    {
        var events = new SimulatedWarehouse(new SimulatedWarehouseOptions { Seed = seed, SensorsPerZone = 4 }).Generate(OneDay).ToList();

        var freezer = Temperatures(events, SimulatedWarehouse.FreezerZone);
        Assert.Equal(4 * 24 * 60, freezer.Count);
        Assert.All(freezer, m => Assert.InRange(m.Value, -25.0, -18.0));
        Assert.True(freezer.Max(m => m.Value) > -20.0, "defrost cycles and doors show up");
        Assert.All(Temperatures(events, SimulatedWarehouse.AmbientZone), m => Assert.InRange(m.Value, 15.0, 25.0));
        Assert.All(events.OfType<Measurement>().Where(m => m.Quantity == Quantity.Humidity), m => Assert.InRange(m.Value, 0.0, 100.0));
    }

    [Fact]
    public void Generate_NoCompressorFailure_ChillerNeverLeavesRange()
    {
        var events = new SimulatedWarehouse(new SimulatedWarehouseOptions { CompressorFailure = null, SensorsPerZone = 4 }).Generate(OneDay);
        Assert.All(Temperatures(events, SimulatedWarehouse.ChillerZone), m => Assert.InRange(m.Value, 2.0, 8.0));
    }

    [Fact]
    public void CompressorFailure_CustomSchedule_IsFollowed()
    {
        var options = new SimulatedWarehouseOptions
        {
            CompressorFailure = new CompressorFailure(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(90), PeakCelsius: 14),
        };
        var chiller = Temperatures(new SimulatedWarehouse(options).Generate(TimeSpan.FromHours(4)), SimulatedWarehouse.ChillerZone);

        var firstAbove = chiller.Where(m => m.Value > 8.0).Min(m => m.TimeMs) - options.StartTimeMs;
        Assert.InRange(firstAbove, 30 * 60_000L, 60 * 60_000L);
        Assert.InRange(chiller.Max(m => m.Value), 13.0, 15.0);
    }

    [Fact]
    public void Pallets_ArriveMoveInAndLeaveInOrderAtTheRightReaders()
    {
        var warehouse = new SimulatedWarehouse(new SimulatedWarehouseOptions { PalletCount = 8 });
        var tags = warehouse.Generate(TimeSpan.FromHours(20)).OfType<TagObservation>().ToList();

        Assert.Equal(8, warehouse.Pallets.Count);
        foreach (var pallet in warehouse.Pallets)
        {
            var seen = tags.Where(t => t.Value == pallet.EpcUri).ToList();
            Assert.True(seen.Count >= 3, $"{pallet.EpcUri} seen {seen.Count} times");
            Assert.Equal(("sim/dock-1/rfid", pallet.ArrivalMs), (seen[0].SensorId, seen[0].TimeMs));
            Assert.Equal(($"sim/{pallet.Zone}/rfid", pallet.MoveInMs), (seen[1].SensorId, seen[1].TimeMs));
            Assert.Equal(("sim/dock-1/rfid", pallet.DepartureMs), (seen[^1].SensorId, seen[^1].TimeMs));
            Assert.All(seen.Skip(1).SkipLast(1), t => Assert.Equal($"sim/{pallet.Zone}/rfid", t.SensorId));
            Assert.True(pallet.ArrivalMs < pallet.MoveInMs && pallet.MoveInMs < pallet.DepartureMs);
        }
    }

    [Fact]
    public void Pallets_ManifestIsConsistentWithTheTags()
    {
        var warehouse = new SimulatedWarehouse(new SimulatedWarehouseOptions { PalletCount = 12 });

        Assert.Equal(12, warehouse.Pallets.Select(p => p.EpcUri).Distinct().Count());
        Assert.True(warehouse.Pallets.Select(p => p.Gtin14).Distinct().Count() >= 3, "a few GTINs");
        foreach (var p in warehouse.Pallets)
        {
            var tag = Sgtin96.Decode(p.EpcHex);
            Assert.Equal(SgtinFilter.UnitLoad, tag.Filter);
            Assert.Equal(p.EpcUri, tag.Sgtin.ToEpcUri());
            Assert.Equal(p.Gtin14, tag.Sgtin.Gtin.Value);
            Assert.Equal(p.Serial.ToString(System.Globalization.CultureInfo.InvariantCulture), tag.Sgtin.Serial);
            Assert.True(Gtin.TryParse(p.Gtin14, out _, out var error), error);
            Assert.Matches(@"^[A-Z]{3}-\d{6}-\d{2}$", p.Batch);
            Assert.Contains(p.Zone, new[] { "chiller-1", "freezer-1", "ambient-1" });
        }
        // The first pallet is chilled and stored through the default compressor failure (2 h to 2 h 45).
        var first = warehouse.Pallets[0];
        var start = warehouse.Options.StartTimeMs;
        Assert.Equal("chiller-1", first.Zone);
        Assert.True(first.MoveInMs < start + 2 * 3_600_000 && first.DepartureMs > start + 3 * 3_600_000);
    }

    [Fact]
    public void Generate_WithFaultProbability_FaultsReplaceReadingsNeverAddToThem()
    {
        var warehouse = new SimulatedWarehouse(new SimulatedWarehouseOptions { SensorFaultProbability = 0.2 });
        var readings = warehouse.Generate(TimeSpan.FromHours(2)).Where(e => e.Quantity != Quantity.Tag).ToList();

        var faults = readings.OfType<SensorFault>().ToList();
        Assert.InRange(faults.Count, readings.Count / 10, readings.Count * 3 / 10);
        Assert.All(faults, f => Assert.Contains(f.Code, new[] { "crc", "io-error", "timeout" }));
        Assert.All(readings.GroupBy(e => (e.SensorId, e.Quantity, e.TimeMs)), g => Assert.Single(g));
    }

    [Fact]
    public void Constructor_BadOptions_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedWarehouse(new SimulatedWarehouseOptions { SensorsPerZone = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedWarehouse(new SimulatedWarehouseOptions { LoggingInterval = TimeSpan.FromMilliseconds(10) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedWarehouse(new SimulatedWarehouseOptions { SensorFaultProbability = 1.5 }));
        var ex = Assert.Throws<ArgumentException>(() => new SimulatedWarehouse(new SimulatedWarehouseOptions
        {
            CompressorFailure = new CompressorFailure(TimeSpan.Zero, TimeSpan.FromMinutes(5), Zone: "chiller-9"),
        }));
        Assert.Contains("chiller-9", ex.Message, StringComparison.Ordinal);
    }

    private static TimeSpan LongestRunAbove(List<Measurement> readings, double limit)
    {
        var longest = TimeSpan.Zero;
        long? runStart = null;
        foreach (var m in readings)
        {
            if (m.Value > limit)
            {
                runStart ??= m.TimeMs;
                longest = TimeSpan.FromMilliseconds(Math.Max(longest.TotalMilliseconds, m.TimeMs - runStart.Value));
            }
            else
            {
                runStart = null;
            }
        }
        return longest;
    }
}
