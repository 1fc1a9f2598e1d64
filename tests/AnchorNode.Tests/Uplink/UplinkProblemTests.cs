using System.Net;
using System.Text;
using System.Text.Json;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Uplink;

/// <summary>Every kind of bad upload gets its own problem type, and nothing of it is stored.</summary>
public class UplinkProblemTests(TestNode node) : IClassFixture<TestNode>
{
    private async Task<SimulatedDevice> AnchoredDeviceAsync(string id, int anchored = 20)
    {
        var device = new SimulatedDevice(id, seed: id.GetHashCode(StringComparison.Ordinal)).Add(anchored);
        await node.EnrolAsync(device);
        await node.AnchorAsync(device, 0);
        return device;
    }

    /// <summary>Posts <paramref name="body"/> and checks the problem, and that neither the ledger nor the device's log grew.</summary>
    private async Task<Problem> RefusedAsync(SimulatedDevice device, HttpContent body, HttpStatusCode status, string code)
    {
        var ledger = node.LedgerSize;
        var held = node.HeldLeaves(device.Id);
        using var client = node.Anonymous();
        using var response = await client.PostAsync(UplinkRoutes.UploadPath(device.Id).TrimStart('/'), body);
        var problem = await Problem.ReadAsync(response);
        Assert.Equal((status, code), (response.StatusCode, problem.Code));
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail));
        Assert.Equal(ledger, node.LedgerSize);
        Assert.Equal(held, node.HeldLeaves(device.Id));
        return problem;
    }

    private Task<Problem> RefusedAsync(SimulatedDevice device, UplinkRequest request, HttpStatusCode status, string code) =>
        RefusedAsync(device, Json(request), status, code);

    private static StringContent Json(UplinkRequest request) =>
        new(JsonSerializer.Serialize(request, UplinkJsonContext.Default.UplinkRequest), Encoding.UTF8, "application/json");

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("{not json")]
    [InlineData("null")]
    [InlineData("[1,2]")]
    [InlineData("{\"checkpoint\":\"x\",\"firstSequence\":\"zero\",\"leaves\":[]}")]
    [InlineData("{\"firstSequence\":0,\"leaves\":[]}")]
    public async Task MalformedJson_IsMalformedRequest(string body)
    {
        var device = await AnchoredDeviceAsync($"gw-json-{Math.Abs(body.GetHashCode(StringComparison.Ordinal))}");
        await RefusedAsync(device, Json(body), HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest);
    }

    [Fact]
    public async Task CheckpointThatIsNotANote_IsMalformedRequest()
    {
        var device = await AnchoredDeviceAsync("gw-note");
        device.Add(5);
        await RefusedAsync(device, device.Request(20) with { Checkpoint = "edgetrace/device/gw-note\n25\n" }, HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest);
    }

    [Fact]
    public async Task BadBase64Leaf_IsBadBase64()
    {
        var device = await AnchoredDeviceAsync("gw-b64");
        device.Add(5);
        var request = device.Request(20);
        var leaves = request.Leaves.ToList();
        leaves[3] = "not*base64";
        var problem = await RefusedAsync(device, request with { Leaves = leaves }, HttpStatusCode.BadRequest, ProblemTypes.BadBase64);
        Assert.Contains("sequence 23", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedLeaf_IsMalformedLeaf()
    {
        var device = await AnchoredDeviceAsync("gw-leaf");
        device.Add(5);
        var request = device.Request(20);
        var leaves = request.Leaves.ToList();
        leaves[1] = Convert.ToBase64String("{\"ver\":1,\"dev\":\"gw-leaf\"}"u8);
        await RefusedAsync(device, request with { Leaves = leaves }, HttpStatusCode.BadRequest, ProblemTypes.MalformedLeaf);
    }

    [Fact]
    public async Task LeafOfAnotherDevice_IsOutOfSequence()
    {
        var device = await AnchoredDeviceAsync("gw-mine");
        var other = new SimulatedDevice("gw-other").Add(30);
        device.Add(5);
        var request = device.Request(20);
        var leaves = request.Leaves.ToList();
        leaves[2] = Convert.ToBase64String(other.Leaves[22].Bytes.Span);
        var problem = await RefusedAsync(device, request with { Leaves = leaves }, HttpStatusCode.BadRequest, ProblemTypes.LeafOutOfSequence);
        Assert.Contains("gw-other", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeavesInTheWrongOrder_AreOutOfSequence()
    {
        var device = await AnchoredDeviceAsync("gw-order");
        device.Add(5);
        var request = device.Request(20);
        var leaves = request.Leaves.ToList();
        (leaves[1], leaves[2]) = (leaves[2], leaves[1]);
        await RefusedAsync(device, request with { Leaves = leaves }, HttpStatusCode.BadRequest, ProblemTypes.LeafOutOfSequence);
    }

    [Fact]
    public async Task CheckpointOfAnotherDevice_IsWrongOrigin()
    {
        var device = await AnchoredDeviceAsync("gw-origin");
        var other = new SimulatedDevice("gw-elsewhere").Add(25);
        device.Add(5);
        await RefusedAsync(device, device.Request(20, other.Checkpoint()), HttpStatusCode.BadRequest, ProblemTypes.WrongOrigin);
    }

    [Fact]
    public async Task CheckpointSignedWithAnotherKey_IsBadSignature()
    {
        var device = await AnchoredDeviceAsync("gw-sig");
        device.Add(5);
        using var impostor = EcdsaNoteSigner.Generate(DeviceLogs.Origin(device.Id));
        var forged = new SimulatedDevice(device.Id, key: impostor).Fork(0, 1);
        var note = new Firmware.Contracts.Checkpoints.Checkpoint(DeviceLogs.Origin(device.Id), device.Size, device.Log.Root()).Sign(impostor);
        await RefusedAsync(device, device.Request(20, note), HttpStatusCode.Unauthorized, ProblemTypes.BadSignature);
        Assert.Empty(forged.Leaves);
    }

    [Fact]
    public async Task AlteredCheckpointText_IsBadSignature()
    {
        var device = await AnchoredDeviceAsync("gw-altered");
        device.Add(5);
        var note = device.Checkpoint().ToString().Replace("\n25\n", "\n26\n", StringComparison.Ordinal);
        device.Add(1);
        await RefusedAsync(device, device.Request(20) with { Checkpoint = note }, HttpStatusCode.Unauthorized, ProblemTypes.BadSignature);
    }

    [Fact]
    public async Task UnknownDevice_IsRefused()
    {
        var device = new SimulatedDevice("gw-stranger").Add(5);
        await RefusedAsync(device, device.Request(0), HttpStatusCode.Forbidden, ProblemTypes.UnknownDevice);
    }

    [Fact]
    public async Task RevokedDevice_IsRefused()
    {
        var device = await AnchoredDeviceAsync("gw-revoked");
        using var client = node.Operator();
        using var revoke = await client.PostAsync($"v1/devices/{device.Id}/revoke", Json("{\"reason\":\"decommissioned\"}"));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        device.Add(5);
        await RefusedAsync(device, device.Request(20), HttpStatusCode.Forbidden, ProblemTypes.RevokedDevice);
        using var status = await client.GetAsync(UplinkRoutes.DeviceLogPath(device.Id).TrimStart('/'));
        Assert.Contains("\"revoked\":true", await status.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckpointSizeNotWhereLeavesEnd_IsSizeMismatch()
    {
        var device = await AnchoredDeviceAsync("gw-size");
        device.Add(5);
        var request = device.Request(20);
        await RefusedAsync(device, request with { Leaves = request.Leaves.Take(4).ToList() }, HttpStatusCode.BadRequest, ProblemTypes.SizeMismatch);
    }

    [Fact]
    public async Task RootOverStoredAndNewLeaves_NotTheCheckpoints_IsRootMismatch()
    {
        var device = await AnchoredDeviceAsync("gw-root");
        device.Add(5);
        // Properly signed, but over a root that the leaves do not give.
        var wrong = device.Checkpoint(device.Size, device.Log.Reader.Root(3));
        await RefusedAsync(device, device.Request(20, wrong), HttpStatusCode.BadRequest, ProblemTypes.RootMismatch);
    }

    [Fact]
    public async Task LeavesStartingBeyondWhatTheNodeHolds_AreAGap()
    {
        var device = await AnchoredDeviceAsync("gw-gap");
        device.Add(10);
        var problem = await RefusedAsync(device, device.Request(25), HttpStatusCode.Conflict, ProblemTypes.Gap);
        Assert.Contains("Resend from sequence 20", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResentLeafDifferentFromStored_IsLeafMismatch()
    {
        var device = await AnchoredDeviceAsync("gw-resent");
        device.Add(5);
        var fork = device.Fork(15, seed: 77).Add(10);
        // Leaves 15..19 differ from what the node holds, and the checkpoint is the genuine one.
        var request = fork.Request(15, device.Checkpoint());
        await RefusedAsync(device, request, HttpStatusCode.Conflict, ProblemTypes.LeafMismatch);
    }

    [Fact]
    public async Task ReplayedOldUpload_IsStale()
    {
        var device = new SimulatedDevice("gw-replay").Add(10);
        await node.EnrolAsync(device);
        var old = device.Request(0);
        await node.AnchorAsync(device, 0);
        device.Add(10);
        await node.AnchorAsync(device, 10);

        var problem = await RefusedAsync(device, old, HttpStatusCode.Conflict, ProblemTypes.StaleCheckpoint);
        Assert.Contains("already anchored 20", problem.Detail, StringComparison.Ordinal);
        using var status = await node.Anonymous().GetAsync(UplinkRoutes.DeviceLogPath(device.Id).TrimStart('/'));
        Assert.Contains("\"equivocated\":false", await status.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooManyLeaves_IsTooLarge()
    {
        var device = await AnchoredDeviceAsync("gw-many");
        var leaf = device.Request(0).Leaves[0];
        var request = new UplinkRequest(device.Checkpoint().ToString(), 20, Enumerable.Repeat(leaf, UplinkRoutes.MaxLeavesPerUpload + 1).ToList());
        await RefusedAsync(device, request, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge);
    }

    [Fact]
    public async Task BodyLargerThanTheLimit_IsTooLarge()
    {
        var device = await AnchoredDeviceAsync("gw-huge");
        var padding = new string(' ', UplinkRoutes.MaxRequestBytes + 10);
        await RefusedAsync(device, Json("{\"checkpoint\":\"x\"," + padding + "\"firstSequence\":0,\"leaves\":[]}"), HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge);
    }
}
