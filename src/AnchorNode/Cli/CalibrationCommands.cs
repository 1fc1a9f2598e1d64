using System.CommandLine;
using Firmware.Contracts.Calibration;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Cli;

/// <summary><c>calibration record</c>, <c>calibration list</c>: the same calibrate entries and list the API gives. Safe while the node runs.</summary>
internal static class CalibrationCommands
{
    public static void AddTo(RootCommand root) =>
        root.Subcommands.Add(new Command("calibration", "Sensor calibrations: record one (a signed calibrate entry), or list a device's sensors and the calibration in force.") { Record(), List() });

    private static Command Record()
    {
        var data = NodeCli.DataOption();
        var device = new Option<string>("--device") { Description = "The device id", Required = true };
        var sensor = new Option<string>("--sensor") { Description = "The sensor id, as the device's enrolment lists it", Required = true };
        var offset = new Option<string?>("--offset") { Description = "An offset added to the raw value, in the sensor's unit (e.g. --offset=-0.3)" };
        var points = new Option<string[]>("--point") { Description = "A two-point correction: RAW:REFERENCE, given twice (e.g. --point=0:0.1 --point=40:39.8)" };
        var certificate = new Option<string>("--certificate") { Description = "The calibration certificate's id", Required = true };
        var laboratory = new Option<string>("--laboratory") { Description = "The laboratory that issued it", Required = true };
        var calibrated = new Option<string>("--calibrated") { Description = "When the sensor was calibrated, ISO 8601 (it applies to readings from then on)", Required = true };
        var due = new Option<string>("--due") { Description = "When the next calibration is due, ISO 8601", Required = true };
        var command = new Command("record", "Record a sensor's calibration: a calibrate statement signed with this member's key, appended to the ledger.")
        {
            data, device, sensor, offset, points, certificate, laboratory, calibrated, due,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var pointTexts = parse.GetValue(points) ?? [];
            string? offsetText = null;
            if (parse.GetValue(offset) is { } o)
            {
                offsetText = Canonical(CliValues.Decimal(o, "--offset"), "--offset", o);
            }
            var pointLines = pointTexts.Select(p =>
            {
                var parts = p.Split(':');
                return parts.Length == 2
                    ? $"{Canonical(CliValues.Decimal(parts[0], "--point"), "--point", p)} {Canonical(CliValues.Decimal(parts[1], "--point"), "--point", p)}"
                    : throw new UsageException($"--point {p}: expected RAW:REFERENCE, e.g. --point=0:0.1");
            }).ToList();
            var correction = SensorCorrection.FromFields(offsetText, pointLines);
            if (!correction.Succeeded)
            {
                throw new UsageException($"give either --offset or --point twice: {correction.Failure!.Message}");
            }
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var unit = node.Calibrations.UnitOf(parse.GetValue(device)!, parse.GetValue(sensor)!);
            if (!unit.Succeeded)
            {
                return NodeCli.Fail(unit.Failure!);
            }
            var statement = new CalibrateStatement
            {
                DeviceId = parse.GetValue(device)!, SensorId = parse.GetValue(sensor)!, Unit = unit.Value, Correction = correction.Value,
                Certificate = parse.GetValue(certificate)!, Laboratory = parse.GetValue(laboratory)!,
                CalibratedMs = CliValues.Time(parse.GetValue(calibrated), "--calibrated")!.Value, DueMs = CliValues.Time(parse.GetValue(due), "--due")!.Value,
            };
            if (statement.Check() is { Succeeded: false } bad)
            {
                throw new UsageException(bad.Failure!.Message);
            }
            var result = await node.Calibrations.RecordAsync(statement, cancellationToken);
            if (!result.Succeeded)
            {
                return NodeCli.Fail(result.Failure!);
            }
            NodeCli.Print("sensor", $"{statement.DeviceId} {statement.SensorId} ({statement.Unit})");
            NodeCli.Print("correction", statement.Correction.Describe());
            NodeCli.Print("ledger-index", result.Value.Index);
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var data = NodeCli.DataOption();
        var device = new Option<string>("--device") { Description = "The device id", Required = true };
        var command = new Command("list", "List a device's sensors with the calibration in force and its status (current, due-soon, overdue, missing).") { data, device };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            if (node.Calibrations.List(parse.GetValue(device)!, node.Config.CalibrationDueSoonDays) is not { } list)
            {
                return NodeCli.Fail(new Firmware.Contracts.Failure(LedgerFailures.UnknownDevice, $"device '{parse.GetValue(device)}' was never enrolled"));
            }
            foreach (var sensor in list.Sensors)
            {
                var inForce = sensor.Calibrations.FirstOrDefault(c => c.LedgerIndex == sensor.InForce);
                NodeCli.Print(sensor.SensorId, inForce is null
                    ? $"{sensor.Status}: no calibration on record ({sensor.Quantity}, {sensor.Unit})"
                    : $"{sensor.Status}: {Describe(inForce)} certificate {inForce.Certificate}, {inForce.Laboratory}, calibrated {EvidenceVerifier.Iso(inForce.CalibratedMs)}, due {EvidenceVerifier.Iso(inForce.DueMs)} (ledger index {inForce.LedgerIndex})");
            }
            return NodeCli.Ok;
        });
        return command;
    }

    private static string Describe(CalibrationView view) => view.Correction() is { Succeeded: true } c ? c.Value.Describe() + ";" : "";

    private static string Canonical(decimal value, string option, string text) =>
        Firmware.Contracts.CanonicalValues.IsWritable(value)
            ? Firmware.Contracts.CanonicalValues.Decimal(value)
            : throw new UsageException($"{option} {text}: at most {Firmware.Contracts.CanonicalValues.MaxDecimals} decimal places");
}
