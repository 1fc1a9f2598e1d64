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
        Assert.Equal("edgetrace/ledger/demo size 3 at 2026-01-01T00:18:20.000Z, signed by warehouse", Line(output, "ledger"));
        Assert.Equal("gw-01 (site site-1, zone cold-a), enrolled at ledger index 1 by warehouse", Line(output, "device"));
        Assert.Equal("t1 temperature cold-a", Line(output, "sensors"));
        Assert.Equal("16 (seq 0..15, none missing) from 2026-01-01T00:00:00.000Z to 2026-01-01T00:15:00.000Z", Line(output, "readings"));
        Assert.Equal("ledger index 2, device checkpoint size 16, received 2026-01-01T00:16:40.000Z", Line(output, "anchor"));
    }

    [Fact]
    public async Task AlteredReading_ExitsOneNamingIt()
    {
        var bundle = fixture.Bundle();
        var readings = bundle.Devices[0].Readings.ToList();
        var text = Encoding.UTF8.GetString(Convert.FromBase64String(readings[9].Leaf)).Replace("\"v\":4.5", "\"v\":2.5", StringComparison.Ordinal);
        readings[9] = readings[9] with { Leaf = Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) };
        var altered = new EvidenceBundle { Format = bundle.Format, Ledger = bundle.Ledger, Entries = bundle.Entries, Devices = [bundle.Devices[0] with { Readings = readings }] };

        var (code, output, _) = await BundleFixture.RunVerifierAsync(["bundle", fixture.Write(altered), .. fixture.Keys]);

        Assert.Equal(1, code);
        Assert.StartsWith("failed: root-mismatch: reading 9 of gw-01 (gw-01/t1/temperature at 2026-01-01T00:09:00.000Z): not included in device checkpoint", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThresholdAboveTheSignatures_ExitsOne()
    {
        var (code, output, _) = await BundleFixture.RunVerifierAsync(["bundle", fixture.Write(fixture.Bundle()), .. fixture.Keys, "--threshold", "2"]);
        Assert.Equal(1, code);
        Assert.StartsWith("failed: threshold-not-met: ledger checkpoint: 1 trusted key(s) signed (warehouse), the policy needs 2", output, StringComparison.Ordinal);

        var cosigned = fixture.Ledger.WithSignature(fixture.Bank);
        (code, output, _) = await BundleFixture.RunVerifierAsync(["bundle", fixture.Write(fixture.Bundle(cosigned)), .. fixture.Keys, "--threshold", "2"]);
        Assert.True(code == 0, output);
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
    public async Task BadArguments_ExitTwo(params string[] args)
    {
        var file = fixture.Write(fixture.Bundle());
        var resolved = args.SelectMany(a => a == "{keys}" ? fixture.Keys : [a.Replace("{file}", file, StringComparison.Ordinal)]).ToArray();
        var (code, _, error) = await BundleFixture.RunVerifierAsync(resolved);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }
}
