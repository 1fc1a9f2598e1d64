using System.CommandLine;
using AnchorNode.Cli;

namespace AnchorNode.Demo;

/// <summary><c>demo</c>: the whole system on this machine (what <c>./edgetrace demo</c> runs; see docs/demo.md).</summary>
internal static class DemoCommand
{
    public static void AddTo(RootCommand root)
    {
        var data = new Option<string>("--data") { Description = "The demo's data folder (made if missing, reused if it is a demo folder)", DefaultValueFactory = _ => "demo-data" };
        var fresh = new Option<bool>("--fresh") { Description = "Delete the demo folder first and start over" };
        var port = new Option<int>("--port") { Description = "The node's HTTP port on 127.0.0.1", DefaultValueFactory = _ => 8080 };
        var speed = new Option<double>("--speed") { Description = "Simulated seconds per real second in the gateways' warehouses", DefaultValueFactory = _ => 60 };
        var gateways = new Option<int>("--gateways") { Description = "How many gateways (each a simulated warehouse at its own site)", DefaultValueFactory = _ => 1 };
        var gatewayDll = new Option<string>("--gateway-dll") { Description = "The built EdgeGateway.dll", Required = true };
        var verifierDll = new Option<string>("--verifier-dll") { Description = "The built Verifier.dll (for the printed verify command)", Required = true };
        var repoRoot = new Option<string?>("--repo-root") { Description = "Print paths relative to this folder when they are inside it" };
        var command = new Command("demo", "Run the whole system here: a three-member consortium, the warehouse node, gateways on simulated warehouses, lots, a pledge, a cosigned evidence bundle and a consumer QR code; prints the pages to open and runs until Ctrl-C.")
        {
            data, fresh, port, speed, gateways, gatewayDll, verifierDll, repoRoot,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(port) is < 1 or > 65535)
            {
                throw new UsageException($"--port {parse.GetValue(port)}: expected 1-65535");
            }
            if (parse.GetValue(speed) is < 1 or > 100_000 || double.IsNaN(parse.GetValue(speed)))
            {
                throw new UsageException($"--speed {parse.GetValue(speed)}: expected 1-100000 simulated seconds per real second");
            }
            if (parse.GetValue(gateways) is < 1 or > 9)
            {
                throw new UsageException($"--gateways {parse.GetValue(gateways)}: expected 1-9");
            }
            foreach (var (option, file) in new[] { ("--gateway-dll", parse.GetValue(gatewayDll)!), ("--verifier-dll", parse.GetValue(verifierDll)!) })
            {
                if (!File.Exists(file))
                {
                    throw new UsageException($"{option} {file}: no such file; build the solution first (dotnet build EdgeTrace.sln -c Release)");
                }
            }
            return await DemoRunner.RunAsync(new DemoOptions(parse.GetValue(data)!, parse.GetValue(fresh), parse.GetValue(port), parse.GetValue(speed), parse.GetValue(gateways),
                Path.GetFullPath(parse.GetValue(gatewayDll)!), Path.GetFullPath(parse.GetValue(verifierDll)!), parse.GetValue(repoRoot)));
        });
        root.Subcommands.Add(command);
    }
}
