using AnchorNode.Runtime;
using AnchorNode.Configuration;
using AnchorNode.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeTrace.Benchmarks.Node;

/// <summary>A single-member node on a real Kestrel at 127.0.0.1:0, in a scratch folder.</summary>
internal sealed class BenchNode : IAsyncDisposable
{
    private WebApplication? _app;

    private BenchNode(NodeRuntime runtime) => Runtime = runtime;

    public NodeRuntime Runtime { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public string ApiKey { get; private set; } = "";

    public static async Task<BenchNode> CreateAsync(string folder, bool serve, CancellationToken cancellationToken)
    {
        var data = new DataFolder(folder);
        data.Initialise(new NodeConfig { Consortium = "bench", Member = "warehouse" }).Dispose();
        var node = new BenchNode(NodeRuntime.Open(data, NullLoggerFactory.Instance));
        var genesis = await node.Runtime.Founding.CreateGenesisAsync(1, cancellationToken);
        if (!genesis.Succeeded)
        {
            throw new InvalidOperationException(genesis.Failure!.ToString());
        }
        node.ApiKey = node.Runtime.Organisations.Add("bench-auditor", "auditor");
        if (serve)
        {
            await node.ServeAsync(cancellationToken);
        }
        return node;
    }

    public async Task ServeAsync(CancellationToken cancellationToken)
    {
        _app = NodeHost.Build(Runtime, ["http://127.0.0.1:0"], builder => builder.Logging.ClearProviders());
        await _app.StartAsync(cancellationToken);
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/') + "/");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await Runtime.DisposeAsync();
    }
}

/// <summary>Latency percentiles.</summary>
internal static class Percentiles
{
    public static double Of(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Ms(double ms) => ms >= 100 ? $"{ms:F0} ms" : ms >= 10 ? $"{ms:F1} ms" : $"{ms:F2} ms";
}
