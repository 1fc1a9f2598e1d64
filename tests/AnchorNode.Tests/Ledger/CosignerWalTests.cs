using AnchorNode.Runtime;
using AnchorNode.Hosting;
using AnchorNode.Ledger;
using AnchorNode.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnchorNode.Tests.Ledger;

/// <summary>
/// A cosigner's replica checkpoints its write-ahead log as the node does (its writer never does it
/// itself): replaying past the threshold copies the log into the database file, and the replica
/// still agrees with the node afterwards.
/// </summary>
public sealed class CosignerWalTests
{
    private const long Threshold = 64 * 1024;
    private const int Uploads = 120;

    [Fact]
    public async Task ReplayPastTheThreshold_CheckpointsTheReplicasLog_AndTheReplicaStillAgrees()
    {
        await using var node = new TestNode();
        await node.InitializeAsync();
        // The bank's replica with a lowered threshold; the auditor's with the default (16 MiB), to show
        // how large the same replay leaves a log that is not checkpointed.
        node.BankFolder.WriteConfig(node.BankFolder.ReadConfig() with { WalCheckpointBytes = Threshold });
        using var device = new SimulatedDevice("gw-wal");
        await node.EnrolAsync(device);
        for (var i = 0; i < Uploads; i++)
        {
            device.Add(2);
            await node.AnchorAsync(device, device.Size - 2);
        }
        var checkpoint = await node.WaitForCheckpointAsync();
        using var http = node.Client(node.AuditorKey);

        await using var bank = NodeRuntime.Open(node.BankFolder, NullLoggerFactory.Instance);
        await using var auditor = NodeRuntime.Open(node.AuditorFolder, NullLoggerFactory.Instance);
        var banked = await new Cosigner(bank, http).CosignLatestAsync(CancellationToken.None);
        Assert.True(banked.Succeeded, banked.ToString());
        Assert.True(banked.Value.Replayed > Uploads, $"replayed {banked.Value.Replayed}");
        var audited = await new Cosigner(auditor, http).CosignLatestAsync(CancellationToken.None);
        Assert.True(audited.Succeeded, audited.ToString());

        // Sizes while the replicas are open (closing the last connection removes the log anyway).
        var checkpointed = new FileInfo(bank.Wal.WalPath).Length;
        var unchecked_ = new FileInfo(auditor.Wal.WalPath).Length;
        Assert.True(bank.Wal.Checkpoints > 0, "the bank's replica never checkpointed its log");
        Assert.Equal(0, auditor.Wal.Checkpoints);
        // Past the threshold the log starts over, so it stays near it: within one replayed entry's pages.
        Assert.True(checkpointed < 2 * Threshold, $"the bank's log is {checkpointed} bytes after the replay; threshold {Threshold}");
        Assert.True(unchecked_ > 8 * Threshold, $"the same replay without checkpoints left a log of only {unchecked_} bytes; the test needs a longer one");

        // The data is intact and the replica goes on agreeing with the node.
        Assert.Equal("ok", IntegrityCheck(bank.Database.Path));
        using (var lease = bank.Readers.Rent())
        {
            Assert.Equal(checkpoint.Size, lease.Reader.LedgerSize);
            Assert.Equal(checkpoint.Root, lease.Reader.Ledger.Root(checkpoint.Size));
        }
        device.Add(2);
        await node.AnchorAsync(device, device.Size - 2);
        await node.WaitForCheckpointAsync();
        var again = await new Cosigner(bank, http).CosignLatestAsync(CancellationToken.None);
        Assert.True(again.Succeeded, again.ToString());
        Assert.Equal(1, again.Value.Replayed);
    }

    private static string IntegrityCheck(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }
}
