using System.CommandLine;
using System.Globalization;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Ledger;

namespace Verifier.Commands;

/// <summary><c>bundle FILE</c>: an evidence bundle, checked offline against member keys.</summary>
internal static class BundleCommands
{
    public static void AddTo(RootCommand root)
    {
        var file = new Argument<string>("FILE") { Description = "The evidence bundle (JSON), as 'AnchorNode export-bundle' or the node's /bundle endpoint writes it" };
        var keys = new Option<string[]>("--key") { Description = "A trusted member key as NAME=BASE64_SPKI (repeatable)", Required = true };
        var threshold = new Option<int?>("--threshold") { Description = "How many distinct trusted member keys must have signed the ledger checkpoint (default 1)" };
        var bundle = new Command("bundle", "Verify an evidence bundle: ledger checkpoint signatures, every entry's inclusion, the enrolment, the anchor and every reading. Prints what it proves and exits 0, or names the first thing that failed and exits 1.")
        {
            file, keys, threshold,
        };
        bundle.SetAction(parse =>
        {
            var policy = Cli.ParsePolicy(parse.GetValue(keys), parse.GetValue(threshold));
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"FILE: no such file '{path}'");
            }
            var result = EvidenceVerifier.Verify(File.ReadAllBytes(path), policy);
            if (!result.Succeeded)
            {
                Console.WriteLine($"failed: {result.Failure}");
                return Cli.Failed;
            }
            Print(result.Value, path);
            return Cli.Verified;
        });
        root.Subcommands.Add(bundle);
    }

    private static void Print(EvidenceSummary summary, string path)
    {
        var checkpoint = summary.LedgerCheckpoint;
        Console.WriteLine($"verified: {path}");
        Console.WriteLine($"consortium: {summary.Consortium}");
        Console.WriteLine($"ledger: {checkpoint.Origin} size {checkpoint.Size}{(checkpoint.TimeMs is { } t ? " at " + EvidenceVerifier.Iso(t) : "")}, signed by {string.Join(", ", summary.Signers)}");
        Console.WriteLine($"members: {string.Join(", ", summary.Members.Select(m => $"{m.Name} ({MemberRoleNames.Format(m.Roles)})"))}");
        foreach (var device in summary.Devices)
        {
            var enrol = device.Enrolment;
            var where = string.Join(", ", new[] { enrol.Site is null ? null : "site " + enrol.Site, enrol.Zone is null ? null : "zone " + enrol.Zone }.Where(s => s is not null));
            Console.WriteLine($"device: {device.DeviceId}{(where.Length > 0 ? $" ({where})" : "")}, enrolled at ledger index {device.EnrolmentIndex} by {device.EnrolledBy}");
            Console.WriteLine($"sensors: {(enrol.Sensors.Count == 0 ? "(none listed)" : string.Join(", ", enrol.Sensors.Select(s => s.ToValue())))}");
            var readings = device.Readings;
            if (readings.Count == 0)
            {
                Console.WriteLine("readings: 0");
            }
            else
            {
                var from = readings.Min(r => r.Content.TimeMs);
                var to = readings.Max(r => r.Content.TimeMs);
                Console.WriteLine($"readings: {readings.Count} (seq {readings[0].Content.Sequence}..{readings[^1].Content.Sequence}, none missing) from {EvidenceVerifier.Iso(from)} to {EvidenceVerifier.Iso(to)}");
                var kinds = readings.GroupBy(r => r.Content.Kind == Firmware.Contracts.Readings.LeafKind.Measurement || r.Content.Kind == Firmware.Contracts.Readings.LeafKind.Observation
                        ? $"{r.Content.SensorId}/{r.Content.Quantity}"
                        : r.Content.Kind.ToString().ToLowerInvariant())
                    .OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count()}"));
                Console.WriteLine($"by-sensor: {string.Join(", ", kinds)}");
            }
            Console.WriteLine($"anchor: ledger index {device.AnchorIndex}, device checkpoint size {device.DeviceCheckpoint.Size}, received {EvidenceVerifier.Iso(device.AnchorReceivedMs)}");
        }
        if (summary.Lot is { } lot)
        {
            var l = lot.Lot;
            Console.WriteLine($"lot: {l.Receipt} at ledger index {lot.LotIndex}, issued by {lot.IssuedBy}: {l.Product}, GTIN {l.Gtin}, batch {l.Batch}, {l.Site} {l.Zone}, {l.Epcs.Count} EPCs, {lot.Moves.Count} moves");
            Console.WriteLine(lot.Title is { } title
                ? $"title: depositor {title.Depositor}, owner {title.Owner}, matches the lot's commitment"
                : "title: not in this bundle (a public proof)");
            if (lot.Events is { } events)
            {
                Console.WriteLine($"status: {events.Count} entries ({string.Join(", ", events.Select(e => $"{e.Kind} {e.Index}"))}), chained without gaps");
            }
            if (lot.Report is { } report)
            {
                Console.WriteLine($"report: {EvidenceVerifier.Iso(report.FromMs)} to {EvidenceVerifier.Iso(report.ToMs)}{(lot.ReportPledge is { } p ? $", pledge {p.Index}" : "")} (run 'Verifier report' for the numbers)");
            }
        }
    }
}
