using System.CommandLine;
using System.Globalization;
using AnchorNode.Alarms;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Cli;

/// <summary><c>alarms list</c> and <c>alarms ack</c>: the alarm history this node holds, and acknowledgements as the API writes them. Safe while the node runs.</summary>
internal static class AlarmCommands
{
    public static void AddTo(RootCommand root)
    {
        var alarms = new Command("alarms", "The alarms in the gateways' logs this node holds, and their acknowledgement (an acknowledge entry on the ledger).");
        alarms.Subcommands.Add(List());
        alarms.Subcommands.Add(Acknowledge());
        root.Subcommands.Add(alarms);
    }

    private static Command List()
    {
        var data = NodeCli.DataOption();
        var device = new Option<string?>("--device") { Description = "Only this gateway's alarms" };
        var active = new Option<bool>("--active") { Description = "Only alarms still active" };
        var command = new Command("list", "List alarms, newest first: one 'alarm:' line each (device/sequence of the start leaf, severity, state, rule, zone, sensor, start, end, acknowledgement).") { data, device, active };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(device) is { } id && !LedgerNames.IsValidDeviceId(id))
            {
                throw new UsageException($"--device {id}: a device id is 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit");
            }
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var list = node.Alarms.List(parse.GetValue(device)).Where(a => !parse.GetValue(active) || a.State == "active").ToList();
            NodeCli.Print("alarms", list.Count);
            foreach (var alarm in list)
            {
                NodeCli.Print("alarm", Line(alarm));
            }
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command Acknowledge()
    {
        var data = NodeCli.DataOption();
        var device = new Option<string>("--device") { Description = "The gateway whose log holds the alarm", Required = true };
        var alarm = new Option<long>("--alarm") { Description = "The sequence of the alarm's start leaf (the number after '/' in 'alarms list')", Required = true };
        var comment = new Option<string>("--comment") { Description = $"What was found or done (goes on the ledger; 1-{AcknowledgeStatement.MaxCommentLength} characters)", Required = true };
        var by = new Option<string>("--by") { Description = "Who is acknowledging; recorded as 'cli:<name>'", Required = true };
        var command = new Command("ack", "Acknowledge an alarm: an acknowledge statement signed with this member's key, appended to the ledger.") { data, device, alarm, comment, by };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var statement = new AcknowledgeStatement(parse.GetValue(device)!, parse.GetValue(alarm), "zone", "rule", "cli:" + parse.GetValue(by), parse.GetValue(comment)!);
            if (statement.Check() is { Succeeded: false } bad)
            {
                throw new UsageException(bad.Failure!.Message.Replace("acknowledge statement: ", "", StringComparison.Ordinal));
            }
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var result = await node.Alarms.AcknowledgeAsync(statement.DeviceId, statement.Alarm, statement.By, statement.Comment, cancellationToken);
            if (!result.Succeeded)
            {
                return NodeCli.Fail(result.Failure!);
            }
            NodeCli.Print("alarm", $"{statement.DeviceId}/{statement.Alarm}");
            NodeCli.Print("ledger-index", result.Value.Index);
            NodeCli.Print("by", statement.By);
            return NodeCli.Ok;
        });
        return command;
    }

    private static string Line(AlarmRecord a)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{a.DeviceId}/{a.Sequence} {a.Severity} {a.State} {a.Rule} zone {a.Zone}{(a.Sensor is null ? "" : " sensor " + a.Sensor)} start {EvidenceVerifier.Iso(a.StartMs)} {a.Value}{a.Unit}");
        if (a.EndMs is { } end)
        {
            line += string.Create(CultureInfo.InvariantCulture, $" end {EvidenceVerifier.Iso(end)} {a.EndValue}{a.Unit}");
        }
        return line + (a.Acknowledgement is { } k
            ? $" acknowledged {EvidenceVerifier.Iso(k.TimeMs)} by {k.By} (ledger {k.LedgerIndex}): {k.Comment}"
            : " unacknowledged");
    }
}
