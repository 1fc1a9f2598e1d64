using System.Net;
using System.Net.Http.Json;
using AnchorNode.Endpoints;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Consortium;

/// <summary>Three member nodes ordered by a real etcd cluster: the same entries, roots and checkpoints on every node.</summary>
public sealed class EtcdOrderingTests : IAsyncLifetime
{
    private readonly ConsortiumNodes _nodes = new();

    public Task InitializeAsync() => _nodes.InitializeAsync();

    public Task DisposeAsync() => _nodes.DisposeAsync();

    [Fact]
    public async Task EveryMemberApplies_TheSameOrder_AndSignsTheSameCheckpoint()
    {
        await _nodes.WaitAllAppliedAsync(1);
        using var device = new SimulatedDevice("gw-etcd-1").Add(20);
        using (var client = _nodes.Client(0, _nodes.OperatorKey))
        {
            var response = await client.PostAsJsonAsync("v1/devices", new EnrolRequest(device.Id, device.PublicKey, "site-1", "cold-a",
                [new SensorModel("t1", "temperature", "cold-a")]), NodeJsonContext.Default.EnrolRequest);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        using (var client = _nodes.Client(1))
        {
            // Uploaded to another member's node than the one that enrolled it.
            using var response = await client.PostAsJsonAsync(UplinkRoutes.UploadPath(device.Id).TrimStart('/'), device.Request(0), UplinkJsonContext.Default.UplinkRequest);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
        var size = _nodes.LedgerSize(1);
        Assert.Equal(3, size);
        await _nodes.WaitAllAppliedAsync(size);
        var root = _nodes.LedgerRoot(0, size);
        Assert.Equal(root, _nodes.LedgerRoot(1, size));
        Assert.Equal(root, _nodes.LedgerRoot(2, size));
        var note = await _nodes.WaitForCheckpointAsync(2, size, 3);
        Assert.Equal(3, note.Signatures.Select(s => s.KeyName).Distinct().Count());
    }
}
