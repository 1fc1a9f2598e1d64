using System.Net;
using System.Net.Http.Json;
using AnchorNode.Tests.Infrastructure;
using Consortium.Tests.Support;
using Firmware.Contracts.Uplink;
using Xunit.Abstractions;

namespace Consortium.Tests.Faults;

/// <summary>
/// Three member nodes as real processes over a three-member etcd cluster, with three devices
/// uploading at once, each to its own member's node and to the next one when that one fails (as a
/// gateway with several node URLs does): a node killed with SIGKILL mid-upload, the etcd leader
/// killed, a member (its node and its etcd member) stopped with SIGSTOP and continued, then
/// everything restarted. After each, every node reaches the same size and checkpoint, and every
/// acknowledged upload is anchored on every node.
/// </summary>
[Trait("Category", "Consortium")]
public sealed class MemberNodeFaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("edgetrace-member-faults-");
    private readonly SimulatedDevice[] _devices = Enumerable.Range(0, 3).Select(i => new SimulatedDevice($"gw-member-{i}", seed: i + 7)).ToArray();
    private readonly long[] _acknowledged = new long[3];
    private EtcdCluster _etcd = null!;
    private MemberNodes _members = null!;

    public async Task InitializeAsync()
    {
        _etcd = await EtcdCluster.StartAsync(3);
        _members = await MemberNodes.StartAsync(_root.FullName, _etcd);
    }

    public async Task DisposeAsync()
    {
        foreach (var device in _devices)
        {
            device.Dispose();
        }
        if (_members is not null)
        {
            await _members.DisposeAsync();
        }
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task KillNodeAndEtcdLeader_PauseAMember_RestartAll_NothingAcknowledgedIsLost_OneHistory()
    {
        try
        {
            await EnrolAsync();
            await UploadAsync(rounds: 2);

            // A member's node killed while uploads are in flight.
            var uploads = UploadAsync(rounds: 4);
            await Task.Delay(300);
            await _members.Nodes[0].KillHardAsync();
            await uploads;
            await _members.Nodes[0].RestartAsync();
            await UploadAsync(rounds: 1);
            await ConvergedAsync("after a node was killed");

            // The etcd leader killed mid-write.
            uploads = UploadAsync(rounds: 3);
            await Task.Delay(200);
            var leader = await _etcd.LeaderAsync();
            await _etcd.KillAsync(leader);
            await uploads;
            await _etcd.RestartAsync(leader);
            await ConvergedAsync("after the etcd leader was killed");

            // A whole member partitioned away: its node and its etcd member stopped, then continued.
            _etcd.Pause(2);
            await _members.Nodes[2].PauseAsync();
            await UploadAsync(rounds: 2);
            _etcd.Resume(2);
            await _members.Nodes[2].ResumeAsync();
            await ConvergedAsync("after a member was stopped and continued");

            // Everything restarted.
            foreach (var node in _members.Nodes)
            {
                await node.KillHardAsync();
            }
            for (var i = 0; i < 3; i++)
            {
                await _etcd.KillAsync(i);
            }
            // One member alone has no quorum: all three come back together.
            await Task.WhenAll(Enumerable.Range(0, 3).Select(i => _etcd.RestartAsync(i)));
            foreach (var node in _members.Nodes)
            {
                await node.RestartAsync();
            }
            await UploadAsync(rounds: 1);
            await ConvergedAsync("after everything was restarted");
        }
        catch
        {
            output.WriteLine(_members.Diagnostics());
            output.WriteLine(_etcd.Diagnostics());
            throw;
        }
    }

    /// <summary>A longer random schedule (<c>./test.sh --soak</c>): each round one fault, chosen by a seeded draw, during uploads.</summary>
    [Fact]
    [Trait("Category", "Soak")]
    public async Task RandomFaultSchedule_ThirtyRounds_NothingAcknowledgedIsLost_OneHistory()
    {
        var random = new Random(16);
        try
        {
            await EnrolAsync();
            for (var round = 0; round < 30; round++)
            {
                var uploads = UploadAsync(rounds: 3);
                await Task.Delay(random.Next(50, 400));
                switch (random.Next(3))
                {
                    case 0:
                        var node = random.Next(3);
                        await _members.Nodes[node].KillHardAsync();
                        await uploads;
                        await _members.Nodes[node].RestartAsync();
                        break;
                    case 1:
                        var leader = await _etcd.LeaderAsync();
                        await _etcd.KillAsync(leader);
                        await uploads;
                        await _etcd.RestartAsync(leader);
                        break;
                    default:
                        var member = random.Next(3);
                        _etcd.Pause(member);
                        await _members.Nodes[member].PauseAsync();
                        await Task.Delay(random.Next(500, 3000));
                        _etcd.Resume(member);
                        await _members.Nodes[member].ResumeAsync();
                        await uploads;
                        break;
                }
                await ConvergedAsync($"after round {round}");
            }
        }
        catch
        {
            output.WriteLine(_members.Diagnostics());
            output.WriteLine(_etcd.Diagnostics());
            throw;
        }
    }

    private async Task EnrolAsync()
    {
        using var client = _members.Client(0, _members.OperatorKey);
        foreach (var device in _devices)
        {
            using var response = await client.PostAsJsonAsync("v1/devices", new
            {
                deviceId = device.Id,
                publicKey = device.PublicKey,
                zone = "cold-a",
                sensors = new[] { new { id = "t1", quantity = "temperature", zone = "cold-a" } },
            });
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }
    }

    // Each device sends its new leaves to its own member's node, moving to the next node on a network
    // error, a timeout or a 5xx (as a gateway does), after asking that node what it holds.
    private Task UploadAsync(int rounds) => Task.WhenAll(Enumerable.Range(0, 3).Select(async d =>
    {
        var node = d;
        for (var round = 0; round < rounds; round++)
        {
            _devices[d].Add(20);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            var last = "";
            while (true)
            {
                using var client = _members.Client(node);
                try
                {
                    var status = await client.GetFromJsonAsync(UplinkRoutes.DeviceLogPath(_devices[d].Id).TrimStart('/'), UplinkJsonContext.Default.DeviceLogStatus);
                    using var response = await client.PostAsJsonAsync(UplinkRoutes.UploadPath(_devices[d].Id).TrimStart('/'), _devices[d].Request(status!.CommittedSize), UplinkJsonContext.Default.UplinkRequest);
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.IsSuccessStatusCode)
                    {
                        var receipt = System.Text.Json.JsonSerializer.Deserialize(body, UplinkJsonContext.Default.UplinkReceipt)!;
                        Assert.Equal(_devices[d].Size, receipt.CommittedSize);
                        _acknowledged[d] = receipt.CommittedSize;
                        break;
                    }
                    Assert.True((int)response.StatusCode >= 500, $"device {d} on node {node}: {(int)response.StatusCode} {body}");
                    last = $"node {node}: {(int)response.StatusCode} {body}";
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
                {
                    last = $"node {node}: {e.GetType().Name} {e.Message}";
                }
                Assert.True(DateTime.UtcNow < deadline, $"device {d} could not anchor within 90 s; last answer: {last}");
                node = (node + 1) % 3;
                await Task.Delay(100);
            }
        }
    }));

    // Every node applies the whole order, serves the same checkpoint text at the order's size, and
    // holds every acknowledged upload as anchored.
    private async Task ConvergedAsync(string when)
    {
        var size = 0L;
        await Eventually.UntilAsync(async ct =>
        {
            var views = new List<(long Applied, long Ordered, string? Halted)>();
            for (var i = 0; i < 3; i++)
            {
                views.Add(await _members.OrderingAsync(i, ct));
            }
            Assert.All(views, v => Assert.Null(v.Halted));
            size = views.Max(v => v.Ordered);
            return views.All(v => v.Applied == size);
        }, applied => applied, $"every node applying the whole order {when}", TimeSpan.FromSeconds(60), _members.Diagnostics);

        var texts = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var client = _members.Client(i);
            var text = await Eventually.UntilAsync(async ct =>
            {
                using var response = await client.GetAsync("v1/ledger/checkpoint", ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                return response.IsSuccessStatusCode && body.Split('\n')[1] == size.ToString(System.Globalization.CultureInfo.InvariantCulture) ? body : null;
            }, body => body is not null, $"{MemberNodes.Names[i]}'s checkpoint of size {size} {when}", TimeSpan.FromSeconds(60), _members.Diagnostics);
            texts.Add(text![..text!.IndexOf("\n\n", StringComparison.Ordinal)]);
            for (var d = 0; d < 3; d++)
            {
                using var state = _members.Client(i, _members.ReaderKeys[i]);
                var device = await state.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"v1/devices/{_devices[d].Id}");
                Assert.True(_acknowledged[d] == (long)device!["anchoredSize"]!, $"{MemberNodes.Names[i]} {when}: {_devices[d].Id} anchored {(long)device["anchoredSize"]!}, acknowledged {_acknowledged[d]}");
                // The leaves too: pulled from the member that received them, checked against the anchors.
                await Eventually.UntilAsync(async ct => (await client.GetFromJsonAsync(UplinkRoutes.DeviceLogPath(_devices[d].Id).TrimStart('/'), UplinkJsonContext.Default.DeviceLogStatus, ct))!.CommittedSize,
                    held => held == _acknowledged[d], $"{MemberNodes.Names[i]} holding {_devices[d].Id}'s {_acknowledged[d]} leaves {when}", TimeSpan.FromSeconds(60), _members.Diagnostics);
            }
        }
        Assert.All(texts, t => Assert.Equal(texts[0], t));
    }
}
