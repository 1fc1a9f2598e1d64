using System.CommandLine;
using Firmware.Contracts;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;

namespace AnchorNode.Cli;

/// <summary>
/// <c>lot endorse-draft|endorse|split|merge|freeze-draft|unfreeze-draft|dispose-draft|submit</c> and
/// <c>party lots</c>: the receipt lifecycle, the same entries the API writes. Statements others sign
/// are drafted to a file, signed with <c>sign</c>, and appended with <c>lot endorse --in</c> or <c>lot submit</c>.
/// </summary>
internal static class LifecycleCommands
{
    public static void AddTo(Command lot, Command party)
    {
        lot.Subcommands.Add(EndorseDraft());
        lot.Subcommands.Add(Endorse());
        lot.Subcommands.Add(Split());
        lot.Subcommands.Add(Merge());
        lot.Subcommands.Add(ActionDraft("freeze-draft", "The freeze statement for a regulator member to sign ('sign --data REGULATOR_DIR'); then 'lot submit'."));
        lot.Subcommands.Add(ActionDraft("unfreeze-draft", "The statement lifting the freeze in force, for a regulator member to sign; then 'lot submit'."));
        lot.Subcommands.Add(ActionDraft("dispose-draft", "The disposal (sale of the goods after enforcement) for the lender they are held for to sign; then 'lot submit'."));
        lot.Subcommands.Add(Submit());
        party.Subcommands.Add(Lots());
    }

    private static Command EndorseDraft()
    {
        var data = NodeCli.DataOption();
        var receipt = InventoryCommands.Receipt();
        var to = new Option<string>("--to") { Description = "The new owner (a registered party)", Required = true };
        var at = new Option<string?>("--at") { Description = "When, ISO 8601 (default now)" };
        var output = new Option<string>("--out") { Description = "Where to write the statement text", Required = true };
        var command = new Command("endorse-draft", "Write the endorsement of a receipt to a new owner, for the owner and the new owner to sign with their party keys ('sign --key FILE --party ID'); then 'lot endorse --in'.")
        {
            data, receipt, to, at, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            return PledgeCommands.Write(node.Lots.DraftEndorse(parse.GetValue(receipt)!, parse.GetValue(to)!, CliValues.Time(parse.GetValue(at), "--at")), parse.GetValue(output)!);
        });
        return command;
    }

    private static Command Endorse()
    {
        var data = NodeCli.DataOption();
        var receipt = InventoryCommands.Receipt();
        var input = new Option<string?>("--in") { Description = "The endorsement both parties signed" };
        var to = new Option<string?>("--to") { Description = "In one step: the new owner" };
        var ownerKey = new Option<string?>("--owner-key") { Description = "In one step: the owner's party key file" };
        var newOwnerKey = new Option<string?>("--new-owner-key") { Description = "In one step: the new owner's party key file" };
        var command = new Command("endorse", "Append an endorsement (transfer of title), adding this operator member's signature: signed by both parties (--in), or drafted and signed here in one step (--to, --owner-key, --new-owner-key; for a machine that holds both keys, such as a demo). Refused while pledged: the lender releases first.")
        {
            data, receipt, input, to, ownerKey, newOwnerKey,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            string note;
            if (parse.GetValue(input) is { } file)
            {
                note = PledgeCommands.Read(file);
            }
            else
            {
                var newOwner = parse.GetValue(to) ?? throw new UsageException("give --in FILE (a signed endorsement), or --to, --owner-key and --new-owner-key");
                var draft = node.Lots.DraftEndorse(parse.GetValue(receipt)!, newOwner, null);
                if (!draft.Succeeded)
                {
                    return NodeCli.Fail(draft.Failure!);
                }
                var owner = EndorseStatement.From(draft.Value).Value.Owner;
                using var from = CliValues.Signer(parse.GetValue(ownerKey) ?? throw new UsageException("--owner-key: the owner's party key file"), InventoryNames.PartyKeyName(owner));
                using var accepting = CliValues.Signer(parse.GetValue(newOwnerKey) ?? throw new UsageException("--new-owner-key: the new owner's party key file"), InventoryNames.PartyKeyName(newOwner));
                note = SignedNote.Sign(draft.Value.Text, from, accepting).ToString();
            }
            var result = await node.Lots.EndorseSignedAsync(note, parse.GetValue(receipt)!, cancellationToken);
            if (result.Succeeded)
            {
                NodeCli.Print("owner", EndorseStatement.From(Statement.Parse(result.Value.Entry.Note.Text).Value).Value.NewOwner);
            }
            return InventoryCommands.Appended(result);
        });
        return command;
    }

    private static Command Split()
    {
        var data = NodeCli.DataOption();
        var receipt = InventoryCommands.Receipt();
        var children = new Option<string[]>("--child") { Description = "A child receipt and its quantity, RECEIPT=QUANTITY (2-16, repeatable)", Required = true };
        var epcs = new Option<string[]>("--epc") { Description = "An EPC of the cargo and the child it goes to, RECEIPT=EPC-URI (every EPC of the cargo once; repeatable)" };
        var at = new Option<string?>("--at") { Description = "When, ISO 8601 (default now)" };
        var command = new Command("split", "Split a receipt into child receipts (the split, then each child's title and lot, split-from it). Refused while pledged, enforced or frozen.")
        {
            data, receipt, children, epcs, at,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var assigned = (parse.GetValue(epcs) ?? []).Select(e => Pair(e, "--epc")).ToList();
            var list = (parse.GetValue(children) ?? []).Select(c => Pair(c, "--child"))
                .Select(c => (c.Key, CliValues.Decimal(c.Value, "--child"), (IReadOnlyList<string>)assigned.Where(e => e.Key == c.Key).Select(e => e.Value).ToList())).ToList();
            if (assigned.FirstOrDefault(e => list.All(c => c.Key != e.Key)) is { Key: not null } stray)
            {
                throw new UsageException($"--epc {stray.Key}={stray.Value}: no --child {stray.Key}");
            }
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var split = await node.Lots.SplitAsync(parse.GetValue(receipt)!, list, CliValues.Time(parse.GetValue(at), "--at"), cancellationToken);
            if (!split.Succeeded)
            {
                return NodeCli.Fail(split.Failure!);
            }
            NodeCli.Print("split", split.Value.SplitIndex);
            foreach (var child in split.Value.Children)
            {
                NodeCli.Print("child", $"{child.Receipt} lot-index={child.LotIndex}");
            }
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command Merge()
    {
        var data = NodeCli.DataOption();
        var receipts = new Option<string[]>("--receipt") { Description = "A receipt to merge (2-16, repeatable)", Required = true };
        var into = new Option<string>("--into") { Description = "The new receipt number", Required = true };
        var batch = new Option<string?>("--batch") { Description = "The new receipt's batch (default the first receipt's)" };
        var at = new Option<string?>("--at") { Description = "When, ISO 8601 (default now)" };
        var command = new Command("merge", "Merge receipts of the same product, conditions and unit at one site into a new receipt (a merge per receipt, then its title and lot, merged-from them).")
        {
            data, receipts, into, batch, at,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var merged = await node.Lots.MergeAsync(parse.GetValue(receipts) ?? [], parse.GetValue(into)!, parse.GetValue(batch), CliValues.Time(parse.GetValue(at), "--at"), cancellationToken);
            if (!merged.Succeeded)
            {
                return NodeCli.Fail(merged.Failure!);
            }
            NodeCli.Print("receipt", merged.Value.Receipt);
            NodeCli.Print("lot-index", merged.Value.LotIndex);
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command ActionDraft(string name, string description)
    {
        var data = NodeCli.DataOption();
        var receipt = InventoryCommands.Receipt();
        var reason = new Option<string>("--reason") { Description = "Why (goes on the ledger)", Required = true };
        var at = new Option<string?>("--at") { Description = "When, ISO 8601 (default now)" };
        var output = new Option<string>("--out") { Description = "Where to write the statement text", Required = true };
        var command = new Command(name, description) { data, receipt, reason, at, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var (lot, why, when) = (parse.GetValue(receipt)!, parse.GetValue(reason)!, CliValues.Time(parse.GetValue(at), "--at"));
            var statement = name switch
            {
                "freeze-draft" => node.Lots.DraftFreeze(lot, why, when),
                "unfreeze-draft" => node.Lots.DraftUnfreeze(lot, why, when),
                _ => node.Lots.DraftDispose(lot, why, when),
            };
            return PledgeCommands.Write(statement, parse.GetValue(output)!);
        });
        return command;
    }

    private static Command Submit()
    {
        var data = NodeCli.DataOption();
        var input = new Option<string>("--in") { Description = "The signed note (statement text, blank line, signature lines)", Required = true };
        var command = new Command("submit", "Append a signed freeze, unfreeze or disposal; the ledger rules check the signatures.") { data, input };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var text = PledgeCommands.Read(parse.GetValue(input)!);
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            return InventoryCommands.Appended(await node.Lots.SubmitAsync(text, [EntryKinds.Freeze, EntryKinds.Unfreeze, EntryKinds.Dispose], null, cancellationToken));
        });
        return command;
    }

    private static Command Lots()
    {
        var data = NodeCli.DataOption();
        var id = new Option<string>("--party") { Description = "The party's id", Required = true };
        var command = new Command("lots", "The receipts a party holds title to now (open or closed), one line each.") { data, id };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            using var lease = node.Readers.Rent();
            foreach (var lot in lease.Reader.State.Lots().Where(l => l.Owner == parse.GetValue(id)))
            {
                NodeCli.Print("lot", $"{lot.Receipt} {lot.Status.Name()} {CanonicalValues.Decimal(lot.Quantity)} {lot.Unit}{(lot.FrozenAt is { } f ? $" frozen={f}" : "")}");
            }
            return NodeCli.Ok;
        });
        return command;
    }

    private static KeyValuePair<string, string> Pair(string text, string option)
    {
        var at = text.IndexOf('=', StringComparison.Ordinal);
        return at > 0 && at < text.Length - 1 ? new(text[..at], text[(at + 1)..]) : throw new UsageException($"{option} {text}: expected RECEIPT=VALUE");
    }
}
