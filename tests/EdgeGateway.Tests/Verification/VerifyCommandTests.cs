using EdgeGateway.Cli;
using EdgeGateway.Storage;
using EdgeGateway.Tests.Support;
using EdgeGateway.Verification;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Tests.Verification;

/// <summary>
/// <c>verify --data DIR</c> on real databases: a sound log passes (also pruned), and each kind of
/// damage an attacker or a failing disk could leave is named as the first problem, with exit 3.
/// </summary>
public sealed class VerifyCommandTests : IAsyncLifetime
{
    private GatewayFolder _folder = null!;

    public async Task InitializeAsync()
    {
        _folder = await GatewayFolder.CreateAsync("gw-verify");
        using var signer = _folder.LoadSigner();
        UplinkHarness.Fill(_folder, signer, 2000, sealEvery: 500);
    }

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    private async Task<(int Exit, Dictionary<string, string> Facts, string Stdout, string Stderr)> VerifyAsync()
    {
        SqliteConnection.ClearAllPools();
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await GatewayCommandLine.RunAsync(["verify", "--data", _folder.Path], output, error);
        var facts = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(": ", 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return (exit, facts, output.ToString(), error.ToString());
    }

    private async Task AssertProblemAsync(string expected)
    {
        var (exit, facts, stdout, stderr) = await VerifyAsync();
        Assert.True(exit == 3, $"exit {exit}:\n{stdout}\n{stderr}");
        Assert.Equal("problem", facts["result"]);
        Assert.Contains(expected, facts["problem"], StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    private void Update(string sql, params (string Name, object Value)[] parameters) =>
        Assert.True(_folder.Sql(sql, parameters) > 0, $"'{sql}' changed nothing");

    private byte[] LeafBytes(long seq)
    {
        using var connection = new SqliteConnection($"Data Source={_folder.DatabasePath};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT bytes FROM leaves WHERE seq = $s;";
        command.Parameters.AddWithValue("$s", seq);
        return (byte[])command.ExecuteScalar()!;
    }

    [Fact]
    public async Task Verify_ASoundLog_PrintsWhatItCheckedAndExitsZero()
    {
        var (exit, facts, stdout, stderr) = await VerifyAsync();

        Assert.True(exit == 0, $"exit {exit}:\n{stdout}\n{stderr}");
        Assert.Equal("ok", facts["integrity-check"]);
        Assert.Equal("gw-verify", facts["device-id"]);
        Assert.Equal("2000", facts["log-size"]);
        Assert.Equal("2000", facts["leaves-checked"]);
        Assert.Equal("4", facts["checkpoints"]);
        Assert.Equal("ok", facts["checkpoint-signatures"]);
        Assert.Equal("ok", facts["checkpoint-roots"]);
        Assert.Equal("132", facts["merkle-nodes-checked"]); // 2,000 leaves: 125 nodes at level 4, 7 at level 8
        Assert.Equal("ok", facts["bookkeeping"]);
        Assert.Equal("ok", facts["result"]);
        Assert.EndsWith("result: ok\n", stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_APrunedLog_ChecksWhatIsLeftAgainstTheSignedRoots()
    {
        using (var uplink = SqliteUplinkStore.Open(_folder.DatabasePath))
        {
            uplink.RecordNodeCommitted(1500, 7, Leaves.T0);
        }
        using (var signer = _folder.LoadSigner())
        using (var log = _folder.OpenLog(signer))
        {
            log.Prune(DiskBudget.PrunableBound(1500, log.LastCheckpoint!.Size, log.Size));
        }

        var (exit, facts, stdout, stderr) = await VerifyAsync();

        Assert.True(exit == 0, $"exit {exit}:\n{stdout}\n{stderr}");
        Assert.Equal("1488", facts["pruned-below"]);
        Assert.Equal("512", facts["leaves-checked"]);
        Assert.NotEqual("0", facts["merkle-nodes-under-pruned"]);
    }

    [Fact]
    public async Task Verify_ALeafWhoseBytesChanged_IsNamed()
    {
        Update("UPDATE leaves SET bytes = zeroblob(length(bytes)) WHERE seq = 700;");
        await AssertProblemAsync("leaf 700 does not hash to its stored hash");
    }

    [Fact]
    public async Task Verify_ALeafChangedWithItsHash_BreaksTheTreeAndIsNamed()
    {
        var bytes = LeafBytes(1003);
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        var changed = System.Text.Encoding.UTF8.GetBytes(text.Replace("\"v\":4.", "\"v\":9.", StringComparison.Ordinal));
        Assert.NotEqual(bytes, changed);
        Update("UPDATE leaves SET bytes = $b, hash = $h WHERE seq = 1003;", ("$b", changed), ("$h", Rfc9162.HashLeaf(changed).Bytes.ToArray()));
        await AssertProblemAsync("Merkle node (level 4, index 62)");
    }

    [Fact]
    public async Task Verify_AMissingLeafRow_IsNamed()
    {
        Update("DELETE FROM leaves WHERE seq = 42;");
        await AssertProblemAsync("leaf 42 is missing");
    }

    [Fact]
    public async Task Verify_AChangedMerkleNode_IsNamed()
    {
        Update("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 10;");
        await AssertProblemAsync("Merkle node (level 4, index 10) is 0000");
    }

    [Fact]
    public async Task Verify_ACheckpointRowNotMatchingItsNote_IsNamed()
    {
        Update("UPDATE checkpoints SET root = zeroblob(32) WHERE size = 1000;");
        await AssertProblemAsync("checkpoint row 1000");
    }

    [Fact]
    public async Task Verify_ACheckpointSignedByAnotherKey_IsNamed()
    {
        using var other = EcdsaNoteSigner.Generate(DeviceLogs.Origin("gw-verify"));
        using var signer = _folder.LoadSigner();
        using (var log = _folder.OpenLog(signer))
        {
            var forged = new Checkpoint(DeviceLogs.Origin("gw-verify"), 1500, log.Store.GetCheckpoint(1500)!.Root, [Checkpoint.TimeExtension(Leaves.T0)]);
            Update("UPDATE checkpoints SET note = $n WHERE size = 1500;", ("$n", forged.Sign(other).ToString()));
        }
        await AssertProblemAsync("checkpoint 1500 does not verify with the device key");
    }

    [Fact]
    public async Task Verify_ARecordedSizeBeyondTheLeaves_IsNamed()
    {
        Update("UPDATE meta SET value = 2100 WHERE key = 'log_size';");
        await AssertProblemAsync("leaves 2000..2099 are missing");
    }

    [Fact]
    public async Task Verify_ALeafRowBeyondTheRecordedSize_IsNamed()
    {
        Update("UPDATE meta SET value = 1900 WHERE key = 'log_size';");
        await AssertProblemAsync("beyond the log size 1900");
    }

    [Theory]
    [InlineData("UPDATE meta SET value = 5000 WHERE key = 'node_committed_size';", "node-committed-size 5000 is beyond the log size")]
    [InlineData("UPDATE meta SET value = 1234 WHERE key = 'node_committed_size';", "node-committed-size 1234 is not the size of a stored checkpoint")]
    [InlineData("INSERT INTO meta(key, value) VALUES ('refused_readings', 12);", "12 refused readings are recorded but no disk-full time")]
    [InlineData("INSERT INTO meta(key, value) VALUES ('uplink_state', 'sleeping');", "the uplink state 'sleeping'")]
    [InlineData("UPDATE meta SET value = 8 WHERE key = 'pruned_below';", "pruned-below 8 is not a multiple of 16")]
    public async Task Verify_InconsistentBookkeeping_IsNamed(string sql, string expected)
    {
        Update(sql);
        await AssertProblemAsync(expected);
    }

    [Fact]
    public async Task Verify_AFolderWithoutADatabase_ExitsTwo()
    {
        File.Delete(_folder.DatabasePath);
        var (exit, _, _, stderr) = await VerifyAsync();
        Assert.Equal(2, exit);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ALongRun_ReportsProgressAsItGoes()
    {
        var progress = new List<string>();
        using var signer = _folder.LoadSigner();
        var verifier = new StoredLogVerifier(_folder.DatabasePath, _ => _folder.VerifierKey(), new TickingClock(TimeSpan.FromMilliseconds(100)),
            TimeSpan.FromSeconds(10), progress.Add);

        var report = verifier.Run();

        Assert.True(report.Sound, report.Problem);
        Assert.NotEmpty(progress);
        Assert.All(progress, line => Assert.Matches(@"^progress: \d+ of 2000 leaves checked \(\d+\.\d %\)$", line));
        var counts = progress.Select(l => int.Parse(l.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(counts.Order(), counts);
        Assert.True(counts.Count >= 15, $"{counts.Count} progress lines for 2,000 leaves at one per 100 leaves");
    }

    /// <summary>A clock that moves on by a fixed step each time it is read: a long run in no time.</summary>
    private sealed class TickingClock(TimeSpan step) : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks);
    }
}
