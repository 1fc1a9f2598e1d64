using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;

namespace EdgeTrace.Benchmarks.Node;

/// <summary>
/// Anchoring over HTTP on loopback: many simulated devices post checkpoints of 100 leaves to a real
/// node (Kestrel, SQLite with synchronous=FULL, group commit). A saturation pass finds the rate the
/// node commits at; a paced pass at half that rate measures latency. Uploads are generated and
/// signed before the clock starts, so the client spends its time on HTTP only.
/// </summary>
public sealed class AnchoringBenchmark : IBenchmarkSuite
{
    internal const int LeavesPerUpload = 100;

    /// <inheritdoc/>
    public string Name => "node-anchoring";

    /// <inheritdoc/>
    public string Description => "AnchorNode: device checkpoints of 100 leaves over HTTP; leaves/s committed, p50/p99 latency";

    /// <inheritdoc/>
    public async Task<string> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var devices = context.Quick ? 32 : 256;
        var warmUpRounds = context.Quick ? 2 : 16;
        var saturationRounds = context.Quick ? 4 : 16;
        var pacedSeconds = context.Quick ? 3 : 10;
        var clients = 64;

        await using var node = await NodeProcess.StartAsync(Path.Combine(context.WorkDirectory, "node"), cancellationToken);
        using var operatorClient = node.Client(clients, apiKey: true);
        // Devices authenticate by their checkpoint signatures; they send no API key.
        using var http = node.Client(clients * 2, apiKey: false);
        var fleet = Enumerable.Range(0, devices).Select(i => new Device($"gw-{i:D4}", i)).ToList();
        await EnrolAsync(operatorClient, fleet, cancellationToken);

        Console.WriteLine($"  generating uploads for {devices} devices ...");
        var warmUp = Generate(fleet, warmUpRounds);
        var saturation = Generate(fleet, saturationRounds);
        // Warm up the node (JIT tiers, connections, SQLite caches) with the same kind of load.
        await SaturateAsync(http, warmUp, clients, cancellationToken);

        Console.WriteLine($"  saturation: {saturation.Count} uploads from {devices} devices over {clients} connections ...");
        var cpuBefore = node.CpuSeconds;
        var clientBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var loadBefore = LoadAverage();
        var sat = await SaturateAsync(http, saturation, clients, cancellationToken);
        var nodeCpu = (node.CpuSeconds - cpuBefore) / saturation.Count * 1000;
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientBefore).TotalMilliseconds / saturation.Count;
        var rate = saturation.Count / sat.Seconds;

        var pacedRate = rate / 2;
        var pacedCount = (int)(pacedRate * pacedSeconds);
        var rounds = (pacedCount + devices - 1) / devices;
        var paced = Generate(fleet, rounds).Take(pacedCount).ToList();
        Console.WriteLine($"  half load: {paced.Count} uploads paced at {pacedRate:F0}/s ...");
        var half = await PaceAsync(http, paced, pacedRate, cancellationToken);

        Console.WriteLine("  node work per upload, stage by stage, on this process's CPU ...");
        var stages = StageCosts.Measure(saturation, fleet.ToDictionary(d => d.Id, d => Convert.ToBase64String(d.Key.PublicKey.Span)));
        var staged = stages.Sum(s => s.Ms);

        var sb = new StringBuilder();
        sb.AppendLine("## node-anchoring: device checkpoints anchored over HTTP");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{devices} simulated devices, {LeavesPerUpload} leaves per checkpoint, real Kestrel on 127.0.0.1, SQLite WAL with synchronous=FULL, one commit (fsync) per batch of concurrent uploads; every response waited for its commit. Client and node share the machine.");
        sb.AppendLine();
        sb.AppendLine("| pass | uploads | leaves committed | checkpoints/s | leaves/s | p50 | p99 | goal |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| saturation ({clients} concurrent clients) | {saturation.Count} | {saturation.Count * LeavesPerUpload} | {rate:F0} | {rate * LeavesPerUpload:F0} | {Percentiles.Ms(sat.P50)} | {Percentiles.Ms(sat.P99)} | ≥ 1,000 checkpoints/s, ≥ 100,000 leaves/s: {(rate >= 1000 ? "met" : "not met")} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| half load (paced at {pacedRate:F0}/s) | {paced.Count} | {paced.Count * LeavesPerUpload} | {paced.Count / half.Seconds:F0} | {paced.Count * LeavesPerUpload / half.Seconds:F0} | {Percentiles.Ms(half.P50)} | {Percentiles.Ms(half.P99)} | p99 < 100 ms: {(half.P99 < 100 ? "met" : "not met")} |");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"The node ran as its own process (`AnchorNode serve`). During saturation it used {nodeCpu:F2} ms of CPU per upload ({nodeCpu * 10:F1} µs per leaf) and the load generator {clientCpu:F2} ms; at that cost the node alone would commit about {2000 / nodeCpu:F0} uploads/s on two otherwise idle cores. Load average before the pass: {loadBefore} (other work on the machine takes CPU from both). Half-load latency is measured from each upload's scheduled send time, so queueing behind a slow commit counts.");
        sb.AppendLine();
        sb.AppendLine("Changed since the previous measurement: the node's leaf parse (`ReadingLeaf.Parse`) tells field names apart by their bytes, reads plain times without decimal arithmetic and checks the SenML name without building it; and the table below splits the node's CPU per upload by step.");
        sb.AppendLine();
        sb.AppendLine("Where the node's CPU goes: the same uploads put through the node's own per-upload steps in the load generator's process, one thread, after the pass (CPU time per upload of 100 leaves):");
        sb.AppendLine();
        sb.AppendLine("| step | ms per upload | share of the node's CPU per upload |");
        sb.AppendLine("|---|---:|---:|");
        foreach (var (step, ms) in stages)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {step} | {ms:F3} | {ms / nodeCpu:P0} |");
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"| the rest: HTTP (Kestrel, sockets), the writer's SQLite transaction and fsync, the ledger entry and its tiles, GC | {Math.Max(0, nodeCpu - staged):F3} | {Math.Max(0, nodeCpu - staged) / nodeCpu:P0} |");
        return sb.ToString();
    }

    /// <summary>Enrols every device of <paramref name="fleet"/> through the operator API (one temperature probe each).</summary>
    internal static async Task EnrolAsync(HttpClient operatorClient, IEnumerable<Device> fleet, CancellationToken cancellationToken)
    {
        foreach (var device in fleet)
        {
            using var enrol = await operatorClient.PostAsync("v1/devices", new StringContent(
                $"{{\"deviceId\":\"{device.Id}\",\"publicKey\":\"{Convert.ToBase64String(device.Key.PublicKey.Span)}\",\"zone\":\"cold-a\",\"sensors\":[{{\"id\":\"t1\",\"quantity\":\"temperature\",\"zone\":\"cold-a\"}}]}}",
                Encoding.UTF8, "application/json"), cancellationToken);
            if (enrol.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"enrolling {device.Id}: {(int)enrol.StatusCode} {await enrol.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }
    }

    internal static string LoadAverage()
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

    internal static List<Upload> Generate(List<Device> fleet, int rounds)
    {
        var uploads = new List<Upload>(fleet.Count * rounds);
        for (var round = 0; round < rounds; round++)
        {
            foreach (var device in fleet)
            {
                uploads.Add(device.Next(LeavesPerUpload));
            }
        }
        return uploads;
    }

    private static async Task<double> SendAsync(HttpClient http, Upload upload, CancellationToken cancellationToken)
    {
        await upload.Previous.Task.WaitAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        using var content = new ByteArrayContent(upload.Body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await (upload.Via ?? http).PostAsync(upload.Path, content, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{upload.Path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        upload.Done.TrySetResult();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    internal static async Task<(double Seconds, double P50, double P99)> SaturateAsync(HttpClient http, List<Upload> uploads, int clients, CancellationToken cancellationToken)
    {
        var latencies = new List<double>[clients];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            latencies[c] = [];
            int i;
            while ((i = Interlocked.Increment(ref next)) < uploads.Count)
            {
                latencies[c].Add(await SendAsync(http, uploads[i], cancellationToken));
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToList();
        return (seconds, Percentiles.Of(all, 50), Percentiles.Of(all, 99));
    }

    internal static async Task<(double Seconds, double P50, double P99)> PaceAsync(HttpClient http, List<Upload> uploads, double rate, CancellationToken cancellationToken)
    {
        var latencies = new double[uploads.Count];
        var clock = Stopwatch.StartNew();
        var tasks = new List<Task>(uploads.Count);
        for (var i = 0; i < uploads.Count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }
            var index = i;
            var scheduled = due.TotalMilliseconds;
            tasks.Add(Task.Run(async () =>
            {
                await SendAsync(http, uploads[index], cancellationToken);
                latencies[index] = clock.Elapsed.TotalMilliseconds - scheduled;
            }, cancellationToken));
        }
        await Task.WhenAll(tasks);
        var seconds = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToList();
        return (seconds, Percentiles.Of(sorted, 50), Percentiles.Of(sorted, 99));
    }

    internal sealed record Upload(string Path, byte[] Body, TaskCompletionSource Previous, TaskCompletionSource Done)
    {
        /// <summary>The node to send it to, when not the pass's one node (a device's own member node).</summary>
        public HttpClient? Via { get; set; }

        public string DeviceId => Path.Split('/')[^2];
    }

    /// <summary>
    /// The CPU cost of the node's per-upload steps that need no database, measured on the benchmark's
    /// uploads with the same library calls the node makes (process CPU time, one thread busy).
    /// </summary>
    private static class StageCosts
    {
        public static List<(string Step, double Ms)> Measure(List<Upload> uploads, Dictionary<string, string> keys)
        {
            var checkpoints = new string[uploads.Count];
            var leaves = new byte[uploads.Count][][];
            var json = Time(() =>
            {
                for (var i = 0; i < uploads.Count; i++)
                {
                    (checkpoints[i], leaves[i]) = ReadBody(uploads[i].Body);
                }
            });
            var hashes = new Firmware.Contracts.Hashing.Hash32[uploads.Count][];
            var sha = Time(() =>
            {
                for (var i = 0; i < uploads.Count; i++)
                {
                    hashes[i] = leaves[i].Select(l => Rfc9162.HashLeaf(l)).ToArray();
                }
            });
            var parse = Time(() =>
            {
                foreach (var upload in leaves)
                {
                    foreach (var leaf in upload)
                    {
                        if (!ReadingLeaf.Parse(leaf).Succeeded)
                        {
                            throw new InvalidOperationException("a generated leaf does not parse");
                        }
                    }
                }
            });
            var tree = Time(() =>
            {
                var completed = new List<MerkleNode>(256);
                foreach (var upload in hashes)
                {
                    var appender = new MerkleAppender();
                    completed.Clear();
                    foreach (var hash in upload)
                    {
                        appender.Append(hash, completed);
                    }
                    appender.Root();
                }
            });
            // No remembered signatures: every verification is done in full, as the node does on arrival.
            var checker = new Firmware.Contracts.Ledger.SignatureChecker(capacity: 0);
            var ecdsa = Time(() =>
            {
                for (var i = 0; i < uploads.Count; i++)
                {
                    var note = SignedNote.Parse(checkpoints[i]).Value;
                    Checkpoint.ParseText(note.Text);
                    var id = uploads[i].DeviceId;
                    if (!checker.VerifyDevice(note, id, keys[id]).Succeeded)
                    {
                        throw new InvalidOperationException("a generated checkpoint does not verify");
                    }
                }
            });
            double PerUpload(double ms) => ms / uploads.Count;
            return
            [
                ("JSON body, leaves from base64", PerUpload(json)),
                // ReadingLeaf.Parse leaves the SHA-256 to the first use of LeafHash (the node hashes a whole upload at once).
                ("leaf parse and validation (ReadingLeaf.Parse; its SHA-256 is the next row)", PerUpload(parse)),
                ("SHA-256 of the 100 leaves", PerUpload(sha)),
                ("tree growth (about 100 node hashes)", PerUpload(tree)),
                ("checkpoint note parse and ECDSA P-256 verify", PerUpload(ecdsa)),
            ];
        }

        // As the node reads an upload: one pass of the JSON reader, leaves decoded from base64 straight into bytes.
        private static (string Checkpoint, byte[][] Leaves) ReadBody(byte[] body)
        {
            var reader = new Utf8JsonReader(body);
            string? checkpoint = null;
            var leaves = new List<byte[]>(LeavesPerUpload);
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }
                if (reader.ValueTextEquals("checkpoint"u8))
                {
                    reader.Read();
                    checkpoint = reader.GetString();
                }
                else if (reader.ValueTextEquals("firstSequence"u8))
                {
                    reader.Read();
                    reader.GetInt64();
                }
                else if (reader.ValueTextEquals("leaves"u8))
                {
                    reader.Read();
                    while (reader.Read() && reader.TokenType == JsonTokenType.String)
                    {
                        leaves.Add(reader.GetBytesFromBase64());
                    }
                }
            }
            return (checkpoint ?? throw new InvalidOperationException("a generated upload has no checkpoint"), [.. leaves]);
        }

        private static double Time(Action step)
        {
            step(); // warm: JIT tiers, caches
            var before = Process.GetCurrentProcess().TotalProcessorTime;
            step();
            return (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMilliseconds;
        }
    }

    internal sealed class Device
    {
        private readonly Random _random;
        private readonly MerkleLog _log = new(new InMemoryMerkleHashStore());
        private TaskCompletionSource _last = Completed();

        public Device(string id, int seed)
        {
            Id = id;
            Key = EcdsaNoteSigner.Generate(DeviceLogs.Origin(id));
            _random = new Random(seed);
        }

        public string Id { get; }

        public EcdsaNoteSigner Key { get; }

        public Upload Next(int count)
        {
            var first = _log.Size;
            var leaves = new List<string>(count);
            var salt = new byte[ReadingLeaf.SaltLength];
            var hashes = new Firmware.Contracts.Hashing.Hash32[count];
            for (var i = 0; i < count; i++)
            {
                _random.NextBytes(salt);
                var seq = first + i;
                var leaf = ReadingLeaf.Create(new LeafContent
                {
                    DeviceId = Id,
                    Sequence = seq,
                    Kind = LeafKind.Measurement,
                    TimeMs = 1_767_225_600_000 + seq * 10_000L,
                    SensorId = "t1",
                    Quantity = Senml.Temperature,
                    Zone = "cold-a",
                    Unit = Senml.Celsius,
                    Value = Math.Round(3 + 2 * _random.NextDouble(), 2),
                }, salt);
                leaves.Add(Convert.ToBase64String(leaf.Bytes.Span));
                hashes[i] = leaf.LeafHash;
            }
            _log.Append(hashes);
            var note = new Checkpoint(DeviceLogs.Origin(Id), _log.Size, _log.Root(), [Checkpoint.TimeExtension(1_767_225_600_000 + _log.Size * 10_000L)]).Sign(Key);
            var body = JsonSerializer.SerializeToUtf8Bytes(new UplinkRequest(note.ToString(), first, leaves), UplinkJsonContext.Default.UplinkRequest);
            var previous = _last;
            _last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return new Upload(UplinkRoutes.UploadPath(Id).TrimStart('/'), body, previous, _last);
        }

        private static TaskCompletionSource Completed()
        {
            var done = new TaskCompletionSource();
            done.SetResult();
            return done;
        }
    }
}
