using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace EdgeTrace.Benchmarks.Node;

/// <summary>
/// The demo (<c>src/Demo</c>, what <c>./edgetrace demo</c> runs: a three-member consortium, the warehouse node serving on
/// 127.0.0.1, a gateway on a simulated warehouse with three hours of history, lots issued from RFID
/// arrivals, a pledge, cosigners) run as its own process tree, so that load can be put on the node it
/// starts and that node's memory read from /proc. It runs under <c>timeout</c>, so it stops by itself
/// even when the benchmark does not get to stop it.
/// </summary>
internal sealed class DemoProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private DemoProcess(Process process, StringBuilder output, string folder, Uri baseAddress, string consumerPath, int nodePid)
    {
        _process = process;
        _output = output;
        Folder = folder;
        BaseAddress = baseAddress;
        ConsumerPath = consumerPath;
        NodePid = nodePid;
    }

    /// <summary>The demo's data folder.</summary>
    public string Folder { get; }

    /// <summary>Where the node listens.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The pledged lot's consumer page, e.g. <c>/01/10614141007346/10/SAL-261207-01</c>.</summary>
    public string ConsumerPath { get; }

    /// <summary>The node process (the demo's <c>serve</c> child).</summary>
    public int NodePid { get; }

    /// <summary>The operator's API key.</summary>
    public string OperatorKey => File.ReadAllText(Path.Combine(Folder, "keys", "warehouse-ops.api-key")).Trim();

    /// <summary>The warehouse node's settings file.</summary>
    public static string NodeConfigFile(string folder) => Path.Combine(folder, "nodes", "warehouse", "node.json");

    /// <summary>
    /// Starts the demo on <paramref name="folder"/> (made on the first run, reused after) and waits until it
    /// says it is running; <paramref name="bound"/> is how long it may live at most.
    /// </summary>
    public static async Task<DemoProcess> StartAsync(string folder, double speed, TimeSpan bound, CancellationToken cancellationToken)
    {
        var port = FreePort();
        // Each program from its own build output: the benchmark's folder merges their dependencies
        // for one runtime configuration (ASP.NET Core's), which the gateway's own does not load.
        string Program(string name) => Path.Combine(RepositoryRoot(), "src", name, "bin", "Release", "net10.0", name + ".dll");
        var info = new ProcessStartInfo("timeout") { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8, UseShellExecute = false };
        foreach (var arg in new[] { "--signal=TERM", "--kill-after=30", ((int)bound.TotalSeconds).ToString(CultureInfo.InvariantCulture), "dotnet",
                     Program("Demo"), "--data", folder, "--port", port.ToString(CultureInfo.InvariantCulture),
                     "--speed", speed.ToString(CultureInfo.InvariantCulture), "--node-dll", Program("AnchorNode"),
                     "--gateway-dll", Program("EdgeGateway"), "--verifier-dll", Program("Verifier") })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the demo");
        var output = new StringBuilder();
        string? consumer = null;
        var running = false;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(TimeSpan.FromMinutes(5));
            _ = process.StandardError.ReadToEndAsync(CancellationToken.None).ContinueWith(t => { lock (output) output.Append(t.Result); }, TaskScheduler.Default);
            while (!running && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                lock (output) output.AppendLine(line);
                if (line.StartsWith("consumer page: ", StringComparison.Ordinal))
                {
                    consumer = new Uri(line["consumer page: ".Length..].Trim()).PathAndQuery;
                }
                running = line.StartsWith("running", StringComparison.Ordinal);
            }
        }
        if (!running || consumer is null)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            var log = Path.Combine(folder, "logs", "node.log");
            var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(60)) : "(no node log)";
            throw new InvalidOperationException($"the demo did not start: {output}\nthe end of its node's log:\n{tail}");
        }
        _ = DrainAsync(process, output);
        var pids = await File.ReadAllLinesAsync(Path.Combine(folder, "demo.pids"), cancellationToken);
        var node = pids.Select(l => l.Split(' ')).Last(p => p[0] == "node")[1];
        return new DemoProcess(process, output, folder, new Uri($"http://127.0.0.1:{port}/"), consumer, int.Parse(node, CultureInfo.InvariantCulture));
    }

    /// <summary>Changes the warehouse node's <c>node.json</c> (read when the demo starts it).</summary>
    public static void Configure(string folder, Action<JsonObject> change)
    {
        var file = NodeConfigFile(folder);
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        change(json);
        File.WriteAllText(file, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Resident memory of the node now, MiB (VmRSS).</summary>
    public double NodeRssMib() => ProcFs.StatusMib(NodePid, "VmRSS:");

    /// <summary>CPU seconds the node process has used (user + system).</summary>
    public double NodeCpuSeconds() => ProcFs.CpuSeconds(NodePid);

    /// <summary>Stops the demo as Ctrl-C would (it stops its gateway and node), then waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // 'timeout' passes SIGTERM on to the demo, which stops its children and exits.
            using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false }))
            {
                await kill!.WaitForExitAsync(CancellationToken.None);
            }
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        _process.Dispose();
    }

    /// <summary>What the demo printed so far.</summary>
    public override string ToString()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private static async Task DrainAsync(Process process, StringBuilder output)
    {
        while (await process.StandardOutput.ReadLineAsync(CancellationToken.None) is { } line)
        {
            lock (output) output.AppendLine(line);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no EdgeTrace.sln above {AppContext.BaseDirectory}; run the benchmarks from the repository (./bench.sh)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
