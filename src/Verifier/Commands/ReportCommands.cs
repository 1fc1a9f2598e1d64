using System.CommandLine;
using System.Globalization;
using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;

namespace Verifier.Commands;

/// <summary>
/// <c>report BUNDLE</c>: verifies a lot bundle like <c>bundle</c> does, then recomputes the lot's
/// condition report (storage history, per-sensor statistics and MKT, excursions, gaps, faults,
/// covenants) from what the bundle proves alone, and prints it (or its JSON with <c>--json</c>,
/// the <c>conditions</c> object the node's report serves).
/// </summary>
internal static class ReportCommands
{
    public static void AddTo(RootCommand root)
    {
        var file = new Argument<string>("BUNDLE") { Description = "A lot evidence bundle (the node's /v1/lots/RECEIPT/bundle, or a public proof)" };
        var options = new EvidenceOptions();
        var json = new Option<bool>("--json") { Description = "Print the report as JSON (the 'conditions' object of the node's report)" };
        var report = new Command("report", "Verify a lot bundle and recompute its condition report (MKT, excursions, gaps, covenants) from the bundle alone, on the pledge's or the lot's signed terms. "
            + "Exit 0: verified and judged (held, or breached / out of range); 3: verified, but the evidence does not cover the window, so it cannot be evaluated; 1: not verified; 2: bad arguments.")
        {
            file, json,
        };
        foreach (var option in options.All)
        {
            report.Options.Add(option);
        }
        report.SetAction(parse =>
        {
            var policy = options.Read(parse);
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"BUNDLE: no such file '{path}'");
            }
            var summary = EvidenceVerifier.Verify(File.ReadAllBytes(path), policy);
            if (!summary.Succeeded)
            {
                Console.WriteLine($"failed: {summary.Failure}");
                return Cli.Failed;
            }
            var conditions = LotConditions.Compute(summary.Value);
            if (!conditions.Succeeded)
            {
                Console.WriteLine($"failed: {conditions.Failure}");
                return Cli.Failed;
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(conditions.Value.ToJson());
            }
            else
            {
                Print(path, summary.Value, conditions.Value);
            }
            return conditions.Value.Verdict.Evaluated ? Cli.Verified : Cli.CannotBeEvaluated;
        });
        root.Subcommands.Add(report);
    }

    private static void Print(string path, EvidenceSummary summary, ConditionReport report)
    {
        var lot = summary.Lot!;
        var l = lot.Lot;
        var checkpoint = summary.LedgerCheckpoint;
        Console.WriteLine($"verified: {path}");
        Console.WriteLine($"ledger: {checkpoint.Origin} size {checkpoint.Size} at {Iso(summary.CheckpointTimeMs)}, signed by {string.Join(", ", summary.Signers)}");
        EvidenceOptions.PrintTrust(summary);
        Console.WriteLine($"lot: {l.Receipt} (ledger index {lot.LotIndex}, issued by {lot.IssuedBy}): {l.Product}, GTIN {l.Gtin}, batch {l.Batch}{(l.Specification is null ? "" : ", " + l.Specification)}");
        Console.WriteLine($"stored: {l.Site} {l.Zone} from {Iso(l.IssuedMs)}, valid until {Iso(l.ValidUntilMs)}; {l.Epcs.Count} EPCs; {lot.Moves.Count} moves");
        Console.WriteLine($"required: {string.Join("; ", l.Bands.Select(b => $"{b.Quantity} {CanonicalValues.Decimal(b.Min)}..{CanonicalValues.Decimal(b.Max)} {b.Unit}"))}");
        if (lot.Title is { } title)
        {
            Console.WriteLine($"title: depositor {title.Depositor}, owner {title.Owner}, {CanonicalValues.Decimal(title.Quantity)} {title.Unit}{(title.Insurance is null ? "" : ", insurance " + title.Insurance)} (ledger index {lot.TitleIndex}, matches the lot's commitment)");
        }
        else
        {
            Console.WriteLine("title: not in this bundle (a public proof)");
        }
        foreach (var pledge in lot.Pledges)
        {
            var p = pledge.Statement;
            Console.WriteLine($"pledge: ledger index {pledge.Index}, lender {pledge.Lender}{(pledge.Lender != p.Lender ? $" (from {p.Lender})" : "")}, owner {p.Owner} consented, "
                + $"{CanonicalValues.Decimal(p.Amount)} {p.Currency}, term {Iso(p.StartMs)} to {Iso(p.EndMs)}, "
                + (pledge.EndedBy is { } ended ? $"{pledge.EndedHow} at ledger index {ended} ({Iso(pledge.EndedAtMs!.Value)})" : "active"));
        }
        var par = report.Parameters;
        Console.WriteLine($"terms: {(lot.Report.IsCustom ? "CUSTOM ANALYSIS: window and parameters chosen by whoever exported the bundle; this is not the verdict on any pledge"
            : lot.Report.Pledge is { } p2 ? $"pledge {p2.Index}, as its lender and owner signed it (window from its start to the earlier of its end and the checkpoint)" : "the lot's own history since its issue, with the parameters its receipt states")}");
        Console.WriteLine($"window: {Iso(par.FromMs)} to {Iso(par.ToMs)}; ΔH/R {par.ActivationEnergyK.ToString("0.###", CultureInfo.InvariantCulture)} K, interval {CanonicalValues.Duration(par.IntervalMs)}, "
            + $"delay {CanonicalValues.Duration(par.DelayMs)}{(par.CumulativeMs is { } allowance ? ", cumulative allowance " + CanonicalValues.Duration(allowance) : "")}");
        foreach (var s in report.Storage)
        {
            Console.WriteLine($"storage: {s.Site} {s.Zone} from {Iso(s.FromMs)} to {Iso(s.ToMs)}");
        }
        foreach (var s in report.Suppressed ?? [])
        {
            // Suppression delays alarms and hides nothing: the readings below include the span.
            Console.WriteLine($"suppressed {s.Zone} {s.Reason} {Iso(s.FromMs)} to {(s.ToMs is { } to ? Iso(to) : "open")} (device {s.DeviceId}): alarms suppressed; readings shown");
        }
        foreach (var s in report.Sensors)
        {
            Console.WriteLine($"sensor: {s.DeviceId} {s.SensorId} {s.Quantity} ({s.Zone}): {s.Received} of {s.Expected} readings ({(s.Completeness * 100).ToString("0.0", CultureInfo.InvariantCulture)}%)"
                + (s.Count == 0 ? "" : $", min {N(s.Min)} max {N(s.Max)} mean {N(s.Mean)}{(s.Mkt is null ? "" : $" MKT {N(s.Mkt)}")} {s.Unit}")
                + (report.Bands.Any(b => b.Quantity == s.Quantity)
                    ? $", out of range {CanonicalValues.Duration(s.TimeOutOfRangeMs)}{(s.CumulativeExceeded ? " (over the allowance)" : "")}"
                    : $", no band for {s.Quantity} on this receipt"));
            if (s.Calibration is { } calibration)
            {
                Console.WriteLine($"  {calibration.Describe()}");
            }
            foreach (var e in s.Excursions)
            {
                Console.WriteLine($"  excursion {e.Side} {CanonicalValues.Decimal(e.Limit)}: {Iso(e.StartMs)} to {Iso(e.EndMs)} ({CanonicalValues.Duration(e.DurationMs)}), peak {N(e.Peak)}{(e.Ongoing ? ", open" : "")}");
            }
            foreach (var g in s.Gaps)
            {
                Console.WriteLine($"  gap: {Iso(g.FromMs)} to {Iso(g.ToMs)} ({CanonicalValues.Duration(g.DurationMs)})");
            }
            foreach (var f in s.Faults)
            {
                Console.WriteLine($"  fault: {f.Code} at {Iso(f.TimeMs)}");
            }
        }
        foreach (var u in report.Uncovered)
        {
            Console.WriteLine($"uncovered: {(u.Reason == UncoveredInterval.NoSensor ? $"no {u.Quantity} sensor" : $"no {u.Quantity} reading")} in {u.Zone} from {Iso(u.FromMs)} to {Iso(u.ToMs)}");
        }
        foreach (var c in report.Covenants)
        {
            Console.WriteLine($"covenant: '{c.Covenant}' {Words(c.Status)}");
            foreach (var b in c.Breaches)
            {
                Console.WriteLine($"  {b.DeviceId} {b.SensorId}: {Iso(b.StartMs)} to {Iso(b.EndMs)} ({CanonicalValues.Duration(b.DurationMs)}), exceeded at {Iso(b.ExceededAtMs)}, peak {N(b.Peak)}");
            }
        }
        var verdict = report.Verdict;
        Console.WriteLine($"verdict: {(verdict.Range == ConditionVerdict.OutOfRange ? $"out of range ({report.ExcursionCount} excursion(s){(report.Sensors.Any(s => s.CumulativeExceeded) ? ", allowance exceeded" : "")})" : Words(verdict.Range))}"
            + (report.Covenants.Count == 0 ? "" : $", covenants {Words(verdict.Covenants)}")
            + (lot.Report.IsCustom ? " (custom analysis)" : "")
            + $", {summary.AsOf}");
        foreach (var reason in verdict.Reasons)
        {
            Console.WriteLine($"cannot-evaluate: {reason}");
        }
        // Overdue or missing calibrations change no verdict (spec-ledger §7.2), but the reader sees them.
        foreach (var flag in verdict.Calibration ?? [])
        {
            Console.WriteLine($"calibration flag: {flag}");
        }
    }

    private static string Words(string status) => status switch
    {
        ConditionVerdict.WithinRange => "within range",
        ConditionVerdict.OutOfRange => "out of range",
        ConditionVerdict.CannotBeEvaluated => "cannot be evaluated",
        _ => status,
    };

    private static string Iso(long ms) => EvidenceVerifier.Iso(ms);

    private static string N(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "-";
}
