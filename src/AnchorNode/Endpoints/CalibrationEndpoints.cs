using System.Text.Json.Serialization;
using AnchorNode.Auth;
using AnchorNode.Runtime;
using Firmware.Contracts;
using Firmware.Contracts.Calibration;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>A sensor calibration to record (docs/spec-ledger.md §3.6): an offset, or two points.</summary>
/// <param name="Offset">Added to the raw value; or null with two points.</param>
/// <param name="Points">Two (raw, reference) points; or null with an offset.</param>
/// <param name="Certificate">The certificate id.</param>
/// <param name="Laboratory">The laboratory that issued it.</param>
/// <param name="CalibratedMs">When the sensor was calibrated (Unix ms).</param>
/// <param name="DueMs">When the next calibration is due (Unix ms).</param>
/// <param name="Unit">The SenML unit; optional, and when given it must be the sensor's.</param>
public sealed record CalibrationRequest(
    [property: JsonPropertyName("offset")] decimal? Offset,
    [property: JsonPropertyName("points")] IReadOnlyList<CalibrationPoint?>? Points,
    [property: JsonPropertyName("certificate")] string? Certificate,
    [property: JsonPropertyName("laboratory")] string? Laboratory,
    [property: JsonPropertyName("calibratedMs")] long? CalibratedMs,
    [property: JsonPropertyName("dueMs")] long? DueMs,
    [property: JsonPropertyName("unit")] string? Unit);

/// <summary>JSON of the calibration requests.</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CalibrationRequest))]
internal sealed partial class CalibrationRequestJsonContext : JsonSerializerContext;

/// <summary>Sensor calibrations: recorded by operators, listed for anyone (gateways fetch them to correct their alarms).</summary>
internal static class CalibrationEndpoints
{
    public static void Map(WebApplication app)
    {
        var devices = app.MapGroup("/v1/devices").WithTags("Devices");

        devices.MapPost("/{deviceId}/sensors/{sensorId}/calibrations", async (string deviceId, string sensorId, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, CalibrationRequestJsonContext.Default.CalibrationRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                var unit = node.Calibrations.UnitOf(deviceId, sensorId);
                if (!unit.Succeeded)
                {
                    return Problems.Result(NodeProblem.From(unit.Failure!));
                }
                var fields = new RequestFields(node.Time)
                    .Text("certificate", body!.Certificate, CalibrateStatement.MaxCertificateLength)
                    .Text("laboratory", body.Laboratory, CalibrateStatement.MaxLaboratoryLength)
                    .Required("calibratedMs", body.CalibratedMs, "Unix ms of the calibration")
                    .Past("calibratedMs", body.CalibratedMs)
                    .Required("dueMs", body.DueMs, "Unix ms the next calibration is due")
                    .Term("dueMs", body.DueMs)
                    .Check("unit", body.Unit, required: false, u => u == unit.Value ? null : $"must be the sensor's unit {unit.Value}");
                if (fields.Result is { } refused)
                {
                    return refused;
                }
                if (body.DueMs <= body.CalibratedMs)
                {
                    return Problems.Result(Problems.Field(RequestProblemTypes.InvalidField, "dueMs", $"'dueMs' ({body.DueMs}) must come after 'calibratedMs' ({body.CalibratedMs})"));
                }
                var correction = Correction(body);
                if (!correction.Succeeded)
                {
                    return Problems.Result(Problems.Field(RequestProblemTypes.InvalidField, body.Offset is null ? "points" : "offset", correction.Failure!.Message));
                }
                var statement = new CalibrateStatement
                {
                    DeviceId = deviceId, SensorId = sensorId, Unit = unit.Value, Correction = correction.Value, Certificate = body.Certificate!,
                    Laboratory = body.Laboratory!, CalibratedMs = body.CalibratedMs!.Value, DueMs = body.DueMs!.Value,
                };
                var result = await node.Calibrations.RecordAsync(statement, cancellationToken);
                return result.Succeeded
                    ? Results.Json(new AppendedResponse(result.Value.Index, result.Value.LedgerSize, EntryKinds.Calibrate), NodeJsonContext.Default.AppendedResponse, statusCode: 201)
                    : Problems.Result(NodeProblem.From(result.Failure!));
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("RecordCalibration")
            .WithSummary("Records a sensor's calibration (offset or two-point correction, certificate, laboratory, dates) as a signed calibrate entry.")
            .Accepts<CalibrationRequest>(LotEndpoints.JsonBody)
            .WithBodyLimit(64 * 1024)
            .Produces<AppendedResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

        devices.MapGet("/{deviceId}/calibrations", (string deviceId, NodeRuntime node) =>
                node.Calibrations.List(deviceId, node.CalibrationDueSoonDays) is { } list
                    ? Results.Json(list, CalibrationJsonContext.Default.DeviceCalibrations)
                    : Problems.Of(ProblemTypes.UnknownDevice, $"device '{deviceId}' was never enrolled"))
            .WithName("GetCalibrations")
            .WithSummary("A device's sensors, each with its calibrations and the status of the one in force (current, due-soon, overdue, missing). Public: gateways fetch it, and the entries are on the ledger.")
            .Produces<DeviceCalibrations>()
            .ProducesProblem(404);
    }

    private static Result<SensorCorrection> Correction(CalibrationRequest body)
    {
        if (body.Points is { } points && points.Any(p => p is null))
        {
            return Result<SensorCorrection>.Fail(RequestProblemTypes.InvalidField, "each point is {\"raw\": <number>, \"reference\": <number>}");
        }
        var view = new CalibrationView(0, body.Offset, body.Points?.Select(p => p!).ToList(), "", "", 0, 0, "");
        var correction = view.Correction();
        return correction.Succeeded
            ? correction
            : Result<SensorCorrection>.Fail(RequestProblemTypes.InvalidField,
                $"a calibration has either 'offset' or two 'points' ({{\"raw\", \"reference\"}}, raw values different), numbers with at most {CanonicalValues.MaxDecimals} decimal places: {correction.Failure!.Message}");
    }
}
