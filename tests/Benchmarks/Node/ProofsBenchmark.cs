using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using AnchorNode.Ledger;
using AnchorNode.Storage;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Proofs;

namespace EdgeTrace.Benchmarks.Node;

/// <summary>
/// Inclusion proofs from a ledger of 10^7 entries: the node's SQLite hash tiles, read directly and
/// through the HTTP endpoint, against the same proofs from an in-memory store of every stored level.
/// The ledger is filled with synthetic leaf hashes appended straight into its tiles (entry bytes are
/// not needed to serve a proof), then one checkpoint is signed over it.
/// </summary>
public sealed class ProofsBenchmark : IBenchmarkSuite
{
    /// <inheritdoc/>
    public string Name => "node-proofs";

    /// <inheritdoc/>
    public string Description => "AnchorNode: inclusion proofs in a ledger of 10^7 entries (SQLite tiles, HTTP), p50/p99";

    /// <inheritdoc/>
    public async Task<string> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var size = context.Quick ? 1_000_000L : 10_000_000L;
        var samples = context.Quick ? 20_000 : 100_000;
        var httpSamples = context.Quick ? 2_000 : 10_000;

        await using var node = await BenchNode.CreateAsync(Path.Combine(context.WorkDirectory, "node"), serve: false, cancellationToken);
        var memory = new MerkleLog(new InMemoryMerkleHashStore());

        Console.WriteLine($"  building a ledger of {size:N0} entries ...");
        var build = Stopwatch.StartNew();
        var genesisSize = await node.Runtime.Sequencer.RunExclusiveAsync(c => c.Ledger.Size, cancellationToken);
        await Fill(node.Runtime.Sequencer, memory, genesisSize, size, cancellationToken);
        var buildSeconds = build.Elapsed.TotalSeconds;
        var signed = await node.Runtime.Checkpointer.SignIfGrownAsync(cancellationToken) ?? throw new InvalidOperationException("no checkpoint signed");
        var bytes = new FileInfo(node.Runtime.Database.Path).Length + (File.Exists(node.Runtime.Database.Path + "-wal") ? new FileInfo(node.Runtime.Database.Path + "-wal").Length : 0);
        Console.WriteLine($"  built in {buildSeconds:F0} s; database and WAL {bytes / (1 << 20):N0} MiB");

        var random = new Random(7);
        var indices = Enumerable.Range(0, samples).Select(_ => random.NextInt64(size)).ToArray();
        var checkpointRoot = memory.Root();

        // Warm both paths, then time each proof.
        var sqlite = new List<double>(samples);
        var inMemory = new List<double>(samples);
        using (var lease = node.Runtime.Readers.Rent())
        {
            var tree = lease.Reader.Ledger;
            foreach (var index in indices.Take(2000))
            {
                tree.InclusionProof(index, size);
                memory.Reader.InclusionProof(index, size);
            }
            foreach (var index in indices)
            {
                var t0 = Stopwatch.GetTimestamp();
                var proof = tree.InclusionProof(index, size);
                sqlite.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                var t1 = Stopwatch.GetTimestamp();
                var reference = memory.Reader.InclusionProof(index, size);
                inMemory.Add(Stopwatch.GetElapsedTime(t1).TotalMilliseconds);
                if (!proof.AsSpan().SequenceEqual(reference))
                {
                    throw new InvalidOperationException($"the stored tree's proof for {index} differs from the in-memory one");
                }
            }
        }

        Console.WriteLine($"  serving {httpSamples:N0} proofs over HTTP ...");
        await node.ServeAsync(cancellationToken);
        var http = new List<double>(httpSamples);
        using (var client = new HttpClient { BaseAddress = node.BaseAddress })
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", node.ApiKey);
            foreach (var index in indices.Take(500))
            {
                using var warm = await client.GetAsync(new Uri($"v1/ledger/entries/{index}/proof", UriKind.Relative), cancellationToken);
            }
            foreach (var index in indices.Skip(500).Take(httpSamples))
            {
                var t0 = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(new Uri($"v1/ledger/entries/{index}/proof", UriKind.Relative), cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                http.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"proof {index}: {(int)response.StatusCode} {text}");
                }
                if (index == indices[600])
                {
                    var parsed = TlogProof.Parse(text).Value;
                    var root = MerkleVerifier.RootFromInclusionProof(parsed.Index, size, memory.Reader.PerfectNode(0, index), parsed.Path.ToArray());
                    if (!root.Succeeded || root.Value != checkpointRoot)
                    {
                        throw new InvalidOperationException($"the served proof for {index} does not verify");
                    }
                }
            }
        }

        sqlite.Sort();
        inMemory.Sort();
        http.Sort();
        var sb = new StringBuilder();
        sb.AppendLine("## node-proofs: inclusion proofs in a large ledger");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Ledger of {size:N0} entries (synthetic leaf hashes appended into the node's tiles in {buildSeconds:F0} s; checkpoint signed at size {signed.Size:N0}). Random entries; each proof has {memory.Reader.InclusionProof(0, size).Length} hashes.");
        sb.AppendLine();
        sb.AppendLine("| path | proofs | p50 | p99 | max | goal |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| in-memory store, every stored level in RAM (reference) | {inMemory.Count:N0} | {Micro(Percentiles.Of(inMemory, 50))} | {Micro(Percentiles.Of(inMemory, 99))} | {Micro(inMemory[^1])} | |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| node's SQLite tiles, pooled read connection | {sqlite.Count:N0} | {Micro(Percentiles.Of(sqlite, 50))} | {Micro(Percentiles.Of(sqlite, 99))} | {Micro(sqlite[^1])} | p99 < 2 ms: {(Percentiles.Of(sqlite, 99) < 2 ? "met" : "not met")} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| GET /v1/ledger/entries/{{i}}/proof (tlog-proof text, loopback, one client) | {http.Count:N0} | {Micro(Percentiles.Of(http, 50))} | {Micro(Percentiles.Of(http, 99))} | {Micro(http[^1])} | p99 < 2 ms: {(Percentiles.Of(http, 99) < 2 ? "met" : "not met")} |");
        return sb.ToString();
    }

    private static string Micro(double ms) => ms < 1 ? $"{ms * 1000:F0} µs" : Percentiles.Ms(ms);

    // Appends synthetic leaf hashes after the real genesis, in large transactions through the
    // writer's own Merkle log (so the tiles are exactly what appends write); the ledger size in the
    // state follows. The reference gets the same leaves, the genesis entry's included.
    private static async Task Fill(SqliteLedgerSequencer writer, MerkleLog memory, long from, long to, CancellationToken cancellationToken)
    {
        var existing = await writer.RunExclusiveAsync(c => Enumerable.Range(0, (int)from).Select(i => c.Ledger.Reader.PerfectNode(0, i)).ToArray(), cancellationToken);
        memory.Append(existing);
        const int Batch = 250_000;
        var hashes = new Hash32[Batch];
        var counter = new byte[8];
        for (var at = from; at < to; at += Batch)
        {
            var count = (int)Math.Min(Batch, to - at);
            for (var i = 0; i < count; i++)
            {
                BitConverter.TryWriteBytes(counter, at + i);
                hashes[i] = Rfc9162.HashLeaf(counter);
            }
            var chunk = hashes.AsMemory(0, count);
            await writer.RunExclusiveAsync(context =>
            {
                context.Ledger.Append(chunk.Span);
                context.State.SetSize(context.Ledger.Size);
                return 0;
            }, cancellationToken);
            memory.Append(chunk.Span);
            if ((at - from) / Batch % 8 == 7)
            {
                Console.WriteLine($"    {at + count:N0}");
            }
        }
    }
}
