using System.Net;
using System.Net.Http.Json;
using System.Text;
using AnchorNode.Endpoints;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Uplink;

/// <summary>A device key that signs two histories is flagged on the ledger, with evidence anyone can check, and refused until an operator clears it.</summary>
public class EquivocationTests(TestNode node) : IClassFixture<TestNode>
{
    private async Task<(SimulatedDevice Device, long Anchor)> AnchoredAsync(string id, int leaves)
    {
        var device = new SimulatedDevice(id).Add(leaves);
        await node.EnrolAsync(device);
        var receipt = await node.AnchorAsync(device, 0);
        return (device, receipt.LedgerIndex);
    }

    private async Task<Problem> EquivocatedAsync(SimulatedDevice device, UplinkRequest request)
    {
        using var response = await node.UploadAsync(device, request);
        var problem = await Problem.ReadAsync(response);
        Assert.Equal((HttpStatusCode.Conflict, ProblemTypes.Equivocation), (response.StatusCode, problem.Code));
        return problem;
    }

    private EquivocationEntry EntryAt(long index)
    {
        using var lease = node.Runtime.Readers.Rent();
        return EquivocationEntry.From(LedgerEntry.Parse(lease.Reader.Entry(index)!).Value).Value;
    }

    [Fact]
    public async Task TwoRootsForOneSize_AreRecorded_AndLaterUploadsRefused()
    {
        var (device, anchor) = await AnchoredAsync("gw-twice", 30);
        var fork = device.Fork(20, seed: 5).Add(10);

        var problem = await EquivocatedAsync(device, fork.Request(20));

        var index = problem.Body.GetProperty("ledgerIndex").GetInt64();
        var evidence = EntryAt(index);
        Assert.Equal((anchor, 30L, fork.Log.Root()), (evidence.AnchorIndex, evidence.Checkpoint.Size, evidence.Checkpoint.Root));
        Assert.Null(evidence.AlternateRoot);
        // The honest continuation is refused too, until an operator acts; nothing is stored.
        device.Add(10);
        await EquivocatedAsync(device, device.Request(30));
        Assert.Equal(30, node.HeldLeaves(device.Id));
        using var client = node.Anonymous();
        var after = await client.GetFromJsonAsync(UplinkRoutes.DeviceLogPath(device.Id).TrimStart('/'), UplinkJsonContext.Default.DeviceLogStatus);
        Assert.True(after!.Equivocated);
    }

    [Fact]
    public async Task SmallerCheckpointContradictingTheLog_IsEquivocation_WithProof()
    {
        var (device, anchor) = await AnchoredAsync("gw-older", 40);
        var fork = device.Fork(10, seed: 6).Add(10);

        var problem = await EquivocatedAsync(device, fork.Request(20));

        var evidence = EntryAt(problem.Body.GetProperty("ledgerIndex").GetInt64());
        Assert.Equal(anchor, evidence.AnchorIndex);
        Assert.Equal(device.Log.Reader.Root(20), evidence.AlternateRoot);
        Assert.NotEmpty(evidence.Consistency);
    }

    [Fact]
    public async Task RewrittenHistorySignedAsALargerCheckpoint_IsEquivocation()
    {
        var (device, anchor) = await AnchoredAsync("gw-rewrite", 30);
        // The gateway lost leaves 25..29 and re-created them differently, then signed on top.
        var fork = device.Fork(25, seed: 7).Add(15);

        var problem = await EquivocatedAsync(device, fork.Request(25));

        var evidence = EntryAt(problem.Body.GetProperty("ledgerIndex").GetInt64());
        Assert.Equal((anchor, 40L), (evidence.AnchorIndex, evidence.Checkpoint.Size));
        Assert.Equal(fork.Log.Reader.Root(30), evidence.AlternateRoot);
        Assert.Equal(30, node.HeldLeaves(device.Id));
    }

    [Fact]
    public async Task OperatorClearance_LetsTheDeviceAnchorItsHonestHistoryAgain()
    {
        var (device, _) = await AnchoredAsync("gw-cleared", 20);
        var fork = device.Fork(10, seed: 8).Add(10);
        await EquivocatedAsync(device, fork.Request(10));
        device.Add(5);

        using var lender = node.Client(node.LenderKey);
        using (var forbidden = await lender.PostAsync($"v1/devices/{device.Id}/equivocation/clear", new StringContent("{\"reason\":\"x\"}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }
        await EquivocatedAsync(device, device.Request(20));

        using var operatorClient = node.Operator();
        using var cleared = await operatorClient.PostAsync($"v1/devices/{device.Id}/equivocation/clear",
            new StringContent("{\"reason\":\"gateway restored from a stale backup; the fork was never shipped\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        var clearance = await cleared.Content.ReadFromJsonAsync(NodeJsonContext.Default.AppendedResponse);
        Assert.Equal(EntryKinds.Clear, clearance!.Kind);

        var receipt = await node.AnchorAsync(device, 20);
        Assert.Equal(25, receipt.CommittedSize);
    }

    [Fact]
    public async Task ClearingADeviceThatDidNotEquivocate_IsRefused()
    {
        var (device, _) = await AnchoredAsync("gw-honest", 5);
        using var client = node.Operator();
        using var response = await client.PostAsync($"v1/devices/{device.Id}/equivocation/clear", new StringContent("{\"reason\":\"none\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(LedgerFailures.StaleReference, (await Problem.ReadAsync(response)).Code);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }
}
