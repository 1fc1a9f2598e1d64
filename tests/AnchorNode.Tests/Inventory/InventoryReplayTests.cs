using AnchorNode.Runtime;
using System.Net;
using System.Net.Http.Json;
using AnchorNode.Endpoints;
using AnchorNode.Hosting;
using AnchorNode.Ledger;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnchorNode.Tests.Inventory;

/// <summary>
/// Inventory entries replay deterministically: an in-memory replica and another member's SQLite
/// replica (cosigning) reach the node's state for every lot, title, party, cargo and pledge.
/// </summary>
public sealed class InventoryReplayTests : IAsyncLifetime
{
    private readonly TestNode _node = new();
    private LotClient _lots = null!;

    public async Task InitializeAsync()
    {
        await _node.InitializeAsync();
        _lots = new LotClient(_node);
        await _lots.RegisterPartiesAsync();
    }

    public async Task DisposeAsync()
    {
        _lots.Dispose();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task ReplayingTheEntries_InMemoryAndInAnotherMembersReplica_GivesTheNodesState()
    {
        await LifecycleAsync();
        var size = _node.LedgerSize;
        var page = await _lots.Auditor.GetFromJsonAsync($"v1/ledger/entries?from=0&count={size}", NodeJsonContext.Default.EntriesView);

        var replica = new InMemoryLedgerState("demo");
        var rules = new LedgerRules(null, InventoryRules.All);
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        foreach (var entry in page!.Entries)
        {
            var appended = rules.Append(Convert.FromBase64String(entry.Entry), replica);
            Assert.True(appended.Succeeded, $"entry {entry.Index} ({entry.Kind}): {appended.Failure}");
            log.Append(appended.Value.LeafHash);
        }
        string nodeState;
        using (var lease = _node.Runtime.Readers.Rent())
        {
            nodeState = lease.Reader.State.Describe();
            Assert.Equal(lease.Reader.Ledger.Root(size), log.Root());
        }
        Assert.Equal(nodeState, replica.Describe());
        foreach (var kind in new[] { EntryKinds.Party, EntryKinds.Title, EntryKinds.Lot, EntryKinds.Move, EntryKinds.Pledge, EntryKinds.Release, EntryKinds.Enforce, EntryKinds.Deliver, EntryKinds.Cancel })
        {
            Assert.Contains(page.Entries, e => e.Kind == kind);
        }

        await _node.WaitForCheckpointAsync();
        await using (var bank = NodeRuntime.Open(_node.BankFolder, NullLoggerFactory.Instance))
        {
            using var http = _node.Client(_node.AuditorKey);
            var cosigned = await new Cosigner(bank, http).CosignLatestAsync(CancellationToken.None);
            Assert.True(cosigned.Succeeded, cosigned.ToString());
            using var lease = bank.Readers.Rent();
            Assert.Equal(nodeState, lease.Reader.State.Describe());
        }
    }

    [Fact]
    public async Task ReportProof_FollowsTheTrustPolicy_TwoSignaturesOnceAnotherMemberCosigned()
    {
        await _lots.IssueAsync(LotClient.Request("WR-P"));
        await _lots.PledgeAsync("WR-P");
        await _node.WaitForCheckpointAsync();

        var single = await ReportAsync("WR-P", 1);
        var before = await ReportAsync("WR-P", 2);
        await using (var bank = NodeRuntime.Open(_node.BankFolder, NullLoggerFactory.Instance))
        {
            using var http = _node.Client(_node.AuditorKey);
            Assert.True((await new Cosigner(bank, http).CosignLatestAsync(CancellationToken.None)).Succeeded);
        }
        var after = await ReportAsync("WR-P", 2);

        Assert.True(single.Proof.Verified);
        Assert.False(before.Proof.Verified);
        Assert.Contains("quorum-not-met", before.Proof.Failure, StringComparison.Ordinal);
        Assert.True(after.Proof.Verified, after.Proof.Failure);
        Assert.Equal(["bank", "warehouse"], after.Proof.Signers.Order(StringComparer.Ordinal));
        using var tooMany = await _lots.Lender.GetAsync("v1/lots/WR-P/report?threshold=4");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }

    // Every inventory kind the API writes: two receipts, a move, a pledge and its release, a second
    // pledge and its enforcement, a delivery to the lender's order, a partial delivery and a cancellation.
    private async Task LifecycleAsync()
    {
        await _lots.IssueAsync(LotClient.Request("WR-A", [LotClient.Epc(1), LotClient.Epc(2)]));
        await _lots.IssueAsync(LotClient.Request("WR-B", [LotClient.Epc(3)], zone: "freezer-1", min: -25, max: -18));
        using (var move = await _lots.Operator.PostAsJsonAsync("v1/lots/WR-A/moves", new MoveRequest("chiller-2", null, LotClient.T0 + 600_000), InventoryJsonContext.Default.MoveRequest))
        {
            Assert.Equal(HttpStatusCode.Created, move.StatusCode);
        }
        var first = await _lots.PledgeAsync("WR-A", "temperature above 8 for 30m");
        await SubmitAsync(await _lots.DraftAsync(first, "release"));
        var second = await _lots.PledgeAsync("WR-A");
        await SubmitAsync(await _lots.DraftAsync(second, "enforce", new PledgeActionRequest(null, "default on repayment", LotClient.T0 + 7_300_000)));
        var delivery = _node.Runtime.Lots.DeliverAsync("WR-A", null, [], LotClient.T0 + 7_400_000, CancellationToken.None);
        Assert.Equal(LedgerFailures.NotTheLender, (await delivery).Failure?.Code);
        // Goods held to the bank's order leave with its signature too: drafted by the operator, signed by the bank.
        using (var draft = await _lots.Operator.PostAsJsonAsync("v1/lots/WR-A/deliveries/draft", new DeliverRequest(null, null, LotClient.T0 + 7_400_000, All: true), InventoryJsonContext.Default.DeliverRequest))
        {
            var statement = (await draft.Content.ReadFromJsonAsync(InventoryJsonContext.Default.DraftResponse))!;
            Assert.Equal(["bank", "warehouse"], statement.Signers);
            using var signed = await _lots.Operator.PostAsync("v1/lots/WR-A/deliveries/signed",
                new StringContent(LotClient.Sign(statement.Statement, _node.Bank), System.Text.Encoding.UTF8, "text/plain"));
            Assert.True(signed.StatusCode == HttpStatusCode.Created, await signed.Content.ReadAsStringAsync());
        }
        using (var part = await _lots.Operator.PostAsJsonAsync("v1/lots/WR-B/deliveries", new DeliverRequest(20, [LotClient.Epc(3)], LotClient.T0 + 60_000), InventoryJsonContext.Default.DeliverRequest))
        {
            Assert.Equal(HttpStatusCode.Created, part.StatusCode);
        }
        using var cancel = await _lots.Operator.PostAsJsonAsync("v1/lots/WR-B/cancel", new ReasonRequest("issued in error"), NodeJsonContext.Default.ReasonRequest);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("delivered", (await _lots.LotAsync("WR-A")).Status);
        Assert.Equal("cancelled", (await _lots.LotAsync("WR-B")).Status);
    }

    private async Task SubmitAsync(string statement)
    {
        using var response = await _lots.SubmitAsync(LotClient.Sign(statement, _node.Bank));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private async Task<LotReportResponse> ReportAsync(string receipt, int threshold)
    {
        using var response = await _lots.Lender.GetAsync($"v1/lots/{receipt}/report?threshold={threshold}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return System.Text.Json.JsonSerializer.Deserialize(body, InventoryJsonContext.Default.LotReportResponse)!;
    }
}
