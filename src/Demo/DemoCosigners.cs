using System.Globalization;

namespace Demo;

/// <summary>
/// The bank's and the auditor's nodes, cosigning the warehouse node's latest checkpoint every
/// <c>interval</c>: each round runs <c>AnchorNode cosign</c> on each member's own folder, which
/// replays the new entries into that member's replica through the ledger rules, recomputes the
/// state root and cosigns only when it agrees (as each member's operator would run it, e.g. from a timer).
/// </summary>
internal sealed class DemoCosigners : IAsyncDisposable
{
    private readonly IReadOnlyList<(string Name, string Folder)> _members;
    private readonly string _nodeDll;
    private readonly Uri _node;
    private readonly string _apiKeyFile;
    private readonly TimeSpan _interval;
    private readonly Dictionary<string, long> _cosigned = new(StringComparer.Ordinal);
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public DemoCosigners(IReadOnlyList<(string Name, string Folder)> members, string nodeDll, Uri node, string apiKeyFile, string logPath, TimeSpan interval)
    {
        _members = members;
        _nodeDll = nodeDll;
        _node = node;
        _apiKeyFile = apiKeyFile;
        _interval = interval;
        LogPath = logPath;
    }

    public string LogPath { get; }

    /// <summary>The smallest checkpoint size every member has cosigned so far in this run (0 before a round).</summary>
    public long CosignedByAll
    {
        get
        {
            lock (_cosigned)
            {
                return _members.Count == 0 ? 0 : _members.Min(m => _cosigned.GetValueOrDefault(m.Name));
            }
        }
    }

    public void Start() => _loop = LoopAsync(_stop.Token);

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval);
        do
        {
            foreach (var (name, folder) in _members)
            {
                await CosignAsync(name, folder, cancellationToken);
            }
        }
        while (await Wait(timer, cancellationToken));
    }

    private static async Task<bool> Wait(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task CosignAsync(string name, string folder, CancellationToken cancellationToken)
    {
        try
        {
            var run = await DemoPrograms.RunAsync(_nodeDll,
                ["cosign", "--data", folder, "--node", _node.AbsoluteUri.TrimEnd('/'), "--api-key-file", _apiKeyFile], LogPath, cancellationToken);
            if (run.ExitCode == 0)
            {
                lock (_cosigned)
                {
                    _cosigned[name] = long.Parse(run.Field("cosigned-size"), CultureInfo.InvariantCulture);
                }
                return;
            }
            await Problem(name, $"{run.Command} exited {run.ExitCode}: {run.Error.Trim()}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (DemoException e)
        {
            await Problem(name, e.Message);
        }
    }

    private async Task Problem(string name, string what)
    {
        // One line on the console per member; the rest is in the log.
        if (_warned.Add(name))
        {
            await Console.Error.WriteLineAsync($"warning: cosigner {name}: {what} (more in {LogPath})");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
