using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Readings;

namespace EdgeTrace.Benchmarks.Merkle;

/// <summary>
/// Appending realistic reading leaves to a Merkle log, against raw SHA-256 of the same leaf bytes
/// (one call per leaf) and against bulk SHA-256 over one buffer of the same total size.
/// </summary>
[MemoryDiagnoser]
public class MerkleAppendBenchmarks
{
    public const int Leaves = 100_000;

    private byte[][] _leaves = [];
    private byte[] _bulk = [];
    private readonly byte[] _digest = new byte[32];

    [GlobalSetup]
    public void Setup()
    {
        _leaves = BenchmarkData.LeafBytes(Leaves);
        _bulk = new byte[_leaves.Sum(l => l.Length)];
        var at = 0;
        foreach (var leaf in _leaves)
        {
            leaf.CopyTo(_bulk, at);
            at += leaf.Length;
        }
    }

    public int AverageLeafBytes => _bulk.Length / Leaves;

    [Benchmark(Baseline = true, OperationsPerInvoke = Leaves, Description = "raw SHA256.HashData per leaf")]
    public void RawSha256PerLeaf()
    {
        foreach (var leaf in _leaves)
        {
            SHA256.HashData(leaf, _digest);
        }
    }

    [Benchmark(OperationsPerInvoke = Leaves, Description = "MerkleAppender: leaf hash + append, then root")]
    public Hash32 AppenderAppendAndRoot()
    {
        var appender = new MerkleAppender();
        foreach (var leaf in _leaves)
        {
            appender.Append(Rfc9162.HashLeaf(leaf));
        }
        return appender.Root();
    }

    [Benchmark(OperationsPerInvoke = Leaves, Description = "MerkleLog (stored levels, in-memory store), batches of 1,000, then root")]
    public Hash32 LogAppendWithStore()
    {
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        var batch = new Hash32[1000];
        for (var i = 0; i < _leaves.Length; i += batch.Length)
        {
            for (var j = 0; j < batch.Length; j++)
            {
                batch[j] = Rfc9162.HashLeaf(_leaves[i + j]);
            }
            log.Append(batch);
        }
        return log.Root();
    }

    [Benchmark(OperationsPerInvoke = Leaves, Description = "bulk SHA-256 over all leaf bytes in one call")]
    public void BulkSha256() => SHA256.HashData(_bulk, _digest);
}

/// <summary>Verifying inclusion proofs in a tree of 10^6 leaves.</summary>
public class InclusionVerifyBenchmarks
{
    public const int TreeSize = 1_000_000;
    public const int Proofs = 1_000;

    private (long Index, Hash32 Leaf, Hash32[] Path)[] _proofs = [];
    private Hash32 _root;

    [GlobalSetup]
    public void Setup()
    {
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        var batch = new Hash32[10_000];
        var leafHashes = new Hash32[TreeSize];
        for (var i = 0; i < TreeSize; i += batch.Length)
        {
            for (var j = 0; j < batch.Length; j++)
            {
                batch[j] = leafHashes[i + j] = Rfc9162.HashLeaf(BitConverter.GetBytes(i + j));
            }
            log.Append(batch);
        }
        _root = log.Root();
        var random = new Random(42);
        _proofs = Enumerable.Range(0, Proofs).Select(_ =>
        {
            var index = random.Next(TreeSize);
            return ((long)index, leafHashes[index], log.Reader.InclusionProof(index, TreeSize));
        }).ToArray();
    }

    [Benchmark(OperationsPerInvoke = Proofs, Description = "verify inclusion, tree of 10^6")]
    public int VerifyInclusion()
    {
        var ok = 0;
        foreach (var (index, leaf, path) in _proofs)
        {
            if (MerkleVerifier.VerifyInclusion(index, TreeSize, leaf, path, _root).Succeeded)
            {
                ok++;
            }
        }
        return ok == Proofs ? ok : throw new InvalidOperationException("a valid proof failed to verify");
    }
}

internal static class BenchmarkData
{
    /// <summary>Real v1 measurement leaves as a gateway writes them (about 230 bytes each).</summary>
    public static byte[][] LeafBytes(int count)
    {
        var salt = new byte[16];
        var random = new Random(1);
        return Enumerable.Range(0, count).Select(i =>
        {
            random.NextBytes(salt);
            return ReadingLeaf.Create(new LeafContent
            {
                DeviceId = "gw-bench",
                Sequence = i,
                Kind = LeafKind.Measurement,
                TimeMs = 1_795_428_000_000 + i * 1200L,
                SensorId = $"sim/chiller-1/t{i % 50}",
                Quantity = Senml.Temperature,
                Zone = "chiller-1",
                Unit = Senml.Celsius,
                Value = Math.Round(4 + random.NextDouble() * 2, 2),
            }, salt).Bytes.ToArray();
        }).ToArray();
    }
}
