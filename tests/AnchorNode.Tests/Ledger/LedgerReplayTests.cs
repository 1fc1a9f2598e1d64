using System.Net.Http.Json;
using System.Text;
using AnchorNode.Endpoints;
using AnchorNode.Ledger;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;

namespace AnchorNode.Tests.Ledger;

/// <summary>A replica that replays the node's entries through the rules holds the same state and the same tree, and decides every proposal the same way.</summary>
public class LedgerReplayTests(TestNode node) : IClassFixture<TestNode>
{
    private async Task BusyLedgerAsync()
    {
        var a = new SimulatedDevice("gw-r1", seed: 1).Add(30);
        var b = new SimulatedDevice("gw-r2", seed: 2).Add(12);
        await node.EnrolAsync(a);
        await node.EnrolAsync(b, zone: "frozen-b");
        await node.AnchorAsync(a, 0);
        await node.AnchorAsync(b, 0);
        a.Add(9);
        await node.AnchorAsync(a, 30);
        using var client = node.Operator();
        using (var revoke = await client.PostAsync($"v1/devices/{b.Id}/revoke", new StringContent("{\"reason\":\"replaced\"}", Encoding.UTF8, "application/json")))
        {
            Assert.True(revoke.IsSuccessStatusCode);
        }
        var fork = a.Fork(35, seed: 3).Add(4);
        using var equivocation = await node.UploadAsync(a, fork.Request(35));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, equivocation.StatusCode);
    }

    [Fact]
    public async Task ReplayingTheEntries_GivesTheSameStateAndRoot()
    {
        await BusyLedgerAsync();
        using var client = node.Client(node.AuditorKey);
        var page = await client.GetFromJsonAsync("v1/ledger/entries?from=0&count=1000", NodeJsonContext.Default.EntriesView);

        var replica = new InMemoryLedgerState("demo");
        var rules = new LedgerRules();
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        foreach (var entry in page!.Entries)
        {
            var appended = rules.Append(Convert.FromBase64String(entry.Entry), replica);
            Assert.True(appended.Succeeded, $"entry {entry.Index} ({entry.Kind}): {appended.Failure}");
            log.Append(appended.Value.LeafHash);
        }

        using var lease = node.Runtime.Readers.Rent();
        Assert.Equal(lease.Reader.State.Describe(), replica.Describe());
        Assert.Equal(lease.Reader.Ledger.Root(page.LedgerSize), log.Root());
        Assert.Contains(page.Entries, e => e.Kind == EntryKinds.Equivocation);
        Assert.Contains(page.Entries, e => e.Kind == EntryKinds.Revoke);
    }

    [Fact]
    public async Task ReplayingTheProposals_RejectsTheSameOnes()
    {
        var device = new SimulatedDevice("gw-proposals", seed: 9).Add(6);
        var enrol = node.Runtime.Statements.Sign(EntryKinds.Enrol, new EnrolStatement { DeviceId = device.Id, PublicKey = device.PublicKey }.ToBody());
        var lenderSigned = LedgerEntry.Create(EntryKinds.Enrol, [], Firmware.Contracts.Notes.SignedNote.Sign(
            node.Runtime.Statements.Create(EntryKinds.Enrol, new EnrolStatement { DeviceId = "gw-other", PublicKey = device.PublicKey }.ToBody()).Text, node.Bank));
        var proposals = new List<byte[]> { enrol.Bytes.ToArray(), enrol.Bytes.ToArray(), lenderSigned.Bytes.ToArray(), "garbage"u8.ToArray() };

        var before = node.LedgerSize;
        var decisions = new List<string>();
        foreach (var proposal in proposals)
        {
            var result = await node.Runtime.Sequencer.AppendAsync(new LedgerProposal(proposal), CancellationToken.None);
            decisions.Add(result.Failure?.Code ?? "appended");
        }
        Assert.Equal(["appended", LedgerFailures.DuplicateStatement, LedgerFailures.RoleRequired, LedgerFailures.EntryFormat], decisions);
        Assert.Equal(before + 1, node.LedgerSize);

        // A replica of the ledger up to the proposals decides them the same way.
        using var client = node.Client(node.AuditorKey);
        var page = await client.GetFromJsonAsync($"v1/ledger/entries?from=0&count={before}", NodeJsonContext.Default.EntriesView);
        var replica = new InMemoryLedgerState("demo");
        var rules = new LedgerRules();
        foreach (var entry in page!.Entries.Take((int)before))
        {
            Assert.True(rules.Append(Convert.FromBase64String(entry.Entry), replica).Succeeded);
        }
        var replayed = proposals.Select(p => rules.Append(p, replica).Failure?.Code ?? "appended").ToList();
        Assert.Equal(decisions, replayed);
    }
}
