using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Consortium.Tests.Support;

/// <summary>
/// A server process (an etcd member, a member node) whose output goes to a log file and whose life is
/// tied to this test process: it runs under a small shell that SIGKILLs it when its stdin, a pipe from
/// this process, closes, which happens on dispose and also when this process dies in any way (a crash,
/// a SIGKILL, a cancelled run). A ProcessExit handler kills what is left on an orderly exit as well.
/// </summary>
public sealed class SupervisedProcess : IAsyncDisposable
{
    // $1 is the log file, the rest the command. Prints the command's pid, then waits for it; a watcher
    // kills it as soon as stdin reaches its end. The command gets neither the pipe nor a terminal.
    private const string Supervisor = """
        log="$1"; shift
        exec 3<&0
        echo "=== $(date -u +%H:%M:%S.%N) start: $*" >>"$log"
        "$@" </dev/null 3<&- >>"$log" 2>&1 &
        pid=$!
        echo "$pid"
        { read -r _ <&3; kill -KILL "$pid" 2>/dev/null; } &
        watcher=$!
        wait "$pid"
        status=$?
        echo "=== $(date -u +%H:%M:%S.%N) exit: $status" >>"$log"
        kill "$watcher" 2>/dev/null
        exit "$status"
        """;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly ConcurrentDictionary<SupervisedProcess, byte> Running = new();

    private readonly Process _supervisor;

    static SupervisedProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Keys)
            {
                process.KillNow();
            }
        };
    }

    private SupervisedProcess(Process supervisor, int pid, string logPath)
    {
        _supervisor = supervisor;
        Pid = pid;
        LogPath = logPath;
    }

    /// <summary>The supervised command's own process id (not the shell's).</summary>
    public int Pid { get; }

    /// <summary>Where its stdout and stderr go (appended: a restart adds to the same file).</summary>
    public string LogPath { get; }

    /// <summary>True once the command has ended (and the shell with it).</summary>
    public bool HasExited => _supervisor.HasExited;

    /// <summary>Starts <paramref name="executable"/> with <paramref name="args"/>; returns once its pid is known.</summary>
    public static async Task<SupervisedProcess> StartAsync(string executable, IEnumerable<string> args, string logPath,
        IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Supervisor);
        info.ArgumentList.Add("supervisor");
        info.ArgumentList.Add(logPath);
        info.ArgumentList.Add(executable);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        var supervisor = Process.Start(info) ?? throw new InvalidOperationException($"could not start /bin/sh for {executable}");
        try
        {
            var line = await supervisor.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(StartTimeout, cancellationToken);
            if (!int.TryParse(line, CultureInfo.InvariantCulture, out var pid))
            {
                throw new InvalidOperationException($"the supervisor of {executable} printed no pid ('{line}'): {await supervisor.StandardError.ReadToEndAsync(cancellationToken)}");
            }
            var process = new SupervisedProcess(supervisor, pid, logPath);
            Running[process] = 0;
            return process;
        }
        catch
        {
            supervisor.Kill(entireProcessTree: true);
            supervisor.Dispose();
            throw;
        }
    }

    /// <summary>Sends a signal (<c>STOP</c>, <c>CONT</c>, <c>TERM</c>, <c>KILL</c>) to the command.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, Pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0 && !HasExited)
        {
            throw new InvalidOperationException($"kill -{signal} {Pid} failed ({kill.ExitCode})");
        }
    }

    /// <summary>Waits until the command has ended; its exit status as the shell saw it (128+N for signal N).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await _supervisor.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"process {Pid} did not exit within {timeout}:\n{LogTail()}");
        }
        Running.TryRemove(this, out _);
        return _supervisor.ExitCode;
    }

    /// <summary>SIGKILL (also wakes nothing up: a stopped process dies as it is), then waits until it is gone.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (!HasExited)
        {
            Signal("KILL");
        }
        await WaitForExitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>The last lines of the log file.</summary>
    public string LogTail(int lines = 60) => ReadTail(LogPath, lines);

    /// <summary>The last <paramref name="lines"/> lines of a log file, or why it could not be read.</summary>
    public static string ReadTail(string path, int lines)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException ex)
        {
            return $"({path} unreadable: {ex.Message})";
        }
        catch (UnauthorizedAccessException ex)
        {
            return $"({path} unreadable: {ex.Message})";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_supervisor.HasExited)
        {
            // The watcher kills the command when its stdin ends.
            _supervisor.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _supervisor.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                KillNow();
            }
        }
        Running.TryRemove(this, out _);
        _supervisor.Dispose();
    }

    private void KillNow()
    {
        try
        {
            using var command = Process.GetProcessById(Pid);
            command.Kill();
        }
        catch (ArgumentException)
        {
            // Gone already.
        }
        catch (InvalidOperationException)
        {
        }
        try
        {
            if (!_supervisor.HasExited) _supervisor.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
