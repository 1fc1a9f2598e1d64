using AnchorNode.Runtime;
using System.CommandLine;
using System.Globalization;
using AnchorNode.Endpoints;
using AnchorNode.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Epc;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Notes;
using AnchorNode.Evidence;

namespace AnchorNode.Cli;

/// <summary><c>party</c>, <c>lot</c> and <c>cargo</c>: the operator's side of warehouse receipts, the same entries the API writes. Safe while the node runs.</summary>
internal static class InventoryCommands
{
    public static void AddTo(RootCommand root)
    {
        var party = Party();
        var lot = Lot();
        LifecycleCommands.AddTo(lot, party);
        root.Subcommands.Add(party);
        root.Subcommands.Add(lot);
        root.Subcommands.Add(Cargo());
    }

    private static Command Party()
    {
        var party = new Command("party", "Depositors and owners of goods: their keys (they sign pledge consents) and registrations.");

        var keyOut = new Option<string>("--out") { Description = "The private key file to create (PKCS#8 PEM, mode 0600)", Required = true };
        var keyParty = new Option<string>("--party") { Description = "The party's id", Required = true };
        var keygen = new Command("keygen", "Create a party's P-256 key (on the party's own machine); prints the public key the operator registers.") { keyOut, keyParty };
        keygen.SetAction(parse =>
        {
            var name = CliValues.PartyKeyName(parse.GetValue(keyParty)!);
            using var signer = EcdsaNoteSigner.Generate(name);
            CliValues.WriteKey(parse.GetValue(keyOut)!, signer.ExportPkcs8Pem());
            NodeCli.Print("party", parse.GetValue(keyParty));
            NodeCli.Print("key-name", name);
            NodeCli.Print("key-id", signer.KeyId.ToString("x8", CultureInfo.InvariantCulture));
            NodeCli.Print("public-key", Convert.ToBase64String(signer.PublicKey.Span));
            return NodeCli.Ok;
        });
        party.Subcommands.Add(keygen);

        var data = NodeCli.DataOption();
        var id = new Option<string>("--party") { Description = "The party's id", Required = true };
        var key = new Option<string>("--key") { Description = "Its public key, base64 DER SPKI (what 'party keygen' printed)", Required = true };
        var add = new Command("add", "Register a party and its key on the ledger (signed with this operator member's key). A new key for a registered party: 'party rekey-draft', then 'sign', then 'party rekey'.") { data, id, key };
        add.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var result = await node.Lots.RegisterPartyAsync(parse.GetValue(id)!, parse.GetValue(key)!, newKey: false, cancellationToken);
            if (!result.Succeeded)
            {
                return NodeCli.Fail(result.Failure!);
            }
            NodeCli.Print("party", parse.GetValue(id));
            NodeCli.Print("ledger-index", result.Value.Index);
            return NodeCli.Ok;
        });
        party.Subcommands.Add(add);

        var draftData = NodeCli.DataOption();
        var draftParty = new Option<string>("--party") { Description = "The party whose key is replaced", Required = true };
        var draftKey = new Option<string>("--key") { Description = "Its new public key, base64 DER SPKI", Required = true };
        var draftOut = new Option<string>("--out") { Description = "Where to write the statement text", Required = true };
        var rekeyDraft = new Command("rekey-draft", "Write the statement replacing a party's key, for the party to sign with its current key ('sign --key OLD_KEY --party ID'), or a quorum of members to recover a lost key.")
        {
            draftData, draftParty, draftKey, draftOut,
        };
        rekeyDraft.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(draftData)!);
            var draft = node.Lots.DraftPartyKey(parse.GetValue(draftParty)!, parse.GetValue(draftKey)!);
            if (!draft.Succeeded)
            {
                return NodeCli.Fail(draft.Failure!);
            }
            await File.WriteAllTextAsync(parse.GetValue(draftOut)!, draft.Value.Text, cancellationToken);
            NodeCli.Print("out", Path.GetFullPath(parse.GetValue(draftOut)!));
            NodeCli.Print("sign-with", $"the party's current key (key name {InventoryNames.PartyKeyName(parse.GetValue(draftParty)!)}), or members making up the quorum");
            return NodeCli.Ok;
        });
        party.Subcommands.Add(rekeyDraft);

        var rekeyData = NodeCli.DataOption();
        var rekeyParty = new Option<string>("--party") { Description = "The party whose key is replaced", Required = true };
        var rekeyIn = new Option<string>("--in") { Description = "The signed statement (what 'sign' wrote)", Required = true };
        var rekey = new Command("rekey", "Append a party's key replacement signed by its current key (or a quorum of members), adding this operator member's signature.") { rekeyData, rekeyParty, rekeyIn };
        rekey.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(rekeyIn)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"--in {path}: no such file");
            }
            await using var node = NodeCli.Open(parse.GetValue(rekeyData)!);
            var result = await node.Lots.ReplacePartyKeyAsync(parse.GetValue(rekeyParty)!, await File.ReadAllTextAsync(path, cancellationToken), cancellationToken);
            if (!result.Succeeded)
            {
                return NodeCli.Fail(result.Failure!);
            }
            NodeCli.Print("party", parse.GetValue(rekeyParty));
            NodeCli.Print("ledger-index", result.Value.Index);
            return NodeCli.Ok;
        });
        party.Subcommands.Add(rekey);

        var data2 = NodeCli.DataOption();
        var list = new Command("list", "The registered parties.") { data2 };
        list.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data2)!);
            using var lease = node.Readers.Rent();
            foreach (var p in lease.Reader.State.Parties())
            {
                NodeCli.Print("party", $"{p.PartyId} registration={p.RegistrationIndex} key={p.PublicKey}");
            }
            return NodeCli.Ok;
        });
        party.Subcommands.Add(list);
        return party;
    }

    // A delivery cannot be undone, so it says how much: a quantity, or --all (null: what remains).
    private static decimal? DeliveredQuantity(string? quantity, bool all) => (quantity, all) switch
    {
        (null, false) => throw new UsageException("say how much left: --quantity N (part of what remains), or --all (all of it, closing the lot)"),
        ({ }, true) => throw new UsageException("--quantity and --all: give one of them"),
        ({ } q, false) => CliValues.Decimal(q, "--quantity"),
        (null, true) => null,
    };

    private static Command Lot()
    {
        var lot = new Command("lot", "Warehouse receipts: issue, move, deliver, cancel, show, reports and bundles.");
        lot.Subcommands.Add(Issue());

        var moveData = NodeCli.DataOption();
        var moveReceipt = Receipt();
        var zone = new Option<string>("--zone") { Description = "The zone it moved to", Required = true };
        var site = new Option<string?>("--site") { Description = "The site it moved to (default: where it is)" };
        var at = new Option<string?>("--at") { Description = "When, ISO 8601 (default now)" };
        var move = new Command("move", "Record that the whole lot moved.") { moveData, moveReceipt, zone, site, at };
        move.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(moveData)!);
            return Appended(await node.Lots.MoveAsync(parse.GetValue(moveReceipt)!, parse.GetValue(site), parse.GetValue(zone)!, CliValues.Time(parse.GetValue(at), "--at"), cancellationToken));
        });
        lot.Subcommands.Add(move);

        var deliverData = NodeCli.DataOption();
        var deliverReceipt = Receipt();
        var quantity = new Option<string?>("--quantity") { Description = "How much left (part of what remains: splits the lot)" };
        var all = new Option<bool>("--all") { Description = "All that remains left, closing the lot" };
        var epcs = new Option<string[]>("--epc") { Description = "An EPC that left with it (repeatable)" };
        var deliverAt = new Option<string?>("--at") { Description = "When, ISO 8601 (default now)" };
        var deliver = new Command("deliver", "Record a delivery: --quantity N (splits the lot) or --all (closes it). Refused while pledged.") { deliverData, deliverReceipt, quantity, all, epcs, deliverAt };
        deliver.SetAction(async (parse, cancellationToken) =>
        {
            var amount = DeliveredQuantity(parse.GetValue(quantity), parse.GetValue(all));
            await using var node = NodeCli.Open(parse.GetValue(deliverData)!);
            return Appended(await node.Lots.DeliverAsync(parse.GetValue(deliverReceipt)!, amount, parse.GetValue(epcs) ?? [], CliValues.Time(parse.GetValue(deliverAt), "--at"), cancellationToken));
        });
        lot.Subcommands.Add(deliver);

        var draftData = NodeCli.DataOption();
        var draftReceipt = Receipt();
        var draftQuantity = new Option<string?>("--quantity") { Description = "How much leaves (part of what remains)" };
        var draftAll = new Option<bool>("--all") { Description = "All that remains leaves" };
        var draftEpcs = new Option<string[]>("--epc") { Description = "An EPC that leaves (repeatable)" };
        var draftAt = new Option<string?>("--at") { Description = "When, ISO 8601 (default now)" };
        var draftOut = new Option<string>("--out") { Description = "Where to write the statement text", Required = true };
        var deliverDraft = new Command("deliver-draft", "The delivery statement of an enforced lot, for the lender it is held for to sign ('sign --data LENDER_DIR'); then 'lot deliver-signed'.")
        {
            draftData, draftReceipt, draftQuantity, draftAll, draftEpcs, draftAt, draftOut,
        };
        deliverDraft.SetAction(async (parse, cancellationToken) =>
        {
            var amount = DeliveredQuantity(parse.GetValue(draftQuantity), parse.GetValue(draftAll));
            await using var node = NodeCli.Open(parse.GetValue(draftData)!);
            var statement = node.Lots.DraftDelivery(parse.GetValue(draftReceipt)!, amount, parse.GetValue(draftEpcs) ?? [], CliValues.Time(parse.GetValue(draftAt), "--at"));
            if (!statement.Succeeded)
            {
                return NodeCli.Fail(statement.Failure!);
            }
            File.WriteAllText(parse.GetValue(draftOut)!, statement.Value.Text);
            NodeCli.Print("out", Path.GetFullPath(parse.GetValue(draftOut)!));
            return NodeCli.Ok;
        });
        lot.Subcommands.Add(deliverDraft);

        var signedData = NodeCli.DataOption();
        var signedIn = new Option<string>("--in") { Description = "The delivery statement signed by the lender", Required = true };
        var deliverSigned = new Command("deliver-signed", "Add this operator's signature to a delivery the lender signed and append it.") { signedData, signedIn };
        deliverSigned.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(signedIn)!;
            var text = File.Exists(path) ? File.ReadAllText(path) : throw new UsageException($"--in {path}: no such file");
            await using var node = NodeCli.Open(parse.GetValue(signedData)!);
            return Appended(await node.Lots.DeliverSignedAsync(text, cancellationToken));
        });
        lot.Subcommands.Add(deliverSigned);

        var cancelData = NodeCli.DataOption();
        var cancelReceipt = Receipt();
        var reason = new Option<string>("--reason") { Description = "Why (goes on the ledger)", Required = true };
        var cancel = new Command("cancel", "Cancel an issued receipt that is not pledged.") { cancelData, cancelReceipt, reason };
        cancel.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(cancelData)!);
            return Appended(await node.Lots.CancelAsync(parse.GetValue(cancelReceipt)!, parse.GetValue(reason)!.Trim(), cancellationToken));
        });
        lot.Subcommands.Add(cancel);

        var showData = NodeCli.DataOption();
        var showReceipt = Receipt();
        var show = new Command("show", "A lot's status, facts, cargo and pledges.") { showData, showReceipt };
        show.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(showData)!);
            using var lease = node.Readers.Rent();
            if (LotViews.Lot(lease.Reader, parse.GetValue(showReceipt)!, node.Time.GetUtcNow().ToUnixTimeMilliseconds()) is not { } view)
            {
                return NodeCli.Fail(new Firmware.Contracts.Failure(Firmware.Contracts.Ledger.LedgerFailures.UnknownLot, $"no lot has receipt '{parse.GetValue(showReceipt)}'"));
            }
            NodeCli.Print("receipt", view.Receipt);
            NodeCli.Print("status", view.Status);
            NodeCli.Print("lot-index", view.LotIndex);
            NodeCli.Print("product", $"{view.Public.Product}, GTIN {view.Public.Gtin}, batch {view.Public.Batch}");
            NodeCli.Print("stored", $"{view.Site} {view.Zone}");
            NodeCli.Print("quantity", $"{CanonicalValues.Decimal(view.Quantity)} {view.Title.Unit}");
            NodeCli.Print("owner", view.Owner);
            NodeCli.Print("holders", string.Join(", ", view.Holders.Select(h => $"{h.Party} (ledger index {h.Index})")));
            if (view.Frozen is { } frozen)
            {
                NodeCli.Print("frozen", $"since ledger index {frozen}");
            }
            if (view.Expired)
            {
                NodeCli.Print("expired", EvidenceVerifier.Iso(view.Public.ValidUntilMs));
            }
            if (view.SplitFrom is { } parent)
            {
                NodeCli.Print("split-from", parent);
            }
            if (view.MergedFrom.Count > 0)
            {
                NodeCli.Print("merged-from", string.Join(", ", view.MergedFrom));
            }
            foreach (var child in view.Children)
            {
                NodeCli.Print("child", $"{child.Receipt} {CanonicalValues.Decimal(child.Quantity)} {view.Title.Unit}");
            }
            NodeCli.Print("cargo", view.Cargo.Count);
            foreach (var p in view.Pledges)
            {
                NodeCli.Print("pledge", $"{p.Index} {p.Status} lender={p.Lender} {CanonicalValues.Decimal(p.Amount)} {p.Currency} covenants=[{string.Join("; ", p.Covenants)}]");
            }
            return NodeCli.Ok;
        });
        lot.Subcommands.Add(show);

        var listData = NodeCli.DataOption();
        var list = new Command("list", "Every lot and its status.") { listData };
        list.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(listData)!);
            using var lease = node.Readers.Rent();
            foreach (var l in lease.Reader.State.Lots())
            {
                NodeCli.Print("lot", $"{l.Receipt} {l.Status.Name()} {l.Gtin} {l.Batch} {l.Site} {l.Zone} pledge={l.ActivePledge?.ToString(CultureInfo.InvariantCulture) ?? "-"}");
            }
            return NodeCli.Ok;
        });
        lot.Subcommands.Add(list);

        lot.Subcommands.Add(Report());
        lot.Subcommands.Add(ExportBundle());
        lot.Subcommands.Add(ReportLink());
        lot.Subcommands.Add(ReportPdfCommand());
        lot.Subcommands.Add(Epcis());
        return lot;
    }

    private static Command Issue()
    {
        var data = NodeCli.DataOption();
        var receipt = Receipt();
        var site = new Option<string>("--site") { Description = "The site (warehouse), as device enrolments name it", Required = true };
        var zone = new Option<string>("--zone") { Description = "The zone it is stored in", Required = true };
        var product = new Option<string>("--product") { Description = "The goods' name", Required = true };
        var gtin = new Option<string>("--gtin") { Description = "The GTIN (8, 12, 13 or 14 digits)", Required = true };
        var batch = new Option<string>("--batch") { Description = "The batch/lot number (GS1 AI 10)", Required = true };
        var spec = new Option<string?>("--spec") { Description = "The specification (grade, packaging)" };
        var bands = new Option<string[]>("--band") { Description = "A required storage condition QUANTITY:MIN:MAX, e.g. temperature:2:8 (repeatable)", Required = true };
        var issued = new Option<string?>("--issued") { Description = "Issue date, ISO 8601 (default now)" };
        var validUntil = new Option<string>("--valid-until") { Description = "End of the storage term, ISO 8601", Required = true };
        var epcs = new Option<string[]>("--epc") { Description = "An SGTIN EPC URI of the cargo (repeatable)" };
        var arrived = new Option<bool>("--arrived") { Description = "Also list every EPC of this GTIN the readers saw that no open lot holds (see 'cargo arrivals')" };
        var arrivedSince = new Option<string?>("--arrived-since") { Description = "With --arrived: only EPCs first seen at or after this time" };
        var arrivedZone = new Option<string?>("--arrived-zone") { Description = "With --arrived: only EPCs first seen by a reader of this zone (e.g. dock-1)" };
        var depositor = new Option<string>("--depositor") { Description = "The depositor party", Required = true };
        var owner = new Option<string?>("--owner") { Description = "The owner party (default the depositor)" };
        var quantity = new Option<string>("--quantity") { Description = "The quantity deposited", Required = true };
        var unit = new Option<string>("--unit") { Description = "Its unit, e.g. carton, kg", Required = true };
        var insurance = new Option<string?>("--insurance") { Description = "The insurance policy reference" };
        var command = new Command("issue", "Issue a warehouse receipt: its title (private part) and lot (public facts committing to the title), signed with this operator member's key.")
        {
            data, receipt, site, zone, product, gtin, batch, spec, bands, issued, validUntil, epcs, arrived, arrivedSince, arrivedZone, depositor, owner, quantity, unit, insurance,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Gtin.TryParse(parse.GetValue(gtin), out var parsedGtin, out var gtinError))
            {
                throw new UsageException($"--gtin: {gtinError}");
            }
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var cargo = (parse.GetValue(epcs) ?? []).ToList();
            if (parse.GetValue(arrived))
            {
                using var lease = node.Readers.Rent();
                cargo.AddRange(LotViews.Arrivals(lease.Reader, parsedGtin.Value, CliValues.Time(parse.GetValue(arrivedSince), "--arrived-since") ?? 0, parse.GetValue(arrivedZone))
                    .Select(a => a.Epc).Where(e => !cargo.Contains(e)));
            }
            var request = new LotRequest
            {
                Receipt = parse.GetValue(receipt), Site = parse.GetValue(site), Zone = parse.GetValue(zone), Product = parse.GetValue(product), Gtin = parsedGtin.Value,
                Batch = parse.GetValue(batch), Specification = parse.GetValue(spec),
                Bands = (parse.GetValue(bands) ?? []).Select(CliValues.Band).Select(b => new BandModel(b.Quantity, b.Min, b.Max)).ToList(),
                IssuedMs = CliValues.Time(parse.GetValue(issued), "--issued"), ValidUntilMs = CliValues.Time(parse.GetValue(validUntil), "--valid-until"), Epcs = cargo,
                Depositor = parse.GetValue(depositor), Owner = parse.GetValue(owner), Quantity = CliValues.Decimal(parse.GetValue(quantity)!, "--quantity"),
                Unit = parse.GetValue(unit), Insurance = parse.GetValue(insurance),
            };
            var parts = LotViews.FromRequest(request, node.Time.GetUtcNow().ToUnixTimeMilliseconds());
            if (!parts.Succeeded)
            {
                throw new UsageException(parts.Failure!.Message);
            }
            var result = await node.Lots.IssueAsync(parts.Value.Title, parts.Value.Lot, cancellationToken);
            if (!result.Succeeded)
            {
                return NodeCli.Fail(result.Failure!);
            }
            NodeCli.Print("receipt", result.Value.Receipt);
            NodeCli.Print("title-index", result.Value.TitleIndex);
            NodeCli.Print("lot-index", result.Value.LotIndex);
            NodeCli.Print("epcs", cargo.Count);
            return NodeCli.Ok;
        });
        return command;
    }

    private static (Option<string?> Pledge, Option<string?> From, Option<string?> To, Option<int?> Threshold, Option<bool> Public) ReportOptions() => (
        new Option<string?>("--pledge") { Description = "The pledge (ledger index) to report on; default the active, else the latest" },
        new Option<string?>("--from") { Description = "A custom analysis (labelled as such, never the pledge's verdict): window start, ISO 8601; needs --to" },
        new Option<string?>("--to") { Description = "A custom analysis: window end, ISO 8601; needs --from" },
        new Option<int?>("--threshold") { Description = "Member signatures the proof needs (default the consortium's quorum)" },
        new Option<bool>("--public") { Description = "The public view: no title, pledges, lenders or amounts" });

    private static LotBundleRequest Request(ParseResult parse, (Option<string?> Pledge, Option<string?> From, Option<string?> To, Option<int?> Threshold, Option<bool> Public) o) => new()
    {
        Public = parse.GetValue(o.Public),
        Pledge = parse.GetValue(o.Pledge) is { } p ? long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : throw new UsageException($"--pledge {p}: a ledger index") : null,
        Custom = Custom(CliValues.Time(parse.GetValue(o.From), "--from"), CliValues.Time(parse.GetValue(o.To), "--to")),
    };

    private static BundleCustom? Custom(long? from, long? to) => (from, to) switch
    {
        (null, null) => null,
        ({ } f, { } t) when t > f => new BundleCustom(f, t, Firmware.Contracts.Conditions.MeanKineticTemperature.DefaultActivationEnergyK, EvidenceVerifier.DefaultIntervalMs, 0),
        ({ }, { }) => throw new UsageException("--to must be after --from"),
        _ => throw new UsageException("a custom analysis needs both --from and --to; without them the report uses the pledge's or the lot's signed terms"),
    };

    private static Command Report()
    {
        var data = NodeCli.DataOption();
        var receipt = Receipt();
        var o = ReportOptions();
        var json = new Option<bool>("--json") { Description = "Print the report's JSON (as 'Verifier report --json')" };
        var command = new Command("report", "A lot's condition report, computed from its verified evidence bundle.") { data, receipt, o.Pledge, o.From, o.To, o.Threshold, o.Public, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            await SignAsync(node, cancellationToken);
            var report = node.Reports.Build(parse.GetValue(receipt)!, Request(parse, o), parse.GetValue(o.Threshold));
            if (!report.Succeeded)
            {
                return NodeCli.Fail(report.Failure!);
            }
            var c = report.Value.Conditions;
            if (parse.GetValue(json))
            {
                Console.WriteLine(c.ToJson());
                return NodeCli.Ok;
            }
            NodeCli.Print("receipt", parse.GetValue(receipt));
            NodeCli.Print("terms", c.Terms == ReportTerms.CustomTerms ? "custom analysis (not a verdict on any pledge)" : c.Pledge is { } p ? $"pledge {p} (signed terms)" : "the lot's own history (signed terms)");
            NodeCli.Print("window", $"{EvidenceVerifier.Iso(c.Parameters.FromMs)} to {EvidenceVerifier.Iso(c.Parameters.ToMs)}");
            NodeCli.Print("range", c.Verdict.Range);
            NodeCli.Print("excursions", c.ExcursionCount);
            foreach (var s in c.Sensors)
            {
                NodeCli.Print("sensor", $"{s.DeviceId} {s.SensorId} {s.Quantity} {s.Zone} readings={s.Received}/{s.Expected} min={Round(s.Min)} max={Round(s.Max)} mean={Round(s.Mean)} mkt={Round(s.Mkt)} {s.Unit} out-of-range={CanonicalValues.Duration(s.TimeOutOfRangeMs)} gaps={s.Gaps.Count}");
            }
            foreach (var covenant in c.Covenants)
            {
                NodeCli.Print("covenant", $"{covenant.Covenant}: {covenant.Status}");
            }
            foreach (var reason in c.Verdict.Reasons)
            {
                NodeCli.Print("cannot-evaluate", reason);
            }
            NodeCli.Print("proof", report.Value.Proof.Verified ? $"verified {report.Value.Evidence.AsOf}" : $"not verified: {report.Value.Proof.Failure}");
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command ExportBundle()
    {
        var data = NodeCli.DataOption();
        var receipt = Receipt();
        var o = ReportOptions();
        var output = new Option<string>("--out") { Description = "The bundle file to write", Required = true };
        var command = new Command("export-bundle", "Write a lot's evidence bundle ('Verifier report' recomputes the report from it; --public for the consumers' proof).")
        {
            data, receipt, o.Pledge, o.From, o.To, o.Public, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            await SignAsync(node, cancellationToken);
            var exported = node.LotExporter.Export(parse.GetValue(receipt)!, Request(parse, o));
            if (!exported.Succeeded)
            {
                return NodeCli.Fail(exported.Failure!);
            }
            foreach (var warning in exported.Value.Warnings)
            {
                await Console.Error.WriteLineAsync($"warning: {warning}");
            }
            var path = parse.GetValue(output)!;
            await using (var file = File.Create(path))
            {
                exported.Value.Bundle.WriteTo(file);
            }
            NodeCli.Print("out", Path.GetFullPath(path));
            NodeCli.Print("entries", exported.Value.Bundle.Entries.Count);
            NodeCli.Print("readings", exported.Value.Bundle.Devices.Sum(d => d.Leaves.Count));
            NodeCli.Print("check", VerifyCommand.Format("report", Path.GetFullPath(path), MemberKeys(node)));
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command ReportLink()
    {
        var data = NodeCli.DataOption();
        var receipt = Receipt();
        var link = LinkOptions.For("lender's");
        var command = new Command("report-link", "Print a link to the lot's report page that works without an API key, for the given time.") { data, receipt, link.BaseUrl, link.Hours };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (baseUrl, lifetime) = link.Read(parse);
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            using (var lease = node.Readers.Rent())
            {
                if (lease.Reader.State.Lot(parse.GetValue(receipt)!) is null)
                {
                    return NodeCli.Fail(new Firmware.Contracts.Failure(Firmware.Contracts.Ledger.LedgerFailures.UnknownLot, $"no lot has receipt '{parse.GetValue(receipt)}'"));
                }
            }
            var (token, expires) = node.ReportLinks.Create(parse.GetValue(receipt)!, lifetime);
            NodeCli.Print("url", baseUrl + ReportLinks.PagePath(parse.GetValue(receipt)!, token));
            NodeCli.Print("expires", EvidenceVerifier.Iso(expires));
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command ReportPdfCommand()
    {
        var data = NodeCli.DataOption();
        var receipt = Receipt();
        var o = ReportOptions();
        var link = LinkOptions.For("lender's");
        var output = new Option<string>("--out") { Description = "The PDF file to write", Required = true };
        var bundleOut = new Option<string?>("--bundle-out") { Description = "Also write the evidence bundle the report was computed from (the PDF names its SHA-256)" };
        var language = new Option<string>("--lang") { Description = "The report's language: en (default) or zh (Chinese; needs a CJK font, Debian's fonts-wqy-zenhei)", DefaultValueFactory = _ => "en" };
        var command = new Command("report-pdf", "Write the lot's condition report as a PDF (verdict as of its checkpoint, chart, covenants in words, signatures and their meaning, a QR code to a report link, the bundle's SHA-256 and the verify command).")
        {
            data, receipt, o.Pledge, o.From, o.To, o.Threshold, link.BaseUrl, link.Hours, output, bundleOut, language,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (baseUrl, lifetime) = link.Read(parse);
            var lang = ReportWords.FromCode(parse.GetValue(language)) ?? throw new UsageException($"--lang {parse.GetValue(language)}: en or zh");
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            await SignAsync(node, cancellationToken);
            var report = node.Reports.Build(parse.GetValue(receipt)!, Request(parse, o), parse.GetValue(o.Threshold));
            if (!report.Succeeded)
            {
                return NodeCli.Fail(report.Failure!);
            }
            var (token, _) = node.ReportLinks.Create(parse.GetValue(receipt)!, lifetime);
            var keys = report.Value.Evidence.Members.Select(m => $"{m.Name}={m.PublicKey}").ToList();
            var pageUrl = baseUrl + ReportLinks.PagePath(parse.GetValue(receipt)!, token) + (lang == ReportLanguage.Chinese ? "&lang=zh" : "");
            byte[] pdf;
            try
            {
                pdf = ReportPdf.Render(report.Value, new ReportPdfContext(ReportEndpoints.PledgeOf(node, report.Value), pageUrl, keys, lang));
            }
            catch (ReportFontMissingException e)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}");
                return NodeCli.Usage;
            }
            await File.WriteAllBytesAsync(parse.GetValue(output)!, pdf, cancellationToken);
            if (parse.GetValue(bundleOut) is { } bundle)
            {
                await File.WriteAllBytesAsync(bundle, report.Value.Bundle.Bundle.ToJson(), cancellationToken);
                NodeCli.Print("bundle", Path.GetFullPath(bundle));
            }
            NodeCli.Print("verdict", ReportWords.Verdict(report.Value.Conditions.Verdict, lang));
            NodeCli.Print("pdf", Path.GetFullPath(parse.GetValue(output)!));
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command Epcis()
    {
        var data = NodeCli.DataOption();
        var receipt = Receipt();
        var output = new Option<string?>("--out") { Description = "The file to write (default: standard output)" };
        var command = new Command("epcis", "Write the lot's events as an EPCIS 2.0 JSON-LD document (as GET /v1/lots/{receipt}/epcis), from its verified evidence bundle.")
        {
            data, receipt, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            await SignAsync(node, cancellationToken);
            var document = node.Epcis.Export(parse.GetValue(receipt)!);
            if (!document.Succeeded)
            {
                return NodeCli.Fail(document.Failure!);
            }
            if (parse.GetValue(output) is not { } path)
            {
                await using var stdout = Console.OpenStandardOutput();
                await stdout.WriteAsync(document.Value, cancellationToken);
                return NodeCli.Ok;
            }
            await File.WriteAllBytesAsync(path, document.Value, cancellationToken);
            NodeCli.Print("epcis", Path.GetFullPath(path));
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command Cargo()
    {
        var cargo = new Command("cargo", "RFID reads of cargo.");
        var data = NodeCli.DataOption();
        var gtin = new Option<string?>("--gtin") { Description = "Only EPCs of this GTIN" };
        var since = new Option<string?>("--since") { Description = "Only EPCs first seen at or after this time, ISO 8601" };
        var zone = new Option<string?>("--zone") { Description = "Only EPCs first seen by a reader of this zone (e.g. dock-1)" };
        var arrivals = new Command("arrivals", "EPCs the readers saw that no open lot holds: one line each, first sighting.") { data, gtin, since, zone };
        arrivals.SetAction(async (parse, cancellationToken) =>
        {
            string? normalised = null;
            if (parse.GetValue(gtin) is { } g)
            {
                normalised = Gtin.TryParse(g, out var parsed, out var error) ? parsed.Value : throw new UsageException($"--gtin: {error}");
            }
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            using var lease = node.Readers.Rent();
            foreach (var a in LotViews.Arrivals(lease.Reader, normalised, CliValues.Time(parse.GetValue(since), "--since") ?? 0, parse.GetValue(zone)))
            {
                NodeCli.Print("epc", $"{a.Epc} gtin={a.Gtin} serial={a.Serial} first-seen={EvidenceVerifier.Iso(a.FirstSeenMs)} zone={a.Zone} reader={a.Reader} device={a.Device}");
            }
            return NodeCli.Ok;
        });
        cargo.Subcommands.Add(arrivals);
        return cargo;
    }

    internal static Option<string> Receipt() => new("--receipt") { Description = "The receipt number", Required = true };

    internal static int Appended(Firmware.Contracts.Result<Ledger.AppendedEntry> result)
    {
        if (!result.Succeeded)
        {
            return NodeCli.Fail(result.Failure!);
        }
        NodeCli.Print("kind", result.Value.Entry.Kind);
        NodeCli.Print("ledger-index", result.Value.Index);
        return NodeCli.Ok;
    }

    internal static IEnumerable<string> MemberKeys(Runtime.NodeRuntime node)
    {
        using var lease = node.Readers.Rent();
        return lease.Reader.State.Members().Select(m => $"{m.Name}={m.PublicKey}").ToList();
    }

    // A bundle needs a checkpoint over the newest entries; this member may sign one.
    internal static async Task SignAsync(Runtime.NodeRuntime node, CancellationToken cancellationToken)
    {
        try
        {
            await node.Checkpointer.SignIfGrownAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or Ledger.LedgerWriteException or Microsoft.Data.Sqlite.SqliteException)
        {
            await Console.Error.WriteLineAsync($"warning: not signing a checkpoint: {e.Message}");
        }
    }

    private static string Round(double? value) => value?.ToString("0.##", CultureInfo.InvariantCulture) ?? "-";
}
