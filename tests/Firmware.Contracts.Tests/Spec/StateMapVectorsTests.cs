using System.Text.Json;
using System.Text.Json.Nodes;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;

namespace Firmware.Contracts.Tests.Spec;

/// <summary>
/// docs/vectors/state-map.json (spec-ledger §5.1): a small state map, its key and value hashes, its
/// root, and proofs of membership and of both kinds of absence. Everything in the file is recomputed
/// here from its keys and values, so the text, the vectors and the code cannot drift apart. Set
/// EDGETRACE_WRITE_VECTORS=1 to write the file again from the map below (after a deliberate change).
/// </summary>
public sealed class StateMapVectorsTests
{
    private static readonly string File = Path.Combine(SpecPaths.Vectors, "state-map.json");

    // Values as a demo-like ledger's state map holds them (spki and hashes abbreviated to fixed strings).
    private static readonly (string Key, string Value)[] Map =
    [
        ("consortium", "quorum 2\nmember warehouse operator MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEbEh5ELdhELj4QSszrq9rjg1vecFLB3tBVUi5K3I2eEcWCNinhpbzsdAprlbtChCr3aM4WU+WxF6FnFiAKVsWTg== 0\nmember bank lender MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEdfwhyLORcoJGq+us3CG1LuYCe1OVd2GuOMgZ7YjmmUQbqVNbugKrGnu2q9h9wh53FO19p2mmVUgFmkLK32fO7g== 0\n"),
        ("device/gw-01", "enrolment 1\nanchor 2\nsize 4\nroot NidRbIOslH7BPlK3Q5WbNi/zj0LhiNww7EYAmEeDzxY=\n"),
        ("zone/shanghai-1/cold-a", "device gw-01\n"),
        ("party/acme-foods", "registration 3\nkey 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"),
        ("lot/WR-2026-000123", "entry 5\nlocation 5\n"),
        ("lot-status/WR-2026-000123", "salt 000102030405060708090a0b0c0d0e0f\nhead 5\nstatus issued\nowner acme-foods\nquantity 360\n"),
        ("alarm/gw-01/3", "entry 6\n"),
    ];

    [Fact]
    public void TheFile_IsWhatTheCodeComputesFromItsKeysAndValues()
    {
        var computed = Compute();
        if (Environment.GetEnvironmentVariable("EDGETRACE_WRITE_VECTORS") == "1")
        {
            System.IO.File.WriteAllText(File, computed.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        }
        var stored = JsonNode.Parse(System.IO.File.ReadAllText(File))!;
        Assert.True(JsonNode.DeepEquals(computed, stored), "docs/vectors/state-map.json differs from what the code computes; see the test's summary to write it again");
    }

    [Fact]
    public void EveryProofInTheFile_VerifiesAgainstItsRoot_AndFailsWhenChanged()
    {
        var stored = JsonNode.Parse(System.IO.File.ReadAllText(File))!;
        var root = Hash(stored["root"]!);
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in stored["proofs"]!.AsArray())
        {
            var key = (string)item!["key"]!;
            var proof = Proof(item);
            var value = item["value"] is { } v ? Hash32.Sha256(System.Text.Encoding.UTF8.GetBytes((string)v!)) : (Hash32?)null;
            kinds.Add((string)item["kind"]!);
            Assert.True(proof.Verify(root, LedgerStateMap.HashKey(key), value).Succeeded, key);
            // A changed value, or a present key claimed absent, does not verify.
            if (value is { } present)
            {
                Assert.False(proof.Verify(root, LedgerStateMap.HashKey(key), Hash32.Sha256("x"u8)).Succeeded);
                Assert.False(proof.Verify(root, LedgerStateMap.HashKey(key), null).Succeeded);
            }
            else
            {
                Assert.False(proof.Verify(root, LedgerStateMap.HashKey(key), Hash32.Sha256("x"u8)).Succeeded);
            }
        }
        Assert.Equal(["absent-at-empty", "absent-at-other-leaf", "present"], kinds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TheEmptyMap_AndAOneKeyMap_HaveTheRootsTheSpecSays()
    {
        Assert.Equal(SparseMerkleTree.Empty, SparseMerkleTree.Build([]).Root);
        var only = new StateEntry("consortium", Map[0].Value);
        Assert.Equal(SparseMerkleTree.HashLeaf(only.KeyHash, only.ValueHash), LedgerStateMap.Tree([only]).Root);
    }

    private static JsonObject Compute()
    {
        var entries = Map.Select(e => new StateEntry(e.Key, e.Value)).ToList();
        var tree = LedgerStateMap.Tree(entries);
        var proofs = new JsonArray();
        foreach (var entry in entries.Take(3))
        {
            proofs.Add(ProofJson(tree, entry.Key, entry.Value, "present"));
        }
        // Absent keys: the first that ends at an empty subtree, and the first that ends at another key's leaf.
        foreach (var kind in new[] { "absent-at-empty", "absent-at-other-leaf" })
        {
            var key = Enumerable.Range(2, 500).Select(i => $"device/gw-{i:00}").First(k => tree.Prove(LedgerStateMap.HashKey(k)).Terminal is null == (kind == "absent-at-empty"));
            proofs.Add(ProofJson(tree, key, null, kind));
        }
        return new JsonObject
        {
            ["description"] = "A state map (docs/spec-ledger.md §5.1): keys and values as UTF-8 text; key hash = SHA-256(key), value hash = SHA-256(value); "
                + "leaf = SHA-256(0x02 || key hash || value hash); node = SHA-256(0x03 || left || right); empty subtree = 32 zero bytes. "
                + "Proof hashes are siblings, deepest first. Hashes are standard base64.",
            ["entries"] = new JsonArray(entries.Select(e => (JsonNode)new JsonObject
            {
                ["key"] = e.Key, ["value"] = e.Value, ["keyHash"] = e.KeyHash.ToBase64(), ["valueHash"] = e.ValueHash.ToBase64(),
                ["leaf"] = SparseMerkleTree.HashLeaf(e.KeyHash, e.ValueHash).ToBase64(),
            }).ToArray()),
            ["root"] = tree.Root.ToBase64(),
            ["emptyRoot"] = SparseMerkleTree.Empty.ToBase64(),
            ["proofs"] = proofs,
        };
    }

    private static JsonObject ProofJson(SparseMerkleTree tree, string key, string? value, string kind)
    {
        var proof = tree.Prove(LedgerStateMap.HashKey(key));
        var json = new JsonObject { ["kind"] = kind, ["key"] = key, ["keyHash"] = LedgerStateMap.HashKey(key).ToBase64() };
        if (value is not null)
        {
            json["value"] = value;
        }
        else if (proof.Terminal is { } other)
        {
            json["other"] = new JsonObject { ["keyHash"] = other.Key.ToBase64(), ["valueHash"] = other.Value.ToBase64() };
        }
        json["proof"] = new JsonArray(proof.Siblings.Select(h => (JsonNode)h.ToBase64()).ToArray());
        return json;
    }

    private static SparseProof Proof(JsonNode item)
    {
        var siblings = item["proof"]!.AsArray().Select(h => Hash(h!)).ToList();
        SparseLeaf? terminal = item["value"] is { } v
            ? new StateEntry((string)item["key"]!, (string)v!).Leaf
            : item["other"] is { } o ? new SparseLeaf(Hash(o["keyHash"]!), Hash(o["valueHash"]!)) : null;
        return new SparseProof(siblings, terminal);
    }

    private static Hash32 Hash(JsonNode node) => Hash32.TryFromBase64((string)node!, out var hash) ? hash : throw new FormatException((string)node!);
}

/// <summary>Where the published documents live, found from the test's output folder.</summary>
internal static class SpecPaths
{
    public static string Root { get; } = FindRoot();

    public static string Vectors => Path.Combine(Root, "docs", "vectors");

    public static string Schemas => Path.Combine(Root, "docs", "schemas");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new DirectoryNotFoundException("EdgeTrace.sln not found above the test output");
    }
}
