using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Demo;

/// <summary>A long-running program the demo started (the node's <c>serve</c>, a gateway's <c>run</c>), its output going to a log file.</summary>
internal sealed class DemoChild
{
    private readonly StreamWriter _log;
    private readonly object _gate = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];

    public DemoChild(string name, Process process, string logPath, StreamWriter log)
    {
        Name = name;
        Process = process;
        LogPath = logPath;
        _log = log;
    }

    public string Name { get; }

    public Process Process { get; }

    public string LogPath { get; }

    public bool HasExited => Process.HasExited;

    /// <summary>Set when the demo ends this child on purpose (a member node killed to show the others carry on).</summary>
    public bool Expected { get; set; }

    internal void Line(string line)
    {
        lock (_gate)
        {
            _log.WriteLine(line);
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Found.TrySetResult(line);
            }
        }
    }

    internal void Closed()
    {
        lock (_gate)
        {
            _log.Flush();
        }
    }

    /// <summary>The first line printed from now on that matches.</summary>
    public Task<string> NextLineAsync(Func<string, bool> match)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((match, found));
        }
        return found.Task;
    }
}

/// <summary>
/// Every child process the demo starts: each one's output goes to <c>logs/NAME.log</c>, its pid to
/// the pid file, and its end is reported, so that the demo can stop them all (SIGTERM, then a kill)
/// and can tell an unexpected exit from one it asked for.
/// </summary>
internal sealed class DemoProcesses : IAsyncDisposable
{
    private readonly string _logs;
    private readonly string _pidFile;
    private readonly List<DemoChild> _children = [];
    private readonly TaskCompletionSource<DemoChild> _died = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;

    public DemoProcesses(string logs, string pidFile)
    {
        _logs = logs;
        _pidFile = pidFile;
        Directory.CreateDirectory(logs);
        File.WriteAllText(pidFile, $"demo {Environment.ProcessId}\n");
    }

    /// <summary>Completes with the first child that exited while the demo was not stopping.</summary>
    public Task<DemoChild> Died => _died.Task;

    /// <summary>Starts <c>dotnet DLL ARGS</c> as <paramref name="name"/>, with <paramref name="environment"/> added to its environment.</summary>
    public DemoChild Start(string name, string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = DemoPrograms.StartInfo(dll, args);
        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[variable] = value;
        }
        return Start(name, info, $"dotnet {dll} {string.Join(' ', info.ArgumentList.Skip(1))}");
    }

    /// <summary>Starts a program from the PATH (etcd) as <paramref name="name"/>.</summary>
    public DemoChild StartProgram(string name, string program, IEnumerable<string> args)
    {
        var info = DemoPrograms.ProgramStartInfo(program, args);
        return Start(name, info, $"{program} {string.Join(' ', info.ArgumentList)}");
    }

    private DemoChild Start(string name, ProcessStartInfo info, string commandLine)
    {
        info.RedirectStandardInput = true;
        var logPath = Path.Combine(_logs, name + ".log");
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), Encoding.UTF8) { AutoFlush = true };
        log.WriteLine($"--- {DateTimeOffset.UtcNow:O} {commandLine}");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new DemoChild(name, process, logPath, log);
        var outputs = 2;
        void OnData(DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                if (Interlocked.Decrement(ref outputs) == 0)
                {
                    child.Closed();
                }
                return;
            }
            child.Line(e.Data);
        }
        process.OutputDataReceived += (_, e) => OnData(e);
        process.ErrorDataReceived += (_, e) => OnData(e);
        process.Exited += (_, _) => _ = ExitedAsync(child);
        if (!process.Start())
        {
            throw new DemoException($"could not start {name} ({commandLine})");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (_children)
        {
            _children.Add(child);
            File.AppendAllText(_pidFile, string.Create(CultureInfo.InvariantCulture, $"{name} {process.Id}\n"));
        }
        return child;
    }

    private async Task ExitedAsync(DemoChild child)
    {
        // A Ctrl-C in a terminal reaches the children too, and one may be quicker to exit than our
        // own handler is to record that we are stopping; a moment's grace tells the two apart.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        if (!_stopping && !child.Expected)
        {
            _died.TrySetResult(child);
        }
    }

    /// <summary>SIGKILL, as a power cut or a crash would end it; its exit is not reported as a failure.</summary>
    public static async Task KillAsync(DemoChild child)
    {
        child.Expected = true;
        child.Process.Kill();
        await child.Process.WaitForExitAsync();
    }

    /// <summary>SIGTERM to every child still running (the newest first), a wait, then a kill; returns one line per child.</summary>
    public async Task<IReadOnlyList<string>> StopAllAsync(TimeSpan grace)
    {
        _stopping = true;
        List<DemoChild> children;
        lock (_children)
        {
            children = [.. _children];
            children.Reverse();
        }
        var stopped = new List<string>();
        // Gateways first (they seal their logs), then the nodes they upload to (a member node the demo
        // restarted too), then the etcd cluster that orders the nodes' entries.
        children = [.. children.OrderBy(c => c.Name.StartsWith("etcd", StringComparison.Ordinal) ? 2 : c.Name.StartsWith("node", StringComparison.Ordinal) ? 1 : 0)];
        foreach (var child in children)
        {
            stopped.Add(await StopAsync(child, grace));
        }
        return stopped;
    }

    private static async Task<string> StopAsync(DemoChild child, TimeSpan grace)
    {
        var process = child.Process;
        if (process.HasExited)
        {
            return child.Expected ? $"{child.Name} had been killed by the demo" : $"{child.Name} had exited ({Describe(process.ExitCode)})";
        }
        Terminate(process.Id);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return $"{child.Name} stopped ({Describe(process.ExitCode)})";
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return $"{child.Name} killed (it did not stop within {grace.TotalSeconds:0} s)";
        }
    }

    // A Ctrl-C in a terminal reaches every process of the group; a child may end on that signal itself.
    private static string Describe(int exitCode) => exitCode switch
    {
        0 => "exit 0",
        130 => "on SIGINT",
        143 => "on SIGTERM",
        _ => $"exit {exitCode}",
    };

    /// <summary>SIGTERM, which the programs stop cleanly on.</summary>
    public static void Terminate(int pid)
    {
        // .NET sends only SIGKILL; the children stop cleanly on SIGTERM (gateways seal their logs).
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false });
        kill?.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync(TimeSpan.FromSeconds(10));
        lock (_children)
        {
            foreach (var child in _children)
            {
                child.Process.Dispose();
            }
        }
    }
}

/// <summary>A step of the demo failed; the message says what and where to look.</summary>
internal sealed class DemoException(string message) : Exception(message);

/// <summary>The programs the demo runs, as built: the node, the gateway and the verifier.</summary>
internal sealed record DemoPrograms(string AnchorNodeDll, string GatewayDll, string VerifierDll)
{
    public static string DotnetHost => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    /// <summary><c>dotnet DLL ARGS</c>, with standard output and error read as UTF-8.</summary>
    public static ProcessStartInfo StartInfo(string dll, IEnumerable<string> args)
    {
        var info = ProgramStartInfo(DotnetHost, [dll, .. args]);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return info;
    }

    /// <summary><c>PROGRAM ARGS</c>, with standard output and error read as UTF-8.</summary>
    public static ProcessStartInfo ProgramStartInfo(string program, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return info;
    }

    /// <summary>
    /// Runs one command to completion and appends it, its exit code and its output to <paramref name="log"/>.
    /// Cancelled, the command gets SIGTERM (it stops as on Ctrl-C), then a kill after a few seconds.
    /// </summary>
    public static async Task<CliOutput> RunAsync(string dll, IEnumerable<string> args, string log, CancellationToken cancellationToken)
    {
        var info = StartInfo(dll, args);
        var command = $"{Path.GetFileNameWithoutExtension(dll)} {string.Join(' ', info.ArgumentList.Skip(1).Select(ShellQuote))}";
        using var process = Process.Start(info) ?? throw new DemoException($"could not start {command}");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            DemoProcesses.Terminate(process.Id);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
            throw;
        }
        await File.AppendAllTextAsync(log, $"--- {DateTimeOffset.UtcNow:O} {command}\nexit {process.ExitCode}\n{await output}{await error}", CancellationToken.None);
        return new CliOutput(command, process.ExitCode, await output, await error);
    }

    /// <summary>Quotes a word for a POSIX shell when it has anything but safe characters (the logs show commands one can paste).</summary>
    private static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "_-./=:+,@%".Contains(c, StringComparison.Ordinal))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>What a command printed: its <c>name: value</c> lines are read by name.</summary>
internal sealed record CliOutput(string Command, int ExitCode, string Output, string Error)
{
    public bool Has(string name) => Output.Split('\n').Any(l => l.StartsWith(name + ": ", StringComparison.Ordinal));

    public string Field(string name) =>
        Output.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(name + ": ", StringComparison.Ordinal))?[(name.Length + 2)..]
        ?? throw new DemoException($"{Command} printed no '{name}:' line");
}
