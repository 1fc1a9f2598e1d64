using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace EdgeTrace.Benchmarks.Node;

/// <summary>
/// A node run as its own process with the real command line (<c>init</c>, <c>genesis</c>,
/// <c>org add</c>, <c>serve</c>), so that it has its own runtime settings (server GC, no thread-pool
/// spinning) and the load generator's CPU is not counted as the node's.
/// </summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private NodeProcess(Process process, Uri baseAddress, string operatorKey)
    {
        _process = process;
        BaseAddress = baseAddress;
        OperatorKey = operatorKey;
    }

    public Uri BaseAddress { get; }

    public string OperatorKey { get; }

    /// <summary>CPU seconds the node process has used (user + system).</summary>
    public double CpuSeconds => ProcFs.CpuSeconds(_process.Id);

    public static async Task<NodeProcess> StartAsync(string folder, CancellationToken cancellationToken)
    {
        await RunAsync(cancellationToken, "init", "--data", folder, "--consortium", "bench", "--member", "warehouse");
        await RunAsync(cancellationToken, "genesis", "--data", folder, "--quorum", "1");
        return await ServeAsync(folder, cancellationToken);
    }

    /// <summary>
    /// Three member nodes ordered by the etcd cluster at <paramref name="etcd"/>: folders made with
    /// <c>init --etcd</c>, the genesis written by the first (quorum 2), each node serving.
    /// </summary>
    public static async Task<NodeProcess[]> StartMembersAsync(string root, IReadOnlyList<string> etcd, CancellationToken cancellationToken)
    {
        string[] names = ["warehouse", "bank", "auditor"];
        var folders = names.Select(n => Path.Combine(root, n)).ToArray();
        var keys = new List<string>();
        foreach (var (name, folder) in names.Zip(folders))
        {
            var init = await RunAsync(cancellationToken, "init", "--data", folder, "--consortium", "bench", "--member", name, "--role", name == "warehouse" ? "operator" : "none", "--etcd", string.Join(',', etcd));
            keys.Add(Field(init, "public-key"));
        }
        for (var i = 1; i < names.Length; i++)
        {
            await RunAsync(cancellationToken, "members", "add", "--data", folders[0], "--name", names[i], "--key", keys[i]);
        }
        await RunAsync(cancellationToken, "genesis", "--data", folders[0], "--quorum", "2");
        var nodes = new NodeProcess[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            nodes[i] = await ServeAsync(folders[i], cancellationToken);
        }
        return nodes;
    }

    private static string Field(string output, string name) =>
        output.Split('\n').Single(l => l.StartsWith(name + ": ", StringComparison.Ordinal))[(name.Length + 2)..].Trim();

    private static async Task<NodeProcess> ServeAsync(string folder, CancellationToken cancellationToken)
    {
        var org = await RunAsync(cancellationToken, "org", "add", "--data", folder, "--name", "bench-ops", "--role", "operator");
        var key = Field(org, "api-key");
        var process = Start("serve", "--data", folder, "--urls", "http://127.0.0.1:0");
        Uri? address = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (address is null && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("listening: ", StringComparison.Ordinal))
            {
                address = new Uri(line["listening: ".Length..].TrimEnd('/') + "/");
            }
        }
        if (address is null)
        {
            process.Kill();
            throw new InvalidOperationException($"the node did not start: {await process.StandardError.ReadToEndAsync(cancellationToken)}");
        }
        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
        return new NodeProcess(process, address, key);
    }

    public HttpClient Client(int connections, bool apiKey)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        if (apiKey)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static async Task<string> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        using var process = Start(args);
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"AnchorNode {string.Join(' ', args)} exited {process.ExitCode}: {error}");
        }
        return output;
    }

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AnchorNode.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the node");
    }
}
