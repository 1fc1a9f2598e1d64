using AnchorNode.Runtime;
using AnchorNode.Auth;
using AnchorNode.Devices;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>Devices: the gateway uplink (device-authenticated), enrolment and review (operators), reads (any role).</summary>
internal static class DeviceEndpoints
{
    private const int SmallBody = 64 * 1024;

    public static void Map(WebApplication app)
    {
        var devices = app.MapGroup("/v1/devices").WithTags("Devices");

        devices.MapGet("/{deviceId}/log", (string deviceId, NodeRuntime node) =>
                node.Uplink.Status(deviceId) is { } status
                    ? Results.Json(status, UplinkJsonContext.Default.DeviceLogStatus)
                    : Problems.Of(ProblemTypes.UnknownDevice, $"device '{deviceId}' is not enrolled"))
            .WithName("GetDeviceLog")
            .WithSummary("How far the node got with a device's log (public: gateways ask before uploading).")
            .Produces<DeviceLogStatus>()
            .ProducesProblem(404);

        devices.MapPost("/{deviceId}/uplink", async (string deviceId, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                // The gateway sends application/json without a charset (JSON is UTF-8 by RFC 8259 §8.1);
                // any other charset or media type is refused as elsewhere.
                var (body, problem) = await RequestBodies.ReadJsonBytesAsync(request, NodeJsonContext.Default.UplinkBody, cancellationToken, charsetOptional: true);
                if (problem is not null)
                {
                    return problem;
                }
                UplinkOutcome outcome;
                var (fast, _) = RequestBodies.Parse(body!.Value, NodeJsonContext.Default.UplinkBody);
                if (fast is not null)
                {
                    outcome = await node.Uplink.UploadAsync(deviceId, fast.Checkpoint, fast.FirstSequence, fast.Leaves, cancellationToken);
                }
                else
                {
                    // Not decodable as bytes: read the contract's string form to say exactly what is wrong.
                    var (strings, malformed) = RequestBodies.Parse(body.Value, UplinkJsonContext.Default.UplinkRequest);
                    if (malformed is not null)
                    {
                        return malformed;
                    }
                    outcome = await node.Uplink.UploadAsync(deviceId, strings!, cancellationToken);
                }
                if (outcome.Failure?.Code == DeviceFailures.NodeOutOfStep)
                {
                    // Transient: the node is pulling the leaves from its peers.
                    request.HttpContext.Response.Headers.RetryAfter = "5";
                }
                return outcome.Receipt is { } receipt
                    ? Results.Json(receipt, UplinkJsonContext.Default.UplinkReceipt)
                    : Problems.Result(NodeProblem.ForDeviceWrite(outcome.Failure!));
            })
            .WithName("Uplink")
            .WithSummary("A device's new leaves and signed checkpoint; answered only after leaves and anchor entry are committed. Authenticated by the checkpoint signature.")
            .Accepts<UplinkRequest>("application/json")
            .WithBodyLimit(UplinkRoutes.MaxRequestBytes)
            .Produces<UplinkReceipt>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

        devices.MapPost("", async (HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, NodeJsonContext.Default.EnrolRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                if (CheckEnrolment(body!, new RequestFields(node.Time)).Result is { } refused)
                {
                    return refused;
                }
                var enrol = new EnrolStatement
                {
                    DeviceId = body!.DeviceId,
                    PublicKey = body.PublicKey,
                    Site = body.Site,
                    Zone = body.Zone,
                    Sensors = (body.Sensors ?? []).Select(s => new SensorInfo(s.Id, s.Quantity, s.Zone)).ToList(),
                };
                var result = await node.Devices.EnrolAsync(enrol, cancellationToken);
                return result.Succeeded
                    ? Results.Json(new AppendedResponse(result.Value.Index, result.Value.LedgerSize, EntryKinds.Enrol), NodeJsonContext.Default.AppendedResponse, statusCode: 201)
                    : Problems.Result(NodeProblem.From(result.Failure!));
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("EnrolDevice")
            .WithSummary("Enrols a device: an enrolment statement signed with this node's operator member key.")
            .Accepts<EnrolRequest>(LotEndpoints.JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<AppendedResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

        devices.MapGet("", (NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                var list = lease.Reader.State.Devices().Select(View).ToList();
                return Results.Json(list, NodeJsonContext.Default.ListDeviceView);
            })
            .RequireAuthorization(Policies.Reader)
            .WithName("ListDevices")
            .WithSummary("Every device ever enrolled, with its ledger state.")
            .Produces<List<DeviceView>>()
            .ProducesProblem(401);

        devices.MapGet("/{deviceId}", (string deviceId, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                return lease.Reader.State.Device(deviceId) is { } device
                    ? Results.Json(View(device), NodeJsonContext.Default.DeviceView)
                    : Problems.Of(ProblemTypes.UnknownDevice, $"device '{deviceId}' was never enrolled");
            })
            .RequireAuthorization(Policies.Reader)
            .WithName("GetDevice")
            .WithSummary("A device's enrolment and anchored state.")
            .Produces<DeviceView>()
            .ProducesProblem(401).ProducesProblem(404);

        devices.MapPost("/{deviceId}/revoke", async (string deviceId, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, NodeJsonContext.Default.ReasonRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                if (new RequestFields(node.Time).Text("reason", body!.Reason, FieldReader.MaxTextLength, required: false).Result is { } refused)
                {
                    return refused;
                }
                var result = await node.Devices.RevokeAsync(deviceId, body.Reason, cancellationToken);
                return result.Succeeded
                    ? Results.Json(new AppendedResponse(result.Value.Index, result.Value.LedgerSize, EntryKinds.Revoke), NodeJsonContext.Default.AppendedResponse)
                    : Problems.Result(NodeProblem.From(result.Failure!) is { Code: LedgerFailures.UnknownDevice } p ? p with { Status = 404 } : NodeProblem.From(result.Failure!));
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("RevokeDevice")
            .WithSummary("Revokes the device's enrolment in force; its later uploads are refused.")
            .Accepts<ReasonRequest>(LotEndpoints.JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<AppendedResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

        devices.MapPost("/{deviceId}/equivocation/clear", async (string deviceId, HttpRequest request, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBodies.ReadJsonAsync(request, NodeJsonContext.Default.ReasonRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                if (new RequestFields(node.Time).Text("reason", body!.Reason, FieldReader.MaxTextLength).Result is { } refused)
                {
                    return refused;
                }
                var result = await node.Devices.ClearEquivocationAsync(deviceId, body.Reason!, cancellationToken);
                return result.Succeeded
                    ? Results.Json(new AppendedResponse(result.Value.Index, result.Value.LedgerSize, EntryKinds.Clear), NodeJsonContext.Default.AppendedResponse)
                    : Problems.Result(NodeProblem.From(result.Failure!) is { Code: LedgerFailures.UnknownDevice } p ? p with { Status = 404 } : NodeProblem.From(result.Failure!));
            })
            .RequireAuthorization(Policies.Operator)
            .WithName("ClearEquivocation")
            .WithSummary("Records an operator's review of an equivocation; the device may anchor again (extending its anchored history).")
            .Accepts<ReasonRequest>(LotEndpoints.JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<AppendedResponse>()
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

        devices.MapGet("/{deviceId}/readings", (string deviceId, long? from, int? limit, NodeRuntime node) =>
            {
                using var lease = node.Readers.Rent();
                var reader = lease.Reader;
                if (reader.State.Device(deviceId) is null)
                {
                    return Problems.Of(ProblemTypes.UnknownDevice, $"device '{deviceId}' was never enrolled");
                }
                var log = reader.DeviceLog(deviceId);
                var count = Math.Clamp(limit ?? 1000, 1, 10_000);
                var readings = log is null ? [] : reader.Leaves(log.LogId, Math.Max(0, from ?? 0), count)
                    .Select(l => new ReadingView(l.Seq, Convert.ToBase64String(l.Bytes.Span))).ToList();
                return Results.Json(new ReadingsView(deviceId, log?.Size ?? 0, readings), NodeJsonContext.Default.ReadingsView);
            })
            .RequireAuthorization(Policies.Reader)
            .WithName("GetReadings")
            .WithSummary("Stored leaves of a device from a sequence number on (base64 leaf bytes).")
            .Produces<ReadingsView>()
            .ProducesProblem(401).ProducesProblem(404);
    }

    private static RequestFields CheckEnrolment(EnrolRequest body, RequestFields fields)
    {
        fields.Id("deviceId", body.DeviceId, LedgerNames.IsValidDeviceId)
            .Check("publicKey", body.PublicKey, required: true, RequestFields.Base64)
            .Id("site", body.Site, LedgerNames.IsValidZone, required: false)
            .Id("zone", body.Zone, LedgerNames.IsValidZone, required: false);
        var sensors = body.Sensors ?? [];
        if (sensors.Count > EnrolStatement.MaxSensors)
        {
            fields.Check("sensors", $"{sensors.Count} sensors", required: true, _ => $"must list at most {EnrolStatement.MaxSensors} sensors");
        }
        for (var i = 0; i < sensors.Count && fields.Problem is null; i++)
        {
            var at = $"sensors[{i}]";
            fields.Required(at, sensors[i], "a sensor {id, quantity, zone?}");
            if (sensors[i] is { } sensor)
            {
                fields.Check($"{at}.id", sensor.Id, required: true, id => LedgerNames.IsValidSensorId(id) ? null : "must be 1-128 of A-Z a-z 0-9 . _ : / - starting with a letter or digit")
                    .Check($"{at}.quantity", sensor.Quantity, required: true, q => LedgerNames.IsValidQuantity(q) ? null : "must be a quantity name: a lower-case letter, then up to 31 of a-z 0-9 _ -")
                    .Id($"{at}.zone", sensor.Zone, LedgerNames.IsValidZone, required: false);
            }
        }
        return fields;
    }

    private static DeviceView View(DeviceRecord d) =>
        new(d.DeviceId, d.PublicKey, d.Site, d.Zone, d.Sensors.Select(s => new SensorModel(s.SensorId, s.Quantity, s.Zone)).ToList(),
            d.EnrolmentIndex, d.EnrolledBy, d.RevocationIndex, d.AnchorIndex, d.AnchoredSize, d.AnchoredRoot.ToBase64(), d.EquivocationIndex);
}

/// <summary>Authorisation policies by role.</summary>
internal static class Policies
{
    /// <summary>Operators only.</summary>
    public const string Operator = "operator";

    /// <summary>Any authenticated organisation.</summary>
    public const string Reader = "reader";

    /// <summary>Lenders only (pledges are theirs to submit).</summary>
    public const string Lender = "lender";

    /// <summary>Lenders and auditors (condition reports, bundles, pledges and breaches).</summary>
    public const string LenderOrAuditor = "lender-or-auditor";

    /// <summary>Regulators only (freezes are theirs to submit).</summary>
    public const string Regulator = "regulator";

    public static void Add(Microsoft.AspNetCore.Authorization.AuthorizationOptions options)
    {
        options.AddPolicy(Operator, p => p.RequireRole(Roles.Operator));
        options.AddPolicy(Reader, p => p.RequireRole(Roles.Operator, Roles.Lender, Roles.Auditor, Roles.Regulator));
        options.AddPolicy(Lender, p => p.RequireRole(Roles.Lender));
        options.AddPolicy(LenderOrAuditor, p => p.RequireRole(Roles.Lender, Roles.Auditor));
        options.AddPolicy(Regulator, p => p.RequireRole(Roles.Regulator));
    }
}
