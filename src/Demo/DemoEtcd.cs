using System.Globalization;

namespace Demo;

/// <summary>
/// The consortium's ordering service under <c>--members 3</c>: a three-member etcd cluster on
/// 127.0.0.1 (the <c>etcd</c> program from the PATH, Debian's <c>etcd-server</c>), each member a child
/// process of the demo with its data in <c>etcd/NAME</c> and its log in <c>logs/NAME.log</c>. The ports
/// are fixed when the cluster is made (each member keeps its peers' addresses in its data), so a
/// rerun on the same folder uses them again whatever <c>--port</c> says.
/// </summary>
internal sealed class DemoEtcd
{
    public static readonly string[] Names = ["etcd-1", "etcd-2", "etcd-3"];

    /// <summary>Offsets from <c>--port</c> of the members' client ports (peer ports are 10 further).</summary>
    public const int ClientOffset = 10;

    public const int PeerOffset = 20;

    private readonly DemoFolder _folder;

    private DemoEtcd(DemoFolder folder, int[] clientPorts, int[] peerPorts, bool recorded)
    {
        _folder = folder;
        ClientPorts = clientPorts;
        PeerPorts = peerPorts;
        Recorded = recorded;
    }

    public IReadOnlyList<int> ClientPorts { get; }

    public IReadOnlyList<int> PeerPorts { get; }

    /// <summary>The ports come from the folder's existing cluster, not from <c>--port</c>.</summary>
    public bool Recorded { get; }

    /// <summary>The members' client URLs: what every node's <c>etcd.endpoints</c> lists.</summary>
    public IReadOnlyList<string> Endpoints => ClientPorts.Select(Url).ToList();

    /// <summary>The ports of the folder's cluster when it has one (and is not being deleted), else derived from <paramref name="port"/>.</summary>
    public static DemoEtcd For(DemoFolder folder, int port, bool fresh)
    {
        if (!fresh && File.Exists(folder.EtcdPorts))
        {
            var recorded = File.ReadAllText(folder.EtcdPorts).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
                .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            if (recorded.Length == 2 * Names.Length)
            {
                return new DemoEtcd(folder, recorded[..Names.Length], recorded[Names.Length..], recorded: true);
            }
        }
        return new DemoEtcd(folder, [.. Names.Select((_, i) => port + ClientOffset + i)], [.. Names.Select((_, i) => port + PeerOffset + i)], recorded: false);
    }

    /// <summary>The <c>etcd</c> program on the PATH, or null.</summary>
    public static string? FindProgram() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "etcd")).FirstOrDefault(File.Exists);

    /// <summary>Every port the cluster needs, with what it is for.</summary>
    public IEnumerable<(int Port, string What)> Ports() =>
        Names.SelectMany((name, i) => new[] { (ClientPorts[i], $"{name}'s client port"), (PeerPorts[i], $"{name}'s peer port") });

    /// <summary>Starts the three members (a new cluster, or the folder's again) and records their ports.</summary>
    public IReadOnlyList<DemoChild> Start(DemoProcesses processes, string program)
    {
        var cluster = string.Join(',', Names.Select((name, i) => $"{name}={Url(PeerPorts[i])}"));
        var started = new List<DemoChild>();
        for (var i = 0; i < Names.Length; i++)
        {
            Directory.CreateDirectory(_folder.EtcdData(Names[i]));
            // The --initial-* flags make a new cluster; etcd ignores them when its data folder holds one already.
            started.Add(processes.StartProgram(Names[i], program,
            [
                "--name", Names[i], "--data-dir", _folder.EtcdData(Names[i]),
                "--listen-client-urls", Url(ClientPorts[i]), "--advertise-client-urls", Url(ClientPorts[i]),
                "--listen-peer-urls", Url(PeerPorts[i]), "--initial-advertise-peer-urls", Url(PeerPorts[i]),
                "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", "edgetrace-demo",
                "--logger", "zap",
            ]));
        }
        File.WriteAllText(_folder.EtcdPorts, string.Join(' ', ClientPorts.Concat(PeerPorts).Select(p => p.ToString(CultureInfo.InvariantCulture))) + "\n");
        return started;
    }

    /// <summary>Does every member answer that it is healthy (the cluster has a leader and serves reads)?</summary>
    public async Task<bool> HealthyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        foreach (var endpoint in Endpoints)
        {
            try
            {
                var health = await http.GetStringAsync(new Uri(endpoint + "/health"), cancellationToken);
                if (!health.Contains("\"true\"", StringComparison.Ordinal))
                {
                    return false;
                }
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }
        return true;
    }

    private static string Url(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
}
