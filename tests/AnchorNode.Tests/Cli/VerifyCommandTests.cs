using System.Globalization;
using AnchorNode.Tests.Infrastructure;

namespace AnchorNode.Tests.Cli;

/// <summary>
/// <c>AnchorNode verify</c> on a folder as a crash leaves it: node.db with a write-ahead log holding
/// commits not yet copied into it. It reads them, also from a folder it cannot write when the log's
/// index is there; when SQLite would have to create the index and cannot, it exits 2 saying what to do
/// (it used to abort with an unhandled exception, as it did on a file that is not a database).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class VerifyCommandTests : IAsyncLifetime
{
    private readonly TestNode _node = new();

    public async Task InitializeAsync()
    {
        await _node.InitializeAsync();
        var device = new SimulatedDevice("gw-wal").Add(40);
        await _node.EnrolAsync(device);
        await _node.AnchorAsync(device, 0);
        device.Add(25);
        await _node.AnchorAsync(device, 40);
        // Once a checkpoint covers the ledger the node writes nothing more: its files can be copied whole.
        await _node.WaitForCheckpointAsync();
    }

    public Task DisposeAsync() => _node.DisposeAsync();

    private string LedgerSize => _node.LedgerSize.ToString(CultureInfo.InvariantCulture);

    // The running node's files, as a power cut would leave them (its WAL is checkpointed only past 16 MiB).
    private string CopyOfTheNode(string name, params string[] databaseFiles)
    {
        var copy = Path.Combine(_node.Root, name);
        Directory.CreateDirectory(copy);
        foreach (var file in new[] { "node.json", "member.key" }.Concat(databaseFiles))
        {
            File.Copy(Path.Combine(_node.Folder.Path, file), Path.Combine(copy, file));
        }
        return copy;
    }

    private static Task<Programs.Run> VerifyAsync(string folder) => Programs.RunAsync(Programs.AnchorNode, ["verify", "--data", folder]);

    [Fact]
    public async Task Verify_WalNotCheckpointed_ReadsEveryCommitInIt()
    {
        var crashed = await VerifyAsync(CopyOfTheNode("crashed", "node.db", "node.db-wal"));
        var databaseOnly = await VerifyAsync(CopyOfTheNode("db-only", "node.db"));

        Assert.True(crashed.ExitCode == 0, crashed.Output + crashed.Error);
        Assert.Equal(LedgerSize, crashed.Field("entries"));
        Assert.Equal("65", crashed.Field("leaves"));
        // The commits were in the WAL only: node.db alone is an older (consistent) ledger.
        Assert.True(long.Parse(databaseOnly.Field("entries"), CultureInfo.InvariantCulture) < _node.LedgerSize, databaseOnly.Output);
    }

    [Fact]
    public async Task Verify_FolderItCannotWrite_WithTheWalAndItsIndex_ReadsEveryCommit()
    {
        using var folder = ReadOnlyFolder.Of(CopyOfTheNode("read-only", "node.db", "node.db-wal", "node.db-shm"));

        var run = await VerifyAsync(folder.Path);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal(LedgerSize, run.Field("entries"));
        Assert.StartsWith("ok", run.Field("result"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_FolderItCannotWrite_WalWithoutItsIndex_ExitsTwoSayingWhatToDo()
    {
        using var folder = ReadOnlyFolder.Of(CopyOfTheNode("no-index", "node.db", "node.db-wal"));
        var before = Directory.GetFiles(folder.Path).Order(StringComparer.Ordinal).ToList();

        var run = await VerifyAsync(folder.Path);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"error: --data {folder.Path}: SQLite cannot open {Path.Combine(folder.Path, "node.db")} here (", run.Error, StringComparison.Ordinal);
        Assert.Contains("node.db-wal holds ", run.Error, StringComparison.Ordinal);
        Assert.Contains("bytes of commits not yet copied into node.db", run.Error, StringComparison.Ordinal);
        Assert.Contains($"cp -a {folder.Path} COPY && AnchorNode verify --data COPY", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
        Assert.Equal(before, Directory.GetFiles(folder.Path).Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task Verify_NotADatabase_NamesTheDamage_ExitsOne()
    {
        var folder = CopyOfTheNode("not-a-database");
        await File.WriteAllBytesAsync(Path.Combine(folder, "node.db"), Enumerable.Range(0, 8192).Select(i => (byte)(i * 7)).ToArray());

        var run = await VerifyAsync(folder);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("damaged-store: SQLite cannot read ", run.Field("problem"), StringComparison.Ordinal);
        Assert.Contains("file is not a database", run.Field("problem"), StringComparison.Ordinal);
    }
}
