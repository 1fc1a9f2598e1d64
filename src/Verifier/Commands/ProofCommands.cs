using System.CommandLine;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Proofs;

namespace Verifier.Commands;

/// <summary><c>proof verify</c>: a C2SP tlog-proof for one leaf.</summary>
internal static class ProofCommands
{
    public static void AddTo(RootCommand root)
    {
        var proof = new Command("proof", "C2SP tlog-proofs (c2sp.org/tlog-proof@v1).");
        var file = new Option<string>("--proof") { Description = "The .tlog-proof file", Required = true };
        var leaf = new Option<string>("--leaf-hex") { Description = "The leaf's data bytes in hex", Required = true };
        var keys = new Option<string[]>("--key") { Description = "A trusted key as NAME=BASE64_SPKI (repeatable)", Required = true };
        var threshold = new Option<int?>("--threshold") { Description = "How many distinct trusted keys must have signed the checkpoint (default 1)" };
        var origin = new Option<string?>("--origin") { Description = "Require the checkpoint to be from this log" };
        var verify = new Command("verify", "Exit 0 when the leaf is in the log at the proof's index under a trusted checkpoint; otherwise exit 1 with the reason.") { file, leaf, keys, threshold, origin };
        verify.SetAction(parse =>
        {
            var policy = Cli.ParsePolicy(parse.GetValue(keys), parse.GetValue(threshold));
            var leafHash = Rfc9162.HashLeaf(Cli.ParseHex(parse.GetValue(leaf)!, "--leaf-hex"));
            var parsed = TlogProof.Parse(Cli.ReadFile(parse.GetValue(file)!, "--proof"));
            if (!parsed.Succeeded)
            {
                Console.WriteLine($"failed: {parsed.Failure}");
                return Cli.Failed;
            }
            var result = parsed.Value.Verify(policy, leafHash, parse.GetValue(origin));
            if (result.Succeeded)
            {
                var cp = result.Value.Checkpoint;
                Console.WriteLine($"ok: entry {parsed.Value.Index} is in {cp.Origin} at size {cp.Size}, signed by {string.Join(", ", result.Value.Signers)}");
                return Cli.Verified;
            }
            Console.WriteLine($"failed: {result.Failure}");
            return Cli.Failed;
        });
        proof.Subcommands.Add(verify);
        root.Subcommands.Add(proof);
    }
}
