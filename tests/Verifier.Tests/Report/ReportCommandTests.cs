using System.Text;
using System.Text.Json.Nodes;
using Firmware.Contracts.Evidence;

namespace Verifier.Tests.Report;

/// <summary>
/// <c>Verifier report</c>: recomputes MKT, excursions, gaps, faults and covenants from a lot bundle
/// alone (numbers checked against the readings the fixture wrote), and refuses what does not verify.
/// </summary>
public class ReportCommandTests(LotBundleFixture fixture) : IClassFixture<LotBundleFixture>
{
    private const long Minute = LotBundleFixture.Minute;

    private static string Line(string output, string name) =>
        output.Split('\n').First(l => l.StartsWith(name + ": ", StringComparison.Ordinal))[(name.Length + 2)..].TrimEnd('\r');

    [Fact]
    public async Task LotBundle_PrintsTheReport()
    {
        var (code, output, error) = await VerifierProcess.RunAsync(["report", fixture.Write(fixture.Bundle), .. fixture.Keys]);

        Assert.True(code == 0, output + error);
        Assert.Equal("WR-1 (ledger index 5, issued by warehouse): Atlantic salmon fillets, chilled, GTIN 10614141007346, batch SAL-1", Line(output, "lot"));
        Assert.StartsWith("depositor acme-foods, owner acme-foods, 120 carton", Line(output, "title"), StringComparison.Ordinal);
        Assert.StartsWith("pledge 6, as its lender and owner signed it", Line(output, "terms"), StringComparison.Ordinal);
        Assert.Equal("2026-01-01T06:10:00.000Z to 2026-01-01T09:00:00.000Z; ΔH/R 10000 K, interval 1m, delay 0s", Line(output, "window"));
        // Minutes 10..179 of the window: 170 expected; 3 missing and 1 fault leave 166 readings.
        Assert.StartsWith("gw-1 t1 temperature (chiller-1): 166 of 170 readings (97.6%), min 5 max 9.5 mean 5.434 MKT 5.557 Cel, out of range 16m", Line(output, "sensor"), StringComparison.Ordinal);
        Assert.Contains("  excursion above 8: 2026-01-01T07:00:00.000Z to 2026-01-01T07:16:00.000Z (16m), peak 9.5", output, StringComparison.Ordinal);
        Assert.Contains("  gap: 2026-01-01T08:49:00.000Z to 2026-01-01T08:52:00.000Z (3m)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("08:29:00.000Z to 2026-01-01T08:31", output, StringComparison.Ordinal);
        Assert.Contains("  fault: crc at 2026-01-01T07:40:00.000Z", output, StringComparison.Ordinal);
        // The probe has no calibration on the ledger: its raw readings are judged, and the report says so.
        Assert.Contains("  calibration none: no calibration on record\n", output, StringComparison.Ordinal);
        Assert.Equal("gw-1 t1 temperature: no calibration on record; its readings are not corrected", Line(output, "calibration flag"));
        Assert.Equal("'temperature above 8 for 15m' breached", Line(output, "covenant"));
        Assert.Equal("out of range (1 excursion(s)), covenants breached, as of 2026-01-01T09:00:00.000Z (ledger size 7, signed by warehouse, bank; 2 needed, the consortium's quorum is 1)", Line(output, "verdict"));
    }

    [Fact]
    public async Task Json_IsTheReportComputedFromTheBundle()
    {
        var (code, output, _) = await VerifierProcess.RunAsync(["report", fixture.Write(fixture.Bundle), .. fixture.Keys, "--json"]);

        Assert.Equal(0, code);
        var expected = LotConditions.Compute(EvidenceVerifier.Verify(fixture.Bundle, fixture.Policy).Value).Value;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.ToJson()), JsonNode.Parse(output)), output);
        var sensor = JsonNode.Parse(output)!["sensors"]![0]!;
        // Hand check of the MKT: 150 readings at 5 °C and 16 at 9.5 °C, ΔH/R = 10,000 K:
        // (150·e^(−10000/278.15) + 16·e^(−10000/282.65)) / 166 = e^(−35.880010…); MKT = 10000 / 35.880010… = 278.70672 K = 5.55672 °C
        // (python3: math.exp, math.log); the arithmetic mean is 5.43373 °C.
        Assert.Equal(5.55672, sensor["mkt"]!.GetValue<double>(), 5);
        Assert.Equal(16 * Minute, sensor["timeOutOfRangeMs"]!.GetValue<long>());
    }

    [Fact]
    public async Task AlteredReading_ExitsOne()
    {
        var leaves = fixture.Bundle.Devices[0].Leaves.ToList();
        var hot = leaves.FindIndex(l => Encoding.UTF8.GetString(Convert.FromBase64String(l)).Contains("\"v\":9.5", StringComparison.Ordinal));
        var text = Encoding.UTF8.GetString(Convert.FromBase64String(leaves[hot])).Replace("\"v\":9.5", "\"v\":5", StringComparison.Ordinal);
        leaves[hot] = Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
        var altered = new EvidenceBundle
        {
            Format = fixture.Bundle.Format, Ledger = fixture.Bundle.Ledger, Entries = fixture.Bundle.Entries, State = fixture.Bundle.State,
            Devices = [fixture.Bundle.Devices[0] with { Leaves = leaves }], Lot = fixture.Bundle.Lot, Report = fixture.Bundle.Report,
        };

        var (code, output, _) = await VerifierProcess.RunAsync(["report", fixture.Write(altered), .. fixture.Keys]);

        Assert.Equal(1, code);
        Assert.StartsWith("failed: root-mismatch: device gw-1: readings 9..176", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABundleWithoutALot_ExitsOne_SayingSo()
    {
        var devices = new EvidenceBundle
        {
            Format = fixture.Bundle.Format, Ledger = fixture.Bundle.Ledger, Entries = fixture.Bundle.Entries, State = fixture.Bundle.State, Devices = fixture.Bundle.Devices,
        };

        var (code, output, _) = await VerifierProcess.RunAsync(["report", fixture.Write(devices), .. fixture.Keys]);

        // The lot's entries and state keys are not used by a device bundle: it says so.
        Assert.Equal(1, code);
        Assert.StartsWith("failed: bundle-format", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadArguments_ExitTwo()
    {
        var (code, _, error) = await VerifierProcess.RunAsync(["report", Path.Combine(fixture.Folder, "missing.json"), .. fixture.Keys]);
        Assert.Equal(2, code);
        Assert.Contains("no such file", error, StringComparison.Ordinal);
        (code, _, _) = await VerifierProcess.RunAsync(["report", fixture.Write(fixture.Bundle)]);
        Assert.Equal(2, code);
    }

    [Fact]
    public async Task Bundle_OnALotBundle_SaysWhatTheLotEntriesProve()
    {
        var (code, output, _) = await VerifierProcess.RunAsync(["bundle", fixture.Write(fixture.Bundle), .. fixture.Keys]);

        Assert.Equal(0, code);
        Assert.StartsWith("WR-1 at ledger index 5, issued by warehouse", Line(output, "lot"), StringComparison.Ordinal);
        Assert.Equal("pledged; 1 entries (pledge 6), the chain complete up to this checkpoint", Line(output, "status"));
        Assert.StartsWith("gw-1 ", Line(output, "devices-needed"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CustomAnalysis_IsLabelled_AndCannotBeEvaluatedHasItsOwnExitCode()
    {
        var custom = fixture.Custom(LotBundleFixture.T0 + 160 * Minute, LotBundleFixture.T0 + 180 * Minute);

        var (code, output, _) = await VerifierProcess.RunAsync(["report", fixture.Write(custom), .. fixture.Keys]);

        // Minutes 160-180 hold no excursion, but a 3-minute gap: nothing bad seen, and not observed throughout.
        Assert.Equal(3, code);
        Assert.StartsWith("CUSTOM ANALYSIS", Line(output, "terms"), StringComparison.Ordinal);
        Assert.StartsWith("cannot be evaluated, covenants cannot be evaluated (custom analysis), as of", Line(output, "verdict"), StringComparison.Ordinal);
        Assert.StartsWith("3 min uncovered: site-1 chiller-1 temperature 2026-01-01T08:49:00Z to 2026-01-01T08:52:00Z (no readings)", Line(output, "cannot-evaluate"), StringComparison.Ordinal);
    }
}
