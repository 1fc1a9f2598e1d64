using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Tests.Alarms;

/// <summary>
/// Alarm history and acknowledgement on a real node (Kestrel on 127.0.0.1, SQLite file): the alarm
/// leaves a gateway uploaded, and acknowledge entries signed by the node's operator member.
/// </summary>
public sealed class AlarmAcknowledgementTests : IAsyncLifetime
{
    private readonly TestNode _node = new();

    public Task InitializeAsync() => _node.InitializeAsync();

    public Task DisposeAsync() => _node.DisposeAsync();

    /// <summary>An enrolled gateway with readings, an alarm that started and ended, and one still active; all anchored.</summary>
    private async Task<(SimulatedDevice Device, long Ended, long EndLeaf, long Active)> GatewayWithAlarmsAsync()
    {
        var device = new SimulatedDevice("gw-alarms", 31).Add(4);
        await _node.EnrolAsync(device);
        var ended = device.AddAlarm("start", value: 8.6);
        device.Add(2);
        var endLeaf = device.AddAlarm("end", value: 7.4);
        var active = device.AddAlarm("start", rule: "chiller-very-high", value: 12.5);
        device.Add(1);
        await _node.AnchorAsync(device, 0);
        return (device, ended, endLeaf, active);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string AckPath(string device, long sequence) => $"v1/devices/{device}/alarms/{sequence}/acknowledgements";

    [Fact]
    public async Task Alarms_ListsStartsWithTheirEnds_FromTheNodesStore()
    {
        var (device, ended, endLeaf, active) = await GatewayWithAlarmsAsync();
        using var client = _node.Client(_node.AuditorKey);
        var list = await client.GetFromJsonAsync<JsonElement>($"v1/devices/{device.Id}/alarms");
        var alarms = list.GetProperty("alarms").EnumerateArray().ToList();
        Assert.Equal(2, alarms.Count);
        // Newest start first.
        Assert.Equal(active, alarms[0].GetProperty("sequence").GetInt64());
        Assert.Equal("active", alarms[0].GetProperty("state").GetString());
        Assert.Equal("chiller-very-high", alarms[0].GetProperty("rule").GetString());
        Assert.Equal(JsonValueKind.Null, alarms[0].GetProperty("endMs").ValueKind);
        Assert.Equal(ended, alarms[1].GetProperty("sequence").GetInt64());
        Assert.Equal("ended", alarms[1].GetProperty("state").GetString());
        Assert.Equal(endLeaf, alarms[1].GetProperty("endSequence").GetInt64());
        Assert.Equal(8.6, alarms[1].GetProperty("value").GetDouble());
        Assert.Equal(7.4, alarms[1].GetProperty("endValue").GetDouble());
        Assert.Equal(("cold-a", "t1", "alarm"), (alarms[1].GetProperty("zone").GetString(), alarms[1].GetProperty("sensor").GetString(), alarms[1].GetProperty("severity").GetString()));
        Assert.Equal(JsonValueKind.Null, alarms[1].GetProperty("acknowledgement").ValueKind);
    }

    [Fact]
    public async Task Acknowledge_AppendsAnOperatorSignedEntryNamingTheClient_AndASecondIs409()
    {
        var (device, ended, _, _) = await GatewayWithAlarmsAsync();
        using var client = _node.Operator();
        using var response = await client.PostAsync(AckPath(device.Id, ended), Json("""{"comment":"Door left open during loading; closed, back to 4 °C."}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var index = body.GetProperty("ledgerIndex").GetInt64();
        Assert.Equal("api:warehouse-ops", body.GetProperty("by").GetString());

        using (var lease = _node.Runtime.Readers.Rent())
        {
            var entry = LedgerEntry.Parse(lease.Reader.Entry(index)).Value;
            Assert.Equal(EntryKinds.Acknowledge, entry.Kind);
            var statement = Statement.Parse(entry.Note.Text).Value;
            Assert.Equal(body.GetProperty("timeMs").GetInt64(), statement.TimeMs);
            var acknowledge = AcknowledgeStatement.From(statement).Value;
            Assert.Equal(new AcknowledgeStatement(device.Id, ended, "cold-a", "chiller-high", "api:warehouse-ops", "Door left open during loading; closed, back to 4 °C."), acknowledge);
            Assert.Single(_node.Runtime.Signatures.VerifyMembers(entry.Note, lease.Reader.State.Member).Value, m => m.Name == _node.Runtime.Config.Member);
        }

        var listed = (await client.GetFromJsonAsync<JsonElement>($"v1/devices/{device.Id}/alarms")).GetProperty("alarms").EnumerateArray()
            .Single(a => a.GetProperty("sequence").GetInt64() == ended).GetProperty("acknowledgement");
        Assert.Equal((index, "api:warehouse-ops"), (listed.GetProperty("ledgerIndex").GetInt64(), listed.GetProperty("by").GetString()));

        using var again = await client.PostAsync(AckPath(device.Id, ended), Json("""{"comment":"again"}"""));
        var problem = await Problem.ReadAsync(again);
        Assert.Equal((HttpStatusCode.Conflict, LedgerFailures.AlarmAcknowledged), (problem.Status, problem.Code));
        Assert.Equal(index, problem.Body.GetProperty("ledgerIndex").GetInt64());
    }

    [Fact]
    public async Task Acknowledge_OfALeafThatIsNoAlarmStart_Is404_AndBadCommentsAre400_AndNothingIsAppended()
    {
        var (device, ended, endLeaf, _) = await GatewayWithAlarmsAsync();
        var size = _node.LedgerSize;
        using var client = _node.Operator();
        foreach (var path in new[] { AckPath(device.Id, 1), AckPath(device.Id, endLeaf), AckPath(device.Id, 999), AckPath("gw-nobody", 0) })
        {
            using var response = await client.PostAsync(path, Json("""{"comment":"checked"}"""));
            Assert.Equal(HttpStatusCode.NotFound, (await Problem.ReadAsync(response)).Status);
        }
        foreach (var json in new[] { """{"comment":" padded"}""", """{"comment":""}""", "{}", """{"comment":"a\u0007bell"}""", $$"""{"comment":"{{new string('x', 501)}}"}""", """{"comment":"ok","by":"someone else"}""", """{"Comment":"ok"}""" })
        {
            using var response = await client.PostAsync(AckPath(device.Id, ended), Json(json));
            var problem = await Problem.ReadAsync(response);
            Assert.True(problem.Status == HttpStatusCode.BadRequest, $"{json}: {problem.Status} {problem.Detail}");
        }
        using (var lender = _node.Client(_node.LenderKey))
        using (var refused = await lender.PostAsync(AckPath(device.Id, ended), Json("""{"comment":"not mine to acknowledge"}""")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        Assert.Equal(size, _node.LedgerSize);
    }

    [Fact]
    public async Task Acknowledge_TenAtOnce_AppendsExactlyOne_TheRestAre409()
    {
        var (device, ended, _, _) = await GatewayWithAlarmsAsync();
        using var client = _node.Operator();
        var attempts = Enumerable.Range(0, 10).Select(async i =>
        {
            using var response = await client.PostAsync(AckPath(device.Id, ended), Json($$"""{"comment":"attempt {{i}}"}"""));
            return response.StatusCode;
        });
        var statuses = await Task.WhenAll(attempts);
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(9, statuses.Count(s => s == HttpStatusCode.Conflict));
        using (var lease = _node.Runtime.Readers.Rent())
        {
            Assert.Single(lease.Reader.EntryIndices(EntryKinds.Acknowledge));
        }

        // A fresh replay of the ledger reaches the same state, the acknowledgement included.
        await _node.WaitForCheckpointAsync();
        var audit = new AnchorNode.Storage.NodeAudit(_node.Folder.DatabaseFile, "demo").Run(_ => { }, CancellationToken.None);
        Assert.True(audit.Problem is null, audit.Problem?.ToString());
    }

    [Fact]
    public async Task Cli_AlarmsAck_AppendsAndAlarmsList_ShowsIt_WhileTheNodeRuns()
    {
        var (device, ended, _, active) = await GatewayWithAlarmsAsync();
        var folder = _node.Folder.Path;
        var bad = await Programs.RunAsync(Programs.AnchorNode, "alarms", "ack", "--data", folder, "--device", device.Id, "--alarm", ended.ToString(System.Globalization.CultureInfo.InvariantCulture), "--by", "Li Wei", "--comment", " padded");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("comment must not start or end with white space", bad.Error, StringComparison.Ordinal);

        var ack = await Programs.RunAsync(Programs.AnchorNode, "alarms", "ack", "--data", folder, "--device", device.Id, "--alarm", ended.ToString(System.Globalization.CultureInfo.InvariantCulture), "--by", "Li Wei", "--comment", "Compressor restarted");
        Assert.True(ack.ExitCode == 0, ack.Error);
        Assert.Equal("cli:Li Wei", ack.Field("by"));
        var index = long.Parse(ack.Field("ledger-index"), System.Globalization.CultureInfo.InvariantCulture);

        var list = await Programs.RunAsync(Programs.AnchorNode, "alarms", "list", "--data", folder, "--device", device.Id);
        Assert.Equal(0, list.ExitCode);
        Assert.Equal("2", list.Field("alarms"));
        var lines = list.Output.Split('\n').Where(l => l.StartsWith("alarm: ", StringComparison.Ordinal)).ToList();
        Assert.StartsWith($"alarm: {device.Id}/{active} alarm active chiller-very-high zone cold-a sensor t1 ", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(" unacknowledged", lines[0], StringComparison.Ordinal);
        Assert.Contains($"by cli:Li Wei (ledger {index}): Compressor restarted", lines[1], StringComparison.Ordinal);

        var again = await Programs.RunAsync(Programs.AnchorNode, "alarms", "ack", "--data", folder, "--device", device.Id, "--alarm", ended.ToString(System.Globalization.CultureInfo.InvariantCulture), "--by", "Li Wei", "--comment", "again");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("refused: alarm-acknowledged", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashboardAlarmRoutes_AskForACookieOrTheRightKey_AndAKeyWithoutANameIsRecordedAsItsClient()
    {
        var (device, ended, _, _) = await GatewayWithAlarmsAsync();
        var path = $"v1/dashboard/alarms/{device.Id}/{ended}/acknowledgements";
        using (var anonymous = _node.Anonymous())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("v1/dashboard/alarms")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync(path, Json("""{"comment":"x","name":"y"}"""))).StatusCode);
        }
        using (var lender = _node.Client(_node.LenderKey))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await lender.GetAsync("v1/dashboard/alarms")).StatusCode);
        }
        using (var auditor = _node.Client(_node.AuditorKey))
        {
            var view = await auditor.GetFromJsonAsync<JsonElement>("v1/dashboard/alarms");
            Assert.Equal(2, view.GetProperty("alarms").GetArrayLength());
            using var refused = await auditor.PostAsync(path, Json("""{"comment":"auditors only read","name":"Ann"}"""));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using var client = _node.Operator();
        using (var badName = await client.PostAsync(path, Json("""{"comment":"ok","name":" Li"}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        }
        using var response = await client.PostAsync(path, Json("""{"comment":"Checked from a script"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("api:warehouse-ops", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("by").GetString());
    }

    [Fact]
    public async Task AlarmIndex_MissingFromAnOlderDatabase_IsRebuiltFromTheStoredLeaves()
    {
        var (device, ended, endLeaf, active) = await GatewayWithAlarmsAsync();
        using (var connection = _node.Runtime.Database.OpenWriter())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "DELETE FROM alarm_leaves; DELETE FROM meta WHERE key = 'alarm_index'";
            command.ExecuteNonQuery();
        }
        Assert.Empty(_node.Runtime.Alarms.List(device.Id));
        await _node.RestartAsync();
        var alarms = _node.Runtime.Alarms.List(device.Id);
        Assert.Equal([(active, "active", (long?)null), (ended, "ended", endLeaf)], alarms.Select(a => (a.Sequence, a.State, a.EndSequence)));
    }
}
