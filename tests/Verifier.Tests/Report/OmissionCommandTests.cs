using Firmware.Contracts.Evidence;

namespace Verifier.Tests.Report;

/// <summary>
/// What a lender's <c>Verifier bundle</c> and <c>Verifier report</c> say about a lot bundle that
/// leaves something out, each cut made as an exporter would (a valid range proof recomputed for
/// what is kept): a reading at either end, the last hundred, everything from just before the
/// excursion on, the device that saw it. None verifies; a window an exporter chooses verifies only
/// as a custom analysis, labelled, and never as the pledge's verdict.
/// </summary>
public class OmissionCommandTests(LotBundleFixture fixture) : IClassFixture<LotBundleFixture>
{
    private const long Minute = LotBundleFixture.Minute;

    private EvidenceBundle Cut(int from, int to) => fixture.Bundle with
    {
        Devices =
        [
            fixture.Bundle.Devices[0] with
            {
                First = from,
                Leaves = fixture.Leaves.Skip(from).Take(to - from).Select(l => Convert.ToBase64String(l.Bytes.Span)).ToList(),
                Proof = fixture.DeviceLog.Reader.RangeProof(from, to, fixture.DeviceLog.Size).Select(h => h.ToBase64()).ToList(),
            },
        ],
    };

    public static TheoryData<string, int, int, string> Cuts => new()
    {
        // The pledge's window starts at minute 10: the run must start with a reading dated before it (minute 9).
        { "the readings up to the window's start", 10, 0, "earlier readings are left out" },
        { "the last reading", 0, 1, "later readings are left out" },
        { "the last 100 readings", 0, 100, "later readings are left out" },
        // Minute 60 is where the excursion starts; leaf 59 is the reading of minute 59.
        { "everything from the excursion on", 0, 177 - 60, "later readings are left out" },
    };

    [Theory]
    [MemberData(nameof(Cuts))]
    public async Task ReadingsLeftOut_FailBothCommands_NamingTheOmission(string what, int atStart, int atEnd, string message)
    {
        var file = fixture.Write(Cut(atStart, fixture.Leaves.Count - atEnd));

        foreach (var command in new[] { "bundle", "report" })
        {
            var (code, output, error) = await VerifierProcess.RunAsync([command, file, .. fixture.Keys]);
            Assert.True(code == 1, $"{what}, {command}: exit {code}\n{output}{error}");
            Assert.StartsWith("failed: incomplete-bundle: ", output, StringComparison.Ordinal);
            Assert.Contains(message, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ReadingsTheWindowDoesNotNeed_MayBeLeftOut()
    {
        // Minutes 0..8 are before the reading that opens the window (minute 9): a smaller bundle proving the same.
        var (code, output, _) = await VerifierProcess.RunAsync(["report", fixture.Write(Cut(9, fixture.Leaves.Count)), .. fixture.Keys]);

        Assert.Equal(0, code);
        Assert.Contains("covenant: 'temperature above 8 for 15m' breached", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDeviceThatSawTheExcursion_LeftOut_FailsBothCommands()
    {
        var bundle = fixture.Bundle;
        var enrolment = bundle.Devices[0].Enrolment;
        var anchor = bundle.Devices[0].Anchor;
        var without = bundle with
        {
            Devices = [],
            Entries = bundle.Entries.Where(e => e.Index != enrolment && e.Index != anchor).ToList(),
            State = bundle.State.Where(s => s.Key != "device/gw-1").ToList(),
        };
        var file = fixture.Write(without);

        foreach (var command in new[] { "bundle", "report" })
        {
            var (code, output, _) = await VerifierProcess.RunAsync([command, file, .. fixture.Keys]);
            Assert.Equal(1, code);
            Assert.StartsWith("failed: incomplete-bundle: ", output, StringComparison.Ordinal);
            Assert.Contains("gw-1", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AWindowEndingBeforeTheExcursion_IsACustomAnalysis_NeverThePledgesVerdict()
    {
        // The exporter's window [minute 10, minute 55): no excursion in it, and it says so only as a custom analysis.
        var custom = fixture.Custom(LotBundleFixture.T0 + 10 * Minute, LotBundleFixture.T0 + 55 * Minute);

        var (code, output, _) = await VerifierProcess.RunAsync(["report", fixture.Write(custom), .. fixture.Keys]);
        var (honestCode, honest, _) = await VerifierProcess.RunAsync(["report", fixture.Write(fixture.Bundle), .. fixture.Keys]);

        Assert.Equal(0, code);
        Assert.Contains("terms: CUSTOM ANALYSIS", output, StringComparison.Ordinal);
        Assert.Contains("verdict: within range, covenants held (custom analysis)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("terms: pledge", output, StringComparison.Ordinal);
        Assert.Equal(0, honestCode);
        Assert.Contains("covenant: 'temperature above 8 for 15m' breached", honest, StringComparison.Ordinal);
    }
}
