using System.Net;
using System.Net.Http.Json;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Uplink;

public class UplinkTests(TestNode node) : IClassFixture<TestNode>
{
    [Fact]
    public async Task Upload_AnchorsLeavesAndAnswersWithTheLedgerIndex()
    {
        var device = new SimulatedDevice("gw-happy").Add(100);
        var enrolment = await node.EnrolAsync(device);

        var receipt = await node.AnchorAsync(device, 0);

        Assert.Equal(("gw-happy", 100L), (receipt.DeviceId, receipt.CommittedSize));
        Assert.True(receipt.LedgerIndex > enrolment);
        Assert.True(receipt.LedgerSize > receipt.LedgerIndex);
        Assert.Equal(100, node.HeldLeaves(device.Id));
        using var lease = node.Runtime.Readers.Rent();
        var entry = LedgerEntry.Parse(lease.Reader.Entry(receipt.LedgerIndex)!).Value;
        var anchor = AnchorEntry.From(entry).Value;
        Assert.Equal(device.Checkpoint().Text, anchor.DeviceNote.Text);
        Assert.Equal(enrolment, anchor.EnrolmentIndex);
        Assert.Null(anchor.PreviousIndex);
        // The stored tree gives the device's root: every leaf is there, in order.
        Assert.Equal(device.Log.Root(), lease.Reader.DeviceTree(lease.Reader.DeviceLog(device.Id)!.LogId).Root(100));
        var stored = lease.Reader.Leaves(lease.Reader.DeviceLog(device.Id)!.LogId, 0, 100);
        Assert.Equal(device.Leaves.Select(l => Convert.ToBase64String(l.Bytes.Span)), stored.Select(s => Convert.ToBase64String(s.Bytes.Span)));
    }

    [Fact]
    public async Task Status_TellsHowFarTheNodeGot()
    {
        var device = new SimulatedDevice("gw-status").Add(10);
        using var client = node.Anonymous();
        using (var unknown = await client.GetAsync(UplinkRoutes.DeviceLogPath(device.Id).TrimStart('/')))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal(ProblemTypes.UnknownDevice, (await Problem.ReadAsync(unknown)).Code);
        }
        await node.EnrolAsync(device);
        var before = await client.GetFromJsonAsync(UplinkRoutes.DeviceLogPath(device.Id).TrimStart('/'), UplinkJsonContext.Default.DeviceLogStatus);
        Assert.Equal(new DeviceLogStatus(device.Id, true, false, false, 0, null, null), before);

        var receipt = await node.AnchorAsync(device, 0);
        var after = await client.GetFromJsonAsync(UplinkRoutes.DeviceLogPath(device.Id).TrimStart('/'), UplinkJsonContext.Default.DeviceLogStatus);
        Assert.Equal(10, after!.CommittedSize);
        Assert.Equal(receipt.LedgerIndex, after.LedgerIndex);
        Assert.Equal(device.Checkpoint().Text, Firmware.Contracts.Notes.SignedNote.Parse(after.Checkpoint!).Value.Text);
    }

    [Fact]
    public async Task Resending_TheSameUpload_IsIdempotent()
    {
        var device = new SimulatedDevice("gw-again").Add(20);
        await node.EnrolAsync(device);
        var request = device.Request(0);
        var first = await ReceiptAsync(await node.UploadAsync(device, request));
        var ledgerSize = node.LedgerSize;

        var second = await ReceiptAsync(await node.UploadAsync(device, request));

        Assert.Equal(first.LedgerIndex, second.LedgerIndex);
        Assert.Equal(first.CommittedSize, second.CommittedSize);
        Assert.Equal(ledgerSize, node.LedgerSize);
        Assert.Equal(20, node.HeldLeaves(device.Id));
    }

    [Fact]
    public async Task Overlapping_Upload_StoresOnlyTheNewLeaves_AndProvesConsistency()
    {
        var device = new SimulatedDevice("gw-overlap").Add(30);
        await node.EnrolAsync(device);
        var first = await node.AnchorAsync(device, 0);
        device.Add(25);

        // The gateway did not hear the first answer and re-sends from 10.
        var second = await node.AnchorAsync(device, 10);

        Assert.Equal(55, second.CommittedSize);
        Assert.Equal(55, node.HeldLeaves(device.Id));
        using var lease = node.Runtime.Readers.Rent();
        var anchor = AnchorEntry.From(LedgerEntry.Parse(lease.Reader.Entry(second.LedgerIndex)!).Value).Value;
        Assert.Equal(first.LedgerIndex, anchor.PreviousIndex);
        Assert.True(MerkleVerifier.VerifyConsistency(30, 55, device.Log.Reader.Root(30), device.Log.Root(), anchor.Consistency.ToArray()).Succeeded);
    }

    [Fact]
    public async Task ConcurrentUploads_FromManyDevices_AreAllCommitted()
    {
        var devices = Enumerable.Range(0, 24).Select(i => new SimulatedDevice($"gw-many-{i}", seed: i).Add(50)).ToList();
        foreach (var device in devices)
        {
            await node.EnrolAsync(device);
        }
        var commitsBefore = node.Runtime.Sequencer.Commits;

        var receipts = await Task.WhenAll(devices.Select(d => node.AnchorAsync(d, 0)));

        Assert.Equal(devices.Count, receipts.Select(r => r.LedgerIndex).Distinct().Count());
        Assert.All(devices, d => Assert.Equal(50, node.HeldLeaves(d.Id)));
        // Uploads that arrived together were committed together.
        Assert.InRange(node.Runtime.Sequencer.Commits - commitsBefore, 1, devices.Count);
    }

    [Fact]
    public async Task ConcurrentResends_OfOneUpload_AnchorItOnce()
    {
        var device = new SimulatedDevice("gw-race").Add(40);
        await node.EnrolAsync(device);
        var request = device.Request(0);
        var ledgerBefore = node.LedgerSize;

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => node.UploadAsync(device, request)));
        var receipts = await Task.WhenAll(responses.Select(ReceiptAsync));

        Assert.Single(receipts.Select(r => r.LedgerIndex).Distinct());
        Assert.Equal(ledgerBefore + 1, node.LedgerSize);
        Assert.Equal(40, node.HeldLeaves(device.Id));
    }

    private static async Task<UplinkReceipt> ReceiptAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
            return System.Text.Json.JsonSerializer.Deserialize(body, UplinkJsonContext.Default.UplinkReceipt)!;
        }
    }
}
