using System.Net;
using AnchorNode.Hosting;
using AnchorNode.Ledger;
using AnchorNode.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnchorNode.Tests.Evidence;

/// <summary>Bundles exported by the running node (HTTP and CLI) pass the real offline Verifier.</summary>
public class BundleTests(TestNode node) : IClassFixture<TestNode>, IAsyncLifetime
{
    private readonly SimulatedDevice _device = new SimulatedDevice("gw-bundle", seed: 4).Add(120);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgetrace-bundle-tests", Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        using var lease = node.Runtime.Readers.Rent();
        if (lease.Reader.State.Device(_device.Id) is not null)
        {
            return;
        }
        await node.EnrolAsync(_device);
        // Readings arrive in three uploads, so the bundle spans several anchors' worth of leaves.
        var all = _device.Leaves.ToList();
        _device.Leaves.Clear();
        var log = new SimulatedDevice(_device.Id, key: _device.Key);
        foreach (var (from, count) in new[] { (0, 50), (50, 40), (90, 30) })
        {
            foreach (var leaf in all.Skip(from).Take(count))
            {
                log.Leaves.Add(leaf);
                log.Log.Append(leaf.LeafHash);
            }
            await node.AnchorAsync(log, from);
        }
        _device.Leaves.AddRange(all);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<string> DownloadAsync(string query = "", bool cosigned = true)
    {
        if (cosigned)
        {
            await node.CosignAsync();
        }
        else
        {
            await node.WaitForCheckpointAsync();
        }
        using var client = node.Client(node.LenderKey);
        using var response = await client.GetAsync($"v1/devices/{_device.Id}/bundle{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync());
        return path;
    }

    [Fact]
    public async Task ExportedBundle_PassesTheVerifier_AndSaysWhatItProves()
    {
        var bundle = await DownloadAsync();

        var run = await Programs.RunAsync(Programs.Verifier, ["bundle", bundle, .. node.VerifierKeyArgs]);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.StartsWith("gw-bundle (site site-1, zone cold-a), enrolled at ledger index", run.Field("device"), StringComparison.Ordinal);
        var first = Firmware.Contracts.Evidence.EvidenceVerifier.Iso(SimulatedDevice.StartMs);
        var last = Firmware.Contracts.Evidence.EvidenceVerifier.Iso(SimulatedDevice.StartMs + 119 * 30_000L);
        Assert.Equal($"120 (seq 0..119, none missing; up to the last anchored) from {first} to {last}", run.Field("readings"));
        Assert.Equal("t1 temperature cold-a, h1 humidity cold-a", run.Field("sensors"));
        Assert.Equal("h1/humidity 60, t1/temperature 60", run.Field("by-sensor"));
        Assert.Contains("device checkpoint size 120", run.Field("anchor"), StringComparison.Ordinal);
        Assert.StartsWith($"edgetrace/ledger/demo size ", run.Field("ledger"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Window_SelectsTheReadingsInIt()
    {
        var from = DateTimeOffset.FromUnixTimeMilliseconds(SimulatedDevice.StartMs + 30 * 30_000L);
        var to = DateTimeOffset.FromUnixTimeMilliseconds(SimulatedDevice.StartMs + 69 * 30_000L);
        var bundle = await DownloadAsync($"?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}");

        var run = await Programs.RunAsync(Programs.Verifier, ["bundle", bundle, .. node.VerifierKeyArgs]);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        // The readings dated in the window, with the one before it and the one at its end.
        Assert.StartsWith("41 (seq 29..69, none missing; 50 anchored after them not included)", run.Field("readings"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliExport_WhileTheNodeRuns_PassesTheVerifier()
    {
        await node.CosignAsync();
        var path = Path.Combine(_dir, "cli.json");
        var export = await Programs.RunAsync(Programs.AnchorNode, ["export-bundle", "--data", node.Folder.Path, "--device", _device.Id, "--out", path]);
        Assert.True(export.ExitCode == 0, export.Output + export.Error);
        Assert.Equal("120 (seq 0..119)", export.Field("readings"));
        Assert.Equal("warehouse, bank", export.Field("ledger-signatures"));

        var run = await Programs.RunAsync(Programs.Verifier, ["bundle", path, .. node.VerifierKeyArgs]);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
    }

    [Fact]
    public async Task Quorum_NeedsCosignedCheckpoints_AndTheExportPicksTheBestSigned()
    {
        // The node signs a newer checkpoint of its own; the export still uses the one the quorum signed.
        var cosignedSize = await node.CosignAsync();
        await node.EnrolAsync(new SimulatedDevice("gw-later", seed: 9));
        await node.WaitForCheckpointAsync();
        var exported = await DownloadAsync(cosigned: false);
        var run = await Programs.RunAsync(Programs.Verifier, ["bundle", exported, .. node.VerifierKeyArgs]);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal($"edgetrace/ledger/demo size {cosignedSize}", string.Join(' ', run.Field("ledger").Split(' ').Take(3)));
        Assert.EndsWith("signed by warehouse, bank", run.Field("ledger"), StringComparison.Ordinal);

        // A checkpoint only this node signed is one member's word: refused by default, accepted when asked for.
        var single = Path.Combine(_dir, "single.json");
        var export = await Programs.RunAsync(Programs.AnchorNode, ["export-bundle", "--data", node.Folder.Path, "--device", "gw-later", "--out", single]);
        Assert.True(export.ExitCode == 0, export.Output + export.Error);
        Assert.Equal("warehouse", export.Field("ledger-signatures"));
        var refused = await Programs.RunAsync(Programs.Verifier, ["bundle", single, .. node.VerifierKeyArgs]);
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("failed: quorum-not-met: ", refused.Output, StringComparison.Ordinal);
        var trusted = await Programs.RunAsync(Programs.Verifier, ["bundle", single, .. node.VerifierKeyArgs, "--threshold", "1"]);
        Assert.True(trusted.ExitCode == 0, trusted.Output + trusted.Error);
        Assert.Contains("one member's word", trusted.Field("warning"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UntrustedKeys_FailVerification()
    {
        var bundle = await DownloadAsync();
        using var stranger = Firmware.Contracts.Notes.EcdsaNoteSigner.Generate("warehouse");
        var run = await Programs.RunAsync(Programs.Verifier, ["bundle", bundle, "--key", stranger.VerifierKey.ToString()]);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("failed: no-trusted-signature", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadArguments_ExitTwo()
    {
        var missing = await Programs.RunAsync(Programs.Verifier, ["bundle", Path.Combine(_dir, "none.json"), .. node.VerifierKeyArgs]);
        Assert.Equal(2, missing.ExitCode);
        var noKey = await Programs.RunAsync(Programs.Verifier, ["bundle", "x.json"]);
        Assert.Equal(2, noKey.ExitCode);
    }
}
