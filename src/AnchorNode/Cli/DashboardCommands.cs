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
        var baseUrl = new Option<string>("--base-url") { Description = "The node's address as the operator's browser reaches it", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var hours = new Option<int>("--hours") { Description = "How long the link works (1-744)", DefaultValueFactory = _ => 24 * 7 };
        var command = new Command("dashboard-link", "Print a link to the operator dashboard that works in a browser without an API key, for the given time.") { data, baseUrl, hours };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Uri.TryCreate(parse.GetValue(baseUrl)!.TrimEnd('/'), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new UsageException($"--base-url {parse.GetValue(baseUrl)}: expected http(s)://HOST:PORT");
            }
            if (parse.GetValue(hours) is < 1 or > 744)
            {
                throw new UsageException("--hours must be between 1 and 744");
            }
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var (token, expires) = node.DashboardLinks.Create(TimeSpan.FromHours(parse.GetValue(hours)));
            NodeCli.Print("url", uri.ToString().TrimEnd('/') + DashboardLinks.LinkPath(token));
            NodeCli.Print("expires", EvidenceVerifier.Iso(expires));
            return NodeCli.Ok;
        });
        return command;
    }
}
