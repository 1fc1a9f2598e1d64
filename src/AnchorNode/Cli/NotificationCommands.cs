using System.CommandLine;
using AnchorNode.Notifications;
using Firmware.Contracts.Evidence;

namespace AnchorNode.Cli;

/// <summary><c>notifications</c>: what the outbox holds (pending, delivered, failed with the last error).</summary>
internal static class NotificationCommands
{
    public static void AddTo(RootCommand root)
    {
        var data = NodeCli.DataOption();
        var limit = new Option<int>("--limit") { Description = "The most pending and failed notifications listed (1-10000)", DefaultValueFactory = _ => 50 };
        var command = new Command("notifications", "Show the notification outbox: counts by status, then each pending or failed notification with its attempts and last error.") { data, limit };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(limit) is not (>= 1 and <= 10_000) and var bad)
            {
                throw new UsageException($"--limit {bad}: must be between 1 and 10000");
            }
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var summary = node.Outbox.Summary(parse.GetValue(limit));
            NodeCli.Print("configured", node.Recipients is null ? "no (node.json has no notifications)" : "yes");
            NodeCli.Print("pending", summary.Pending);
            NodeCli.Print("delivered", summary.Delivered);
            NodeCli.Print("failed", summary.Failed);
            foreach (var item in summary.Undelivered)
            {
                NodeCli.Print(item.Status, $"{item.Id} {item.Channel} {item.Target} {item.Event.Split('/')[0]} attempts {item.Attempts}"
                    + (item.Status == "pending" ? $" next {EvidenceVerifier.Iso(item.NextMs)}" : "")
                    + (item.LastError is { } error ? $" last error: {error}" : ""));
            }
            return NodeCli.Ok;
        });
        root.Subcommands.Add(command);
    }
}
