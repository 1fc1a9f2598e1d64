using System.CommandLine;
using System.Globalization;
using AnchorNode.Configuration;
using AnchorNode.Inventory;
using Firmware.Contracts;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;

namespace AnchorNode.Cli;

/// <summary>
/// <c>pledge</c> and <c>sign</c>. Pledges are signed where the keys are: the node drafts the
/// statement text, the lender signs it with its member key (<c>sign --data LENDER_DIR</c>), the
/// owner with its party key (<c>sign --key FILE --party ID</c>), and <c>pledge submit</c> appends it.
/// <c>pledge create</c> does all of that in one step when one machine holds the keys (the demo).
/// </summary>
internal static class PledgeCommands
{
    public static void AddTo(RootCommand root)
    {
        var pledge = new Command("pledge", "Pledges of lots as collateral: draft, sign (see 'sign'), submit; release, transfer, enforce.");
        pledge.Subcommands.Add(Draft());
        pledge.Subcommands.Add(ActionDraft("release-draft", "The release statement for the pledge's lender to sign."));
        pledge.Subcommands.Add(ActionDraft("transfer-draft", "The transfer statement for the pledge's lender and the new lender (--to) to sign."));
        pledge.Subcommands.Add(ActionDraft("enforce-draft", "The enforcement statement for the pledge's lender to sign (--reason)."));
        pledge.Subcommands.Add(Submit());
        pledge.Subcommands.Add(Create());
        pledge.Subcommands.Add(Show());
        root.Subcommands.Add(pledge);
        root.Subcommands.Add(Sign());
    }

    private sealed record TermOptions(Option<string> Lender, Option<string> Amount, Option<string> Currency, Option<string?> Start, Option<string> End, Option<string[]> Covenants)
    {
        public static TermOptions Create() => new(
            new Option<string>("--lender") { Description = "The lender member", Required = true },
            new Option<string>("--amount") { Description = "The amount secured", Required = true },
            new Option<string>("--currency") { Description = "ISO 4217 code, e.g. CNY", Required = true },
            new Option<string?>("--start") { Description = "Start of the term, ISO 8601 (default now)" },
            new Option<string>("--end") { Description = "End of the term, ISO 8601", Required = true },
            new Option<string[]>("--covenant") { Description = "A condition covenant, e.g. 'temperature above 8 for 30m' or 'temperature above 8 total 2h' (repeatable)" });

        public IEnumerable<Option> All => [Lender, Amount, Currency, Start, End, Covenants];

        public PledgeTerms Read(ParseResult parse, TimeProvider time) => new(
            parse.GetValue(Lender)!, CliValues.Decimal(parse.GetValue(Amount)!, "--amount"), parse.GetValue(Currency)!,
            CliValues.Time(parse.GetValue(Start), "--start") ?? time.GetUtcNow().ToUnixTimeMilliseconds(), CliValues.Time(parse.GetValue(End), "--end")!.Value,
            (parse.GetValue(Covenants) ?? []).Select(CliValues.Covenant).ToList());
    }

    private static Command Draft()
    {
        var data = NodeCli.DataOption();
        var receipt = InventoryCommands.Receipt();
        var terms = TermOptions.Create();
        var output = new Option<string>("--out") { Description = "Where to write the statement text", Required = true };
        var command = new Command("draft", "Write the pledge statement (against the lot's current state) for the lender and the owner to sign.") { data, receipt, output };
        foreach (var option in terms.All)
        {
            command.Options.Add(option);
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var statement = node.Lots.DraftPledge(parse.GetValue(receipt)!, terms.Read(parse, node.Time));
            return Write(statement, parse.GetValue(output)!);
        });
        return command;
    }

    private static Command ActionDraft(string name, string description)
    {
        var data = NodeCli.DataOption();
        var pledge = new Option<long>("--pledge") { Description = "The pledge's ledger index", Required = true };
        var to = new Option<string?>("--to") { Description = "transfer: the member taking the pledge over" };
        var reason = new Option<string?>("--reason") { Description = "Why (release: optional; enforce: required)" };
        var at = new Option<string?>("--at") { Description = "When, ISO 8601 (default now)" };
        var output = new Option<string>("--out") { Description = "Where to write the statement text", Required = true };
        var command = new Command(name, description) { data, pledge, to, reason, at, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var when = CliValues.Time(parse.GetValue(at), "--at");
            var statement = name switch
            {
                "release-draft" => node.Lots.DraftRelease(parse.GetValue(pledge), when, parse.GetValue(reason)),
                "transfer-draft" => node.Lots.DraftTransfer(parse.GetValue(pledge), parse.GetValue(to) ?? throw new UsageException("--to: the member taking the pledge over"), when),
                _ => node.Lots.DraftEnforce(parse.GetValue(pledge), when, parse.GetValue(reason) ?? throw new UsageException("--reason: why the pledge is enforced")),
            };
            return Write(statement, parse.GetValue(output)!);
        });
        return command;
    }

    private static Command Submit()
    {
        var data = NodeCli.DataOption();
        var input = new Option<string>("--in") { Description = "The signed note (statement text, blank line, signature lines)", Required = true };
        var command = new Command("submit", "Append a signed pledge, release, transfer or enforcement; the ledger rules check the signatures.") { data, input };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var text = Read(parse.GetValue(input)!);
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            return InventoryCommands.Appended(await node.Lots.SubmitAsync(text, cancellationToken));
        });
        return command;
    }

    private static Command Create()
    {
        var data = NodeCli.DataOption();
        var receipt = InventoryCommands.Receipt();
        var terms = TermOptions.Create();
        var lenderData = new Option<string>("--lender-data") { Description = "The lender member's data folder (its member.key signs)", Required = true };
        var ownerKey = new Option<string>("--owner-key") { Description = "The owner party's key file (from 'party keygen')", Required = true };
        var command = new Command("create", "Draft, sign as the lender and the owner, and submit a pledge in one step (for a machine that holds both keys, such as a demo).")
        {
            data, receipt, lenderData, ownerKey,
        };
        foreach (var option in terms.All)
        {
            command.Options.Add(option);
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var lender = MemberSigner(parse.GetValue(lenderData)!);
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var statement = node.Lots.DraftPledge(parse.GetValue(receipt)!, terms.Read(parse, node.Time));
            if (!statement.Succeeded)
            {
                return NodeCli.Fail(statement.Failure!);
            }
            var owner = PledgeStatement.From(statement.Value).Value.Owner;
            using var party = CliValues.Signer(parse.GetValue(ownerKey)!, InventoryNames.PartyKeyName(owner));
            var note = SignedNote.Sign(statement.Value.Text, lender, party);
            var result = await node.Lots.SubmitAsync(note.ToString(), cancellationToken);
            if (!result.Succeeded)
            {
                return NodeCli.Fail(result.Failure!);
            }
            NodeCli.Print("pledge", result.Value.Index);
            NodeCli.Print("receipt", parse.GetValue(receipt));
            NodeCli.Print("lender", lender.KeyName);
            NodeCli.Print("owner", owner);
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var data = NodeCli.DataOption();
        var pledge = new Option<long>("--pledge") { Description = "The pledge's ledger index", Required = true };
        var command = new Command("show", "A pledge and the covenant breaches the node recorded for it.") { data, pledge };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            using (var lease = node.Readers.Rent())
            {
                if (lease.Reader.State.Pledge(parse.GetValue(pledge)) is not { } record)
                {
                    return NodeCli.Fail(new Failure(LedgerFailures.NotPledged, $"ledger index {parse.GetValue(pledge)} is not a pledge"));
                }
                var statement = PledgeStatement.From(LotChains.StatementAt(lease.Reader, record.Index, EntryKinds.Pledge)).Value;
                NodeCli.Print("pledge", record.Index);
                NodeCli.Print("receipt", record.Receipt);
                NodeCli.Print("status", record.Status.Name());
                NodeCli.Print("lender", record.Lender);
                NodeCli.Print("owner", record.Owner);
                NodeCli.Print("amount", $"{CanonicalValues.Decimal(record.Amount)} {record.Currency}");
                NodeCli.Print("term", $"{Firmware.Contracts.Evidence.EvidenceVerifier.Iso(record.StartMs)} to {Firmware.Contracts.Evidence.EvidenceVerifier.Iso(record.EndMs)}");
                foreach (var covenant in statement.Covenants)
                {
                    NodeCli.Print("covenant", covenant.ToValue());
                }
            }
            foreach (var breach in node.Covenants.Breaches(parse.GetValue(pledge)))
            {
                NodeCli.Print("breach", $"{breach.Covenant}: {breach.DeviceId} {breach.SensorId} from {Firmware.Contracts.Evidence.EvidenceVerifier.Iso(breach.StartMs)}, exceeded at {Firmware.Contracts.Evidence.EvidenceVerifier.Iso(breach.ExceededAtMs)}");
            }
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command Sign()
    {
        var input = new Option<string>("--in") { Description = "Statement text, or a note already signed by others", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write the signed note (may be --in)", Required = true };
        var data = new Option<string?>("--data") { Description = "Sign as this data folder's member (its member.key)" };
        var key = new Option<string?>("--key") { Description = "Sign with this private key file (PKCS#8 PEM), as --party" };
        var party = new Option<string?>("--party") { Description = "With --key: the party id (key name edgetrace/party/<id>)" };
        var command = new Command("sign", "Add a signature line to a statement: as a member (--data DIR) or as a party (--key FILE --party ID). Prints the signer and the key ID.")
        {
            input, output, data, key, party,
        };
        command.SetAction(parse =>
        {
            var text = Read(parse.GetValue(input)!);
            using var signer = parse.GetValue(data) is { } folder
                ? MemberSigner(folder)
                : parse.GetValue(key) is { } file
                    ? CliValues.Signer(file, CliValues.PartyKeyName(parse.GetValue(party) ?? throw new UsageException("--key needs --party ID (the key name is edgetrace/party/<id>)")))
                    : throw new UsageException("give --data DIR (a member) or --key FILE --party ID (a party)");
            var note = CliValues.AddSignature(text, signer);
            File.WriteAllText(parse.GetValue(output)!, note.ToString());
            NodeCli.Print("signed-by", signer.KeyName);
            NodeCli.Print("key-id", signer.KeyId.ToString("x8", CultureInfo.InvariantCulture));
            NodeCli.Print("signatures", note.Signatures.Count);
            NodeCli.Print("out", Path.GetFullPath(parse.GetValue(output)!));
            return NodeCli.Ok;
        });
        return command;
    }

    private static EcdsaNoteSigner MemberSigner(string folder)
    {
        var data = new DataFolder(folder);
        if (!data.IsInitialised)
        {
            throw new UsageException($"--data {folder}: not an initialised data folder (no node.json and member.key)");
        }
        return EcdsaNoteSigner.FromPkcs8Pem(data.ReadConfig().Member, data.ReadKey());
    }

    internal static int Write(Result<Statement> statement, string path)
    {
        if (!statement.Succeeded)
        {
            return NodeCli.Fail(statement.Failure!);
        }
        File.WriteAllText(path, statement.Value.Text);
        NodeCli.Print("kind", statement.Value.Kind);
        NodeCli.Print("out", Path.GetFullPath(path));
        return NodeCli.Ok;
    }

    internal static string Read(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new UsageException($"--in {path}: no such file");
}
