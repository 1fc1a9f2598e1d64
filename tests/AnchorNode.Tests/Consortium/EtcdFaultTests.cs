using System.Net;
using System.Net.Http.Json;
using AnchorNode.Endpoints;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Consortium;

/// <summary>
/// Three member nodes over a three-member etcd cluster, with devices uploading to all three nodes
/// at once while etcd members are killed and stopped: what was acknowledged is on every node, and
/// every node reaches the same size and root.
/// </summary>
public sealed class EtcdFaultTests : IAsyncLifetime
{
    private readonly ConsortiumNodes _nodes = new() { EtcdMembers = 3 };
    private readonly SimulatedDevice[] _devices = Enumerable.Range(0, 3).Select(i => new SimulatedDevice($"gw-fault-{i}", seed: i + 1)).ToArray();
    private readonly long[] _acknowledged = new long[3];

    public Task InitializeAsync() => _nodes.InitializeAsync();

    public async Task DisposeAsync()
    {
        foreach (var device in _devices)
        {
            device.Dispose();
        }
        await _nodes.DisposeAsync();
    }

    [Fact]
    public async Task EtcdLeaderKilledAndMemberStopped_DuringUploads_NothingAcknowledgedIsLost()
    {
        await _nodes.WaitAllAppliedAsync(1);
        foreach (var device in _devices)
        {
            await _nodes.EnrolAsync(device);
        }
        await _nodes.WaitAllAppliedAsync(_nodes.LedgerSize(0));

        await UploadRoundsAsync(3);
        var leader = await WaitForLeaderAsync();
        await _nodes.Etcd.KillAsync(leader);
        await UploadRoundsAsync(3);
        await _nodes.Etcd.RestartAsync(leader);
        await UploadRoundsAsync(2);

        // A member stopped (SIGSTOP) looks partitioned to the others; it is the leader when possible.
        var stopped = await WaitForLeaderAsync();
        _nodes.Etcd.Pause(stopped);
        try
        {
            await UploadRoundsAsync(3);
        }
        finally
        {
            _nodes.Etcd.Resume(stopped);
        }
        await UploadRoundsAsync(2);

        var size = Enumerable.Range(0, 3).Max(_nodes.LedgerSize);
        await _nodes.WaitAllAppliedAsync(size);
        var root = _nodes.LedgerRoot(0, size);
        for (var node = 0; node < 3; node++)
        {
            Assert.Equal(size, _nodes.LedgerSize(node));
            Assert.Equal(root, _nodes.LedgerRoot(node, size));
            using var lease = _nodes.Runtimes[node].Readers.Rent();
            for (var d = 0; d < 3; d++)
            {
                // Every acknowledged upload is anchored on every node, and nothing beyond it.
                Assert.Equal(_acknowledged[d], lease.Reader.State.Device(_devices[d].Id)!.AnchoredSize);
            }
        }
        // Each device's leaves are held by the node that received them.
        for (var d = 0; d < 3; d++)
        {
            using var lease = _nodes.Runtimes[d].Readers.Rent();
            Assert.Equal(_acknowledged[d], lease.Reader.DeviceLog(_devices[d].Id)!.Size);
        }
        var note = await _nodes.WaitForCheckpointAsync(0, size, 3, TimeSpan.FromSeconds(60));
        Assert.Equal(3, note.Signatures.Select(s => s.KeyName).Distinct().Count());
    }

    private async Task<int> WaitForLeaderAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (await _nodes.Etcd.LeaderAsync() is var leader and >= 0)
            {
                return leader;
            }
            Assert.True(DateTime.UtcNow < deadline, "the etcd cluster elected no leader within 30 s");
            await Task.Delay(50);
        }
    }

    // Every device uploads a batch to its own member's node at the same time; an upload that gets no
    // answer or a 503 is sent again (the same checkpoint: the node answers with the receipt it has).
    private Task UploadRoundsAsync(int rounds) => Task.WhenAll(Enumerable.Range(0, 3).Select(async d =>
    {
        for (var round = 0; round < rounds; round++)
        {
            var from = _acknowledged[d];
            _devices[d].Add(25);
            var request = _devices[d].Request(from);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (true)
            {
                using var client = _nodes.Client(d);
                client.Timeout = TimeSpan.FromSeconds(15);
                try
                {
                    using var response = await client.PostAsJsonAsync(UplinkRoutes.UploadPath(_devices[d].Id).TrimStart('/'), request, UplinkJsonContext.Default.UplinkRequest);
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.IsSuccessStatusCode)
                    {
                        var receipt = System.Text.Json.JsonSerializer.Deserialize(body, UplinkJsonContext.Default.UplinkReceipt)!;
                        Assert.Equal(_devices[d].Size, receipt.CommittedSize);
                        _acknowledged[d] = receipt.CommittedSize;
                        break;
                    }
                    Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"device {d}: {(int)response.StatusCode} {body}");
                }
                catch (TaskCanceledException)
                {
                }
                Assert.True(DateTime.UtcNow < deadline, $"device {d} could not anchor within 60 s");
                await Task.Delay(200);
            }
        }
    }));
}

/// <summary>Without an etcd majority nothing is appended: writes answer 503 with the reason, reads go on, and writes resume with the majority.</summary>
public sealed class EtcdQuorumLossTests : IAsyncLifetime
{
    private readonly ConsortiumNodes _nodes = new() { EtcdMembers = 3, AppendTimeoutMs = 3000 };

    public Task InitializeAsync() => _nodes.InitializeAsync();

    public Task DisposeAsync() => _nodes.DisposeAsync();

    [Fact]
    public async Task TwoOfThreeEtcdMembersStopped_WritesAnswer503_ReadsAnswer_ThenWritesResume()
    {
        await _nodes.WaitAllAppliedAsync(1);
        var size = _nodes.LedgerSize(0);
        await _nodes.WaitForCheckpointAsync(2, size, 2);
        using var device = new SimulatedDevice("gw-no-quorum");
        using var op = _nodes.Client(0, _nodes.OperatorKey);
        var enrol = ConsortiumNodes.Enrolment(device);
        _nodes.Etcd.Pause(1);
        _nodes.Etcd.Pause(2);
        try
        {
            using var refused = await op.PostAsJsonAsync("v1/devices", enrol, NodeJsonContext.Default.EnrolRequest);
            var problem = await refused.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("ledger-unavailable", problem, StringComparison.Ordinal);
            Assert.True(refused.Headers.RetryAfter is not null, "a 503 without Retry-After");
            // Reads are served from each node's own store meanwhile.
            using var anonymous = _nodes.Client(2);
            using var checkpoint = await anonymous.GetAsync("v1/ledger/checkpoint");
            Assert.Equal(HttpStatusCode.OK, checkpoint.StatusCode);
        }
        finally
        {
            _nodes.Etcd.Resume(1);
            _nodes.Etcd.Resume(2);
        }
        // Nothing was appended while etcd had no majority, or if the attempt did commit, it is there
        // exactly once: the retry below is refused as a second enrolment or succeeds.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        HttpStatusCode status;
        do
        {
            using var again = await op.PostAsJsonAsync("v1/devices", enrol, NodeJsonContext.Default.EnrolRequest);
            status = again.StatusCode;
            if (status == HttpStatusCode.ServiceUnavailable)
            {
                await Task.Delay(200);
            }
        }
        while (status == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline);
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.Conflict, $"after the majority came back: {(int)status}");
        await _nodes.WaitAllAppliedAsync(size + 1);
        using var lease = _nodes.Runtimes[1].Readers.Rent();
        Assert.NotNull(lease.Reader.State.Device(device.Id));
        Assert.Equal(size + 1, lease.Reader.LedgerSize);
    }
}

