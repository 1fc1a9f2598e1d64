using System.CommandLine;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Cli;

/// <summary><c>enroll</c>, <c>revoke</c>, <c>clear-equivocation</c>: the same entries the operator API writes. Safe while the node runs.</summary>
internal static class DeviceCommands
{
    public static void AddTo(RootCommand root)
    {
        root.Subcommands.Add(Enroll());
        root.Subcommands.Add(Revoke());
        root.Subcommands.Add(ClearEquivocation());
    }

    private static Command Enroll()
    {
        var data = NodeCli.DataOption();
        var device = new Option<string>("--device") { Description = "The device id, as its leaves carry it", Required = true };
        var key = new Option<string>("--key") { Description = "The device's public key, base64 DER SPKI (P-256)", Required = true };
        var site = new Option<string?>("--site") { Description = "The site (warehouse)" };
        var zone = new Option<string?>("--zone") { Description = "The device's zone" };
        var sensors = new Option<string[]>("--sensor") { Description = "A sensor as ID:QUANTITY[:ZONE], e.g. t1:temperature:cold-a (repeatable)" };
        var command = new Command("enroll", "Enrol a device: an enrolment statement signed with this member's key, appended to the ledger.") { data, device, key, site, zone, sensors };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var list = new List<SensorInfo>();
            foreach (var text in parse.GetValue(sensors) ?? [])
            {
                var parts = text.Split(':');
                if (parts.Length is < 2 or > 3 || !SensorInfo.Parse(string.Join(' ', parts)).Succeeded)
                {
                    throw new UsageException($"--sensor {text}: expected ID:QUANTITY[:ZONE], e.g. t1:temperature:cold-a");
                }
                list.Add(SensorInfo.Parse(string.Join(' ', parts)).Value);
            }
            var enrol = new EnrolStatement
            {
                DeviceId = parse.GetValue(device)!,
                PublicKey = parse.GetValue(key)!,
                Site = parse.GetValue(site),
                Zone = parse.GetValue(zone),
                Sensors = list,
            };
            if (enrol.Check() is { Succeeded: false } bad)
            {
                throw new UsageException(bad.Failure!.Message);
            }
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var result = await node.Devices.EnrolAsync(enrol, cancellationToken);
            if (!result.Succeeded)
            {
                return NodeCli.Fail(result.Failure!);
            }
            NodeCli.Print("device", enrol.DeviceId);
            NodeCli.Print("ledger-index", result.Value.Index);
            NodeCli.Print("enrolled-by", node.Config.Member);
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command Revoke()
    {
        var data = NodeCli.DataOption();
        var device = new Option<string>("--device") { Description = "The device id", Required = true };
        var reason = new Option<string?>("--reason") { Description = "Why, for the record" };
        var command = new Command("revoke", "Revoke a device's enrolment; its later uploads are refused.") { data, device, reason };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var result = await node.Devices.RevokeAsync(parse.GetValue(device)!, parse.GetValue(reason), cancellationToken);
            if (!result.Succeeded)
            {
                return NodeCli.Fail(result.Failure!);
            }
            NodeCli.Print("device", parse.GetValue(device));
            NodeCli.Print("ledger-index", result.Value.Index);
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command ClearEquivocation()
    {
        var data = NodeCli.DataOption();
        var device = new Option<string>("--device") { Description = "The device id", Required = true };
        var reason = new Option<string>("--reason") { Description = "What the review found (goes on the ledger)", Required = true };
        var command = new Command("clear-equivocation", "After reviewing an equivocation, let the device anchor again (it must extend its anchored history).") { data, device, reason };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(parse.GetValue(reason)))
            {
                throw new UsageException("--reason must say what the review found");
            }
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var result = await node.Devices.ClearEquivocationAsync(parse.GetValue(device)!, parse.GetValue(reason)!.Trim(), cancellationToken);
            if (!result.Succeeded)
            {
                return NodeCli.Fail(result.Failure!);
            }
            NodeCli.Print("device", parse.GetValue(device));
            NodeCli.Print("ledger-index", result.Value.Index);
            return NodeCli.Ok;
        });
        return command;
    }
}
