using System.CommandLine;
using Firmware.Contracts.Notes;

namespace Verifier.Commands;

/// <summary><c>note verify</c>: C2SP signed notes under a trust policy.</summary>
internal static class NoteCommands
{
    public static void AddTo(RootCommand root)
    {
        var note = new Command("note", "C2SP signed notes (signature type 0x02, ECDSA P-256).");
        var file = new Option<string>("--note") { Description = "The note file", Required = true };
        var keys = new Option<string[]>("--key") { Description = "A trusted key as NAME=BASE64_SPKI (repeatable)", Required = true, AllowMultipleArgumentsPerToken = false };
        var threshold = new Option<int?>("--threshold") { Description = "How many distinct trusted keys must have signed (default 1)" };
        var verify = new Command("verify", "Exit 0 when the note carries enough valid trusted signatures; otherwise exit 1 with the reason.") { file, keys, threshold };
        verify.SetAction(parse =>
        {
            var policy = Cli.ParsePolicy(parse.GetValue(keys), parse.GetValue(threshold));
            var result = NoteVerifier.Verify(Cli.ReadFile(parse.GetValue(file)!, "--note"), policy);
            if (result.Succeeded)
            {
                Console.WriteLine($"ok: signed by {string.Join(", ", result.Value.Signers)}");
                return Cli.Verified;
            }
            Console.WriteLine($"failed: {result.Failure}");
            return Cli.Failed;
        });
        note.Subcommands.Add(verify);
        root.Subcommands.Add(note);
    }
}
