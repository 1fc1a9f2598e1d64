using System.Text;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Tests.Ledger;

/// <summary>
/// The worked example of docs/spec-ledger.md, byte for byte: a genesis, an enrolment and an anchor
/// signed with the fixed test keys (warehouse = Alpha, bank = Beta, device gw-01 = Gamma; see
/// <see cref="TestKeys"/>), four reading leaves with salts 10.., 11.., 12.., 13.. followed by zeros.
/// The expected hashes were computed by this code and cross-checked with
/// <c>printf '\x00' | cat - entry | sha256sum</c> on the entry bytes.
/// </summary>
public class LedgerVectorsTests
{
    internal static readonly string Entry0 = """
        edgetrace/entry/v1 genesis

        edgetrace/statement/v1 genesis
        consortium demo
        time 1767225600000
        nonce 00000000000000000000000000000001
        quorum 2
        member warehouse operator MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEbEh5ELdhELj4QSszrq9rjg1vecFLB3tBVUi5K3I2eEcWCNinhpbzsdAprlbtChCr3aM4WU+WxF6FnFiAKVsWTg==
        member bank lender MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEdfwhyLORcoJGq+us3CG1LuYCe1OVd2GuOMgZ7YjmmUQbqVNbugKrGnu2q9h9wh53FO19p2mmVUgFmkLK32fO7g==

        — warehouse FJ1dhDBFAiAJ3UC2S/v3ff6CYRW9wwOfOMmYg00+lRgLL2sO8d4nqgIhAIDvPzFpWuv+dHtt9jFxLjPClrI5vCCOg/O+iXWmS9Nq
        """ + "\n";
    internal const string Entry0Hash = "e95e56ed9f230f3ad4666e210d7ca5ea7cd5fb76a0bf33ebfc3b8985a0a89dc8";

    internal static readonly string Entry1 = """
        edgetrace/entry/v1 enrol

        edgetrace/statement/v1 enrol
        consortium demo
        time 1767225660000
        nonce 00000000000000000000000000000002
        device gw-01
        key MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEa28eZ+dv01qyDmPdCzr3ZZEZaEPz+iJl/q+N4zowXLNdEFD7MjQRlXLOiy7T3+dP1TrsOOvaxsy8GhCdMDrOXg==
        site shanghai-1
        zone cold-a
        sensor t1 temperature cold-a

        — warehouse FJ1dhDBFAiAfJlmvymrEh9EUgHnedcMw1Ukr1VnZl8ZWtHXnPLr2rQIhAO+miHSWESJOntisXMrhiHvKUle/4+NxdlAticRUSENL
        """ + "\n";
    internal const string Entry1Hash = "3686105c898f589600214c1a1027a24334b51dd59beaab3538d66d3977d29581";

    internal static readonly string Entry2 = """
        edgetrace/entry/v1 anchor
        received 1767225961000
        enrolment 1

        edgetrace/device/gw-01
        4
        NidRbIOslH7BPlK3Q5WbNi/zj0LhiNww7EYAmEeDzxY=
        time 1767225960000

        — edgetrace/device/gw-01 MxqYwjBGAiEAvDBbYMaIqXQIk0llgCUGWysFHMgA0ndeOYAKWZW+eiYCIQDUOYB2HDl+/hzdV5gzfxNnV3wd5T3oc1DQmTpCqcW6lA==
        """ + "\n";
    internal const string Entry2Hash = "f7ee4ba64e4577805e93e5ad2f414a8600afab1ccd90825aa8b9e2f0a8f616b7";
    internal static readonly string[] Leaves =
    [
        """{"ver":1,"dev":"gw-01","seq":0,"kind":"measurement","sensor":"t1","zone":"cold-a","n":"gw-01/t1/temperature","u":"Cel","t":1767225720.000,"v":4,"salt":"10000000000000000000000000000000"}""",
        """{"ver":1,"dev":"gw-01","seq":1,"kind":"measurement","sensor":"t1","zone":"cold-a","n":"gw-01/t1/temperature","u":"Cel","t":1767225780.000,"v":4.25,"salt":"11000000000000000000000000000000"}""",
        """{"ver":1,"dev":"gw-01","seq":2,"kind":"measurement","sensor":"t1","zone":"cold-a","n":"gw-01/t1/temperature","u":"Cel","t":1767225840.000,"v":4.5,"salt":"12000000000000000000000000000000"}""",
        """{"ver":1,"dev":"gw-01","seq":3,"kind":"measurement","sensor":"t1","zone":"cold-a","n":"gw-01/t1/temperature","u":"Cel","t":1767225900.000,"v":4.75,"salt":"13000000000000000000000000000000"}""",
    ];
    internal static readonly string[] LeafHashes =
    [
        "b105c0caca00c5e1f861a6f031b4e32fcd123ad114d69d2ed057f6644cde7fac",
        "e2abce5224edb22e09c4cda291742654bdf4e20117fca1f2faacb60b58797f7b",
        "485dcf1aefd682503e3243425e170a07c8a0e7feb4de860a6b550f45509c72af",
        "0692fff1bc67c3d445e1a28ff3f120a4689ab866bbe77e6844df5f1c8dbc8176",
    ];
    internal const string DeviceRoot = "3627516c83ac947ec13e52b743959b362ff38f42e188dc30ec4600984783cf16";
    internal const string LedgerRoot = "161e5774ad28a63195c10a27912d0a42eae84855b784bdbc84af63b326498d77";
    internal const string StateRoot = "7094e4f1e133cde4238f111e6cd69f8066dd8b53bbce36f2f8c7e55bed552aed";
    internal static readonly (string Key, string Value)[] State =
    [
        ("consortium", "quorum 2\nmember warehouse operator " + TestKeys.AlphaSpki + " 0\nmember bank lender " + TestKeys.BetaSpki + " 0\n"),
        ("device/gw-01", "enrolment 1\nanchor 2\nsize 4\nroot NidRbIOslH7BPlK3Q5WbNi/zj0LhiNww7EYAmEeDzxY=\n"),
        ("zone/shanghai-1/cold-a", "device gw-01\n"),
    ];
    internal static readonly string LedgerCheckpoint = """
        edgetrace/ledger/demo
        3
        Fh5XdK0opjGVwQonkS0KQuroSFW3hL28hK9jsyZJjXc=
        time 1767225962000
        state cJTk8eEzzeQjjxEebNafgGbdi1O7zjby+MflW+1VKu0=

        — warehouse FJ1dhDBEAiB6uhZlZWksMv8wZOeKJn2lc8nSU9kzkwPMnSQt9T2cHwIgMcmx1kIZ5qhfrZ83L/Fw7EI4Ikp3O05Cd3UsdIekDhs=
        — bank +BXLTDBFAiANyYkAem2owe2Dl0Uj/vdPEc81QrrdgUUH1sOOxF6LEQIhAKqxnElPbRNGOFZM5f6MvnvdprRgEhC2cRz1pHxMfV8C
        """ + "\n";

    // The device bundle over these (docs/vectors/ledger-example-bundle.json): the builder is
    // deterministic given the checkpoint, so the file is these bytes exactly.
    private static readonly string BundleFile = Path.Combine(Spec.SpecPaths.Vectors, "ledger-example-bundle.json");

    [Fact]
    public void Entries_HashAsListed_AndReplayThroughTheRules()
    {
        var state = new InMemoryLedgerState("demo");
        var rules = new LedgerRules();
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        foreach (var (text, hash) in new[] { (Entry0, Entry0Hash), (Entry1, Entry1Hash), (Entry2, Entry2Hash) })
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            Assert.Equal(hash, Rfc9162.HashLeaf(bytes).ToHex());
            var appended = rules.Append(bytes, state);
            Assert.True(appended.Succeeded, appended.ToString());
            log.Append(appended.Value.LeafHash);
        }
        Assert.Equal(LedgerRoot, log.Root().ToHex());
        Assert.Equal(4, state.Device("gw-01")!.AnchoredSize);
    }

    [Fact]
    public void Leaves_HashToTheAnchoredDeviceRoot()
    {
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        for (var i = 0; i < Leaves.Length; i++)
        {
            var leaf = ReadingLeaf.Parse(Encoding.UTF8.GetBytes(Leaves[i]));
            Assert.True(leaf.Succeeded, leaf.ToString());
            Assert.Equal(LeafHashes[i], leaf.Value.LeafHash.ToHex());
            log.Append(leaf.Value.LeafHash);
        }
        Assert.Equal(DeviceRoot, log.Root().ToHex());
        var anchor = AnchorEntry.From(LedgerEntry.Parse(Encoding.UTF8.GetBytes(Entry2)).Value).Value;
        Assert.Equal(Hash32.FromHex(DeviceRoot), anchor.Checkpoint.Root);
    }

    [Fact]
    public void State_OfTheExample_IsTheListedMap_WithTheListedRoot()
    {
        var state = Replay().State;
        Assert.Equal(State.Select(e => (e.Key, e.Value)), LedgerStateMap.Entries(state).Select(e => (e.Key, e.Value)));
        Assert.Equal(StateRoot, LedgerStateMap.Root(state).ToHex());
    }

    [Fact]
    public void Checkpoint_OfTheExample_CommitsToTheLedgerAndTheState_SignedByBothMembers()
    {
        var policy = new TrustPolicy([TestKeys.Verifier("warehouse", TestKeys.AlphaSpki), TestKeys.Verifier("bank", TestKeys.BetaSpki)], 2);
        var verified = CheckpointVerifier.Verify(LedgerCheckpoint, policy, "edgetrace/ledger/demo");
        Assert.True(verified.Succeeded, verified.ToString());
        Assert.Equal(Hash32.FromHex(LedgerRoot), verified.Value.Checkpoint.Root);
        Assert.Equal(Hash32.FromHex(StateRoot), verified.Value.Checkpoint.StateRoot);
        Assert.Equal(1767225962000, verified.Value.Checkpoint.TimeMs);
        Assert.Null(verified.Value.Checkpoint.LedgerExtensionProblem());
    }

    [Fact]
    public void Bundle_OfTheExample_IsTheFileByteForByte_AndVerifies_WithBothMemberKeys()
    {
        var (state, ledger, entries) = Replay();
        var device = new MerkleLog(new InMemoryMerkleHashStore());
        var leaves = Leaves.Select(l => ReadingLeaf.Parse(Encoding.UTF8.GetBytes(l)).Value).ToList();
        device.Append(leaves.Select(l => l.LeafHash).ToArray());
        var source = new InMemoryEvidenceSource(entries, ledger.Reader, state).WithDevice("gw-01", leaves, device.Reader);
        var bundle = new BundleBuilder(source, LedgerCheckpoint, LedgerStateMap.Entries(state)).Device("gw-01", null, null).Value;
        if (Environment.GetEnvironmentVariable("EDGETRACE_WRITE_VECTORS") == "1")
        {
            File.WriteAllBytes(BundleFile, bundle.ToJson());
        }
        Assert.Equal(Encoding.UTF8.GetString(File.ReadAllBytes(BundleFile)), Encoding.UTF8.GetString(bundle.ToJson()));

        var summary = EvidenceVerifier.Verify(File.ReadAllBytes(BundleFile), new EvidencePolicy([TestKeys.Verifier("warehouse", TestKeys.AlphaSpki), TestKeys.Verifier("bank", TestKeys.BetaSpki)]));
        Assert.True(summary.Succeeded, summary.ToString());
        Assert.Equal(["warehouse", "bank"], summary.Value.Signers);
        Assert.Equal(2, summary.Value.RequiredSignatures);
        Assert.Equal([0L, 1, 2, 3], summary.Value.Devices.Single().Readings.Select(r => r.Content.Sequence));
    }

    private static (InMemoryLedgerState State, MerkleLog Ledger, List<LedgerEntry> Entries) Replay()
    {
        var state = new InMemoryLedgerState("demo");
        var rules = new LedgerRules(null, Firmware.Contracts.Inventory.InventoryRules.All);
        var ledger = new MerkleLog(new InMemoryMerkleHashStore());
        var entries = new List<LedgerEntry>();
        foreach (var text in new[] { Entry0, Entry1, Entry2 })
        {
            var appended = rules.Append(Encoding.UTF8.GetBytes(text), state);
            Assert.True(appended.Succeeded, appended.ToString());
            entries.Add(appended.Value);
            ledger.Append(appended.Value.LeafHash);
        }
        return (state, ledger, entries);
    }

    [Fact]
    public void TheDeviceKeyOfTheExample_IsGamma() =>
        Assert.Contains($"key {TestKeys.GammaSpki}\n", Entry1, StringComparison.Ordinal);
}
