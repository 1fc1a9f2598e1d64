using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests;

/// <summary>
/// The whole chain with nothing in-process: a real EdgeGateway process reading a simulated
/// warehouse anchors on a real AnchorNode process; the node's evidence bundle passes the real
/// offline Verifier, and a tampered copy does not.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GatewayToVerifierTests : IAsyncLifetime
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("edgetrace-e2e-");
    private NodeProcess _node = null!;

    public async Task InitializeAsync() => _node = await NodeProcess.StartAsync(Path.Combine(_root.FullName, "node"));

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A process may still be closing a file; temp is cleaned eventually.
        }
    }

    [Fact]
    [Trait("Category", "EndToEnd")]
    public Task SimulatedWarehouse_AnchoredOnTheNode_BundleVerifiesOffline_TamperedCopyFails() =>
        RunAsync(sensorsPerZone: 2, leaves: 1500, timeout: TimeSpan.FromSeconds(90));

    [Fact]
    [Trait("Category", "Soak")]
    public Task FiftyOneSensorWarehouse_ThirtyThousandLeaves_BundleVerifiesOffline() =>
        RunAsync(sensorsPerZone: 17, leaves: 30_000, timeout: TimeSpan.FromMinutes(10));

    private async Task RunAsync(int sensorsPerZone, long leaves, TimeSpan timeout)
    {
        var gateway = await GatewayInstance.InitAsync(Path.Combine(_root.FullName, "gateway"), "gw-e2e", _node.Url);
        await _node.EnrollAsync(gateway.DeviceId, gateway.PublicKey, "chiller-1");
        gateway.Configure(c =>
        {
            c["sealing"] = new JsonObject { ["intervalSeconds"] = 60, ["maxLeaves"] = 1000 };
            c["simulation"]!["sensorsPerZone"] = sensorsPerZone;
        });

        long committed;
        await using (var run = gateway.RunSimulated(seed: 21, speed: 600))
        {
            await run.WaitForLineAsync(l => l.Contains(" event=uploaded ", StringComparison.Ordinal), "a first upload");
            committed = await _node.WaitForCommittedAsync(gateway.DeviceId, leaves, run, timeout);
            run.Terminate();
            Assert.Equal(0, await run.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        committed = await _node.CommittedSizeAsync(gateway.DeviceId);

        var bundle = Path.Combine(_root.FullName, "bundle.json");
        var export = await _node.ExportBundleAsync(gateway.DeviceId, bundle);
        Assert.Equal($"{committed} (seq 0..{committed - 1})", export.Field("readings"));

        var verified = (await _node.VerifyAsync(bundle)).Succeeded();
        Assert.StartsWith($"{committed} (seq 0..{committed - 1}, none missing; up to the last anchored) from ", verified.Field("readings"), StringComparison.Ordinal);
        Assert.StartsWith("gw-e2e (site e2e-site, zone chiller-1), enrolled at ledger index 1 by warehouse", verified.Field("device"), StringComparison.Ordinal);
        Assert.Contains($"device checkpoint size {committed}", verified.Field("anchor"), StringComparison.Ordinal);
        Assert.EndsWith("signed by warehouse", verified.Field("ledger"), StringComparison.Ordinal);
        // The printed per-sensor counts add up to the readings, and every simulated probe is there.
        var bySensor = verified.Field("by-sensor").Split(", ").Select(p => p.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
        Assert.Equal(committed, bySensor.Values.Sum());
        Assert.Equal(sensorsPerZone * 3, bySensor.Keys.Count(k => k.EndsWith("/temperature", StringComparison.Ordinal)));

        // What the node proves is byte for byte what the gateway stored.
        var stored = gateway.StoredLeaves();
        var document = JsonNode.Parse(File.ReadAllText(bundle))!;
        var device = document["devices"]![0]!;
        var proven = device["leaves"]!.AsArray();
        Assert.Equal(0, (long)device["first"]!);
        Assert.Equal(committed, proven.Count);
        for (var seq = 0; seq < proven.Count; seq++)
        {
            Assert.Equal(stored[seq], Convert.FromBase64String((string)proven[seq]!));
        }

        // One reading changed after the fact: the range proof no longer reaches the anchored root.
        var middle = proven.Count / 2;
        var text = Encoding.UTF8.GetString(Convert.FromBase64String((string)proven[middle]!));
        var tamperedText = text.Contains("\"v\":", StringComparison.Ordinal) ? ChangeValue(text) : text.Replace("\"t\":", "\"t\":1", StringComparison.Ordinal);
        Assert.NotEqual(text, tamperedText);
        proven[middle] = Convert.ToBase64String(Encoding.UTF8.GetBytes(tamperedText));
        var tampered = Path.Combine(_root.FullName, "tampered.json");
        await File.WriteAllTextAsync(tampered, document.ToJsonString());
        var refused = await _node.VerifyAsync(tampered);
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("failed: ", refused.Output, StringComparison.Ordinal);
        Assert.Contains($"device gw-e2e: readings 0..{committed - 1}", refused.Output, StringComparison.Ordinal);
    }

    // A measurement's value one tenth higher: still a well-formed leaf, so only the proof can catch it.
    private static string ChangeValue(string leaf)
    {
        var start = leaf.IndexOf("\"v\":", StringComparison.Ordinal) + 4;
        var end = start;
        while (end < leaf.Length && (char.IsAsciiDigit(leaf[end]) || leaf[end] is '-' or '.' or 'e' or 'E' or '+'))
        {
            end++;
        }
        var value = double.Parse(leaf[start..end], CultureInfo.InvariantCulture) + 0.1;
        return string.Concat(leaf.AsSpan(0, start), value.ToString("R", CultureInfo.InvariantCulture), leaf.AsSpan(end));
    }
}
