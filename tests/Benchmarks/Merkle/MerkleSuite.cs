using System.Globalization;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace EdgeTrace.Benchmarks.Merkle;

/// <summary>
/// Merkle append throughput against raw per-call SHA-256 (goal: at least 45% of the raw rate; two
/// hashes per leaf is the floor), bulk SHA-256 as the hardware limit, and inclusion verification.
/// </summary>
public sealed class MerkleSuite : IBenchmarkSuite
{
    public string Name => "merkle";

    public string Description => "Merkle append vs raw SHA-256; inclusion-proof verification at 10^6 leaves (BenchmarkDotNet)";

    public Task<string> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var job = (context.Quick ? Job.Dry : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateMinimumViable().AddJob(job).WithOptions(ConfigOptions.DisableLogFile)
            .WithArtifactsPath(Path.Combine(context.WorkDirectory, "bdn"));
        var append = BenchmarkRunner.Run<MerkleAppendBenchmarks>(config);
        var verify = BenchmarkRunner.Run<InclusionVerifyBenchmarks>(config);

        var raw = NsPerOp(append, nameof(MerkleAppendBenchmarks.RawSha256PerLeaf));
        var appender = NsPerOp(append, nameof(MerkleAppendBenchmarks.AppenderAppendAndRoot));
        var logged = NsPerOp(append, nameof(MerkleAppendBenchmarks.LogAppendWithStore));
        var bulk = NsPerOp(append, nameof(MerkleAppendBenchmarks.BulkSha256));
        var verifyNs = NsPerOp(verify, nameof(InclusionVerifyBenchmarks.VerifyInclusion));
        var leafBytes = new MerkleAppendBenchmarks();
        leafBytes.Setup();
        var avg = leafBytes.AverageLeafBytes;

        static string Rate(double nsPerOp) => (1e9 / nsPerOp).ToString("N0", CultureInfo.InvariantCulture);
        static string Pct(double reference, double ns) => (reference / ns * 100).ToString("F0", CultureInfo.InvariantCulture) + "%";

        var sb = new StringBuilder();
        sb.AppendLine("## Merkle log (issue: foundation)");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{MerkleAppendBenchmarks.Leaves:N0} real measurement leaves of {avg} bytes on average; BenchmarkDotNet {(context.Quick ? "dry" : "short")} run, in-process.");
        sb.AppendLine("Goal: appending (leaf hash + node hashes + root) at ≥ 45% of the raw per-call SHA-256 rate over the same leaf bytes.");
        sb.AppendLine();
        sb.AppendLine("| what | ns/leaf | leaves/s | vs raw per-call SHA-256 |");
        sb.AppendLine("|---|---:|---:|---:|");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| raw `SHA256.HashData` per leaf (reference) | {raw:F0} | {Rate(raw)} | 100% |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| `MerkleAppender` append + root | {appender:F0} | {Rate(appender)} | {Pct(raw, appender)} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| `MerkleLog` append with stored levels + root | {logged:F0} | {Rate(logged)} | {Pct(raw, logged)} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| bulk SHA-256 over the same bytes (hardware limit) | {bulk:F0} | {Rate(bulk)} | {Pct(raw, bulk)} |");
        sb.AppendLine();
        var mbps = avg / bulk * 1e9 / (1024 * 1024);
        sb.AppendLine(CultureInfo.InvariantCulture, $"Bulk SHA-256: {mbps:F0} MiB/s. The gap between bulk and per-call hashing is the per-call overhead; a Merkle append costs two hash calls per leaf on average (the leaf and, amortised, one node).");
        sb.AppendLine();
        sb.AppendLine("| inclusion verification, tree of 10^6 leaves | µs/proof | proofs/s |");
        sb.AppendLine("|---|---:|---:|");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| `MerkleVerifier.VerifyInclusion` (20 hashes per proof) | {verifyNs / 1000:F2} | {Rate(verifyNs)} |");
        return Task.FromResult(sb.ToString());
    }

    private static double NsPerOp(Summary summary, string method)
    {
        var report = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method)
            ?? throw new InvalidOperationException($"no result for {method}");
        return report.ResultStatistics?.Mean ?? throw new InvalidOperationException($"{method} did not run: see the BenchmarkDotNet output above");
    }
}
