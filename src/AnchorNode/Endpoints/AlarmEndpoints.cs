using System.Security.Claims;
using System.Text.Json.Serialization;
using AnchorNode.Alarms;
using AnchorNode.Runtime;
using Firmware.Contracts;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Endpoints;

/// <summary>An acknowledgement asked for: the operator's comment.</summary>
public sealed record AcknowledgeRequest([property: JsonPropertyName("comment")] string? Comment);

/// <summary>An acknowledgement appended to the ledger.</summary>
public sealed record AcknowledgedResponse(
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("alarm")] long Alarm,
    [property: JsonPropertyName("ledgerIndex")] long LedgerIndex,
    [property: JsonPropertyName("ledgerSize")] long LedgerSize,
    [property: JsonPropertyName("by")] string By,
    [property: JsonPropertyName("timeMs")] long TimeMs,
    [property: JsonPropertyName("comment")] string Comment);

/// <summary>A device's alarms, newest first.</summary>
public sealed record AlarmListResponse(
    [property: JsonPropertyName("device")] string? Device,
    [property: JsonPropertyName("alarms")] IReadOnlyList<AlarmRecord> Alarms);

/// <summary>JSON of the alarm API.</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AcknowledgeRequest))]
[JsonSerializable(typeof(AcknowledgedResponse))]
[JsonSerializable(typeof(AlarmListResponse))]
internal sealed partial class AlarmJsonContext : JsonSerializerContext;

/// <summary>
/// Alarms of a device (<c>GET /v1/devices/{device}/alarms</c>, from the alarm leaves this node holds) and
/// their acknowledgement (<c>POST …/alarms/{sequence}/acknowledgements</c>), which this node signs as an
/// <c>acknowledge</c> ledger entry naming the API client that asked (docs/spec-ledger.md §3.5).
/// </summary>
internal static class AlarmEndpoints
{
    private const int SmallBody = 16 * 1024;

    public static void Map(WebApplication app)
    {
        var devices = app.MapGroup("/v1/devices").WithTags("Alarms");

        devices.MapGet("/{device}/alarms", (string device, NodeRuntime node) =>
                Results.Json(new AlarmListResponse(device, node.Alarms.List(device)), AlarmJsonContext.Default.AlarmListResponse))
            .RequireAuthorization(Policies.Reader)
            .WithName("ListAlarms")
            .WithSummary("The device's alarms, newest first, from the alarm leaves this node holds (so they survive a gateway's restart): start and end, rule, zone, sensor, value, severity, and the acknowledgement if any.")
            .Produces<AlarmListResponse>()
            .ProducesProblem(401).ProducesProblem(403);

        devices.MapPost("/{device}/alarms/{sequence:long}/acknowledgements", async (string device, long sequence, HttpRequest request, ClaimsPrincipal user, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, AlarmJsonContext.Default.AcknowledgeRequest, cancellationToken);
                return problem ?? await AcknowledgeAsync(device, sequence, body!.Comment, "api:" + user.Identity!.Name, new RequestFields(node.Time), node, cancellationToken);
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("AcknowledgeAlarm")
            .WithSummary("Acknowledges the alarm whose start leaf is {sequence} in the device's log, with a comment (free text, 1-500 characters): appends an acknowledge entry signed by this node's operator member, naming the API client ('api:<client>'). 404 when the leaf is no alarm's start; 409 when the alarm was acknowledged before (ledgerIndex names that entry).")
            .Accepts<AcknowledgeRequest>(LotEndpoints.JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<AcknowledgedResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);
    }

    /// <summary>Checks the comment (after whatever <paramref name="fields"/> checked already), then acknowledges as <paramref name="by"/>.</summary>
    public static async Task<IResult> AcknowledgeAsync(string device, long sequence, string? comment, string by, RequestFields fields, NodeRuntime node, CancellationToken cancellationToken)
    {
        if (fields.Text("comment", comment, AcknowledgeStatement.MaxCommentLength).Result is { } refused)
        {
            return refused;
        }
        var appended = await node.Alarms.AcknowledgeAsync(device, sequence, by, comment!, cancellationToken);
        return appended.Succeeded
            ? Results.Json(Acknowledged(device, sequence, appended.Value), AlarmJsonContext.Default.AcknowledgedResponse, statusCode: 201)
            : Problems.Result(NodeProblem.From(appended.Failure!));
    }

    private static AcknowledgedResponse Acknowledged(string device, long sequence, Ledger.AppendedEntry appended)
    {
        var statement = Statement.Parse(appended.Entry.Note.Text).Value;
        var acknowledge = AcknowledgeStatement.From(statement).Value;
        return new AcknowledgedResponse(device, sequence, appended.Index, appended.LedgerSize, acknowledge.By, statement.TimeMs, acknowledge.Comment);
    }
}
