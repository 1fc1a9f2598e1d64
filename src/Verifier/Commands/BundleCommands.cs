using System.CommandLine;
using System.Globalization;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;

namespace Verifier.Commands;

/// <summary><c>bundle FILE</c>: an evidence bundle, checked offline against member keys.</summary>
internal static class BundleCommands
{
    public static void AddTo(RootCommand root)
    {
        var file = new Argument<string>("FILE") { Description = "The evidence bundle (JSON), as 'edgetrace node lot export-bundle' or the node's /bundle endpoints write it" };
        var options = new EvidenceOptions();
        var bundle = new Command("bundle", "Verify an evidence bundle: the ledger checkpoint's signatures (the consortium's quorum by default), every entry's inclusion, the state proofs that show nothing was left out, the enrolments, anchors and every reading. Prints what it proves and exits 0, or names the first thing that failed and exits 1.")
        {
            file,
        };
        foreach (var option in options.All)
        {
            bundle.Options.Add(option);
        }
        bundle.SetAction(parse =>
        {
            var policy = options.Read(parse);
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
        Console.WriteLine($"ledger: {checkpoint.Origin} size {checkpoint.Size} at {EvidenceVerifier.Iso(summary.CheckpointTimeMs)}, signed by {string.Join(", ", summary.Signers)}");
        EvidenceOptions.PrintTrust(summary);
        Console.WriteLine($"members: {string.Join(", ", summary.Members.Select(m => $"{m.Name} ({MemberRoleNames.Format(m.Roles)})"))}; quorum {summary.Quorum}");
        foreach (var device in summary.Devices)
        {
            var enrol = device.Enrolment;
            var where = string.Join(", ", new[] { enrol.Site is null ? null : "site " + enrol.Site, enrol.Zone is null ? null : "zone " + enrol.Zone }.Where(s => s is not null));
            Console.WriteLine($"device: {device.DeviceId}{(where.Length > 0 ? $" ({where})" : "")}, enrolled at ledger index {device.EnrolmentIndex} by {device.EnrolledBy}"
                + (device.State.Revocation is { } revoked ? $", revoked at ledger index {revoked}" : "")
                + (device.State.Equivocation is { } equivocation ? $", EQUIVOCATED at ledger index {equivocation}: its readings cannot be relied on" : ""));
            Console.WriteLine($"sensors: {(enrol.Sensors.Count == 0 ? "(none listed)" : string.Join(", ", enrol.Sensors.Select(s => s.ToValue())))}");
            var readings = device.Readings;
            if (readings.Count == 0)
            {
                Console.WriteLine($"readings: 0 ({(device.State.Size == 0 ? "nothing anchored" : $"of {device.State.Size} anchored")})");
            }
            else
            {
                var from = readings.Min(r => r.Content.TimeMs);
                var to = readings.Max(r => r.Content.TimeMs);
                var end = device.First + readings.Count - 1;
                Console.WriteLine($"readings: {readings.Count} (seq {device.First}..{end}, none missing; {(device.ReachesAnchoredEnd ? "up to the last anchored" : $"{device.State.Size - end - 1} anchored after them not included")}) from {EvidenceVerifier.Iso(from)} to {EvidenceVerifier.Iso(to)}");
                var kinds = readings.GroupBy(r => r.Content.Kind == Firmware.Contracts.Readings.LeafKind.Measurement || r.Content.Kind == Firmware.Contracts.Readings.LeafKind.Observation
                        ? $"{r.Content.SensorId}/{r.Content.Quantity}"
                        : r.Content.Kind.ToString().ToLowerInvariant())
                    .OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count()}"));
                Console.WriteLine($"by-sensor: {string.Join(", ", kinds)}");
            }
            if (device.AnchorIndex is { } anchor)
            {
                Console.WriteLine($"anchor: ledger index {anchor} (the device's last at this checkpoint), device checkpoint size {device.DeviceCheckpoint!.Size}, received {EvidenceVerifier.Iso(device.AnchorReceivedMs!.Value)}");
            }
        }
        if (summary.Lot is { } lot)
        {
            var l = lot.Lot;
            Console.WriteLine($"lot: {l.Receipt} at ledger index {lot.LotIndex}, issued by {lot.IssuedBy}: {l.Product}, GTIN {l.Gtin}, batch {l.Batch}, {l.Site} {l.Zone}, {l.Epcs.Count} EPCs, {lot.Moves.Count} moves (the location chain is complete)");
            Console.WriteLine(lot.Title is { } title
                ? $"title: depositor {title.Depositor}, owner {title.Owner}, matches the lot's commitment"
                : "title: not in this bundle (a public proof)");
            if (lot.Events is { } events)
            {
                Console.WriteLine($"status: {lot.Status?.Name()}; {events.Count} entries ({string.Join(", ", events.Select(e => $"{e.Kind} {e.Index}"))}), the chain complete up to this checkpoint");
            }
            Console.WriteLine($"devices-needed: {string.Join(", ", lot.RequiredDevices)} (every device the lot's sites and zones list, each complete over the window)");
            var terms = lot.Report;
            Console.WriteLine($"report: {EvidenceVerifier.Iso(terms.Parameters.FromMs)} to {EvidenceVerifier.Iso(terms.Parameters.ToMs)}, "
                + (terms.IsCustom ? "CUSTOM ANALYSIS (window and parameters chosen at export, not a verdict on any pledge)"
                    : terms.Pledge is { } p ? $"pledge {p.Index} on its signed terms" : "the lot's own history on its signed terms")
                + " (run 'verify report' for the numbers)");
        }
    }
}
