using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using dotnet_etcd;
using Etcdserverpb;
using EndToEnd.Tests.Infrastructure;
using Grpc.Core;

namespace Consortium.Tests.Support;

/// <summary>
/// A real etcd cluster (Debian's etcd-server, <c>/usr/bin/etcd</c>) of N members as child processes on
/// 127.0.0.1: a client and a peer port each, below the ephemeral range so that a restarted member gets
/// its ports back, a data folder each under one temporary folder, election settings fast enough for
/// tests. Members can be killed (SIGKILL), restarted on the same data and ports, paused (SIGSTOP: to
/// the others it is partitioned away) and resumed. Every member dies with the test process.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    /// <summary>Where Debian's etcd-server installs the server.</summary>
    public const string ExecutablePath = "/usr/bin/etcd";

    /// <summary>How long any wait of the fixture lasts at most.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    // Milliseconds. etcd's defaults are 100 and 1000; a test wants a lost leader replaced quickly, and
    // 50/500 still leaves room for a loaded machine (the election timeout is 10 heartbeats).
    private const int HeartbeatMs = 50;
    private const int ElectionMs = 500;
    private const int StartAttempts = 3;

    private readonly DirectoryInfo _root;
    private readonly Member[] _members;
    private readonly string _token;

    private EtcdCluster(DirectoryInfo root, Member[] members, string token)
    {
        _root = root;
        _members = members;
        _token = token;
    }

    /// <summary>Number of members, running or not.</summary>
    public int Count => _members.Length;

    /// <summary>Each member's client URL (<c>http://127.0.0.1:PORT</c>), by member index.</summary>
    public IReadOnlyList<string> Endpoints => _members.Select(m => m.ClientUrl).ToList();

    /// <summary>The client URLs as etcdctl's <c>--endpoints</c> and dotnet-etcd's connection string take them.</summary>
    public string ConnectionString => string.Join(',', Endpoints);

    /// <summary>The temporary folder holding every member's data folder and log.</summary>
    public string Folder => _root.FullName;

    /// <summary>Starts <paramref name="members"/> members and waits until each answers and they agree on a leader.</summary>
    public static async Task<EtcdCluster> StartAsync(int members = 3, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: install the server with `sudo apt-get install etcd-server` (./test.sh does it as root).");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(members, 1);
        for (var attempt = 1; ; attempt++)
        {
            var root = Directory.CreateTempSubdirectory("edgetrace-etcd-");
            var token = "edgetrace-" + Guid.NewGuid().ToString("N")[..12];
            var cluster = new EtcdCluster(root, Enumerable.Range(0, members)
                .Select(i => new Member($"m{i}", Path.Combine(root.FullName, $"m{i}"), PortsBelowEphemeral(), PortsBelowEphemeral()))
                .ToArray(), token);
            try
            {
                for (var i = 0; i < members; i++)
                {
                    await cluster.LaunchAsync(i, cancellationToken);
                }
                await cluster.WaitUntilHealthyAsync(cancellationToken);
                return cluster;
            }
            catch (Exception) when (attempt < StartAttempts && cluster.LogsMention("address already in use"))
            {
                // Another process took a port between probing and binding: other ports.
                await cluster.DisposeAsync();
            }
            catch
            {
                var diagnostics = cluster.Diagnostics();
                await cluster.DisposeAsync();
                throw new InvalidOperationException($"the etcd cluster did not start.\n{diagnostics}");
            }
        }
    }

    /// <summary>A client of the members given (every member if none is given).</summary>
    public EtcdClient Client(params int[] members) =>
        new(string.Join(',', (members.Length == 0 ? Enumerable.Range(0, Count) : members).Select(i => _members[i].ClientUrl)));

    /// <summary>True if member <paramref name="member"/>'s process runs (paused or not).</summary>
    public bool IsRunning(int member) => _members[member].Process is { HasExited: false };

    /// <summary>
    /// The index of the member that leads, once the running, unpaused members answer and agree on one
    /// (each member's own Status: its id and the leader it follows).
    /// </summary>
    public async Task<int> LeaderAsync(CancellationToken cancellationToken = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var last = "";
        while (true)
        {
            var (leader, seen) = await AgreedLeaderAsync(cancellationToken);
            if (leader is { } found) return found;
            last = seen;
            if (clock.Elapsed > WaitLimit)
            {
                throw new TimeoutException($"the etcd members agreed on no leader within {WaitLimit}: {last}\n{Diagnostics()}");
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>SIGKILL member <paramref name="member"/> and wait until it is gone.</summary>
    public async Task KillAsync(int member, CancellationToken cancellationToken = default)
    {
        var process = _members[member].Process ?? throw new InvalidOperationException($"etcd member {member} is not running");
        await process.KillAsync(cancellationToken);
        await process.DisposeAsync();
        _members[member].Process = null;
        _members[member].Paused = false;
    }

    /// <summary>Starts a killed member again on its data folder and ports; returns once the cluster is healthy with it.</summary>
    public async Task RestartAsync(int member, CancellationToken cancellationToken = default)
    {
        if (IsRunning(member)) throw new InvalidOperationException($"etcd member {member} is still running; kill it first");
        await LaunchAsync(member, cancellationToken);
        await WaitUntilHealthyAsync(cancellationToken);
    }

    /// <summary>SIGSTOP: the member holds its connections but answers nothing, like a host cut off or hung.</summary>
    public void Pause(int member)
    {
        Running(member).Signal("STOP");
        _members[member].Paused = true;
    }

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume(int member)
    {
        Running(member).Signal("CONT");
        _members[member].Paused = false;
    }

    /// <summary>Every member's ports, state and the end of its log: for a failing test's message.</summary>
    public string Diagnostics(int lines = 40)
    {
        var text = new StringBuilder();
        foreach (var (member, index) in _members.Select((m, i) => (m, i)))
        {
            var state = member.Process is null ? "not running" : member.Process.HasExited ? "exited" : member.Paused ? "paused" : "running";
            text.AppendLine(CultureInfo.InvariantCulture, $"--- etcd member {index} ({member.Name}, client {member.ClientUrl}, peer {member.PeerUrl}, {state}) log {member.LogPath} ---");
            text.AppendLine(SupervisedProcess.ReadTail(member.LogPath, lines));
        }
        return text.ToString();
    }

    /// <summary>Kills every member and deletes the folder.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            if (member.Process is { } process)
            {
                await process.DisposeAsync();
                member.Process = null;
            }
        }
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Temp is cleaned eventually.
        }
    }

    private static int PortsBelowEphemeral() => Programs.PortForRestarts();

    private SupervisedProcess Running(int member) =>
        _members[member].Process is { HasExited: false } process ? process : throw new InvalidOperationException($"etcd member {member} is not running");

    private bool LogsMention(string text) =>
        _members.Any(m => File.Exists(m.LogPath) && SupervisedProcess.ReadTail(m.LogPath, 200).Contains(text, StringComparison.OrdinalIgnoreCase));

    private async Task LaunchAsync(int index, CancellationToken cancellationToken)
    {
        var member = _members[index];
        var cluster = string.Join(',', _members.Select(m => $"{m.Name}={m.PeerUrl}"));
        string[] args =
        [
            "--name", member.Name,
            "--data-dir", member.DataDir,
            "--listen-client-urls", member.ClientUrl,
            "--advertise-client-urls", member.ClientUrl,
            "--listen-peer-urls", member.PeerUrl,
            "--initial-advertise-peer-urls", member.PeerUrl,
            // Read on the first start only; a restart finds the membership in its data folder.
            "--initial-cluster", cluster,
            "--initial-cluster-state", "new",
            "--initial-cluster-token", _token,
            "--heartbeat-interval", HeartbeatMs.ToString(CultureInfo.InvariantCulture),
            "--election-timeout", ElectionMs.ToString(CultureInfo.InvariantCulture),
            "--logger", "zap",
            "--log-outputs", "stderr",
        ];
        // etcd 3.4 refuses to start on arm64 unless told that it is meant to.
        var environment = RuntimeInformation.ProcessArchitecture == Architecture.Arm64
            ? new Dictionary<string, string> { ["ETCD_UNSUPPORTED_ARCH"] = "arm64" }
            : null;
        member.Process = await SupervisedProcess.StartAsync(ExecutablePath, args, member.LogPath, environment, cancellationToken);
    }

    private async Task WaitUntilHealthyAsync(CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            for (var i = 0; i < Count; i++)
            {
                if (_members[i].Process is { HasExited: true })
                {
                    throw new InvalidOperationException($"etcd member {i} exited during start-up.\n{Diagnostics()}");
                }
            }
            var (leader, seen) = await AgreedLeaderAsync(cancellationToken);
            if (leader is not null) return;
            if (clock.Elapsed > WaitLimit)
            {
                throw new TimeoutException($"the etcd cluster was not healthy within {WaitLimit}: {seen}\n{Diagnostics()}");
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    // Asks each running, unpaused member for its status; a leader once every one of them answers and all
    // name the same leader, which is one of them.
    private async Task<(int? Leader, string Seen)> AgreedLeaderAsync(CancellationToken cancellationToken)
    {
        var ids = new Dictionary<ulong, int>();
        var leaders = new List<ulong>();
        var seen = new StringBuilder();
        for (var i = 0; i < Count; i++)
        {
            if (!IsRunning(i) || _members[i].Paused) continue;
            using var client = Client(i);
            try
            {
                var status = await client.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
                ids[status.Header.MemberId] = i;
                leaders.Add(status.Leader);
                seen.Append(CultureInfo.InvariantCulture, $"member {i}: leader {status.Leader:x}; ");
            }
            // dotnet-etcd reports a passed deadline as a cancellation, not as an RpcException.
            catch (Exception ex) when (ex is RpcException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                seen.Append(CultureInfo.InvariantCulture, $"member {i}: {(ex is RpcException rpc ? rpc.StatusCode.ToString() : "no answer within 2 s")}; ");
                return (null, seen.ToString());
            }
        }
        return leaders.Count > 0 && leaders.Distinct().Count() == 1 && ids.TryGetValue(leaders[0], out var leader)
            ? (leader, seen.ToString())
            : (null, seen.ToString());
    }

    private sealed class Member(string name, string dataDir, int clientPort, int peerPort)
    {
        public string Name { get; } = name;

        public string DataDir { get; } = dataDir;

        public string ClientUrl { get; } = $"http://127.0.0.1:{clientPort}";

        public string PeerUrl { get; } = $"http://127.0.0.1:{peerPort}";

        public string LogPath => DataDir + ".log";

        public SupervisedProcess? Process { get; set; }

        public bool Paused { get; set; }
    }
}
