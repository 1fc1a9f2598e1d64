using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;

namespace Consortium.Tests.Support;

/// <summary>
/// Three member nodes (warehouse: operator, bank: lender, auditor: auditor) as real processes, each
/// founded with the command line on its own folder with <c>init --etcd</c>, ordered by
/// <paramref name="etcd"/>; the warehouse writes the genesis (quorum 2).
/// </summary>
public sealed class MemberNodes : IAsyncDisposable
{
    public static readonly string[] Names = ["warehouse", "bank", "auditor"];
    private static readonly string[] Roles = ["operator", "lender", "auditor"];

    private MemberNodes(MemberNodeProcess[] nodes, string operatorKey, string[] readerKeys)
    {
        Nodes = nodes;
        OperatorKey = operatorKey;
        ReaderKeys = readerKeys;
    }

    public MemberNodeProcess[] Nodes { get; }

    /// <summary>An operator API key on the warehouse's node.</summary>
    public string OperatorKey { get; }

    /// <summary>An auditor API key on each node (reads entries and state).</summary>
    public string[] ReaderKeys { get; }

    public static async Task<MemberNodes> StartAsync(string root, EtcdCluster etcd, Action<int, JsonObject>? configure = null)
    {
        var folders = Names.Select(n => Path.Combine(root, n)).ToArray();
        var urls = Names.Select(_ => MemberNodeProcess.ReserveUrl()).ToArray();
        var keys = new string[Names.Length];
        for (var i = 0; i < Names.Length; i++)
        {
            keys[i] = (await Programs.RunAsync(Programs.AnchorNode, "init", "--data", folders[i], "--consortium", "faults", "--member", Names[i], "--role", Roles[i],
                "--etcd", etcd.ConnectionString)).Succeeded().Field("public-key");
            var path = Path.Combine(folders[i], "node.json");
            var config = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
            config["checkpointIntervalMs"] = 100;
            // The other members' nodes, asked for device leaves and for entries etcd no longer holds.
            var peers = new JsonArray();
            foreach (var j in Others(i))
            {
                peers.Add(urls[j].AbsoluteUri);
            }
            config["peers"] = peers;
            configure?.Invoke(i, config);
            await File.WriteAllTextAsync(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        for (var i = 1; i < Names.Length; i++)
        {
            (await Programs.RunAsync(Programs.AnchorNode, "members", "add", "--data", folders[0], "--name", Names[i], "--role", Roles[i], "--key", keys[i])).Succeeded();
        }
        (await Programs.RunAsync(Programs.AnchorNode, "genesis", "--data", folders[0], "--quorum", "2")).Succeeded();
        var operatorKey = await NodeProcess.AddOrganisationAsync(folders[0], "warehouse-ops", "operator");
        var readers = new string[Names.Length];
        for (var i = 0; i < Names.Length; i++)
        {
            readers[i] = await NodeProcess.AddOrganisationAsync(folders[i], "audit-co", "auditor");
        }
        // Each node presents to each peer a key that peer issued, in the order of its 'peers'.
        var peerKeys = new string[Names.Length, Names.Length];
        for (var j = 0; j < Names.Length; j++)
        {
            foreach (var i in Others(j))
            {
                peerKeys[i, j] = await NodeProcess.AddOrganisationAsync(folders[j], $"peer-{Names[i]}", "auditor");
            }
        }
        var nodes = new MemberNodeProcess[Names.Length];
        for (var i = 0; i < Names.Length; i++)
        {
            var presented = string.Join(",", Others(i).Select(j => peerKeys[i, j]));
            nodes[i] = await MemberNodeProcess.StartAsync(folders[i], urls[i], new Dictionary<string, string> { ["EDGETRACE_PEER_API_KEY"] = presented });
        }
        return new MemberNodes(nodes, operatorKey, readers);
    }

    private static IEnumerable<int> Others(int member) => Enumerable.Range(0, Names.Length).Where(j => j != member);

    /// <summary>A client of node <paramref name="member"/> with <paramref name="apiKey"/> (none when null).</summary>
    public HttpClient Client(int member, string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = Nodes[member].Url, Timeout = TimeSpan.FromSeconds(20) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }
        return client;
    }

    /// <summary>What node <paramref name="member"/> says of its ordering: applied and ordered sizes.</summary>
    public async Task<(long Applied, long Ordered, string? Halted)> OrderingAsync(int member, CancellationToken cancellationToken = default)
    {
        using var client = Client(member);
        var view = await client.GetFromJsonAsync<JsonObject>("v1/ledger/ordering", cancellationToken);
        return ((long)view!["applied"]!, (long)view["ordered"]!, (string?)view["halted"]);
    }

    public string Diagnostics() => string.Join("\n", Nodes.Select(n => n.Diagnostics(40)));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
    }
}
