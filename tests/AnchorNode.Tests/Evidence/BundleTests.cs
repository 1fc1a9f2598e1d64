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

    private async Task<string> DownloadAsync(string query = "")
    {
        await node.WaitForCheckpointAsync();
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
        Assert.Equal($"120 (seq 0..119, none missing) from {first} to {last}", run.Field("readings"));
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
        Assert.StartsWith("40 (seq 30..69, none missing)", run.Field("readings"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliExport_WhileTheNodeRuns_PassesTheVerifier()
    {
        var path = Path.Combine(_dir, "cli.json");
        var export = await Programs.RunAsync(Programs.AnchorNode, ["export-bundle", "--data", node.Folder.Path, "--device", _device.Id, "--out", path]);
        Assert.True(export.ExitCode == 0, export.Output + export.Error);
        Assert.Equal("120 (seq 0..119)", export.Field("readings"));

        var run = await Programs.RunAsync(Programs.Verifier, ["bundle", path, .. node.VerifierKeyArgs]);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
    }

    [Fact]
    public async Task Threshold_NeedsCosignedCheckpoints()
    {
        var single = await DownloadAsync();
        var refused = await Programs.RunAsync(Programs.Verifier, ["bundle", single, .. node.VerifierKeyArgs, "--threshold", "2"]);
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("failed: threshold-not-met: ledger checkpoint", refused.Output, StringComparison.Ordinal);

        await using (var bank = NodeRuntime.Open(node.BankFolder, NullLoggerFactory.Instance))
        using (var http = node.Client(node.AuditorKey))
        {
            Assert.True((await new Cosigner(bank, http).CosignLatestAsync(CancellationToken.None)).Succeeded);
        }
        var cosigned = await DownloadAsync();
        var run = await Programs.RunAsync(Programs.Verifier, ["bundle", cosigned, .. node.VerifierKeyArgs, "--threshold", "2"]);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.EndsWith("signed by warehouse, bank", run.Field("ledger"), StringComparison.Ordinal);
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
