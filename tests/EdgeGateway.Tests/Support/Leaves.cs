using EdgeGateway.Log;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Tests.Support;

/// <summary>Leaf contents and batches for storage tests.</summary>
public static class Leaves
{
    public static readonly long T0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static LeafContent Measurement(string deviceId, long seq, double value = 4.5) => new()
    {
        DeviceId = deviceId,
        Sequence = seq,
        Kind = LeafKind.Measurement,
        TimeMs = T0 + seq * 1000,
        SensorId = $"sim/chiller-1/t{seq % 4}",
        Quantity = Senml.Temperature,
        Zone = "chiller-1",
        Unit = Senml.Celsius,
        Value = value + seq % 10 / 10.0,
    };

    /// <summary>Appends <paramref name="count"/> measurement leaves; returns them.</summary>
    public static List<ReadingLeaf> Append(DeviceLog log, int count)
    {
        var batch = Enumerable.Range(0, count).Select(i => log.CreateLeaf(Measurement(log.DeviceId, log.Size + i))).ToList();
        log.Append(batch);
        return batch;
    }
}
