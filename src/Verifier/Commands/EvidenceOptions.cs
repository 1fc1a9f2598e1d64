using System.CommandLine;
using Firmware.Contracts.Evidence;

namespace Verifier.Commands;

/// <summary>The options every bundle command shares: trusted keys, the threshold, and how old the evidence may be.</summary>
internal sealed class EvidenceOptions
{
    public Option<string[]> Keys { get; } = new("--key")
    {
        Description = "A trusted member key as NAME=BASE64_SPKI (repeatable; give every member you trust)",
        Required = true,
    };

    public Option<int?> Threshold { get; } = new("--threshold")
    {
        Description = "How many trusted members must have signed the ledger checkpoint (default: the consortium's quorum as its state records it, and at least a majority of the trusted member keys)",
    };

    public Option<string?> NotBefore { get; } = new("--not-before")
    {
        Description = "Refuse evidence from a ledger checkpoint older than this ISO 8601 time",
    };

    public IEnumerable<Option> All => [Keys, Threshold, NotBefore];

    public EvidencePolicy Read(ParseResult parse) => Cli.ParseEvidencePolicy(parse.GetValue(Keys), parse.GetValue(Threshold), parse.GetValue(NotBefore));

    /// <summary>The policy lines every verified bundle prints: what it rests on, and any warning about the reader's own keys.</summary>
    public static void PrintTrust(EvidenceSummary summary)
    {
        Console.WriteLine($"as-of: {summary.AsOf}");
        foreach (var warning in summary.Warnings)
        {
            Console.WriteLine($"warning: {warning}");
        }
    }
}
