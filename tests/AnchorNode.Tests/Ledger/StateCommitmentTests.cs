using AnchorNode.Runtime;
using System.Net.Http.Json;
using AnchorNode.Endpoints;
using AnchorNode.Hosting;
using AnchorNode.Ledger;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnchorNode.Tests.Ledger;

/// <summary>
/// Ledger checkpoints commit to the ledger's state map; a cosigning member recomputes it and refuses
/// a checkpoint whose state root is wrong, naming the key; <c>AnchorNode verify</c> replays the whole
/// ledger and reproduces every stored checkpoint's state root.
/// </summary>
public sealed class StateCommitmentTests : IAsyncLifetime
{
    private readonly TestNode _node = new();

    public Task InitializeAsync() => _node.InitializeAsync();

    public Task DisposeAsync() => _node.DisposeAsync();

    private async Task<Checkpoint> LatestAsync()
    {
        using var client = _node.Anonymous();
        return Checkpoint.ParseText(SignedNote.Parse(await client.GetStringAsync("v1/ledger/checkpoint")).Value.Text).Value;
    }

    private void Tamper(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_node.Runtime.Database.Path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.True(command.ExecuteNonQuery() > 0, $"the tampering changed nothing: {sql}");
    }

    [Fact]
    public async Task EveryCheckpoint_CommitsToTheStateItsSizeImplies_AndServesIt()
    {
        var device = new SimulatedDevice("gw-state").Add(10);
        await _node.EnrolAsync(device);
        await _node.AnchorAsync(device, 0);
        var checkpoint = await _node.WaitForCheckpointAsync();

        Assert.Null(checkpoint.LedgerExtensionProblem());
        using var lease = _node.Runtime.Readers.Rent();
        Assert.Equal(LedgerStateMap.Root(lease.Reader.State), checkpoint.StateRoot);
        using var auditor = _node.Client(_node.AuditorKey);
        var state = await auditor.GetFromJsonAsync($"v1/ledger/state?size={checkpoint.Size}", NodeJsonContext.Default.StateView);
        Assert.Equal(checkpoint.StateRoot!.Value.ToBase64(), state!.Root);
        var entry = Assert.Single(state.Entries, e => e.Key == "device/gw-state");
        Assert.Contains("size 10\n", entry.Value, StringComparison.Ordinal);
        Assert.Contains(state.Entries, e => e.Key == "zone/site-1/cold-a" && e.Value == "device gw-state\n");
    }

    [Fact]
    public async Task ACosigner_RefusesAWrongStateRoot_NamingTheKeyThatDiffers()
    {
        var device = new SimulatedDevice("gw-drift").Add(5);
        await _node.EnrolAsync(device);
        await _node.AnchorAsync(device, 0);
        await _node.CosignAsync();
        // The node's state drifts from its entries (a bug, or someone editing its database); its next checkpoint commits to the drifted state.
        Tamper("UPDATE devices SET anchored_size = 4 WHERE device = 'gw-drift'");
        await _node.EnrolAsync(new SimulatedDevice("gw-next"));
        await _node.WaitForCheckpointAsync();

        await using var bank = NodeRuntime.Open(_node.BankFolder, NullLoggerFactory.Instance);
        using var http = _node.Client(_node.AuditorKey);
        var refused = await new Cosigner(bank, http).CosignLatestAsync(CancellationToken.None);

        Assert.False(refused.Succeeded);
        Assert.Equal(Cosigner.StateMismatch, refused.Failure!.Code);
        Assert.Contains("key 'device/gw-drift' differs: the node has 'enrolment", refused.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("size 4", refused.Failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("bank", (await LatestAsync()).ToNoteText(), StringComparison.Ordinal);

        // The node's own audit finds the same drift.
        var audit = await Programs.RunAsync(Programs.AnchorNode, ["verify", "--data", _node.Folder.Path]);
        Assert.Equal(1, audit.ExitCode);
        Assert.StartsWith("state-mismatch: ", audit.Field("problem"), StringComparison.Ordinal);
        Assert.Contains("device/gw-drift", audit.Field("problem"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ReplaysTheLedger_AndReproducesEveryStateRoot()
    {
        var device = new SimulatedDevice("gw-audit").Add(30);
        await _node.EnrolAsync(device);
        await _node.AnchorAsync(device, 0);
        device.Add(20);
        await _node.AnchorAsync(device, 30);
        await _node.CosignAsync();

        var audit = await Programs.RunAsync(Programs.AnchorNode, ["verify", "--data", _node.Folder.Path]);

        Assert.True(audit.ExitCode == 0, audit.Output + audit.Error);
        Assert.Equal(_node.LedgerSize.ToString(System.Globalization.CultureInfo.InvariantCulture), audit.Field("entries"));
        Assert.Contains("with a state root, each recomputed", audit.Field("checkpoints"), StringComparison.Ordinal);
        Assert.Equal("50", audit.Field("leaves"));
        Assert.StartsWith("ok", audit.Field("result"), StringComparison.Ordinal);

        // The bank's replica keeps the checkpoint it cosigned, with the state it recomputed; its own audit checks it.
        var replica = await Programs.RunAsync(Programs.AnchorNode, ["verify", "--data", _node.BankFolder.Path]);
        Assert.True(replica.ExitCode == 0, replica.Output + replica.Error);
        Assert.Equal("1 (1 with a state root, each recomputed)", replica.Field("checkpoints"));
        using var connection = new SqliteConnection($"Data Source={_node.BankFolder.DatabaseFile};Mode=ReadOnly");
        connection.Open();
        using var note = connection.CreateCommand();
        note.CommandText = "SELECT note, signatures FROM checkpoints";
        using var row = note.ExecuteReader();
        Assert.True(row.Read());
        Assert.Contains("\n— bank ", row.GetString(0), StringComparison.Ordinal);
        Assert.Contains("\n— warehouse ", row.GetString(0), StringComparison.Ordinal);
        Assert.Equal(2, row.GetInt32(1));
    }

    [Fact]
    public async Task Verify_NamesAStoredLeafThatNoLongerMatchesItsAnchor()
    {
        var device = new SimulatedDevice("gw-leaf").Add(8);
        await _node.EnrolAsync(device);
        await _node.AnchorAsync(device, 0);
        await _node.WaitForCheckpointAsync();
        Tamper("UPDATE tiles SET hashes = zeroblob(length(hashes)) WHERE log = (SELECT log FROM device_logs WHERE device = 'gw-leaf')");

        var audit = await Programs.RunAsync(Programs.AnchorNode, ["verify", "--data", _node.Folder.Path]);

        Assert.Equal(1, audit.ExitCode);
        Assert.StartsWith("tile-mismatch: gw-leaf: the stored hash tiles disagree", audit.Field("problem"), StringComparison.Ordinal);
    }
}
