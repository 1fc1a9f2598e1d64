using AnchorNode.Dashboard;
using AnchorNode.Runtime;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>
/// The dashboard's alarm section: its data (<see cref="DashboardAlarms.DataPath"/>) and its
/// acknowledgements, under the dashboard cookie's path so that a browser holding a dashboard link
/// reaches them. A dashboard user gives a name, recorded as <c>dashboard:&lt;name&gt;</c>; a client
/// with an operator API key is recorded as <c>api:&lt;client&gt;</c> as on the device route. The
/// cookie is SameSite=Strict and the body must be JSON, so another site cannot post one.
/// </summary>
internal static class DashboardAlarmEndpoints
{
    private const int SmallBody = 16 * 1024;

    public static void Map(WebApplication app)
    {
        app.MapGet(DashboardAlarms.DataPath, (HttpContext context, NodeRuntime node) =>
            {
                if (DashboardEndpoints.DataAccess(context, node) is { } refused)
                {
                    return refused;
                }
                return Results.Json(DashboardAlarms.Build(node.Alarms.List(null), node.Time.GetUtcNow().ToUnixTimeMilliseconds()), DashboardAlarmsJsonContext.Default.DashboardAlarmsView);
            })
            .WithTags("Dashboard")
            .WithName("GetDashboardAlarms")
            .WithSummary("The dashboard's alarm history: every active alarm and the 50 latest ended ones, with severity and acknowledgement. A dashboard link's cookie, or an operator or auditor API key.")
            .Produces<DashboardAlarmsView>()
            .ProducesProblem(401).ProducesProblem(403);

        app.MapPost(DashboardAlarms.AcknowledgePath, async (string device, long sequence, HttpContext context, NodeRuntime node, CancellationToken cancellationToken) =>
            {
                if (DashboardEndpoints.DataAccess(context, node, operatorOnly: true) is { } refused)
                {
                    return refused;
                }
                var (body, problem) = await RequestBodies.ReadJsonAsync(context.Request, DashboardAlarmsJsonContext.Default.DashboardAcknowledgeRequest, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }
                var user = context.User;
                var fields = new RequestFields(node.Time);
                string by;
                if (user.Identity?.IsAuthenticated == true && body!.Name is null)
                {
                    by = "api:" + user.Identity.Name;
                }
                else
                {
                    fields.Text("name", body!.Name, DashboardAlarms.MaxNameLength);
                    by = "dashboard:" + body.Name;
                }
                return await AlarmEndpoints.AcknowledgeAsync(device, sequence, body.Comment, by, fields, node, cancellationToken);
            })
            .WithTags("Dashboard")
            .WithName("AcknowledgeAlarmFromDashboard")
            .WithSummary("The dashboard's Acknowledge control: {\"comment\", \"name\"}; recorded as 'dashboard:<name>'. Same answers as POST /v1/devices/{device}/alarms/{sequence}/acknowledgements.")
            .Accepts<DashboardAcknowledgeRequest>(LotEndpoints.JsonBody)
            .WithBodyLimit(SmallBody)
            .Produces<AcknowledgedResponse>(201)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);
    }
}
