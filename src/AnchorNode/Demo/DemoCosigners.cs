using AnchorNode.Runtime;
using System.Net.Http.Headers;
using AnchorNode.Configuration;
using AnchorNode.Hosting;
using AnchorNode.Ledger;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnchorNode.Demo;

/// <summary>
/// The bank's and the auditor's nodes, cosigning the warehouse node's latest checkpoint every
/// <c>interval</c>: each replays the new entries into its own replica through the ledger rules
/// (what <c>AnchorNode cosign</c> does), in this process rather than one process per round.
/// </summary>
internal sealed class DemoCosigners : IAsyncDisposable
{
    private readonly List<(string Name, NodeRuntime Replica)> _members = [];
    private readonly HttpClient _http;
    private readonly StreamWriter _log;
    private readonly TimeSpan _interval;
    private readonly Dictionary<string, long> _cosigned = new(StringComparer.Ordinal);
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public DemoCosigners(IEnumerable<string> memberFolders, Uri node, string apiKey, string logPath, TimeSpan interval)
    {
        foreach (var folder in memberFolders)
        {
            var replica = NodeRuntime.Open(new DataFolder(folder), NullLoggerFactory.Instance);
            _members.Add((replica.Config.Member, replica));
        }
        _http = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromMinutes(2) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        _log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
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
            foreach (var (name, replica) in _members)
            {
                await CosignAsync(name, replica, cancellationToken);
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

    private async Task CosignAsync(string name, NodeRuntime replica, CancellationToken cancellationToken)
    {
        try
        {
            var result = await new Cosigner(replica, _http).CosignLatestAsync(cancellationToken);
            if (result.Succeeded)
            {
                lock (_cosigned)
                {
                    _cosigned[name] = result.Value.Size;
                }
                await _log.WriteLineAsync($"{DateTimeOffset.UtcNow:O} {name}: cosigned size {result.Value.Size} (replayed {result.Value.Replayed}; signers {string.Join(", ", result.Value.Signers)})");
                return;
            }
            await Problem(name, $"refused: {result.Failure}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (HttpRequestException e)
        {
            await Problem(name, $"cannot reach the node: {e.Message}");
        }
    }

    private async Task Problem(string name, string what)
    {
        await _log.WriteLineAsync($"{DateTimeOffset.UtcNow:O} {name}: {what}");
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
        foreach (var (_, replica) in _members)
        {
            await replica.DisposeAsync();
        }
        _http.Dispose();
        await _log.DisposeAsync();
        _stop.Dispose();
    }
}
