using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Tests.Evidence;
using Json.Schema;

namespace Firmware.Contracts.Tests.Spec;

/// <summary>
/// docs/vectors/report/: a lender's lot bundle (a chiller excursion breaching the pledge's covenant, the chiller probe's calibration applied and overdue)
/// and the condition report JSON it must give, verified with the fixed member keys Alpha (warehouse)
/// and Beta (bank); and both documents against the published JSON Schemas in docs/schemas. Set
/// EDGETRACE_WRITE_VECTORS=1 to write the bundle and the report again (new signatures, same facts).
/// </summary>
public sealed class ReportVectorsTests
{
    private static readonly string Folder = Path.Combine(SpecPaths.Vectors, "report");
    private static readonly string BundleFile = Path.Combine(Folder, "lot-bundle.json");
    private static readonly string ReportFile = Path.Combine(Folder, "report.json");
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static EvidencePolicy Keys() =>
        new([TestKeys.Verifier("warehouse", TestKeys.AlphaSpki), TestKeys.Verifier("bank", TestKeys.BetaSpki)]);

    [Fact]
    public void TheBundle_GivesTheReportInTheFile()
    {
        if (Environment.GetEnvironmentVariable("EDGETRACE_WRITE_VECTORS") == "1")
        {
            Write();
        }
        var summary = EvidenceVerifier.Verify(File.ReadAllBytes(BundleFile), Keys());
        Assert.True(summary.Succeeded, summary.ToString());
        var report = LotConditions.Compute(summary.Value);
        Assert.True(report.Succeeded, report.ToString());
        var expected = JsonNode.Parse(File.ReadAllText(ReportFile))!;
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(report.Value.ToJson())), $"the report differs from {ReportFile}:\n{report.Value.ToJson()}");
        Assert.Equal("breached", (string)expected["verdict"]!["covenants"]!);
        Assert.Equal("overdue", (string)expected["sensors"]![0]!["calibration"]!["status"]!);
    }

    [Fact]
    public void TheBundleAndTheReport_FollowThePublishedSchemas()
    {
        AssertValid("evidence-bundle.schema.json", File.ReadAllText(BundleFile));
        AssertValid("condition-report.schema.json", File.ReadAllText(ReportFile));
    }

    [Fact]
    public void TheSchemas_RefuseWhatTheVerifierRefuses()
    {
        var bundle = JsonNode.Parse(File.ReadAllText(BundleFile))!.AsObject();
        bundle["extra"] = 1;
        Assert.False(Evaluate("evidence-bundle.schema.json", bundle.ToJsonString()));
        bundle.Remove("extra");
        bundle["lot"]!.AsObject().Remove("events");
        Assert.False(Evaluate("evidence-bundle.schema.json", bundle.ToJsonString()), "a title without events");
        var report = JsonNode.Parse(File.ReadAllText(ReportFile))!.AsObject();
        report["verdict"]!["range"] = "held";
        Assert.False(Evaluate("condition-report.schema.json", report.ToJsonString()));
    }

    private static void AssertValid(string schema, string json)
    {
        var result = JsonSchema.FromFile(Path.Combine(SpecPaths.Schemas, schema)).Evaluate(JsonNode.Parse(json), new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => d.HasErrors).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }

    private static bool Evaluate(string schema, string json) =>
        JsonSchema.FromFile(Path.Combine(SpecPaths.Schemas, schema)).Evaluate(JsonNode.Parse(json)).IsValid;

    private static void Write()
    {
        Directory.CreateDirectory(Folder);
        using var ledger = new LotLedger();
        // The chiller probe's calibration (offset −0.2) fell due 40 minutes into the lot's history: applied, and flagged overdue.
        ledger.Calibrate("gw-1", "t1", new Firmware.Contracts.Ledger.SensorCorrection.Offset(-0.2m), LotLedger.T0 - 300L * 86_400_000, LotLedger.T0 + 40 * LotLedger.Minute);
        var bundle = ledger.Bundle();
        File.WriteAllText(BundleFile, JsonNode.Parse(bundle.ToJson())!.ToJsonString(Indented) + "\n");
        var summary = EvidenceVerifier.Verify(bundle, Keys()).Value;
        File.WriteAllText(ReportFile, JsonNode.Parse(LotConditions.Compute(summary).Value.ToJson())!.ToJsonString(Indented) + "\n");
    }
}
