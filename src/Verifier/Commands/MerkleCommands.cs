using System.CommandLine;
using System.Text.Json;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;

namespace Verifier.Commands;

/// <summary><c>merkle …</c>: RFC 9162 roots and proofs, for holding other implementations against this one.</summary>
internal static class MerkleCommands
{
    public static void AddTo(RootCommand root)
    {
        var merkle = new Command("merkle", "RFC 9162 Merkle tree roots and proofs. Leaves are given as their data bytes in hex; the tool hashes them with the 0x00 prefix.");

        var leavesOption = new Option<string>("--leaves") { Description = "File with one hex-encoded leaf per line (an empty line is the empty leaf)", Required = true };
        var rootCommand = new Command("root", "Print the root of the leaves as lower-case hex.") { leavesOption };
        rootCommand.SetAction(parse =>
        {
            var log = Build(Cli.ReadLeaves(parse.GetValue(leavesOption)!));
            Console.WriteLine(log.Root().ToHex());
            return Cli.Verified;
        });
        merkle.Subcommands.Add(rootCommand);

        var leaves2 = new Option<string>("--leaves") { Description = "File with one hex-encoded leaf per line", Required = true };
        var index = new Option<long>("--index") { Description = "Zero-based leaf index", Required = true };
        var size = new Option<long?>("--size") { Description = "Tree size (default: number of leaves)" };
        var inclusion = new Command("inclusion", "Print the inclusion proof of a leaf as JSON {index,size,root,path}.") { leaves2, index, size };
        inclusion.SetAction(parse =>
        {
            var data = Cli.ReadLeaves(parse.GetValue(leaves2)!);
            var n = parse.GetValue(size) ?? data.Count;
            var i = parse.GetValue(index);
            if (n < 1 || n > data.Count)
            {
                throw new UsageException($"--size must be between 1 and the {data.Count} leaves in the file, got {n}");
            }
            if (i < 0 || i >= n)
            {
                throw new UsageException($"--index must be between 0 and {n - 1}, got {i}");
            }
            var log = Build(data);
            Print(new Dictionary<string, object>
            {
                ["index"] = i,
                ["size"] = n,
                ["root"] = log.Reader.Root(n).ToHex(),
                ["path"] = log.Reader.InclusionProof(i, n).Select(h => h.ToHex()).ToArray(),
            });
            return Cli.Verified;
        });
        merkle.Subcommands.Add(inclusion);

        var leaves3 = new Option<string>("--leaves") { Description = "File with one hex-encoded leaf per line", Required = true };
        var old = new Option<long>("--old") { Description = "The old tree size", Required = true };
        var size2 = new Option<long?>("--size") { Description = "The new tree size (default: number of leaves)" };
        var consistency = new Command("consistency", "Print the consistency proof between two sizes as JSON {old,size,oldRoot,root,path}.") { leaves3, old, size2 };
        consistency.SetAction(parse =>
        {
            var data = Cli.ReadLeaves(parse.GetValue(leaves3)!);
            var n = parse.GetValue(size2) ?? data.Count;
            var m = parse.GetValue(old);
            if (n < 1 || n > data.Count)
            {
                throw new UsageException($"--size must be between 1 and the {data.Count} leaves in the file, got {n}");
            }
            if (m < 1 || m > n)
            {
                throw new UsageException($"--old must be between 1 and {n}, got {m}");
            }
            var log = Build(data);
            Print(new Dictionary<string, object>
            {
                ["old"] = m,
                ["size"] = n,
                ["oldRoot"] = log.Reader.Root(m).ToHex(),
                ["root"] = log.Reader.Root(n).ToHex(),
                ["path"] = log.Reader.ConsistencyProof(m, n).Select(h => h.ToHex()).ToArray(),
            });
            return Cli.Verified;
        });
        merkle.Subcommands.Add(consistency);

        var leaf = new Option<string>("--leaf") { Description = "The leaf's data bytes in hex", Required = true };
        var vIndex = new Option<long>("--index") { Description = "Zero-based leaf index", Required = true };
        var vSize = new Option<long>("--size") { Description = "Tree size", Required = true };
        var vRoot = new Option<string>("--root") { Description = "Expected root, hex", Required = true };
        var vPath = new Option<string>("--path") { Description = "Comma-separated hex hashes, leaf's sibling first (may be empty)", Required = true };
        var verifyInclusion = new Command("verify-inclusion", "Check an inclusion proof: prints ok and exits 0, or says why and exits 1.") { leaf, vIndex, vSize, vRoot, vPath };
        verifyInclusion.SetAction(parse =>
        {
            var leafHash = Rfc9162.HashLeaf(Cli.ParseHex(parse.GetValue(leaf)!, "--leaf"));
            var result = MerkleVerifier.VerifyInclusion(parse.GetValue(vIndex), parse.GetValue(vSize), leafHash,
                Cli.ParseHashList(parse.GetValue(vPath), "--path"), Cli.ParseHash(parse.GetValue(vRoot)!, "--root"));
            return Cli.Report(result);
        });
        merkle.Subcommands.Add(verifyInclusion);

        var cOld = new Option<long>("--old") { Description = "The old tree size", Required = true };
        var cSize = new Option<long>("--size") { Description = "The new tree size", Required = true };
        var cOldRoot = new Option<string>("--old-root") { Description = "Root of the old tree, hex", Required = true };
        var cRoot = new Option<string>("--root") { Description = "Root of the new tree, hex", Required = true };
        var cPath = new Option<string>("--path") { Description = "Comma-separated hex hashes (may be empty)", Required = true };
        var verifyConsistency = new Command("verify-consistency", "Check a consistency proof: prints ok and exits 0, or says why and exits 1.") { cOld, cSize, cOldRoot, cRoot, cPath };
        verifyConsistency.SetAction(parse =>
        {
            var result = MerkleVerifier.VerifyConsistency(parse.GetValue(cOld), parse.GetValue(cSize),
                Cli.ParseHash(parse.GetValue(cOldRoot)!, "--old-root"), Cli.ParseHash(parse.GetValue(cRoot)!, "--root"),
                Cli.ParseHashList(parse.GetValue(cPath), "--path"));
            return Cli.Report(result);
        });
        merkle.Subcommands.Add(verifyConsistency);

        root.Subcommands.Add(merkle);
    }

    private static MerkleLog Build(IReadOnlyList<byte[]> leaves)
    {
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        var batch = new Hash32[Math.Min(leaves.Count, 4096)];
        for (var i = 0; i < leaves.Count; i += batch.Length)
        {
            var count = Math.Min(batch.Length, leaves.Count - i);
            for (var j = 0; j < count; j++)
            {
                batch[j] = Rfc9162.HashLeaf(leaves[i + j]);
            }
            log.Append(batch.AsSpan(0, count));
        }
        return log;
    }

    private static void Print(Dictionary<string, object> value) =>
        Console.WriteLine(JsonSerializer.Serialize(value, VerifierJson.Default.DictionaryStringObject));
}
