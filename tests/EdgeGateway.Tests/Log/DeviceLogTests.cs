using EdgeGateway.Log;
using EdgeGateway.Storage;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Tests.Log;

public sealed class DeviceLogTests : IAsyncLifetime
{
    private GatewayFolder _folder = null!;
    private EcdsaNoteSigner _signer = null!;

    public async Task InitializeAsync()
    {
        _folder = await GatewayFolder.CreateAsync("gw-log");
        _signer = _folder.LoadSigner();
    }

    public Task DisposeAsync()
    {
        _signer.Dispose();
        _folder.Dispose();
        return Task.CompletedTask;
    }

    private DeviceLog Open() => _folder.OpenLog(_signer);

    private void Sql(string sql) => _folder.Sql(sql);

    [Fact]
    public void Append_InBatches_StoresGapFreeLeavesWhoseRootsAndProofsMatchTheReference()
    {
        var reference = new MerkleLog(new InMemoryMerkleHashStore());
        using var log = Open();
        var random = new Random(7);
        while (log.Size < 1500)
        {
            foreach (var leaf in Leaves.Append(log, random.Next(1, 120)))
            {
                reference.Append(leaf.LeafHash);
            }
        }
        Assert.Equal(reference.Root(), log.Root());
        var sizes = new long[] { 1, 2, 15, 16, 17, 255, 256, 257, 1000, log.Size };
        var stored = new MerkleTreeReader(log.Store.HashStore);
        foreach (var size in sizes)
        {
            Assert.Equal(reference.Reader.Root(size), stored.Root(size));
            Assert.Equal(reference.Reader.InclusionProof(size - 1, size), stored.InclusionProof(size - 1, size));
            Assert.Equal(reference.Reader.ConsistencyProof(1, size), stored.ConsistencyProof(1, size));
        }
        var audit = LogAudit.Read(_folder.DatabasePath);
        audit.AssertLeavesSound("gw-log");
        Assert.Equal(log.Size, audit.RecordedSize);
    }

    [Fact]
    public void Append_SequenceThatDoesNotContinueTheLog_IsRefusedAndNothingIsStored()
    {
        using var log = Open();
        Leaves.Append(log, 3);
        var wrong = log.CreateLeaf(Leaves.Measurement("gw-log", 5));
        Assert.Throws<ArgumentException>(() => log.Append([wrong]));
        var otherDevice = log.CreateLeaf(Leaves.Measurement("gw-other", 3));
        Assert.Throws<ArgumentException>(() => log.Append([otherDevice]));
        Assert.Equal(3, log.Size);
        Assert.Equal(3, LogAudit.Read(_folder.DatabasePath).Leaves.Count);
    }

    [Fact]
    public void Append_TransactionFailingHalfway_KeepsNothingOfTheBatch_AndTheLogContinuesGapFree()
    {
        using var log = Open();
        var reference = new MerkleLog(new InMemoryMerkleHashStore());
        foreach (var leaf in Leaves.Append(log, 5))
        {
            reference.Append(leaf.LeafHash);
        }
        Sql("CREATE TRIGGER injected BEFORE INSERT ON leaves WHEN NEW.seq = 7 BEGIN SELECT RAISE(ABORT, 'injected fault'); END;");

        var doomed = Enumerable.Range(5, 5).Select(s => log.CreateLeaf(Leaves.Measurement("gw-log", s))).ToList();
        var e = Assert.Throws<SqliteException>(() => log.Append(doomed));
        Assert.Contains("injected fault", e.Message, StringComparison.Ordinal);
        Assert.Equal(5, log.Size);
        Assert.Equal(reference.Root(), log.Root());
        Assert.Equal(5, LogAudit.Read(_folder.DatabasePath).Leaves.Count);

        Sql("DROP TRIGGER injected;");
        foreach (var leaf in Leaves.Append(log, 5))
        {
            reference.Append(leaf.LeafHash);
        }
        Assert.Equal(reference.Root(), log.Root());
        var audit = LogAudit.Read(_folder.DatabasePath);
        audit.AssertLeavesSound("gw-log");
        Assert.Equal(reference.Root(), audit.RootAt(10));
    }

    [Fact]
    public void Append_OfBatchesPreparedAheadAndRetriedAfterAFailedTransaction_GivesTheRootsAndCheckpointsOfAllLeaves()
    {
        using var log = Open();
        var reference = new MerkleLog(new InMemoryMerkleHashStore());
        var first = Enumerable.Range(0, 20).Select(s => log.CreateLeaf(Leaves.Measurement("gw-log", s))).ToList();
        var second = Enumerable.Range(20, 13).Select(s => log.CreateLeaf(Leaves.Measurement("gw-log", s))).ToList();
        foreach (var leaf in first.Concat(second))
        {
            reference.Append(leaf.LeafHash);
        }
        // The second batch is prepared before the first is appended, as the writer does, with a
        // checkpoint inside it and one at its end.
        var firstBatch = log.Prepare(first, sealSizes: [20], sealTimeMs: Leaves.T0);
        var secondBatch = log.Prepare(second, firstBatch, [25, 33], Leaves.T0 + 1);
        Assert.Equal(reference.Root(), secondBatch.Root());
        Assert.Equal([25L, 33L], secondBatch.Checkpoints.Select(c => c.Size));
        Assert.Equal(reference.Reader.Root(25), secondBatch.Checkpoints[0].Root);

        log.Append(firstBatch);
        Sql("CREATE TRIGGER injected BEFORE INSERT ON leaves WHEN NEW.seq = 30 BEGIN SELECT RAISE(ABORT, 'injected fault'); END;");
        Assert.Throws<SqliteException>(() => log.Append(secondBatch));
        Assert.Equal(20, log.Size);
        Assert.Equal(20, log.LastCheckpoint!.Size);
        Sql("DROP TRIGGER injected;");
        var outcome = log.Append(secondBatch);

        Assert.Equal(33, log.Size);
        Assert.Equal(reference.Root(), log.Root());
        Assert.Equal(secondBatch.Checkpoints, outcome.Sealed);
        Assert.Equal(33, log.LastCheckpoint!.Size);
        using var key = _folder.VerifierKey();
        var audit = LogAudit.Read(_folder.DatabasePath);
        audit.AssertLeavesSound("gw-log");
        audit.AssertCheckpointsSound(key, "gw-log");
        Assert.Equal(reference.Root(), audit.RootAt(33));
        Assert.Equal([20L, 25L, 33L], audit.Checkpoints.Select(c => c.Size));
        Assert.Equal(reference.Reader.Root(25), audit.RootAt(25));
        var parsed = CheckpointVerifier.Verify(outcome.Sealed[0].Note, TrustPolicy.Single(key), "edgetrace/device/gw-log");
        Assert.True(parsed.Succeeded, parsed.Failure?.ToString());
        Assert.Equal(Leaves.T0 + 1, parsed.Value.Checkpoint.TimeMs);
    }

    [Fact]
    public void Append_OfABatchWhoseLeavesChangedAfterPreparing_IsRefusedAndNothingIsStored()
    {
        using var log = Open();
        var planned = Enumerable.Range(0, 4).Select(s => log.CreateLeaf(Leaves.Measurement("gw-log", s))).ToList();
        var batch = log.Prepare(planned, sealSizes: [4], sealTimeMs: Leaves.T0);

        // Same sequence, another salt: the prepared tree's leaf hash is not the row being inserted.
        planned[2] = log.CreateLeaf(Leaves.Measurement("gw-log", 2));
        var error = Assert.Throws<InvalidOperationException>(() => log.Append(batch));
        Assert.Contains("hash of leaf 2 differs from the stored leaf row", error.Message, StringComparison.Ordinal);
        planned.RemoveAt(3);
        Assert.Throws<ArgumentException>(() => log.Append(batch));

        Assert.Equal(0, log.Size);
        Assert.Null(log.LastCheckpoint);
        var audit = LogAudit.Read(_folder.DatabasePath);
        Assert.Empty(audit.Leaves);
        Assert.Empty(audit.Checkpoints);
    }

    [Fact]
    public void Append_OfABatchPreparedAfterAnotherBatchThanTheOneAppended_IsRefused()
    {
        using var log = Open();
        var planned = Enumerable.Range(0, 3).Select(s => log.CreateLeaf(Leaves.Measurement("gw-log", s))).ToList();
        var other = Enumerable.Range(0, 3).Select(s => log.CreateLeaf(Leaves.Measurement("gw-log", s))).ToList();
        var later = Enumerable.Range(3, 3).Select(s => log.CreateLeaf(Leaves.Measurement("gw-log", s))).ToList();
        var next = log.Prepare(later, log.Prepare(planned));
        log.Append(log.Prepare(other));

        // Same sizes, but the tree the batch continues is not this log's.
        var error = Assert.Throws<ArgumentException>(() => log.Append(next));
        Assert.Contains("continues another tree", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, log.Size);
        Assert.Equal(3, LogAudit.Read(_folder.DatabasePath).Leaves.Count);
    }

    [Fact]
    public void Append_OfABatchWithoutLeaves_SealsTheSizeItStartsAt()
    {
        using var log = Open();
        var leaves = Enumerable.Range(0, 5).Select(s => log.CreateLeaf(Leaves.Measurement("gw-log", s))).ToList();
        var first = log.Prepare(leaves);
        var empty = log.Prepare([], first, [5], Leaves.T0);
        log.Append(first);
        var outcome = log.Append(empty, meta: [new("test-key", 1L)]);

        var checkpoint = Assert.Single(outcome.Sealed);
        Assert.Equal(5, checkpoint.Size);
        Assert.Equal(log.Root(), checkpoint.Root);
        Assert.Equal(checkpoint, log.LastCheckpoint);
        using var key = _folder.VerifierKey();
        var audit = LogAudit.Read(_folder.DatabasePath);
        audit.AssertCheckpointsSound(key, "gw-log");
        Assert.Equal([5L], audit.Checkpoints.Select(c => c.Size));
    }

    [Fact]
    public void Prepare_RefusesCheckpointSizesOutsideTheBatch()
    {
        using var log = Open();
        var leaves = Enumerable.Range(0, 4).Select(s => log.CreateLeaf(Leaves.Measurement("gw-log", s))).ToList();
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Prepare(leaves, sealSizes: [5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Prepare(leaves, sealSizes: [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Prepare(leaves, sealSizes: [3, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Prepare(leaves, sealSizes: [2, 2]));
        Assert.Equal(0, log.Size);
    }

    [Fact]
    public void Seal_StoresACheckpointSignedByTheDeviceKey_ForTheCurrentOrAnEarlierSize()
    {
        using var log = Open();
        Leaves.Append(log, 10);
        var early = log.Seal(3, Leaves.T0);
        var now = log.Seal(10, Leaves.T0 + 1);

        using var key = _folder.VerifierKey();
        var audit = LogAudit.Read(_folder.DatabasePath);
        audit.AssertCheckpointsSound(key, "gw-log");
        Assert.Equal([3L, 10L], audit.Checkpoints.Select(c => c.Size));
        Assert.Equal(audit.RootAt(3), early.Root);
        var parsed = CheckpointVerifier.Verify(now.Note, TrustPolicy.Single(key), "edgetrace/device/gw-log");
        Assert.True(parsed.Succeeded, parsed.Failure?.ToString());
        Assert.Equal(Leaves.T0 + 1, parsed.Value.Checkpoint.TimeMs);
        Assert.Equal(now, log.LastCheckpoint);
    }

    [Fact]
    public void Seal_SizeAlreadySealed_ReturnsTheStoredCheckpointWithoutSigningAgain()
    {
        using var log = Open();
        Leaves.Append(log, 4);
        var first = log.Seal(4, Leaves.T0);
        var again = log.Seal(4, Leaves.T0 + 5000);
        Assert.Equal(first.Note, again.Note);
        Assert.Single(LogAudit.Read(_folder.DatabasePath).Checkpoints);
    }

    [Fact]
    public void Seal_SizeWhoseStoredCheckpointHasAnotherRoot_RefusesToSignASecondRoot()
    {
        using var log = Open();
        Leaves.Append(log, 4);
        log.Seal(2, Leaves.T0);
        Sql($"UPDATE checkpoints SET root = x'{new string('0', 64)}' WHERE size = 2;");
        var e = Assert.Throws<LogIntegrityException>(() => log.Seal(2, Leaves.T0));
        Assert.Contains("equivocation", e.Message, StringComparison.Ordinal);
        Assert.Single(LogAudit.Read(_folder.DatabasePath).Checkpoints);
    }

    [Fact]
    public void Open_AfterAppendsAndSeals_ContinuesAtTheStoredSizeWithTheSameRoot()
    {
        Hash32 root;
        using (var log = Open())
        {
            Leaves.Append(log, 37);
            log.Seal(30, Leaves.T0);
            root = log.Root();
        }
        using (var reopened = Open())
        {
            Assert.Equal(37, reopened.Size);
            Assert.Equal(root, reopened.Root());
            Assert.Equal(30, reopened.LastCheckpoint!.Size);
            Leaves.Append(reopened, 5);
        }
        LogAudit.Read(_folder.DatabasePath).AssertLeavesSound("gw-log");
    }

    [Fact]
    public void Open_LeafBytesChangedUnderASignedCheckpoint_FailsNamingTheLeaf()
    {
        using (var log = Open())
        {
            Leaves.Append(log, 20);
            log.Seal(20, Leaves.T0);
        }
        Sql("UPDATE leaves SET bytes = CAST(replace(CAST(bytes AS TEXT), '\"v\":4.7', '\"v\":9.7') AS BLOB) WHERE seq = 12;");
        var e = Assert.Throws<LogIntegrityException>(Open);
        Assert.Contains("leaf 12", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_LeafRowAndHashBothReplaced_FailsBecauseTheSignedRootNoLongerMatches()
    {
        using (var log = Open())
        {
            Leaves.Append(log, 20);
            log.Seal(20, Leaves.T0);
        }
        // A forger who rewrites the bytes and their hash consistently still cannot match the signature.
        using (var forger = new SqliteConnection($"Data Source={_folder.DatabasePath};Pooling=False"))
        {
            forger.Open();
            var salt = new byte[16];
            var forged = ReadingLeaf.Create(Leaves.Measurement("gw-log", 3, value: 2.0), salt);
            using var command = forger.CreateCommand();
            command.CommandText = "UPDATE leaves SET bytes = $b, hash = $h WHERE seq = 3;";
            command.Parameters.AddWithValue("$b", forged.Bytes.ToArray());
            command.Parameters.AddWithValue("$h", forged.LeafHash.Bytes.ToArray());
            command.ExecuteNonQuery();
        }
        var e = Assert.Throws<LogIntegrityException>(Open);
        Assert.Contains("the device signed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_StoredMerkleNodeDamaged_Fails()
    {
        using (var log = Open())
        {
            Leaves.Append(log, 40);
            log.Seal(40, Leaves.T0);
        }
        Sql($"UPDATE merkle_nodes SET hash = x'{new string('1', 64)}' WHERE level = 4 AND idx = 1;");
        Assert.Throws<LogIntegrityException>(Open);
    }

    [Fact]
    public void Open_UnsealedLeafDamaged_Fails()
    {
        using (var log = Open())
        {
            Leaves.Append(log, 10);
            log.Seal(5, Leaves.T0);
        }
        Sql($"UPDATE leaves SET hash = x'{new string('2', 64)}' WHERE seq = 8;");
        var e = Assert.Throws<LogIntegrityException>(Open);
        Assert.Contains("leaf 8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_CheckpointNotSignedByThisKey_Fails()
    {
        using (var log = Open())
        {
            Leaves.Append(log, 3);
            log.Seal(3, Leaves.T0);
        }
        using var otherKey = EcdsaNoteSigner.Generate("edgetrace/device/gw-log");
        var e = Assert.Throws<LogIntegrityException>(() => _folder.OpenLog(otherKey));
        Assert.Contains("does not verify with the device key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ConfigurationNamingAnotherDevice_Fails()
    {
        var e = Assert.Throws<LogIntegrityException>(() => DeviceLog.Open(_folder.DatabasePath, "gw-other", _signer, new CountingSaltSource()));
        Assert.Contains("'gw-log'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'gw-other'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_LeafRowMissing_Fails()
    {
        using (var log = Open())
        {
            Leaves.Append(log, 10);
        }
        Sql("DELETE FROM leaves WHERE seq = 4;");
        Assert.Throws<LogIntegrityException>(Open);
    }

    [Fact]
    public void Append_ACommitReportedFailedThatIsDurable_IsFoundInTheDatabaseAndTheLogContinuesFromIt()
    {
        var reference = new MerkleLog(new InMemoryMerkleHashStore());
        using (var log = Open())
        {
            foreach (var leaf in Leaves.Append(log, 10))
            {
                reference.Append(leaf.LeafHash);
            }
            var batch = Enumerable.Range(0, 20).Select(i => log.CreateLeaf(Leaves.Measurement(log.DeviceId, 10 + i))).ToList();
            var prepared = log.Prepare(batch, sealSizes: [30], sealTimeMs: Leaves.T0);
            log.Store.AfterCommit = () => throw new Microsoft.Data.Sqlite.SqliteException("injected: an error reported after the commit", 13);

            var outcome = log.Append(prepared);

            log.Store.AfterCommit = null;
            Assert.Equal(new CommitResult(10, 20, 30), outcome.Commit);
            Assert.Equal(30, Assert.Single(outcome.Sealed).Size);
            foreach (var leaf in batch)
            {
                reference.Append(leaf.LeafHash);
            }
            Assert.Equal(reference.Root(), log.Root());
            foreach (var leaf in Leaves.Append(log, 5))
            {
                reference.Append(leaf.LeafHash);
            }
        }
        using var reopened = Open();
        Assert.Equal(35, reopened.Size);
        Assert.Equal(reference.Root(), reopened.Root());
    }

    [Fact]
    public void Append_ACommitThatFails_IsNotDurable_AndTheSameBatchCommitsOnRetry()
    {
        using var log = Open();
        Leaves.Append(log, 10);
        var batch = Enumerable.Range(0, 20).Select(i => log.CreateLeaf(Leaves.Measurement(log.DeviceId, 10 + i))).ToList();
        var prepared = log.Prepare(batch);
        Sql("CREATE TRIGGER injected BEFORE INSERT ON leaves WHEN NEW.seq = 25 BEGIN SELECT RAISE(ABORT, 'injected fault'); END;");

        Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => log.Append(prepared));
        Assert.Equal(10, log.Size);
        Assert.False(log.Store.InTransaction);

        Sql("DROP TRIGGER injected;");
        Assert.Equal(30, log.Append(prepared).Commit.Size);
        Assert.Equal(prepared.Root(), log.Root());
    }

    [Fact]
    public void Prune_CommittedLeaves_TheLogStillReopensExtendsAndSealsTheRootsOfAllItsLeaves()
    {
        var reference = new MerkleLog(new InMemoryMerkleHashStore());
        using (var log = Open())
        {
            for (var i = 0; i < 6; i++)
            {
                foreach (var leaf in Leaves.Append(log, 1000))
                {
                    reference.Append(leaf.LeafHash);
                }
                log.Seal(log.Size, Leaves.T0 + i);
            }
            // 5,000 is a checkpoint size but not a multiple of 16: prune to 4,992.
            using (var uplink = SqliteUplinkStore.Open(_folder.DatabasePath))
            {
                uplink.RecordNodeCommitted(5000, 1, Leaves.T0);
            }
            var bound = DiskBudget.PrunableBound(5000, log.LastCheckpoint!.Size, log.Size);
            Assert.Equal(4992, bound);
            log.Prune(bound, chunk: 1600);
            Assert.Equal(4992, log.PrunedBelow);
            Assert.Throws<MissingHashesException>(() => new MerkleTreeReader(log.Store.HashStore).Root(100));
        }
        var pruned = LogAudit.Read(_folder.DatabasePath);
        Assert.Equal(4992, pruned.PrunedBelow);
        Assert.Equal(4992, pruned.Leaves[0].Seq);
        Assert.Equal([5000L, 6000L], pruned.Checkpoints.Select(c => c.Size));
        Assert.Equal("ok", pruned.Integrity);

        using (var reopened = Open())
        {
            Assert.Equal(reference.Root(), reopened.Root());
            for (var i = 0; i < 3; i++)
            {
                foreach (var leaf in Leaves.Append(reopened, 777))
                {
                    reference.Append(leaf.LeafHash);
                }
            }
            var sealedNow = reopened.Seal(reopened.Size, Leaves.T0 + 9);
            Assert.Equal(reference.Root(), sealedNow.Root);
            Assert.Equal(reference.Reader.Root(7000), reopened.Seal(7000, Leaves.T0 + 10).Root);
        }
        using (var again = Open())
        {
            Assert.Equal(reference.Root(), again.Root());
        }
    }

    [Fact]
    public void Prune_AboveTheLastCheckpoint_IsRefused()
    {
        using var log = Open();
        Leaves.Append(log, 64);
        log.Seal(32, Leaves.T0);
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Prune(48));
        Assert.Equal(0, log.PrunedBelow);
    }
}
