using AnchorNode.Dashboard;
using AnchorNode.Storage;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Readings;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Tests.Dashboard;

/// <summary>
/// The measurement index the dashboard reads: filled by uploads in their transaction, aggregated
/// in SQLite into bounded buckets, and rebuilt from the stored leaves when missing.
/// </summary>
public sealed class MeasurementIndexTests : IAsyncLifetime
{
    private const long Bucket = 15 * 60_000;

    private readonly TestNode _node = new();

    public Task InitializeAsync() => _node.InitializeAsync();

    public Task DisposeAsync() => _node.DisposeAsync();

    [Fact]
    public async Task Buckets_GroupTheWindow_AndSummariseToTheExactFigures()
    {
        // 40 leaves, every 30 s: 20 temperatures over 19.5 minutes.
        using var device = new SimulatedDevice("gw-agg", 41).Add(40);
        await _node.EnrolAsync(device);
        await _node.AnchorAsync(device, 0);
        var t1 = device.Leaves.Select(l => l.Content).Where(c => c.SensorId == "t1").ToList();
        // The window starts at the fourth temperature: the first three are left out.
        var from = t1[3].TimeMs;

        var buckets = Read(r => Measurements.Buckets(r, device.Id, "t1", "temperature", from, Bucket, 96));

        var inside = t1.Skip(3).ToList();
        Assert.Equal(inside.GroupBy(c => (c.TimeMs - from) / Bucket).Select(g => (from + g.Key * Bucket, (long)g.Count(), g.Min(c => c.Value!.Value), g.Max(c => c.Value!.Value))),
            buckets.Select(b => (b.StartMs, b.Count, b.Min, b.Max)));
        var stats = OperatorDashboard.Summarise(buckets, from, Bucket)!;
        Assert.Equal(inside.Count, stats.Count);
        Assert.Equal(inside.Min(c => c.Value!.Value), stats.Min);
        Assert.Equal(inside.Max(c => c.Value!.Value), stats.Max);
        Assert.Equal(inside.Average(c => c.Value!.Value), stats.Mean, 9);
        Assert.Null(OperatorDashboard.Summarise([], from, Bucket));
    }

    [Fact]
    public async Task Buckets_AreBounded_LaterLeavesFallInTheLast()
    {
        using var device = new SimulatedDevice("gw-bound", 42).Add(40);
        await _node.EnrolAsync(device);
        await _node.AnchorAsync(device, 0);
        var t1 = device.Leaves.Select(l => l.Content).Where(c => c.SensorId == "t1").ToList();

        // Four one-minute buckets over 20 minutes of readings: everything after the fourth minute is in the last.
        var buckets = Read(r => Measurements.Buckets(r, device.Id, "t1", "temperature", t1[0].TimeMs, 60_000, 4));

        Assert.Equal(4, buckets.Count);
        Assert.Equal(t1[0].TimeMs + 3 * 60_000, buckets[^1].StartMs);
        Assert.Equal(t1.Count, buckets.Sum(b => b.Count));
        Assert.Equal(t1.Count(c => c.TimeMs >= t1[0].TimeMs + 3 * 60_000), buckets[^1].Count);
    }

    [Fact]
    public async Task Series_KeepEachSensorsLatestMeasurement_AcrossUploads()
    {
        using var device = new SimulatedDevice("gw-series", 43).Add(6);
        await _node.EnrolAsync(device);
        await _node.AnchorAsync(device, 0);
        device.Add(5);
        await _node.AnchorAsync(device, 6);

        var series = Read(Measurements.Series).Where(s => s.DeviceId == device.Id).ToList();

        Assert.Equal(["h1", "t1"], series.Select(s => s.SensorId));
        foreach (var s in series)
        {
            var last = device.Leaves.Select(l => l.Content).Last(c => c.SensorId == s.SensorId);
            Assert.Equal((last.TimeMs, last.Sequence, last.Value!.Value, last.Unit, last.Zone), (s.TimeMs, s.Seq, s.Value, s.Unit, s.Zone));
        }
    }

    [Fact]
    public async Task Index_IsRebuiltFromTheStoredLeaves_WhenMissing()
    {
        using var device = new SimulatedDevice("gw-rebuild", 44).Add(30);
        await _node.EnrolAsync(device);
        await _node.AnchorAsync(device, 0);
        var before = Read(r => Measurements.Buckets(r, device.Id, "h1", "humidity", 0, 60_000, 1_000_000));
        var series = Read(Measurements.Series);

        using (var connection = new SqliteConnection($"Data Source={_node.Folder.DatabaseFile}"))
        {
            connection.Open();
            using var wipe = connection.CreateCommand();
            wipe.CommandText = "DELETE FROM measurements; DELETE FROM measurement_series; DELETE FROM meta WHERE key = 'measurement_index';";
            wipe.ExecuteNonQuery();
        }
        Assert.Empty(Read(Measurements.Series));
        new NodeDatabase(_node.Folder.DatabaseFile).EnsureCreated();

        Assert.Equal(series, Read(Measurements.Series));
        Assert.Equal(before, Read(r => Measurements.Buckets(r, device.Id, "h1", "humidity", 0, 60_000, 1_000_000)));
        Assert.Equal(15, before.Sum(b => b.Count));
        Assert.DoesNotContain(device.Leaves, l => l.Content.Kind != LeafKind.Measurement);
    }

    private T Read<T>(Func<NodeReader, T> read)
    {
        using var lease = _node.Runtime.Readers.Rent();
        return read(lease.Reader);
    }
}
