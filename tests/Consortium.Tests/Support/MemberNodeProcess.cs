using System.Diagnostics;
using System.Net;
using EndToEnd.Tests.Infrastructure;

namespace Consortium.Tests.Support;

/// <summary>
/// A member's node: the built AnchorNode program (<c>dotnet src/AnchorNode/bin/…/AnchorNode.dll serve</c>)
/// as a child process on an already-initialised data folder, on one 127.0.0.1 address for every
/// start (the other members and the gateways name it), its output in a log file beside the folder.
/// Ready once its public checkpoint endpoint answers. Killed with SIGKILL, stopped with SIGTERM,
/// restarted on the same folder and address; it dies with the test process.
/// </summary>
public sealed class MemberNodeProcess : IAsyncDisposable
{
    /// <summary>How long a start, a stop or a readiness check lasts at most.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    /// <summary>What answers once the node serves (public: no API key). 200 with the latest checkpoint, or a 404 problem before the first.</summary>
    public const string ReadinessPath = "v1/ledger/checkpoint";

    private SupervisedProcess? _process;
    private readonly IReadOnlyDictionary<string, string> _environment;

    private MemberNodeProcess(string folder, Uri url, IReadOnlyDictionary<string, string>? environment)
    {
        _environment = environment ?? new Dictionary<string, string>();
        Folder = folder;
        Url = url;
        LogPath = Path.TrimEndingDirectorySeparator(folder) + ".serve.log";
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The node's data folder.</summary>
    public string Folder { get; }

    /// <summary>Its base address, the same on every start.</summary>
    public Uri Url { get; }

    /// <summary>Its stdout and stderr, every start appended.</summary>
    public string LogPath { get; }

    /// <summary>A client of <see cref="Url"/> (no credentials).</summary>
    public HttpClient Http { get; }

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>
    /// A base address for a node not started yet (a free port below the ephemeral range, so that it stays
    /// free across restarts): for configurations that name the members before they run.
    /// </summary>
    public static Uri ReserveUrl() => new($"http://127.0.0.1:{Programs.PortForRestarts()}/");

    /// <summary><c>serve</c> on <paramref name="folder"/> (initialised: init, genesis, its node.json) at <paramref name="url"/> or a reserved one; returns once it is ready.</summary>
    public static async Task<MemberNodeProcess> StartAsync(string folder, Uri? url = null, CancellationToken cancellationToken = default) =>
        await StartAsync(folder, url, null, cancellationToken);

    /// <summary>As <see cref="StartAsync(string, Uri?, CancellationToken)"/>, with variables added to the node's environment on every start.</summary>
    public static async Task<MemberNodeProcess> StartAsync(string folder, Uri? url, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path.Combine(folder, "node.json")))
        {
            throw new ArgumentException($"{folder} is not an initialised node folder (no node.json): run AnchorNode init first", nameof(folder));
        }
        var node = new MemberNodeProcess(folder, url ?? ReserveUrl(), environment);
        try
        {
            await node.LaunchAsync(cancellationToken);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL, as in a power cut; waits until the process is gone.</summary>
    public async Task KillHardAsync(CancellationToken cancellationToken = default)
    {
        var process = Running();
        await process.KillAsync(cancellationToken);
        await process.DisposeAsync();
        _process = null;
    }

    /// <summary>SIGTERM, as a service manager stops it; returns its exit code (0 when it shut down cleanly).</summary>
    public async Task<int> StopAsync(CancellationToken cancellationToken = default)
    {
        var process = Running();
        process.Signal("TERM");
        var code = await process.WaitForExitAsync(WaitLimit, cancellationToken);
        await process.DisposeAsync();
        _process = null;
        return code;
    }

    /// <summary>SIGSTOP: the process stays, answers nothing, and its connections hang (a partition as others see it).</summary>
    public Task PauseAsync()
    {
        Running().Signal("STOP");
        return Task.CompletedTask;
    }

    /// <summary>SIGCONT after <see cref="PauseAsync"/>.</summary>
    public Task ResumeAsync()
    {
        Running().Signal("CONT");
        return Task.CompletedTask;
    }

    /// <summary>Starts it again (after <see cref="KillHardAsync"/> or <see cref="StopAsync"/>) on the same folder and address; returns once it is ready.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning) throw new InvalidOperationException($"the node at {Url} is still running; kill or stop it first");
        await LaunchAsync(cancellationToken);
    }

    /// <summary>The end of its log, for a failing test's message.</summary>
    public string Diagnostics(int lines = 60) => $"--- node {Url} ({(IsRunning ? "running" : "not running")}) log {LogPath} ---\n{SupervisedProcess.ReadTail(LogPath, lines)}";

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_process is { } process)
        {
            await process.DisposeAsync();
            _process = null;
        }
    }

    private SupervisedProcess Running() =>
        _process is { HasExited: false } process ? process : throw new InvalidOperationException($"the node at {Url} is not running");

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var start = Programs.StartInfo(Programs.AnchorNode, ["serve", "--data", Folder, "--urls", Url.GetLeftPart(UriPartial.Authority)]);
        _process = await SupervisedProcess.StartAsync(start.FileName, start.ArgumentList, LogPath,
            start.Environment.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!).Concat(_environment).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value), cancellationToken);
        await WaitUntilReadyAsync(cancellationToken);
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = "no answer yet";
        while (true)
        {
            if (_process is not { HasExited: false })
            {
                throw new InvalidOperationException($"the node at {Url} exited before it was ready.\n{Diagnostics()}");
            }
            try
            {
                using var response = await Http.GetAsync(ReadinessPath, cancellationToken);
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound) return;
                last = $"{(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                last = ex.Message;
            }
            if (clock.Elapsed > WaitLimit)
            {
                throw new TimeoutException($"the node at {Url} was not ready within {WaitLimit} (GET /{ReadinessPath}: {last}).\n{Diagnostics()}");
            }
            await Task.Delay(100, cancellationToken);
        }
    }
}
