using System.Net;
using Consortium.Tests.Support;
using System.Net.Sockets;

namespace AnchorNode.Tests.Infrastructure;

/// <summary>
/// A real etcd cluster (Debian's <c>etcd-server</c>) of child processes on loopback ports, each member
/// with its own data folder under <see cref="Root"/>, with test-speed elections (50 ms heartbeats,
/// 500 ms election timeout). Members can be killed, restarted, stopped and continued.
/// </summary>
public sealed class EtcdProcesses : IAsyncDisposable
{
    private readonly SupervisedProcess?[] _members;
    private readonly List<string>[] _arguments;

    private EtcdProcesses(string root, string[] endpoints, List<string>[] arguments)
    {
        Root = root;
        Endpoints = endpoints;
        _arguments = arguments;
        _members = new SupervisedProcess?[arguments.Length];
    }

    /// <summary>Where the members' data folders and logs are.</summary>
    public string Root { get; }

    /// <summary>The members' client URLs.</summary>
    public string[] Endpoints { get; }

    /// <summary>Starts <paramref name="members"/> members under <paramref name="root"/> and waits until the cluster has a leader.</summary>
    public static async Task<EtcdProcesses> StartAsync(string root, int members = 3, CancellationToken cancellationToken = default) =>
        await StartAsync(root, members, tls: null, cancellationToken);

    /// <summary>
    /// Starts a cluster whose client traffic is TLS with <paramref name="tls"/>'s server certificate,
    /// asking clients for certificates its CA signed (peers talk plain HTTP on loopback).
    /// </summary>
    public static async Task<EtcdProcesses> StartAsync(string root, int members, EtcdTls? tls, CancellationToken cancellationToken = default)
    {
        var ports = Enumerable.Range(0, members * 2).Select(_ => FreePort()).ToArray();
        var names = Enumerable.Range(0, members).Select(i => $"etcd{i}").ToArray();
        var cluster = string.Join(",", names.Select((n, i) => $"{n}=http://127.0.0.1:{ports[2 * i + 1]}"));
        var endpoints = names.Select((_, i) => $"{(tls is null ? "http" : "https")}://127.0.0.1:{ports[2 * i]}").ToArray();
        var starts = new List<string>[members];
        var token = Guid.NewGuid().ToString("N");
        for (var i = 0; i < members; i++)
        {
            var dir = Path.Combine(root, names[i]);
            Directory.CreateDirectory(dir);
            var peer = $"http://127.0.0.1:{ports[2 * i + 1]}";
            starts[i] =
            [
                "--name", names[i], "--data-dir", Path.Combine(dir, "data"),
                "--listen-client-urls", endpoints[i], "--advertise-client-urls", endpoints[i],
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", token,
                "--heartbeat-interval", "50", "--election-timeout", "500",
            ];
            if (tls is not null)
            {
                starts[i].AddRange(["--cert-file", tls.ServerCertificate, "--key-file", tls.ServerKey, "--trusted-ca-file", tls.Ca, "--client-cert-auth"]);
            }
        }
        var etcd = new EtcdProcesses(root, endpoints, starts);
        for (var i = 0; i < members; i++)
        {
            await etcd.RestartAsync(i, cancellationToken);
        }
        if (tls is null)
        {
            await etcd.WaitForLeaderAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
        return etcd;
    }

    /// <summary>The etcd program: <c>/usr/bin/etcd</c> from Debian's etcd-server.</summary>
    public static string Executable => File.Exists("/usr/bin/etcd") ? "/usr/bin/etcd" : "etcd";

    /// <summary>The member that leads now (from its metrics), or -1 when none answers as leader.</summary>
    public async Task<int> LeaderAsync(CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        for (var i = 0; i < Endpoints.Length; i++)
        {
            try
            {
                var metrics = await http.GetStringAsync(new Uri(Endpoints[i] + "/metrics"), cancellationToken);
                if (metrics.Contains("\netcd_server_is_leader 1", StringComparison.Ordinal))
                {
                    return i;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }
        return -1;
    }

    /// <summary>Waits for a leader; throws, naming the logs, when none is elected in <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForLeaderAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await LeaderAsync(cancellationToken) is var leader and >= 0)
            {
                return leader;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the etcd cluster elected no leader within {timeout.TotalSeconds:F0} s; its logs are under {Root}");
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Kills member <paramref name="member"/> with SIGKILL.</summary>
    public async Task KillAsync(int member, CancellationToken cancellationToken = default)
    {
        if (_members[member] is { } process)
        {
            _members[member] = null;
            await process.KillAsync(cancellationToken);
            await process.DisposeAsync();
        }
    }

    /// <summary>Starts member <paramref name="member"/> (again) on its data folder and ports; it dies with the test process.</summary>
    public async Task RestartAsync(int member, CancellationToken cancellationToken = default)
    {
        await KillAsync(member, cancellationToken);
        _members[member] = await SupervisedProcess.StartAsync(Executable, _arguments[member], Path.Combine(Root, $"etcd{member}.log"), null, cancellationToken);
    }

    /// <summary>Stops member <paramref name="member"/> with SIGSTOP: to the others it is partitioned away.</summary>
    public void Pause(int member) => Running(member).Signal("STOP");

    /// <summary>Continues a stopped member with SIGCONT.</summary>
    public void Resume(int member) => Running(member).Signal("CONT");

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _members.Length; i++)
        {
            await KillAsync(i);
        }
    }

    private SupervisedProcess Running(int member) =>
        _members[member] ?? throw new InvalidOperationException($"etcd member {member} is not running");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>PEM files for an etcd cluster's client TLS: the CA, the members' server certificate and key.</summary>
public sealed record EtcdTls(string Ca, string ServerCertificate, string ServerKey);
