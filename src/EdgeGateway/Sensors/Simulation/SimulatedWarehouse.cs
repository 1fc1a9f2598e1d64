using System.Globalization;
using Firmware.Contracts.Epc;

namespace EdgeGateway.Sensors.Simulation;

/// <summary>
/// A cold-storage warehouse in simulated time, for demos, end-to-end tests and benchmarks: a
/// chiller, a freezer and an ambient zone with temperature/humidity sensors, RFID readers at the
/// dock door and in each zone, and pallets with SGTIN-96 tags passing through. Pure: no clock, no
/// I/O; the same options give the same events. <see cref="SimulatedSensorSource"/> paces it in real time.
/// </summary>
public sealed class SimulatedWarehouse
{
    /// <summary>Name of the chilled zone.</summary>
    public const string ChillerZone = "chiller-1";

    /// <summary>Name of the frozen zone.</summary>
    public const string FreezerZone = "freezer-1";

    /// <summary>Name of the ambient zone.</summary>
    public const string AmbientZone = "ambient-1";

    /// <summary>Name of the receiving/shipping area whose dock-door reader sees pallets come and go.</summary>
    public const string DockZone = "dock-1";

    private const string DockReaderId = "sim/" + DockZone + "/rfid";

    // Demo trade items. 0614141 is the company prefix GS1's own examples use, 4012345 GS1 Germany's;
    // the leading 1 is the GTIN-14 indicator digit for a higher packaging level (the pallet).
    private static readonly (string Name, string Code, string Zone, string FirstThirteen, int PrefixLength)[] Products =
    [
        ("Atlantic salmon fillets, chilled, 120 × 1 kg", "SAL", ChillerZone, "1061414100734", 7),
        ("Mixed berries, frozen, 200 × 2.5 kg", "BER", FreezerZone, "1061414100735", 7),
        ("Whole milk 1 L, 720 cartons", "MLK", ChillerZone, "1401234510001", 7),
        ("Chopped tomatoes 400 g, 1200 cans", "TOM", AmbientZone, "1401234520002", 7),
    ];

    private readonly SimulatedWarehouseOptions _options;
    private readonly IReadOnlyList<TagEvent> _tagEvents;

    /// <param name="options">What to simulate.</param>
    public SimulatedWarehouse(SimulatedWarehouseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        Zones =
        [
            new SimulatedZone(ChillerZone, ZoneKind.Chiller, 2, 8, 5),
            new SimulatedZone(FreezerZone, ZoneKind.Freezer, -25, -18, -21),
            new SimulatedZone(AmbientZone, ZoneKind.Ambient, 15, 25, 20),
        ];
        if (options.CompressorFailure is { } f && Zones.All(z => z.Name != f.Zone))
            throw new ArgumentException($"Compressor failure zone '{f.Zone}' is not one of {string.Join(", ", Zones.Select(z => z.Name))}.", nameof(options));

        var sensors = new List<SensorInfo>();
        foreach (var zone in Zones)
        {
            for (var k = 0; k < options.SensorsPerZone; k++)
            {
                var id = ProbeId(zone.Name, k);
                sensors.Add(new SensorInfo(id, "simulated-sht31", Quantity.Temperature, SenmlUnits.Celsius, zone.Name));
                sensors.Add(new SensorInfo(id, "simulated-sht31", Quantity.Humidity, SenmlUnits.RelativeHumidity, zone.Name));
            }
        }
        sensors.Add(new SensorInfo(DockReaderId, "simulated-rfid", Quantity.Tag, "", DockZone));
        sensors.AddRange(Zones.Select(z => new SensorInfo(ReaderId(z.Name), "simulated-rfid", Quantity.Tag, "", z.Name)));
        Sensors = sensors;

        Pallets = BuildPallets();
        _tagEvents = BuildTagEvents();
    }

    /// <summary>The options this warehouse was built from.</summary>
    public SimulatedWarehouseOptions Options => _options;

    /// <summary>The temperature-controlled zones.</summary>
    public IReadOnlyList<SimulatedZone> Zones { get; }

    /// <summary>Every channel: per probe temperature and humidity (<c>sim/chiller-1/t0</c>), per reader tags (<c>sim/dock-1/rfid</c>).</summary>
    public IReadOnlyList<SensorInfo> Sensors { get; }

    /// <summary>The pallets, in arrival order.</summary>
    public IReadOnlyList<SimulatedPallet> Pallets { get; }

    /// <summary>Id of probe <paramref name="index"/> in a zone.</summary>
    public static string ProbeId(string zone, int index) => $"sim/{zone}/t{index}";

    /// <summary>Id of a zone's RFID reader (or the dock door's, for <see cref="DockZone"/>).</summary>
    public static string ReaderId(string zone) => $"sim/{zone}/rfid";

    /// <summary>
    /// Every event from the start, in time order, without end. Each probe reads once per logging
    /// interval at its own fixed offset into the interval (loggers are not synchronised).
    /// </summary>
    public IEnumerable<SensorEvent> Generate()
    {
        var probes = BuildProbes();
        var interval = (long)_options.LoggingInterval.TotalMilliseconds;
        var tags = 0;
        for (long tick = 0; ; tick++)
        {
            var tickMs = _options.StartTimeMs + tick * interval;
            foreach (var probe in probes)
            {
                var t = tickMs + probe.PhaseMs;
                while (tags < _tagEvents.Count && _tagEvents[tags].TimeMs < t)
                    yield return _tagEvents[tags++].ToObservation();
                foreach (var e in probe.Read(t, _options.SensorFaultProbability))
                    yield return e;
            }
            if (probes.Count == 0)
            {
                while (tags < _tagEvents.Count && _tagEvents[tags].TimeMs < tickMs + interval)
                    yield return _tagEvents[tags++].ToObservation();
                if (tags == _tagEvents.Count) yield break;
            }
        }
    }

    /// <summary>The events of the first <paramref name="duration"/> of simulated time.</summary>
    public IEnumerable<SensorEvent> Generate(TimeSpan duration)
    {
        var end = _options.StartTimeMs + (long)duration.TotalMilliseconds;
        return Generate().TakeWhile(e => e.TimeMs < end);
    }

    private List<Probe> BuildProbes()
    {
        var interval = (long)_options.LoggingInterval.TotalMilliseconds;
        var probes = new List<Probe>();
        foreach (var zone in Zones)
        {
            var climate = new ZoneClimate(zone, _options.Seed, _options.StartTimeMs, _options.CompressorFailure);
            for (var k = 0; k < _options.SensorsPerZone; k++)
            {
                var id = ProbeId(zone.Name, k);
                var random = new DeterministicRandom(_options.Seed, id);
                var phase = random.Next((int)Math.Min(30_000, interval / 2));
                probes.Add(new Probe(id, climate, random, phase));
            }
        }
        // Ordered by offset so that one pass per tick emits in time order; zone climates are then
        // queried with non-decreasing times, as they require.
        return probes.OrderBy(p => p.PhaseMs).ThenBy(p => p.Id, StringComparer.Ordinal).ToList();
    }

    private List<SimulatedPallet> BuildPallets()
    {
        var random = new DeterministicRandom(_options.Seed, "pallets");
        var serialBase = Products.Select(_ => 100_000L + random.Next(900_000)).ToArray();
        var perProduct = new int[Products.Length];
        var day = DateTimeOffset.FromUnixTimeMilliseconds(_options.StartTimeMs).ToString("yyMMdd", CultureInfo.InvariantCulture);
        var spacing = _options.PalletArrivalSpacing.TotalMilliseconds;
        var pallets = new List<SimulatedPallet>();
        for (var i = 0; i < _options.PalletCount; i++)
        {
            var productIndex = i % Products.Length;
            var product = Products[productIndex];
            var ordinal = perProduct[productIndex]++;
            var serial = serialBase[productIndex] + ordinal;
            var gtin = Gtin.FromDigitsWithoutCheck(product.FirstThirteen);
            var sgtin = Sgtin.Create(gtin, product.PrefixLength, serial.ToString(CultureInfo.InvariantCulture));

            var arrival = _options.StartTimeMs + (long)((i + 1) * spacing + random.Uniform(-0.25, 0.25) * spacing);
            var moveIn = arrival + (long)(random.Uniform(3, 8) * 60_000);
            var departure = moveIn + (long)(random.Uniform(4, 10) * 3_600_000);
            pallets.Add(new SimulatedPallet(
                sgtin.ToEpcUri(), Sgtin96.Encode(sgtin, SgtinFilter.UnitLoad), gtin.Value, serial,
                $"{product.Code}-{day}-{ordinal / 3 + 1:00}", product.Name, product.Zone,
                arrival, moveIn, departure));
        }
        return pallets;
    }

    private List<TagEvent> BuildTagEvents()
    {
        var events = new List<TagEvent>();
        var inventory = (long)_options.InventoryInterval.TotalMilliseconds;
        foreach (var p in Pallets)
        {
            events.Add(new TagEvent(p.ArrivalMs, DockReaderId, p.EpcUri));
            events.Add(new TagEvent(p.MoveInMs, ReaderId(p.Zone), p.EpcUri));
            if (inventory > 0)
            {
                // The zone reader's inventory rounds see the pallet until it is taken out five minutes before it leaves.
                for (var t = p.MoveInMs + inventory; t < p.DepartureMs - 300_000; t += inventory)
                    events.Add(new TagEvent(t, ReaderId(p.Zone), p.EpcUri));
            }
            events.Add(new TagEvent(p.DepartureMs, DockReaderId, p.EpcUri));
        }
        return events
            .OrderBy(e => e.TimeMs)
            .ThenBy(e => e.ReaderId, StringComparer.Ordinal)
            .ThenBy(e => e.Epc, StringComparer.Ordinal)
            .ToList();
    }

    private sealed record TagEvent(long TimeMs, string ReaderId, string Epc)
    {
        public TagObservation ToObservation() => new(ReaderId, TimeMs, Epc);
    }

    private sealed class Probe(string id, ZoneClimate climate, DeterministicRandom random, long phaseMs)
    {
        private static readonly string[] FaultCodes = [SensorFaultCodes.Crc, SensorFaultCodes.IoError, SensorFaultCodes.Timeout];
        private readonly double _offset = random.Uniform(-climate.SensorOffsetLimit, climate.SensorOffsetLimit);
        private readonly double _humidityOffset = random.Uniform(-1.5, 1.5);

        public string Id => id;

        public long PhaseMs => phaseMs;

        public IEnumerable<SensorEvent> Read(long timeMs, double faultProbability)
        {
            var (air, disturbance) = climate.At(timeMs);
            var celsius = Math.Round(air + _offset + climate.NoiseSigma * random.Normal(), 2);
            var humidity = Math.Round(Math.Clamp(
                climate.HumiditySetpoint + 8 * disturbance + _humidityOffset + 0.8 * random.Normal(), 0, 100), 1);
            yield return (SensorEvent?)MaybeFault(Quantity.Temperature, timeMs, faultProbability)
                         ?? new Measurement(id, Quantity.Temperature, timeMs, celsius, SenmlUnits.Celsius);
            yield return (SensorEvent?)MaybeFault(Quantity.Humidity, timeMs, faultProbability)
                         ?? new Measurement(id, Quantity.Humidity, timeMs, humidity, SenmlUnits.RelativeHumidity);
        }

        private SensorFault? MaybeFault(Quantity quantity, long timeMs, double probability)
        {
            if (probability <= 0 || random.NextDouble() >= probability) return null;
            var code = FaultCodes[random.Next(FaultCodes.Length)];
            return new SensorFault(id, quantity, timeMs, code, $"simulated {code} fault");
        }
    }
}
