using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AnchorNode.Tests.Infrastructure;
using Consortium.Tests.Support;
using Firmware.Contracts.Uplink;
using Xunit.Abstractions;

namespace Consortium.Tests.Faults;

/// <summary>
/// With <c>etcd.keepEntries</c>, old entries are deleted from etcd once a quorum signed past them; a
/// member node that was down meanwhile copies what etcd no longer holds from a peer, keeps it only
/// because it gives the checkpoint the quorum signed, and reaches the others' size and checkpoint.
/// </summary>
[Trait("Category", "Consortium")]
public sealed class TrimmedCatchUpTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("edgetrace-trimmed-");
    private EtcdCluster _etcd = null!;
    private MemberNodes _members = null!;

    public async Task InitializeAsync()
    {
        _etcd = await EtcdCluster.StartAsync(3);
        _members = await MemberNodes.StartAsync(_root.FullName, _etcd, (_, config) => config["etcd"]!["keepEntries"] = 4);
    }

    public async Task DisposeAsync()
    {
        await _members.DisposeAsync();
        await _etcd.DisposeAsync();
        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task ANodeBehindTheTrimmedEntries_CopiesThemFromAPeer_AndReachesTheSameCheckpoint()
    {
        try
        {
            await _members.Nodes[2].KillHardAsync();
            using var device = new SimulatedDevice("gw-trimmed", 5);
            using (var op = _members.Client(0, _members.OperatorKey))
            {
                using var enrolled = await op.PostAsJsonAsync("v1/devices", new { deviceId = device.Id, publicKey = device.PublicKey, zone = "cold-a", sensors = new[] { new { id = "t1", quantity = "temperature", zone = "cold-a" } } });
                Assert.True(enrolled.IsSuccessStatusCode, await enrolled.Content.ReadAsStringAsync());
            }
            for (var round = 0; round < 12; round++)
            {
                var from = device.Size;
                device.Add(10);
                using var client = _members.Client(0);
                using var response = await client.PostAsJsonAsync(UplinkRoutes.UploadPath(device.Id).TrimStart('/'), device.Request(from), UplinkJsonContext.Default.UplinkRequest);
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
                await Task.Delay(150);
            }
            // etcd dropped entries the down member never applied.
            using var etcd = _etcd.Client(0);
            var trimmed = await Eventually.UntilAsync(async ct => long.Parse((await etcd.GetValAsync("edgetrace/faults/trimmed", cancellationToken: ct)) is { Length: > 0 } v ? v : "0", System.Globalization.CultureInfo.InvariantCulture),
                t => t > 3, "etcd trimming entries below a quorum-signed checkpoint", TimeSpan.FromSeconds(30), _members.Diagnostics);
            Assert.Empty((await etcd.GetRangeAsync("edgetrace/faults/e/00000000000000000000")).Kvs);

            await _members.Nodes[2].RestartAsync();
            var (applied, ordered, halted) = await Eventually.UntilAsync(ct => _members.OrderingAsync(2, ct), v => v.Applied == v.Ordered && v.Ordered > trimmed,
                "the restarted member applying the whole order", TimeSpan.FromSeconds(60), _members.Diagnostics);
            Assert.Null(halted);
            var (othersApplied, _, _) = await _members.OrderingAsync(0);
            Assert.Equal(othersApplied, applied);
            using var caughtUp = _members.Client(2);
            using var reference = _members.Client(0);
            var size = applied.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var mine = await Eventually.UntilAsync(async ct => await caughtUp.GetStringAsync($"v1/ledger/checkpoints/{size}", ct), t => t.Length > 0, "the restarted member's checkpoint", TimeSpan.FromSeconds(30), _members.Diagnostics);
            var theirs = await reference.GetStringAsync($"v1/ledger/checkpoints/{size}");
            Assert.Equal(theirs[..theirs.IndexOf("\n\n", StringComparison.Ordinal)], mine[..mine.IndexOf("\n\n", StringComparison.Ordinal)]);
            Assert.Contains("Copied", await File.ReadAllTextAsync(_members.Nodes[2].LogPath), StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine(_members.Diagnostics());
            throw;
        }
    }
}
