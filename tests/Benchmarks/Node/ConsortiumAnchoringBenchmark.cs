using System.Globalization;
using System.Net;
using System.Text;
using AnchorNode.Tests.Infrastructure;

namespace EdgeTrace.Benchmarks.Node;

/// <summary>
/// Anchoring with one member node (ordering in its own SQLite file) and with three member nodes
/// ordered by a three-member etcd cluster, in one run on this machine: each device uploads to its
/// own member's node, every node applies every entry, and an upload is answered once its anchor is
/// in etcd's committed order and applied on the receiving node.
/// </summary>
public sealed class ConsortiumAnchoringBenchmark : IBenchmarkSuite
{
    /// <inheritdoc/>
    public string Name => "node-anchoring-members";

    /// <inheritdoc/>
    public string Description => "AnchorNode: anchoring with 1 member (SQLite ordering) and 3 members (etcd ordering) in one run; leaves/s, p50/p99";

    /// <inheritdoc/>
    public async Task<string> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var devices = context.Quick ? 24 : 96;
        var rounds = context.Quick ? 3 : 10;
        var pacedSeconds = context.Quick ? 3 : 10;
        const int Clients = 48;
        var rows = new List<string>();
        var loadBefore = AnchoringBenchmark.LoadAverage();

        // One member: the single-node sequencer.
        {
            await using var node = await NodeProcess.StartAsync(Path.Combine(context.WorkDirectory, "one"), cancellationToken);
            rows.AddRange(await MeasureAsync("1 member (SQLite ordering)", [node], devices, rounds, pacedSeconds, Clients, cancellationToken));
        }
        // Three members over etcd.
        {
            await using var etcd = await EtcdProcesses.StartAsync(Path.Combine(context.WorkDirectory, "etcd"), 3, cancellationToken);
            var nodes = await NodeProcess.StartMembersAsync(Path.Combine(context.WorkDirectory, "three"), etcd.Endpoints, cancellationToken);
            try
            {
                rows.AddRange(await MeasureAsync("3 members (etcd ordering, 3 etcd members)", nodes, devices, rounds, pacedSeconds, Clients, cancellationToken));
            }
            finally
            {
                foreach (var node in nodes)
                {
                    await node.DisposeAsync();
                }
            }
        }

        var sb = new StringBuilder();
        sb.AppendLine("## node-anchoring-members: one member node against three over etcd");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{devices} simulated devices, {AnchoringBenchmark.LeavesPerUpload} leaves per checkpoint, {Clients} concurrent clients; each device uploads to one node (with three members, device i to member i mod 3). Every node, the etcd members and the load generator share this 2-core machine; load average before: {loadBefore}. With three members an answer means: the anchor is in etcd's committed order (a Raft round with fsync on a majority) and applied, leaves with it, on the receiving node; the other nodes apply the same entry from etcd.");
        sb.AppendLine();
        sb.AppendLine("| members | pass | uploads | leaves/s | p50 | p99 |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            sb.AppendLine(row);
        }
        sb.AppendLine();
        sb.AppendLine("Reading it: with three members this one machine runs three nodes and three etcd members, so every batch is made durable six times (each etcd member's WAL and each node's SQLite file) where one node makes it durable once; on machines of their own, each member pays only its own share. An append with etcd also takes more round trips than a local commit: read the order's size, check the proposals against the local store, the compare-and-swap transaction (a Raft round), then apply and commit locally; a node notices entries other members appended by polling etcd (`etcd.pollIntervalMs`, 50 ms), and a proposal waits until its node has applied them. That is where the half-load latency goes; the throughput lost is the price of no single node being needed.");
        return sb.ToString();
    }

    private static async Task<List<string>> MeasureAsync(string label, NodeProcess[] nodes, int devices, int rounds, int pacedSeconds, int clients, CancellationToken cancellationToken)
    {
        Console.WriteLine($"  {label}: enrolling {devices} devices ...");
        using var operatorClient = nodes[0].Client(8, apiKey: true);
        var http = nodes.Select(n => n.Client(clients * 2, apiKey: false)).ToArray();
        try
        {
            var fleet = Enumerable.Range(0, devices).Select(i => new AnchoringBenchmark.Device($"gw-{i:D4}", i)).ToList();
            await AnchoringBenchmark.EnrolAsync(operatorClient, fleet, cancellationToken);
            List<AnchoringBenchmark.Upload> Routed(List<AnchoringBenchmark.Upload> uploads)
            {
                foreach (var upload in uploads)
                {
                    upload.Via = http[int.Parse(upload.DeviceId.AsSpan(3), CultureInfo.InvariantCulture) % nodes.Length];
                }
                return uploads;
            }
            // The devices' own nodes must have applied their enrolments before they upload.
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            await AnchoringBenchmark.SaturateAsync(http[0], Routed(AnchoringBenchmark.Generate(fleet, 2)), clients, cancellationToken);
            var saturation = Routed(AnchoringBenchmark.Generate(fleet, rounds));
            Console.WriteLine($"  {label}: saturation, {saturation.Count} uploads ...");
            var sat = await AnchoringBenchmark.SaturateAsync(http[0], saturation, clients, cancellationToken);
            var rate = saturation.Count / sat.Seconds;
            var pacedRate = rate / 2;
            var paced = Routed(AnchoringBenchmark.Generate(fleet, (int)Math.Ceiling(pacedRate * pacedSeconds / devices))).Take((int)(pacedRate * pacedSeconds)).ToList();
            Console.WriteLine($"  {label}: half load, {paced.Count} uploads paced at {pacedRate:F0}/s ...");
            var half = await AnchoringBenchmark.PaceAsync(http[0], paced, pacedRate, cancellationToken);
            var leaves = AnchoringBenchmark.LeavesPerUpload;
            return
            [
                $"| {label} | saturation | {saturation.Count} | {rate * leaves:F0} | {Percentiles.Ms(sat.P50)} | {Percentiles.Ms(sat.P99)} |",
                $"| {label} | half load ({pacedRate:F0} uploads/s) | {paced.Count} | {paced.Count * leaves / half.Seconds:F0} | {Percentiles.Ms(half.P50)} | {Percentiles.Ms(half.P99)} |",
            ];
        }
        finally
        {
            foreach (var client in http)
            {
                client.Dispose();
            }
        }
    }
}
