using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>
/// A real mosquitto on free 127.0.0.1 ports, configured in a temporary folder, logging everything to a file
/// there. It stops when disposed, and also by itself if the test process dies: it runs under a small shell
/// that holds the broker's lifetime to its own stdin, a pipe from this process.
/// </summary>
/// <remarks>Has no test-framework dependency so that the benchmarks can link it.</remarks>
public sealed class MosquittoBroker : ITestBroker
{
    /// <summary>Where Debian installs the broker.</summary>
    public const string ExecutablePath = "/usr/sbin/mosquitto";

    private const int StartAttempts = 5;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    // Prints the broker's pid and exits with it; a watcher stops the broker when stdin (a pipe from this
    // process) closes, i.e. on dispose or when this process dies.
    private const string Supervisor = """
        exec 3<&0
        "$0" -c "$1" </dev/null &
        pid=$!
        echo "$pid"
        { read -r _ <&3; kill -TERM "$pid" 2>/dev/null; } &
        watcher=$!
        wait "$pid"
        status=$?
        kill "$watcher" 2>/dev/null
        exit "$status"
        """;

    private readonly BrokerOptions _options;
    private readonly StringBuilder _output = new();
    private Process? _supervisor;
    private int _brokerPid;

    private MosquittoBroker(BrokerOptions options, string directory)
    {
        _options = options;
        Directory = directory;
    }

    /// <summary>Always 127.0.0.1.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The plain MQTT listener's port.</summary>
    public int Port { get; private set; }

    /// <summary>The TLS listener's port, if configured.</summary>
    public int? TlsPort { get; private set; }

    /// <summary>Temporary folder with the config, password file and log; deleted on dispose.</summary>
    public string Directory { get; }

    /// <summary>The broker's log file.</summary>
    public string LogPath => Path.Combine(Directory, "mosquitto.log");

    /// <summary>Starts a broker and waits until every listener accepts connections.</summary>
    public static async Task<MosquittoBroker> StartAsync(BrokerOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: install the broker with `sudo apt-get install mosquitto`.");
        }
        var directory = Path.Combine(Path.GetTempPath(), "edgetrace-mosquitto-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var broker = new MosquittoBroker(options ?? new BrokerOptions(), directory);
        try
        {
            await broker.WritePasswordFileAsync(broker._options.Users, cancellationToken);
            for (var attempt = 1; ; attempt++)
            {
                broker.Port = TestBrokers.FreePort();
                broker.TlsPort = broker._options.Tls is null ? null : TestBrokers.FreePort();
                if (await broker.LaunchAsync(cancellationToken)) return broker;
                // Another process took a port between probing and binding: try others.
                if (attempt == StartAttempts)
                {
                    throw new InvalidOperationException($"mosquitto could not bind free ports after {StartAttempts} attempts.\n{broker.Diagnostics()}");
                }
            }
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>The broker's log so far and anything it printed, for assertion messages.</summary>
    public string Diagnostics()
    {
        string log;
        try
        {
            log = File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log file)";
        }
        catch (IOException ex)
        {
            log = "(log unreadable: " + ex.Message + ")";
        }
        lock (_output) return $"--- mosquitto log ({LogPath}) ---\n{log}\n--- mosquitto output ---\n{_output}";
    }

    /// <summary>Kills the broker with SIGKILL (no clean shutdown, no DISCONNECTs) and waits until it is gone.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        if (_supervisor is not { } supervisor) return;
        using (var broker = Process.GetProcessById(_brokerPid))
        {
            broker.Kill();
        }
        // The supervisor exits as soon as the broker is reaped, so this also waits for the port to be free.
        await supervisor.WaitForExitAsync(cancellationToken);
        supervisor.Dispose();
        _supervisor = null;
        _brokerPid = 0;
    }

    /// <summary>Starts the broker again on the same ports (after <see cref="KillAsync"/>).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (_supervisor is not null) throw new InvalidOperationException("The broker is still running; kill it first.");
        if (!await LaunchAsync(cancellationToken))
        {
            throw new InvalidOperationException($"mosquitto could not bind its old port {Port} again.\n{Diagnostics()}");
        }
    }

    /// <summary>Replaces the password file and makes the running broker reload it (SIGHUP).</summary>
    public async Task ReloadUsersAsync(IReadOnlyDictionary<string, string> users, CancellationToken cancellationToken = default)
    {
        if (_options.Users is null) throw new InvalidOperationException("The broker was started without a password file.");
        await WritePasswordFileAsync(users, cancellationToken);
        await SignalAsync("HUP", cancellationToken);
    }

    /// <summary>Stops the broker process (SIGSTOP): connections stay open but nothing answers, like a hung host.</summary>
    public Task FreezeAsync(CancellationToken cancellationToken = default) => SignalAsync("STOP", cancellationToken);

    /// <summary>Lets a frozen broker run again (SIGCONT).</summary>
    public Task ThawAsync(CancellationToken cancellationToken = default) => SignalAsync("CONT", cancellationToken);

    private async Task SignalAsync(string signal, CancellationToken cancellationToken)
    {
        if (_brokerPid == 0) throw new InvalidOperationException("The broker is not running.");
        using var kill = Process.Start("kill", ["-" + signal, _brokerPid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(cancellationToken);
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {_brokerPid} failed ({kill.ExitCode}).");
    }

    /// <summary>Stops the broker and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_supervisor is { } supervisor)
        {
            try
            {
                // A frozen broker would not act on SIGTERM.
                if (_brokerPid != 0) await SignalAsync("CONT", CancellationToken.None);
                supervisor.StandardInput.Close();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await supervisor.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                supervisor.Kill(entireProcessTree: true);
            }
            supervisor.Dispose();
            _supervisor = null;
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WritePasswordFileAsync(IReadOnlyDictionary<string, string>? users, CancellationToken cancellationToken)
    {
        if (users is not { Count: > 0 }) return;
        var file = Path.Combine(Directory, "passwords");
        var create = true;
        foreach (var (user, password) in users)
        {
            var psi = new ProcessStartInfo("mosquitto_passwd") { RedirectStandardError = true, RedirectStandardOutput = true };
            psi.ArgumentList.Add("-b");
            if (create) psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(file);
            psi.ArgumentList.Add(user);
            psi.ArgumentList.Add(password);
            using var process = Process.Start(psi)!;
            var error = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0) throw new InvalidOperationException($"mosquitto_passwd failed ({process.ExitCode}): {error}");
            create = false;
        }
    }

    private string WriteConfig()
    {
        var config = new StringBuilder();
        // Running as root, mosquitto would otherwise switch to the 'mosquitto' user and lose access to this folder.
        config.AppendLine(CultureInfo.InvariantCulture, $"user {Environment.UserName}");
        config.AppendLine("per_listener_settings false");
        config.AppendLine(CultureInfo.InvariantCulture, $"allow_anonymous {(_options.AllowAnonymous ? "true" : "false")}");
        if (_options.Users is not null) config.AppendLine(CultureInfo.InvariantCulture, $"password_file {Path.Combine(Directory, "passwords")}");
        config.AppendLine("persistence false");
        config.AppendLine(CultureInfo.InvariantCulture, $"log_dest file {LogPath}");
        foreach (var type in _options.LogTypes) config.AppendLine(CultureInfo.InvariantCulture, $"log_type {type}");
        config.AppendLine("log_timestamp_format %H:%M:%S");
        foreach (var line in _options.ExtraConfig) config.AppendLine(line);
        config.AppendLine(CultureInfo.InvariantCulture, $"listener {Port} {Host}");
        if (_options.Tls is { } tls)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"listener {TlsPort} {Host}");
            config.AppendLine(CultureInfo.InvariantCulture, $"cafile {tls.CaFile}");
            config.AppendLine(CultureInfo.InvariantCulture, $"certfile {tls.CertFile}");
            config.AppendLine(CultureInfo.InvariantCulture, $"keyfile {tls.KeyFile}");
            config.AppendLine(CultureInfo.InvariantCulture, $"require_certificate {(tls.RequireCertificate ? "true" : "false")}");
        }
        var path = Path.Combine(Directory, "mosquitto.conf");
        File.WriteAllText(path, config.ToString());
        return path;
    }

    /// <returns>False if the broker exited because a port was taken.</returns>
    private async Task<bool> LaunchAsync(CancellationToken cancellationToken)
    {
        var config = WriteConfig();
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Supervisor);
        psi.ArgumentList.Add(ExecutablePath);
        psi.ArgumentList.Add(config);
        var supervisor = new Process { StartInfo = psi };
        var pid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        supervisor.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) pid.TrySetException(new InvalidOperationException("The broker supervisor ended before printing the broker's pid."));
            else if (!pid.Task.IsCompleted && int.TryParse(e.Data, CultureInfo.InvariantCulture, out var value)) pid.TrySetResult(value);
            else lock (_output) _output.AppendLine(e.Data);
        };
        supervisor.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        supervisor.Start();
        _supervisor = supervisor;
        supervisor.BeginErrorReadLine();
        supervisor.BeginOutputReadLine();
        _brokerPid = await pid.Task.WaitAsync(StartTimeout, cancellationToken);

        var started = Stopwatch.StartNew();
        var ports = TlsPort is { } tlsPort ? new[] { Port, tlsPort } : [Port];
        while (true)
        {
            if (supervisor.HasExited)
            {
                var diagnostics = Diagnostics();
                await StopSupervisorAsync();
                if (diagnostics.Contains("Address already in use", StringComparison.Ordinal)) return false;
                throw new InvalidOperationException($"mosquitto exited during start-up.\n{diagnostics}");
            }
            if (await AllAcceptAsync(ports, cancellationToken)) return true;
            if (started.Elapsed > StartTimeout)
            {
                var diagnostics = Diagnostics();
                await StopSupervisorAsync();
                throw new TimeoutException($"mosquitto did not accept connections within {StartTimeout}.\n{diagnostics}");
            }
            await Task.Delay(20, cancellationToken);
        }
    }

    private async Task StopSupervisorAsync()
    {
        if (_supervisor is not { } supervisor) return;
        if (!supervisor.HasExited) supervisor.Kill(entireProcessTree: true);
        await supervisor.WaitForExitAsync();
        supervisor.Dispose();
        _supervisor = null;
        _brokerPid = 0;
    }

    private async Task<bool> AllAcceptAsync(int[] ports, CancellationToken cancellationToken)
    {
        foreach (var port in ports)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            }
            catch (SocketException)
            {
                return false;
            }
        }
        return true;
    }
}
