using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using AnchorNode.Ledger;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Proofs;

namespace EdgeTrace.Benchmarks.Node;

/// <summary>
/// Inclusion proofs from a ledger of 10^7 entries: the node's SQLite hash tiles, read directly and
/// through the HTTP endpoint, against the same proofs from an in-memory store of every stored level
/// (built afterwards, so its 400 MB do not sit in the heap while the node is measured). The ledger
/// is filled with synthetic leaf hashes appended straight into its tiles (entry bytes are not needed
/// to serve a proof), then one checkpoint is signed over it. Every proof timed is also verified.
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
        Console.WriteLine($"  building a ledger of {size:N0} entries ...");
        var build = Stopwatch.StartNew();
        var genesis = await node.Runtime.Sequencer.RunExclusiveAsync(c => c.Ledger.Reader.PerfectNode(0, 0), cancellationToken);
        await Fill(node.Runtime.Sequencer, size, cancellationToken);
        var buildSeconds = build.Elapsed.TotalSeconds;
        var signed = await node.Runtime.Checkpointer.SignIfGrownAsync(cancellationToken) ?? throw new InvalidOperationException("no checkpoint signed");
        var root = Firmware.Contracts.Checkpoints.Checkpoint.ParseText(Firmware.Contracts.Notes.SignedNote.Parse(signed.Note).Value.Text).Value.Root;
        // A running node copies the WAL into the database file in the background; do it now, as it would have.
        using (var connection = node.Runtime.Database.OpenWriter())
        using (var checkpoint = connection.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            checkpoint.ExecuteNonQuery();
        }
        Hash32 Leaf(long index) => index == 0 ? genesis : Synthetic(index);

        var random = new Random(7);
        var indices = Enumerable.Range(0, samples).Select(_ => random.NextInt64(size)).ToArray();
        Hash32[] proof = [];

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var sqlite = new List<double>(samples);
        using (var lease = node.Runtime.Readers.Rent())
        {
            var tree = lease.Reader.Ledger;
            foreach (var index in indices.Take(5000))
            {
                tree.InclusionProof(index, size);
            }
            foreach (var index in indices)
            {
                var t0 = Stopwatch.GetTimestamp();
                proof = tree.InclusionProof(index, size);
                sqlite.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                Check(index, size, Leaf(index), proof, root);
            }
        }

        Console.WriteLine($"  serving {httpSamples:N0} proofs over HTTP ...");
        await node.ServeAsync(cancellationToken);
        var http = new List<double>(httpSamples);
        using (var client = new HttpClient { BaseAddress = node.BaseAddress })
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", node.ApiKey);
            foreach (var index in indices.Take(1000))
            {
                using var warm = await client.GetAsync(new Uri($"v1/ledger/entries/{index}/proof", UriKind.Relative), cancellationToken);
            }
            foreach (var index in indices.Skip(1000).Take(httpSamples))
            {
                var t0 = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(new Uri($"v1/ledger/entries/{index}/proof", UriKind.Relative), cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                http.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"proof {index}: {(int)response.StatusCode} {text}");
                }
                var served = TlogProof.Parse(text).Value;
                Check(index, size, Leaf(index), [.. served.Path], root);
            }
        }

        Console.WriteLine("  building the in-memory reference ...");
        var memory = new MerkleLog(new InMemoryMerkleHashStore());
        memory.Append(genesis);
        var batch = new Hash32[1 << 18];
        for (var at = 1L; at < size; at += batch.Length)
        {
            var count = (int)Math.Min(batch.Length, size - at);
            for (var i = 0; i < count; i++)
            {
                batch[i] = Synthetic(at + i);
            }
            memory.Append(batch.AsSpan(0, count));
        }
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var inMemory = new List<double>(samples);
        foreach (var index in indices.Take(5000))
        {
            memory.Reader.InclusionProof(index, size);
        }
        foreach (var index in indices)
        {
            var t0 = Stopwatch.GetTimestamp();
            proof = memory.Reader.InclusionProof(index, size);
            inMemory.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        if (memory.Root() != root)
        {
            throw new InvalidOperationException("the in-memory reference has another root than the node");
        }

        sqlite.Sort();
        inMemory.Sort();
        http.Sort();
        var sb = new StringBuilder();
        sb.AppendLine("## node-proofs: inclusion proofs in a large ledger");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Ledger of {size:N0} entries (synthetic leaf hashes appended into the node's tiles in {buildSeconds:F0} s; checkpoint signed at size {signed.Size:N0}). Random entries, each proof {proof.Length} hashes and verified against the signed root. Load average at the end: {LoadAverage()}.");
        sb.AppendLine();
        sb.AppendLine("| path | proofs | p50 | p99 | max | goal |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| in-memory store, every stored level in RAM (reference) | {inMemory.Count:N0} | {Micro(Percentiles.Of(inMemory, 50))} | {Micro(Percentiles.Of(inMemory, 99))} | {Micro(inMemory[^1])} | |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| node's SQLite tiles, pooled read connection | {sqlite.Count:N0} | {Micro(Percentiles.Of(sqlite, 50))} | {Micro(Percentiles.Of(sqlite, 99))} | {Micro(sqlite[^1])} | p99 < 2 ms: {(Percentiles.Of(sqlite, 99) < 2 ? "met" : "not met")} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| GET /v1/ledger/entries/{{i}}/proof (tlog-proof text, loopback, one client) | {http.Count:N0} | {Micro(Percentiles.Of(http, 50))} | {Micro(Percentiles.Of(http, 99))} | {Micro(http[^1])} | p99 < 2 ms: {(Percentiles.Of(http, 99) < 2 ? "met" : "not met")} |");
        return sb.ToString();
    }

    private static Hash32 Synthetic(long index) => Rfc9162.HashLeaf(BitConverter.GetBytes(index));

    private static void Check(long index, long size, Hash32 leaf, Hash32[] proof, Hash32 root)
    {
        if (MerkleVerifier.VerifyInclusion(index, size, leaf, proof, root) is { Succeeded: false } failed)
        {
            throw new InvalidOperationException($"the proof for entry {index} does not verify: {failed}");
        }
    }

    private static string Micro(double ms) => ms < 1 ? $"{ms * 1000:F0} µs" : Percentiles.Ms(ms);

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    // Appends synthetic leaf hashes after the real genesis, in large transactions through the
    // writer's own Merkle log (so the tiles are exactly what appends write); the ledger size in the
    // state follows.
    private static async Task Fill(SqliteLedgerSequencer writer, long to, CancellationToken cancellationToken)
    {
        const int Batch = 250_000;
        var hashes = new Hash32[Batch];
        for (var at = 1L; at < to; at += Batch)
        {
            var count = (int)Math.Min(Batch, to - at);
            for (var i = 0; i < count; i++)
            {
                hashes[i] = Synthetic(at + i);
            }
            var chunk = hashes.AsMemory(0, count);
            await writer.RunExclusiveAsync(context =>
            {
                context.Ledger.Append(chunk.Span);
                context.State.SetSize(context.Ledger.Size);
                return 0;
            }, cancellationToken);
            if ((at - 1) / Batch % 8 == 7)
            {
                Console.WriteLine($"    {at + count:N0}");
            }
        }
    }
}
