using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Tests.Cli;

/// <summary><c>calibration record</c> and <c>calibration list</c>, run as real processes against a running node's folder.</summary>
public class CalibrationCliTests(TestNode node) : IClassFixture<TestNode>
{
    [Fact]
    public async Task Record_TwoPointAndOffset_ThenList_ShowsStatusAndTheCalibrationInForce()
    {
        using var device = new SimulatedDevice("gw-ccli", seed: 31);
        await node.EnrolAsync(device);
        var record = await Programs.RunAsync(Programs.AnchorNode, ["calibration", "record", "--data", node.Folder.Path, "--device", device.Id, "--sensor", "t1",
            "--point=-20:-19.5", "--point=25:25.25", "--certificate", "CNAS-L0001-2024-7", "--laboratory", "Shanghai Institute of Measurement",
            "--calibrated", "2024-01-01T00:00:00Z", "--due", "2025-01-01T00:00:00Z"]);
        Assert.True(record.ExitCode == 0, record.Output + record.Error);
        Assert.Equal("two-point (-20, -19.5) (25, 25.25)", record.Field("correction"));
        var index = long.Parse(record.Field("ledger-index"), System.Globalization.CultureInfo.InvariantCulture);
        using (var lease = node.Runtime.Readers.Rent())
        {
            var stored = Assert.Single(lease.Reader.State.Calibrations(device.Id, "t1"));
            Assert.Equal((index, "Cel", new SensorCorrection.TwoPoint(-20, -19.5m, 25, 25.25m)), (stored.Index, stored.Statement.Unit, (SensorCorrection)stored.Statement.Correction));
        }

        var list = await Programs.RunAsync(Programs.AnchorNode, ["calibration", "list", "--data", node.Folder.Path, "--device", device.Id]);
        Assert.True(list.ExitCode == 0, list.Output + list.Error);
        Assert.StartsWith("overdue: two-point (-20, -19.5) (25, 25.25); certificate CNAS-L0001-2024-7", list.Field("t1"), StringComparison.Ordinal);
        Assert.Contains("due 2025-01-01T00:00:00.000Z", list.Field("t1"), StringComparison.Ordinal);
        Assert.StartsWith("missing: no calibration on record", list.Field("h1"), StringComparison.Ordinal);

        var both = await Programs.RunAsync(Programs.AnchorNode, ["calibration", "record", "--data", node.Folder.Path, "--device", device.Id, "--sensor", "t1",
            "--offset=0.2", "--point=0:0.1", "--point=40:39.8", "--certificate", "C", "--laboratory", "L", "--calibrated", "2024-06-01T00:00:00Z", "--due", "2026-01-01T00:00:00Z"]);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("either --offset or --point twice", both.Error, StringComparison.Ordinal);

        var earlier = await Programs.RunAsync(Programs.AnchorNode, ["calibration", "record", "--data", node.Folder.Path, "--device", device.Id, "--sensor", "t1",
            "--offset=0.2", "--certificate", "C", "--laboratory", "L", "--calibrated", "2023-06-01T00:00:00Z", "--due", "2026-01-01T00:00:00Z"]);
        Assert.Equal(1, earlier.ExitCode);
        Assert.Contains(LedgerFailures.TimeOrder, earlier.Error, StringComparison.Ordinal);
    }
}
