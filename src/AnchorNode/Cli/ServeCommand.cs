using System.CommandLine;
using AnchorNode.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AnchorNode.Cli;

/// <summary><c>serve</c>: run the node's HTTP API until stopped (SIGINT/SIGTERM).</summary>
internal static class ServeCommand
{
    public static void AddTo(RootCommand root)
    {
        var data = NodeCli.DataOption();
        var urls = new Option<string[]>("--urls")
        {
            Description = "Where to listen, e.g. http://127.0.0.1:8080 (repeatable). Kestrel endpoints in DATA/appsettings.json or Kestrel__Endpoints__* variables (HTTPS) take precedence.",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("serve", "Run the node: uplink, enrolment, proofs and evidence bundles over HTTP; signs a ledger checkpoint every interval while entries arrive.") { data, urls };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var given = (parse.GetValue(urls) ?? []).SelectMany(u => u.Split(';', StringSplitOptions.RemoveEmptyEntries)).ToList();
            foreach (var url in given)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    throw new UsageException($"--urls {url}: expected http://HOST:PORT or https://HOST:PORT");
                }
            }
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            if (!node.Founding.HasGenesis())
            {
                await Console.Error.WriteLineAsync("warning: the ledger has no genesis entry yet; run 'AnchorNode genesis' (uploads and enrolments are refused until then)");
            }
            var app = NodeHost.Build(node, given);
            await app.StartAsync(cancellationToken);
            foreach (var address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
            {
                NodeCli.Print("listening", address);
            }
            NodeCli.Print("member", node.Config.Member);
            NodeCli.Print("origin", node.Config.Origin);
            await app.WaitForShutdownAsync(cancellationToken);
            await app.DisposeAsync();
            return NodeCli.Ok;
        });
        root.Subcommands.Add(command);
    }
}
