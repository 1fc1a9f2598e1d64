using EdgeGateway.Alarms;
using EdgeGateway.Sensors;
using EdgeGateway.Storage;
using EdgeGateway.Tests.Support;
using EdgeGateway.Uplink;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Tests.Uplink;

/// <summary>Status reports to a node on a real Kestrel at 127.0.0.1 that checks their signature and order.</summary>
public sealed class StatusReporterTests : IAsyncLifetime
{
    private static readonly AlarmRule ChillerHigh = new() { Id = "chiller-high", Zone = "chiller-1", Quantity = "temperature", Above = 8 };

    private GatewayFolder _folder = null!;
    private EcdsaNoteSigner _signer = null!;
    private NoteVerifierKey _key = null!;

    public async Task InitializeAsync()
    {
        _folder = await GatewayFolder.CreateAsync("gw-status");
        _signer = _folder.LoadSigner();
        _key = _folder.VerifierKey();
    }

    public Task DisposeAsync()
    {
        _key.Dispose();
        _signer.Dispose();
        _folder.Dispose();
        return Task.CompletedTask;
    }

    private GatewayHealth Health() => new(
        [new SensorInfo("sim/chiller-1/t0", "sim", Quantity.Temperature, Senml.Celsius, "chiller-1"), new SensorInfo("sim/chiller-1/h0", "sim", Quantity.Humidity, Senml.RelativeHumidity)],
        _ => "chiller-1", [], [ChillerHigh]);

    [Fact]
    public async Task Reporter_KeepsReportingWhileTheNodeIsDown_AndReportsSignedStatusOnceItIsUp()
    {
        UplinkHarness.Fill(_folder, _signer, 30, sealEvery: 25);
        var health = Health();
        using (var log = _folder.OpenLog(_signer))
        {
            var fault = log.CreateLeaf(new LeafContent
            {
                DeviceId = _folder.DeviceId, Sequence = log.Size, Kind = LeafKind.Fault, TimeMs = Leaves.T0 + 40_000,
                SensorId = "sim/chiller-1/h0", Quantity = Senml.Humidity, Zone = "chiller-1", StringValue = "crc", Detail = "checksum mismatch",
            });
            var alarm = log.CreateLeaf(new LeafContent
            {
                DeviceId = _folder.DeviceId, Sequence = log.Size + 1, Kind = LeafKind.Alarm, TimeMs = Leaves.T0 + 41_000,
                SensorId = "sim/chiller-1/t0", Zone = "chiller-1", Rule = "chiller-high", StringValue = "start", Value = 9.2, Unit = Senml.Celsius,
            });
            log.Append([fault, alarm]);
            health.OnCommitted([fault, alarm]);
        }

        await using var node = TestAnchorNode.Unstarted();
        node.Enrol(_folder.DeviceId, _key);
        using var store = SqliteUplinkStore.Open(_folder.DatabasePath);
        using var client = HttpAnchorClient.Create(node.Url, TimeSpan.FromSeconds(5), null);
        var reporter = new StatusReporter(_folder.DeviceId, client, store, _signer, health, "9.9.9", TimeSpan.FromMilliseconds(100),
            TimeProvider.System, TimeProvider.System, NullLogger<StatusReporter>.Instance);
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => reporter.RunAsync(stop.Token));

        // Nobody listens: attempts go on (each one records its time before sending), none is accepted.
        using (var reader = SqliteUplinkStore.Open(_folder.DatabasePath))
        {
            var first = await WaitForReportTimeAsync(reader, 0);
            await WaitForReportTimeAsync(reader, first);
        }
        Assert.Equal(0, reporter.Accepted);
        Assert.False(running.IsCompleted);

        await node.StartListeningAsync();
        // The node counts a report when it arrives, the reporter when the answer does: wait for both.
        await WriterHarness.WaitUntilAsync(() => node.ReportsOf(_folder.DeviceId).Count >= 3 && reporter.Accepted >= 3, "three reports accepted once the node is up");
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        var reports = node.ReportsOf(_folder.DeviceId);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.Second.GatewayTimeMs > p.First.GatewayTimeMs), "report times must increase");
        var report = reports[^1];
        Assert.Equal((32L, 30L, 2L, "9.9.9"), (report.LogSize, report.SealedSize, report.PendingReadings, report.Version));
        var humidity = Assert.Single(report.Sensors, s => s.Id == "sim/chiller-1/h0");
        Assert.Equal(("crc", Leaves.T0 + 40_000), (humidity.Fault, humidity.FaultSinceMs));
        Assert.Null(Assert.Single(report.Sensors, s => s.Id == "sim/chiller-1/t0").Fault);
        var active = Assert.Single(report.ActiveAlarms);
        Assert.Equal(("chiller-1", "sim/chiller-1/t0", "temperature", "limit", 9.2), (active.Zone, active.Sensor, active.Quantity, active.Kind, active.Value));
        Assert.Equal(31, Assert.Single(report.RecentAlarms).Sequence);
        Assert.True(reporter.Accepted >= 3);
    }

    [Fact]
    public async Task Reporter_AfterTheNodeHeldANewerReport_GoesAboveIt()
    {
        await using var node = await TestAnchorNode.StartAsync();
        node.Enrol(_folder.DeviceId, _key);
        using var store = SqliteUplinkStore.Open(_folder.DatabasePath);
        using var client = HttpAnchorClient.Create(node.Url, TimeSpan.FromSeconds(5), null);
        // A report from "the future" (a clock that was ahead) is what the node holds.
        var ahead = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds();
        var future = new StatusReporter(_folder.DeviceId, client, store, _signer, Health(), "1", TimeSpan.FromSeconds(30),
            new FixedClock(ahead), TimeProvider.System, NullLogger<StatusReporter>.Instance);
        Assert.True(await future.SendOnceAsync(CancellationToken.None));

        // A fresh start whose database lost that time (restored), with the clock corrected.
        using (var reset = SqliteUplinkStore.Open(_folder.DatabasePath))
        {
            reset.RecordStatusReport(0);
        }
        using var restoredStore = SqliteUplinkStore.Open(_folder.DatabasePath);
        var reporter = new StatusReporter(_folder.DeviceId, client, restoredStore, _signer, Health(), "1", TimeSpan.FromSeconds(30),
            TimeProvider.System, TimeProvider.System, NullLogger<StatusReporter>.Instance);
        Assert.False(await reporter.SendOnceAsync(CancellationToken.None));
        Assert.Equal(ProblemTypes.StaleReport, node.Requests[^1].Problem);
        Assert.True(await reporter.SendOnceAsync(CancellationToken.None));
        Assert.Equal(ahead + 1, node.ReportsOf(_folder.DeviceId)[^1].GatewayTimeMs);
    }

    private static async Task<long> WaitForReportTimeAsync(SqliteUplinkStore store, long above)
    {
        long seen = 0;
        await WriterHarness.WaitUntilAsync(() => (seen = store.LastStatusReportMs() ?? 0) > above, "another report attempt");
        return seen;
    }

    private sealed class FixedClock(long ms) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }
}
