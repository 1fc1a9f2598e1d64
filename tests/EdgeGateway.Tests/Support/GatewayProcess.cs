using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace EdgeGateway.Tests.Support;

/// <summary>A commit acknowledged on the daemon's standard output (<c>event=committed</c>).</summary>
public readonly record struct Acknowledgement(long First, long Last, long Size, string Root)
{
    /// <summary>Parses an acknowledgement line, or null for any other line.</summary>
    public static Acknowledgement? Parse(string line)
    {
        if (!line.Contains(" event=committed ", StringComparison.Ordinal))
        {
            return null;
        }
        var fields = line.Split(' ').Select(f => f.Split('=', 2)).Where(f => f.Length == 2).GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.First()[1]);
        return new Acknowledgement(
            long.Parse(fields["first"], CultureInfo.InvariantCulture), long.Parse(fields["last"], CultureInfo.InvariantCulture),
            long.Parse(fields["size"], CultureInfo.InvariantCulture), fields["root"]);
    }
}

/// <summary>
/// The built gateway (src/EdgeGateway/bin/CONFIG/net10.0/EdgeGateway.dll) as a real process:
/// its output lines as they come, SIGTERM and SIGKILL, and its memory from /proc.
/// </summary>
public sealed partial class GatewayProcess : IAsyncDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource _outputDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GatewayProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) _outputDone.TrySetResult();
            else _stdout.Enqueue(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) _errorDone.TrySetResult();
            else _stderr.Enqueue(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public IReadOnlyList<string> Stdout => _stdout.ToList();

    public IReadOnlyList<string> Stderr => _stderr.ToList();

    public string AllOutput => string.Join('\n', Stdout.Concat(Stderr));

    public IReadOnlyList<Acknowledgement> Acknowledgements => _stdout.Select(Acknowledgement.Parse).OfType<Acknowledgement>().ToList();

    public bool HasExited => _process.HasExited;

    public static string DllPath
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln")))
                {
                    var dll = Path.Combine(dir.FullName, "src", "EdgeGateway", "bin", Configuration, "net10.0", "EdgeGateway.dll");
                    return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the solution first: {dll} is missing");
                }
            }
            throw new InvalidOperationException($"no EdgeTrace.sln above {AppContext.BaseDirectory}");
        }
    }

    public static GatewayProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>Starts the gateway with extra environment variables.</summary>
    public static GatewayProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartProgram("dotnet", [DllPath, .. args], environment);

    /// <summary>
    /// Starts another build of the gateway: <paramref name="program"/> with <paramref name="args"/>
    /// (a published or packaged gateway, or an emulator with the gateway and its arguments).
    /// </summary>
    public static GatewayProcess StartProgram(string program, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }
        return new GatewayProcess(Process.Start(psi)!);
    }

    /// <summary>Runs the gateway to completion (bounded) and returns its exit code and output.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        await using var process = Start(args);
        var exit = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exit, string.Join('\n', process.Stdout), string.Join('\n', process.Stderr));
    }

    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var line = _stdout.FirstOrDefault(predicate);
            if (line is not null)
            {
                return line;
            }
            if (_process.HasExited && _outputDone.Task.IsCompleted)
            {
                throw new InvalidOperationException($"the gateway exited ({_process.ExitCode}) before {what}:\n{AllOutput}");
            }
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"timed out waiting for {what}:\n{AllOutput}");
            }
            await Task.Delay(5);
        }
    }

    /// <summary>Waits for a line on standard output or standard error (errors are logged there).</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> predicate, string what, TimeSpan? timeout = null)
    {
        string? found = null;
        await WaitUntilAsync(() => (found = _stdout.Concat(_stderr).FirstOrDefault(predicate)) is not null, what, timeout);
        return found!;
    }

    /// <summary>SIGSTOP / SIGCONT: holds the process still (nothing it does can race the test), then lets it go on.</summary>
    public void Pause(bool paused)
    {
        if (kill(_process.Id, paused ? 19 : 18) != 0)
        {
            throw new InvalidOperationException($"kill -{(paused ? "STOP" : "CONT")} {_process.Id} failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    public Task WaitForAcknowledgementsAsync(int count, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Acknowledgements.Count >= count, $"{count} acknowledgements", timeout);

    public async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited && _outputDone.Task.IsCompleted && !condition())
            {
                throw new InvalidOperationException($"the gateway exited ({_process.ExitCode}) before {what}:\n{AllOutput}");
            }
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"timed out waiting for {what}:\n{string.Join('\n', Stdout.TakeLast(20))}\n{string.Join('\n', Stderr)}");
            }
            await Task.Delay(5);
        }
    }

    /// <summary>SIGKILL: no chance to flush or commit anything.</summary>
    public void Kill() => _process.Kill();

    /// <summary>SIGTERM: the service manager's stop.</summary>
    public void Terminate()
    {
        if (kill(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            throw new TimeoutException($"the gateway did not exit within {timeout}:\n{AllOutput}");
        }
        await Task.WhenAll(_outputDone.Task, _errorDone.Task).WaitAsync(TimeSpan.FromSeconds(10));
        return _process.ExitCode;
    }

    /// <summary>A field of /proc/PID/status in kB (VmRSS, VmHWM).</summary>
    public long ProcStatusKb(string field)
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
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

#pragma warning disable SYSLIB1054 // test-only P/Invoke, blittable signature
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
#pragma warning restore SYSLIB1054
}
