using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>The built programs (src/NAME/bin/CONFIGURATION/net10.0/NAME.dll), run as processes.</summary>
public static class Programs
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public static string EdgeGateway => Dll("EdgeGateway");

    public static string AnchorNode => Dll("AnchorNode");

    public static string Verifier => Dll("Verifier");

    /// <summary>What a program printed and how it exited.</summary>
    public sealed record Run(string Command, int ExitCode, string Output, string Error)
    {
        /// <summary>The value of a <c>name: value</c> line.</summary>
        public string Field(string name) =>
            Output.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(name + ": ", StringComparison.Ordinal))?[(name.Length + 2)..]
            ?? throw new Xunit.Sdk.XunitException($"no '{name}:' line from {Command}:\n{Output}\n{Error}");

        /// <summary>Fails the test, with the output, unless the program exited 0.</summary>
        public Run Succeeded()
        {
            Assert.True(ExitCode == 0, $"{Command} exited {ExitCode}:\n{Output}\n{Error}");
            return this;
        }

        public override string ToString() => $"{Command} → {ExitCode}\n{Output}\n{Error}";
    }

    /// <summary>Runs a program to completion (at most two minutes).</summary>
    public static async Task<Run> RunAsync(string dll, params string[] args)
    {
        using var process = Process.Start(StartInfo(dll, args)) ?? throw new InvalidOperationException($"could not start {dll}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileNameWithoutExtension(dll)} {string.Join(' ', args)} did not finish within two minutes");
        }
        return new Run($"{Path.GetFileNameWithoutExtension(dll)} {string.Join(' ', args)}", process.ExitCode, await output, await error);
    }

    /// <summary>A 127.0.0.1 port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A free 127.0.0.1 port below the kernel's ephemeral range, for a server restarted on the same
    /// address: while it is down, no outgoing connection or port-0 listener of another test can take it.
    /// </summary>
    public static int PortForRestarts()
    {
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var ephemeral = int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        for (var attempt = 0; attempt < 100 && ephemeral > 11_000; attempt++)
        {
            var port = Random.Shared.Next(10_000, ephemeral);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: another.
            }
        }
        return FreePort();
    }

    internal static ProcessStartInfo StartInfo(string dll, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return info;
    }

    private static string Dll(string project)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln")))
            {
                var dll = Path.Combine(dir.FullName, "src", project, "bin", Configuration, "net10.0", project + ".dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the solution first: {dll} is missing");
            }
        }
        throw new InvalidOperationException($"no EdgeTrace.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>A long-running program (a node's <c>serve</c>, a gateway's <c>run</c>): its output lines as they come, SIGTERM and SIGKILL.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentDictionary<TaskCompletionSource<string>, Func<string, bool>> _watchers = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource _outputDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process, string name)
    {
        _process = process;
        _name = name;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) _outputDone.TrySetResult();
            else
            {
                _stdout.Enqueue(e.Data);
                foreach (var (watcher, match) in _watchers)
                {
                    if (match(e.Data) && _watchers.TryRemove(watcher, out Func<string, bool>? _)) watcher.TrySetResult(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) _errorDone.TrySetResult();
            else _stderr.Enqueue(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public IReadOnlyList<string> Stdout => _stdout.ToList();

    public string AllOutput => string.Join('\n', _stdout.Concat(_stderr));

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(string dll, params string[] args) =>
        new(Process.Start(Programs.StartInfo(dll, args)) ?? throw new InvalidOperationException($"could not start {dll}"),
            $"{Path.GetFileNameWithoutExtension(dll)} {string.Join(' ', args)}");

    /// <summary>The first output line that matches, once it is printed.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what, TimeSpan? timeout = null)
    {
        string? found = null;
        await WaitUntilAsync(() => (found = _stdout.FirstOrDefault(match)) is not null, what, timeout);
        return found!;
    }

    /// <summary>
    /// The next output line that matches, the moment it is read (no polling): for acting on an event
    /// while what it starts is still under way. Call it before whatever makes the line appear.
    /// </summary>
    public Task<string> NextLineAsync(Func<string, bool> match)
    {
        var watcher = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _watchers[watcher] = match;
        return watcher.Task;
    }

    /// <summary>Polls <paramref name="condition"/>; fails if the process exits first or the time runs out.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited && _outputDone.Task.IsCompleted && !condition())
            {
                throw new InvalidOperationException($"{_name} exited ({_process.ExitCode}) before {what}:\n{Tail()}");
            }
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"{_name}: no {what} within {limit}:\n{Tail()}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>SIGTERM: a service manager's stop.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed ({kill.ExitCode})");
        }
    }

    /// <summary>SIGKILL: the process gets no chance to flush, close or say goodbye, as in a power cut.</summary>
    public void Kill() => _process.Kill();

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_name} did not exit within {timeout}:\n{Tail()}");
        }
        await Task.WhenAll(_outputDone.Task, _errorDone.Task).WaitAsync(TimeSpan.FromSeconds(10));
        return _process.ExitCode;
    }

    public string Tail(int lines = 30) => string.Join('\n', _stdout.TakeLast(lines).Concat(_stderr.TakeLast(lines)));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
