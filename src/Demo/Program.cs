using System.CommandLine;
using Demo;

// './edgetrace demo': the whole system on this machine (docs/demo.md). Exit codes: 0 stopped by
// Ctrl-C/SIGTERM, 1 a step or a process failed, 2 bad arguments, a busy port or an unusable folder.
var data = new Option<string>("--data") { Description = "The demo's data folder (made if missing, reused if it is a demo folder)", DefaultValueFactory = _ => "demo-data" };
var fresh = new Option<bool>("--fresh") { Description = "Delete the demo folder first and start over" };
var port = new Option<int>("--port") { Description = "The node's HTTP port on 127.0.0.1 (with --members 3 the warehouse's; the bank's and the auditor's are the next two, etcd's PORT+10 to PORT+12 and PORT+20 to PORT+22)", DefaultValueFactory = _ => 8080 };
var members = new Option<int>("--members") { Description = "Member nodes: 1 (the warehouse's node; the bank and the auditor cosign) or 3 (each member serves its own node, ordered by a three-member etcd cluster)", DefaultValueFactory = _ => 1 };
var speed = new Option<double>("--speed") { Description = "Simulated seconds per real second in the gateways' warehouses", DefaultValueFactory = _ => 60 };
var gateways = new Option<int>("--gateways") { Description = "How many gateways (each a simulated warehouse at its own site)", DefaultValueFactory = _ => 1 };
var nodeDll = new Option<string>("--node-dll") { Description = "The built AnchorNode.dll (the consortium node's program)", Required = true };
var gatewayDll = new Option<string>("--gateway-dll") { Description = "The built EdgeGateway.dll", Required = true };
var verifierDll = new Option<string>("--verifier-dll") { Description = "The built Verifier.dll (checks the bundle before the verify command is printed)", Required = true };
var repoRoot = new Option<string?>("--repo-root") { Description = "Print paths relative to this folder when they are inside it" };
var root = new RootCommand("Run the whole system here: a three-member consortium, the warehouse node, gateways on simulated warehouses, lots, a pledge, a cosigned evidence bundle and a consumer QR code; prints the pages to open and runs until Ctrl-C.")
{
    data, fresh, port, members, speed, gateways, nodeDll, gatewayDll, verifierDll, repoRoot,
};
root.SetAction(async (parse, cancellationToken) =>
{
    if (parse.GetValue(port) is < 1 or > 65535)
    {
        return Usage($"--port {parse.GetValue(port)}: expected 1-65535");
    }
    if (parse.GetValue(members) is not (1 or 3))
    {
        return Usage($"--members {parse.GetValue(members)}: expected 1 or 3");
    }
    if (parse.GetValue(members) == 3 && parse.GetValue(port) > 65535 - DemoEtcd.PeerOffset - 2)
    {
        return Usage($"--port {parse.GetValue(port)}: with --members 3 at most {65535 - DemoEtcd.PeerOffset - 2} (the other members and etcd use the ports above it)");
    }
    if (parse.GetValue(speed) is < 1 or > 100_000 || double.IsNaN(parse.GetValue(speed)))
    {
        return Usage($"--speed {parse.GetValue(speed)}: expected 1-100000 simulated seconds per real second");
    }
    if (parse.GetValue(gateways) is < 1 or > 9)
    {
        return Usage($"--gateways {parse.GetValue(gateways)}: expected 1-9");
    }
    foreach (var (option, file) in new[] { ("--node-dll", parse.GetValue(nodeDll)!), ("--gateway-dll", parse.GetValue(gatewayDll)!), ("--verifier-dll", parse.GetValue(verifierDll)!) })
    {
        if (!File.Exists(file))
        {
            return Usage($"{option} {file}: no such file; build the solution first (dotnet build EdgeTrace.sln -c Release)");
        }
    }
    var programs = new DemoPrograms(Path.GetFullPath(parse.GetValue(nodeDll)!), Path.GetFullPath(parse.GetValue(gatewayDll)!), Path.GetFullPath(parse.GetValue(verifierDll)!));
    return await DemoRunner.RunAsync(new DemoOptions(parse.GetValue(data)!, parse.GetValue(fresh), parse.GetValue(port), parse.GetValue(speed), parse.GetValue(gateways),
        programs, parse.GetValue(repoRoot), parse.GetValue(members)));
});

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    EdgeTrace.CommandLine.ParseErrors.Write(parsed, Console.Error, EdgeTrace.CommandLine.Programs.Name("demo", "Demo"));
    return DemoRunner.UsageExit;
}
// The demo stops its processes itself on SIGINT/SIGTERM, which can take longer than the library's
// grace before it ends the process with 130.
return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });

static int Usage(string message)
{
    Console.Error.WriteLine($"error: {message}");
    Console.Error.WriteLine("Run with --help for usage.");
    return DemoRunner.UsageExit;
}
