using EdgeGateway.Alarms;
using EdgeGateway.Log;
using EdgeGateway.Sensors;
using EdgeGateway.Storage;
using EdgeGateway.Tests.Support;
using EdgeGateway.Uplink;
using Firmware.Contracts.Calibration;
using Firmware.Contracts.Readings;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Tests.Alarms;

/// <summary>
/// The gateway fetches its calibrations from a node (real Kestrel on 127.0.0.1), keeps them in its SQLite
/// file, and after a restart with the node gone still corrects readings before the alarm rules judge
/// them: alarm leaves carry the corrected value, measurement leaves the raw one.
/// </summary>
public sealed class CalibratedAlarmTests : IAsyncLifetime
{
    private static readonly LogWriterOptions Fast = WriterHarness.Fast;

    private GatewayFolder _folder = null!;

    public async Task InitializeAsync() => _folder = await GatewayFolder.CreateAsync("gw-cal");

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    private static long T(double minutes) => Leaves.T0 + (long)(minutes * 60_000);

    private static Measurement Temp(double minutes, double value) => new("sim/chiller-1/t0", Quantity.Temperature, T(minutes), value, "Cel");

    private static DeviceCalibrations Answer(string deviceId) => new(deviceId, T(0), 12, 30,
    [
        new SensorCalibrations("sim/chiller-1/t0", "temperature", "Cel", CalibrationStatus.Current, 9,
        [
            // -0.5 until minute 5, then a two-point line that adds 0.2 at 0 and 0.4 at 10.
            new CalibrationView(7, -0.5m, null, "CNAS-2025-1", "Lab", T(-1440), T(60 * 24 * 300), "warehouse"),
            new CalibrationView(9, null, [new CalibrationPoint(0, 0.2m), new CalibrationPoint(10, 10.4m)], "CNAS-2026-1", "Lab", T(5), T(60 * 24 * 300), "warehouse"),
        ]),
    ]);

    [Fact]
    public async Task FetchedCalibrations_SurviveARestartWithoutTheNode_AndCorrectWhatTheAlarmsJudge()
    {
        await using (var node = await TestAnchorNode.StartAsync())
        {
            node.Calibrations = Answer(_folder.DeviceId);
            using var client = HttpAnchorClient.Create(node.Url, TimeSpan.FromSeconds(30), null);
            using var store = SqliteCalibrationStore.Open(_folder.DatabasePath);
            var sync = new CalibrationSync(_folder.DeviceId, client, store, new CalibratedReadings(), TimeProvider.System, NullLogger<CalibrationSync>.Instance);
            Assert.True(await sync.FetchOnceAsync(CancellationToken.None));
            node.FailNext(1);
            Assert.False(await sync.FetchOnceAsync(CancellationToken.None));
        }

        // A restart: a new process state, the node out of reach; only the SQLite file remembers.
        var readings = new CalibratedReadings();
        using (var store = SqliteCalibrationStore.Open(_folder.DatabasePath))
        {
            Assert.True(CalibrationSync.LoadSaved(store, readings));
        }
        Assert.Equal(2, readings.Current!.Sensors[0].Calibrations.Count);
        var rule = new AlarmRule { Id = "chiller-high", Zone = "chiller-1", Quantity = "temperature", Above = 8 };
        await using (var writer = WriterHarness.StartCalibrated(_folder, Fast, readings, rule))
        {
            // 8.3 raw is 7.8 corrected: no alarm; 8.6 is 8.1: an alarm; at minute 5 the two-point line
            // takes over: 7.7 raw is 7.7 + 0.2 + 0.02·7.7 = 8.054: still in alarm; 7.5 is 7.85: the end.
            await writer.PostAllAsync([Temp(0, 8.3), Temp(1, 8.6), Temp(5, 7.7), Temp(6, 7.5)]);
            await writer.StopAsync();
        }
        var contents = LogAudit.Read(_folder.DatabasePath).Contents;
        Assert.Equal([8.3, 8.6, 7.7, 7.5], contents.Where(l => l.Kind == LeafKind.Measurement).Select(l => l.Value!.Value));
        var alarms = contents.Where(l => l.Kind == LeafKind.Alarm).ToList();
        Assert.Equal(["start", "end"], alarms.Select(a => a.StringValue));
        Assert.Equal((T(1), 8.1), (alarms[0].TimeMs, alarms[0].Value!.Value));
        Assert.Equal((T(6), 7.85), (alarms[1].TimeMs, alarms[1].Value!.Value));
    }

    [Fact]
    public void Correct_LeavesOtherSensorsUnitsAndEarlierReadingsRaw()
    {
        var readings = new CalibratedReadings();
        var reading = new AlarmReading("chiller-1", "sim/chiller-1/t0", "temperature", T(0), 8.6, "Cel");
        Assert.Equal(8.6, readings.Correct(reading).Value);
        readings.Use(Answer(_folder.DeviceId));
        Assert.Equal(8.1, readings.Correct(reading).Value);
        Assert.Equal(8.6, readings.Correct(reading with { TimeMs = T(-1441) }).Value);
        Assert.Equal(8.6, readings.Correct(reading with { SensorId = "sim/chiller-1/t1" }).Value);
        Assert.Equal(8.6, readings.Correct(reading with { Unit = "%RH" }).Value);
    }
}
