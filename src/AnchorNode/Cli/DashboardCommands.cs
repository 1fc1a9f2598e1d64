using System.CommandLine;
using AnchorNode.Dashboard;
using Firmware.Contracts.Evidence;

namespace AnchorNode.Cli;

/// <summary><c>dashboard-link</c>: a link to the operator dashboard for a browser.</summary>
internal static class DashboardCommands
{
    public static void AddTo(RootCommand root) => root.Subcommands.Add(Link());

    private static Command Link()
    {
        var data = NodeCli.DataOption();
        var link = LinkOptions.For("operator's");
        var command = new Command("dashboard-link", "Print a link to the operator dashboard that works in a browser without an API key, for the given time.") { data, link.BaseUrl, link.Hours };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (baseUrl, lifetime) = link.Read(parse);
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var (token, expires) = node.DashboardLinks.Create(lifetime);
            NodeCli.Print("url", baseUrl + DashboardLinks.LinkPath(token));
            NodeCli.Print("expires", EvidenceVerifier.Iso(expires));
            return NodeCli.Ok;
        });
        return command;
    }
}
