using System.Text;
using Firmware.Contracts.Evidence;

namespace Verifier.Tests.Bundle;

/// <summary><c>Verifier bundle</c>: exit 0 and what it proves, exit 1 naming the first failure, exit 2 for bad arguments.</summary>
public class BundleCommandTests(BundleFixture fixture) : IClassFixture<BundleFixture>
{
    private static string Line(string output, string name) =>
        output.Split('\n').Single(l => l.StartsWith(name + ": ", StringComparison.Ordinal))[(name.Length + 2)..].TrimEnd('\r');

    [Fact]
    public async Task GoodBundle_PrintsWhatItProves()
    {
        var (code, output, error) = await BundleFixture.RunVerifierAsync(["bundle", fixture.Write(fixture.Bundle()), .. fixture.Keys]);

        Assert.True(code == 0, output + error);
        Assert.Equal("demo", Line(output, "consortium"));
        Assert.Equal("edgetrace/ledger/demo size 3 at 2026-01-01T00:18:20.000Z, signed by warehouse, bank", Line(output, "ledger"));
        Assert.Equal("as of 2026-01-01T00:18:20.000Z (ledger size 3, signed by warehouse, bank; 2 needed, the consortium's quorum is 2)", Line(output, "as-of"));
        Assert.Equal("gw-01 (site site-1, zone cold-a), enrolled at ledger index 1 by warehouse", Line(output, "device"));
        Assert.Equal("t1 temperature cold-a", Line(output, "sensors"));
        Assert.Equal("16 (seq 0..15, none missing; up to the last anchored) from 2026-01-01T00:00:00.000Z to 2026-01-01T00:15:00.000Z", Line(output, "readings"));
        Assert.Equal("ledger index 2 (the device's last at this checkpoint), device checkpoint size 16, received 2026-01-01T00:16:40.000Z", Line(output, "anchor"));
    }

    [Fact]
    public async Task AlteredReading_ExitsOneNamingIt()
    {
        var bundle = fixture.Bundle();
        var leaves = bundle.Devices[0].Leaves.ToList();
        var text = Encoding.UTF8.GetString(Convert.FromBase64String(leaves[9])).Replace("\"v\":4.5", "\"v\":2.5", StringComparison.Ordinal);
        leaves[9] = Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
        var altered = new EvidenceBundle { Format = bundle.Format, Ledger = bundle.Ledger, Entries = bundle.Entries, State = bundle.State, Devices = [bundle.Devices[0] with { Leaves = leaves }] };

        var (code, output, _) = await BundleFixture.RunVerifierAsync(["bundle", fixture.Write(altered), .. fixture.Keys]);

        Assert.Equal(1, code);
        Assert.StartsWith("failed: root-mismatch: device gw-01: readings 0..15 are not included in device checkpoint edgetrace/device/gw-01 at size 16", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneSignature_FailsTheQuorum_UnlessAskedFor()
    {
        var single = fixture.Write(fixture.Bundle(fixture.Checkpoint(fixture.Warehouse)));

        var (code, output, _) = await BundleFixture.RunVerifierAsync(["bundle", single, .. fixture.Keys]);
        Assert.Equal(1, code);
        Assert.StartsWith("failed: quorum-not-met: the ledger checkpoint is signed by 1 trusted member (warehouse); 2 are needed", output, StringComparison.Ordinal);

        (code, output, _) = await BundleFixture.RunVerifierAsync(["bundle", single, .. fixture.Keys, "--threshold", "1"]);
        Assert.True(code == 0, output);
        Assert.Contains("warning: trusting 1 member signature by choice (--threshold), fewer than the consortium's quorum of 2", output, StringComparison.Ordinal);
        Assert.Contains("by the reader's choice", Line(output, "as-of"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotBefore_RefusesOlderEvidence()
    {
        var (code, output, _) = await BundleFixture.RunVerifierAsync(["bundle", fixture.Write(fixture.Bundle()), .. fixture.Keys, "--not-before", "2026-01-02T00:00:00Z"]);

        Assert.Equal(1, code);
        Assert.StartsWith("failed: stale-evidence: the ledger checkpoint is from 2026-01-01T00:18:20.000Z", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotABundle_ExitsOne()
    {
        var (code, output, _) = await BundleFixture.RunVerifierAsync(["bundle", fixture.Write("{\"format\":\"something else\"}"u8.ToArray()), .. fixture.Keys]);
        Assert.Equal(1, code);
        Assert.StartsWith("failed: bundle-format", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bundle")]
    [InlineData("bundle", "{file}")]
    [InlineData("bundle", "{file}", "--key", "warehouse=notbase64")]
    [InlineData("bundle", "{file}", "{keys}", "--threshold", "3")]
    [InlineData("bundle", "/no/such/bundle.json", "{keys}")]
    [InlineData("bundle", "{file}", "{keys}", "--not-before", "yesterday")]
    public async Task BadArguments_ExitTwo(params string[] args)
    {
        var file = fixture.Write(fixture.Bundle());
        var resolved = args.SelectMany(a => a == "{keys}" ? fixture.Keys : [a.Replace("{file}", file, StringComparison.Ordinal)]).ToArray();
        var (code, _, error) = await BundleFixture.RunVerifierAsync(resolved);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }
}
