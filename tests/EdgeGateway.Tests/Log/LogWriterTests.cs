using EdgeGateway.Alarms;
using EdgeGateway.Log;
using EdgeGateway.Sensors;
using EdgeGateway.Storage;
using EdgeGateway.Tests.Sensors;
using EdgeGateway.Tests.Support;
using EdgeGateway.Tests.Mqtt;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Tests.Log;

public sealed class LogWriterTests : IAsyncLifetime
{
    private static readonly LogWriterOptions Fast = WriterHarness.Fast;

    private GatewayFolder _folder = null!;

    public async Task InitializeAsync() => _folder = await GatewayFolder.CreateAsync("gw-writer");

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    private static long T(double minutes) => Leaves.T0 + (long)(minutes * 60_000);

    private static Measurement Temp(double minutes, double value, string sensor = "sim/chiller-1/t0") =>
        new(sensor, Quantity.Temperature, T(minutes), value, "Cel");

    [Fact]
    public async Task Run_EveryEvent_BecomesOneLeafOfItsKind_BetweenStartAndStopEvents()
    {
        await using var harness = WriterHarness.Start(_folder, Fast, TimeProvider.System);
        var events = new List<SensorEvent>();
        for (var i = 0; i < 2500; i++)
        {
            events.Add((i % 5) switch
            {
                0 => (SensorEvent)new TagObservation("sim/dock-1/rfid", T(i), "urn:epc:id:sgtin:0614141.107346.2017"),
                1 => new SensorFault("w1/28-0316a2791c3f", Quantity.Temperature, T(i), "crc", "CRC check failed"),
                2 => new Measurement("sim/chiller-1/t1", Quantity.Humidity, T(i), 55.5, "%RH"),
                _ => Temp(i, 4.25),
            });
        }
        await harness.PostAllAsync(events);
        await harness.StopAsync();

        var audit = LogAudit.Read(_folder.DatabasePath);
        audit.AssertLeavesSound("gw-writer");
        var leaves = audit.Contents.ToList();
        Assert.Equal(2502, leaves.Count);
        Assert.Equal("gateway-start", leaves[0].StringValue);
        Assert.Equal("gateway-stop", leaves[^1].StringValue);
        for (var i = 0; i < events.Count; i++)
        {
            var leaf = leaves[i + 1];
            Assert.Equal(events[i].TimeMs, leaf.TimeMs);
            Assert.Equal(events[i].SensorId, leaf.SensorId);
            switch (events[i])
            {
                case TagObservation tag:
                    Assert.Equal((LeafKind.Observation, Senml.Epc, tag.Value), (leaf.Kind, leaf.Quantity, leaf.StringValue));
                    break;
                case SensorFault fault:
                    Assert.Equal((LeafKind.Fault, fault.Code, fault.Detail), (leaf.Kind, leaf.StringValue, leaf.Detail));
                    Assert.Null(leaf.Value);
                    break;
                case Measurement m:
                    Assert.Equal((LeafKind.Measurement, m.Value, m.Unit), (leaf.Kind, leaf.Value, leaf.Unit));
                    break;
            }
        }
        Assert.Equal("chiller-1", leaves[4].Zone);

        // Acknowledgements cover every leaf once, in order, and only after their commit.
        var acknowledged = harness.Commits.SelectMany(c => Enumerable.Range((int)c.First, c.Count)).ToList();
        Assert.Equal(Enumerable.Range(0, 2502), acknowledged);
        Assert.True(harness.Commits.Count < 2502 / 10, $"{harness.Commits.Count} commits: batching did not group readings");
        // The stop sealed everything.
        Assert.Equal(2502, audit.Checkpoints[^1].Size);
        using var key = _folder.VerifierKey();
        audit.AssertCheckpointsSound(key, "gw-writer");
    }

    [Fact]
    public async Task Run_ABurst_IsCommittedInFullBatchesAndItsTailWithoutWaitingForTheLinger()
    {
        // A linger far longer than the test may take: the tail of the burst must not wait for it.
        var options = Fast with { BatchMaxDelay = TimeSpan.FromSeconds(60) };
        await using var harness = WriterHarness.Start(_folder, options, TimeProvider.System, Enumerable.Range(0, 2500).Select(i => Temp(i, 5)));

        await harness.WaitForAcknowledgedAsync(2500);
        var sizes = harness.Commits.Select(c => c.Count).ToList();
        Assert.Equal(2501, sizes.Sum());
        Assert.True(sizes.Count <= 5, $"{sizes.Count} commits for a burst of 2,500 readings in batches of up to 1,000: {string.Join(", ", sizes)}");
        Assert.All(sizes.Skip(1).SkipLast(1), size => Assert.True(size >= 999, $"a batch of {size} while the backlog was drained"));
    }

    private void Sql(string sql) => _folder.Sql(sql);

    [Fact]
    public async Task Run_ACommitFailingWhileLaterBatchesWait_IsRetriedWithTheSameLeaves_AndTheLaterOnesFollowInOrder()
    {
        // The second batch of a burst cannot be inserted until the fault is removed; the batches
        // after it are prepared and handed over meanwhile.
        Sql("CREATE TRIGGER injected BEFORE INSERT ON leaves WHEN NEW.seq = 1500 BEGIN SELECT RAISE(ABORT, 'injected fault'); END;");
        var logger = new InMemoryLogger<LogWriter>();
        await using var harness = WriterHarness.Start(_folder, Fast, TimeProvider.System, Enumerable.Range(0, 4000).Select(i => Temp(i, 5)), logger);
        await WriterHarness.WaitUntilAsync(() => logger.Entries.Any(e => e.Id.Name == "commit-failed"), "a failed commit");
        Assert.True(harness.Acknowledged < 1500, $"leaf {harness.Acknowledged} acknowledged while leaf 1500 could not be stored");
        Sql("DROP TRIGGER injected;");

        await harness.WaitForAcknowledgedAsync(4000);
        await harness.StopAsync();
        var acknowledged = harness.Commits.SelectMany(c => Enumerable.Range((int)c.First, c.Count)).ToList();
        Assert.Equal(Enumerable.Range(0, 4002), acknowledged); // with the gateway-stop event
        var audit = LogAudit.Read(_folder.DatabasePath);
        audit.AssertLeavesSound("gw-writer");
        Assert.Equal(4002, audit.Leaves.Count);
        using var key = _folder.VerifierKey();
        audit.AssertCheckpointsSound(key, "gw-writer");
        Assert.Equal([1000L, 2000, 3000, 4000, 4002], audit.Checkpoints.Select(c => c.Size));
    }

    [Fact]
    public async Task Run_ACommitFailingEveryAttempt_StopsTheWriter_KeepingWhatWasAcknowledgedAndNothingAfterTheFailure()
    {
        Sql("CREATE TRIGGER injected BEFORE INSERT ON leaves WHEN NEW.seq = 1500 BEGIN SELECT RAISE(ABORT, 'injected fault'); END;");
        await using var harness = WriterHarness.Start(_folder, Fast with { CommitAttempts = 2 }, TimeProvider.System, Enumerable.Range(0, 4000).Select(i => Temp(i, 5)));

        var error = await Assert.ThrowsAsync<IOException>(() => harness.Running.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("could not commit leaves 1000..1999 after 2 attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(999, harness.Acknowledged);
        harness.Log.Dispose();
        Sql("DROP TRIGGER injected;");
        var audit = LogAudit.Read(_folder.DatabasePath);
        audit.AssertLeavesSound("gw-writer");
        Assert.Equal(1000, audit.Leaves.Count);
        Assert.Equal([1000L], audit.Checkpoints.Select(c => c.Size));
    }

    [Fact]
    public async Task Run_AReadingAtAnIdleWriter_WaitsForCompanyUpToTheLinger()
    {
        var options = Fast with { BatchMaxDelay = TimeSpan.FromSeconds(60), BatchMaxEvents = 50 };
        await using var harness = WriterHarness.Start(_folder, options, TimeProvider.System);
        await harness.WaitForAcknowledgedAsync(0); // the gateway-start event, committed on its own at start

        await harness.PostAsync(Temp(0, 5));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(0, harness.Acknowledged);

        // Company arrives: the batch fills to its limit and is committed at once, in one transaction.
        await harness.PostAllAsync(Enumerable.Range(1, 49).Select(i => Temp(i, 5)));
        await harness.WaitForAcknowledgedAsync(50);
        Assert.Equal([1, 50], harness.Commits.Select(c => c.Count));
    }

    [Fact]
    public async Task Run_ManyLeaves_SealsACheckpointExactlyEveryMaxLeaves()
    {
        await using var harness = WriterHarness.Start(_folder, Fast with { SealMaxLeaves = 100, BatchMaxEvents = 64 }, TimeProvider.System);
        await harness.PostAllAsync(Enumerable.Range(0, 450).Select(i => Temp(i, 5)));
        await harness.StopAsync();
        var sizes = LogAudit.Read(_folder.DatabasePath).Checkpoints.Select(c => c.Size).ToList();
        Assert.Equal([100L, 200, 300, 400, 452], sizes);
    }

    [Fact]
    public async Task Run_SealInterval_SealsInGatewayTimeEvenWithoutNewReadings()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(Leaves.T0));
        await using var harness = WriterHarness.Start(_folder, Fast with { SealInterval = TimeSpan.FromSeconds(60) }, clock);
        await harness.PostAllAsync([Temp(0, 5), Temp(1, 5)]);
        await harness.WaitForAcknowledgedAsync(2);
        Assert.Empty(harness.Sealed);

        await clock.WaitForTimerAsync(TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(harness.Sealed);
        clock.Advance(TimeSpan.FromSeconds(1));
        await WriterHarness.WaitUntilAsync(() => !harness.Sealed.IsEmpty, "a checkpoint 60 s of gateway time after the last");
        Assert.Equal(3, Assert.Single(harness.Sealed));
        var note = LogAudit.Read(_folder.DatabasePath).Checkpoints.Single().Note;
        Assert.Contains($"\ntime {Leaves.T0 + 60_000}\n", note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ReadingsCrossingAlarmLimits_PutAlarmStartAndEndLeavesRightAfterTheReading()
    {
        var rule = new AlarmRule { Id = "chiller-high", Zone = "chiller-1", Quantity = "temperature", Above = 8, Delay = TimeSpan.FromMinutes(10) };
        await using var harness = WriterHarness.Start(_folder, Fast, TimeProvider.System, rule);
        await harness.PostAllAsync([Temp(0, 5), Temp(1, 9), Temp(6, 9.5), Temp(11, 10.25), Temp(12, 7.5), Temp(13, 5)]);
        await harness.StopAsync();

        var leaves = LogAudit.Read(_folder.DatabasePath).Contents.ToList();
        Assert.Equal(
            ["event", "measurement", "measurement", "measurement", "measurement", "alarm", "measurement", "alarm", "measurement", "event"],
            leaves.Select(l => l.Kind.ToWire()));
        var start = leaves[5];
        Assert.Equal(("start", "chiller-1", "chiller-high", "sim/chiller-1/t0"), (start.StringValue, start.Zone, start.Rule, start.SensorId));
        Assert.Equal((10.25, "Cel", T(11)), (start.Value!.Value, start.Unit, start.TimeMs));
        var end = leaves[7];
        Assert.Equal(("end", 7.5, T(12)), (end.StringValue, end.Value!.Value, end.TimeMs));
        Assert.Equal("gw-writer/alarm/chiller-1/chiller-high", start.Name);
    }

    [Fact]
    public async Task Run_AfterARestart_AnActiveAlarmIsNeitherRepeatedNorLost()
    {
        var rule = new AlarmRule { Id = "chiller-high", Zone = "chiller-1", Quantity = "temperature", Above = 8 };
        await using (var first = WriterHarness.Start(_folder, Fast, TimeProvider.System, rule))
        {
            await first.PostAllAsync([Temp(0, 9), Temp(1, 9)]);
            await first.StopAsync();
        }
        await using (var second = WriterHarness.Start(_folder, Fast, TimeProvider.System, rule))
        {
            await second.PostAllAsync([Temp(2, 9), Temp(3, 6)]);
            await second.StopAsync();
        }
        var alarms = LogAudit.Read(_folder.DatabasePath).Contents.Where(l => l.Kind == LeafKind.Alarm).ToList();
        Assert.Equal(["start", "end"], alarms.Select(a => a.StringValue));
        Assert.Equal(T(3), alarms[1].TimeMs);
    }

    [Fact]
    public async Task Run_ReadingsTheFormatCannotCarry_AreRecordedAsFaultsNotDropped()
    {
        await using var harness = WriterHarness.Start(_folder, Fast, TimeProvider.System);
        await harness.PostAllAsync([
            new Measurement("sim/chiller-1/t0", Quantity.Temperature, T(0), double.NaN, "Cel"),
            new Measurement("sim/chiller-1/t0", Quantity.Temperature, T(1), 4, "K"),
            new TagObservation("sim/dock-1/rfid", T(2), "raw:has a space"),
            new Measurement("bad sensor id!", Quantity.Temperature, T(3), 4, "Cel"),
            new SensorFault("w1/28-0316a2791c3f", Quantity.Temperature, T(4), "Power On Reset", "85 °C\nat power-on"),
        ]);
        await harness.StopAsync();
        var leaves = LogAudit.Read(_folder.DatabasePath).Contents.Skip(1).Take(5).ToList();
        Assert.Equal([LeafKind.Fault, LeafKind.Fault, LeafKind.Fault, LeafKind.Event, LeafKind.Fault], leaves.Select(l => l.Kind));
        Assert.Equal("invalid-value", leaves[0].StringValue);
        Assert.Equal("invalid-value", leaves[1].StringValue);
        Assert.Equal("invalid-reading", leaves[2].StringValue);
        Assert.Contains("raw:has a space", leaves[2].Detail, StringComparison.Ordinal);
        Assert.Equal("invalid-reading", leaves[3].StringValue);
        Assert.Contains("bad sensor id!", leaves[3].Detail, StringComparison.Ordinal);
        Assert.Equal(("power-on-reset", "85 °C at power-on"), (leaves[4].StringValue, leaves[4].Detail));
    }

    [Fact]
    public async Task Run_WallClockStep_IsRecordedAsAnEventLeaf()
    {
        var clock = new SteppableClock();
        await using var harness = WriterHarness.Start(_folder, Fast, clock);
        await harness.PostAsync(Temp(0, 5));
        await harness.WaitForAcknowledgedAsync(1);
        clock.Step(TimeSpan.FromHours(1));
        await harness.PostAsync(Temp(1, 5));
        await harness.StopAsync();
        var step = Assert.Single(LogAudit.Read(_folder.DatabasePath).Contents, l => l.StringValue == "clock-step");
        Assert.Contains("+3600", step.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_DiskBudgetExhausted_RefusesNewReadingsButDeletesNothingUncommitted_ThenPrunesAndResumes()
    {
        var options = Fast with { MaxDatabaseBytes = 256 * 1024, SealMaxLeaves = 100, BatchMaxEvents = 50 };
        var rule = new AlarmRule { Id = "chiller-high", Zone = "chiller-1", Quantity = "temperature", Above = 8 };
        await using var harness = WriterHarness.Start(_folder, options, TimeProvider.System, rule);

        // No node has committed anything: the budget fills and readings are refused.
        var minute = 0;
        while (!harness.Writer.RefusingReadings)
        {
            Assert.True(minute < 20_000, "the budget never filled");
            await harness.PostAllAsync(Enumerable.Range(0, 50).Select(_ => Temp(minute++, 5)));
            await WriterHarness.WaitUntilAsync(() => harness.Channel.Reader.Count == 0, "the writer to take the batch");
        }
        // The writer's own connection is its alone: the test reads through its own, read-only one.
        GatewayStatus Status() => GatewayStatusReader.Read(_folder.DatabasePath);
        await WriterHarness.WaitUntilAsync(() => Status().DiskFullSinceMs is not null, "disk-full to be recorded");
        var sizeWhenFull = Status().LogSize;
        // Refused: ordinary readings. Still written: the alarm they raise.
        await harness.PostAllAsync(Enumerable.Range(0, 40).Select(_ => Temp(minute++, 5)).Append(Temp(minute++, 9)));
        await WriterHarness.WaitUntilAsync(() => Status().LogSize > sizeWhenFull, "the alarm leaf");
        await WriterHarness.WaitUntilAsync(() => harness.Channel.Reader.Count == 0, "the writer to take every reading");
        Assert.Equal(sizeWhenFull + 1, Status().LogSize);
        Assert.True(harness.Writer.RefusingReadings);
        var whileFull = LogAudit.Read(_folder.DatabasePath);
        whileFull.AssertLeavesSound("gw-writer");
        Assert.Equal(0, whileFull.PrunedBelow);
        Assert.Contains(whileFull.Contents, l => l.StringValue == "disk-full");
        Assert.Equal(LeafKind.Alarm, whileFull.Contents.Last().Kind);
        Assert.True(Convert.ToInt64(whileFull.Meta[MetaKeys.RefusedReadings]) >= 40);

        // The node commits what was sealed: the next batch prunes it and readings are accepted again.
        var committed = Status().CheckpointSize;
        using (var uplink = SqliteUplinkStore.Open(_folder.DatabasePath))
        {
            uplink.RecordNodeCommitted(committed, 1, Leaves.T0);
        }
        await harness.PostAsync(Temp(minute++, 5));
        await WriterHarness.WaitUntilAsync(() => !harness.Writer.RefusingReadings, "readings to be accepted again");
        await harness.PostAsync(Temp(minute++, 6.5));
        await harness.StopAsync();

        var after = LogAudit.Read(_folder.DatabasePath);
        after.AssertLeavesSound("gw-writer");
        Assert.True(after.PrunedBelow > 0 && after.PrunedBelow <= committed, $"pruned below {after.PrunedBelow}, committed {committed}");
        var contents = after.Contents.ToList();
        var resumed = Assert.Single(contents, l => l.StringValue == "disk-resumed");
        Assert.Contains("readings were refused", resumed.Detail, StringComparison.Ordinal);
        Assert.Contains(contents, l => l.StringValue == "disk-pruned");
        Assert.Contains(contents, l => l.Kind == LeafKind.Measurement && l.Value == 6.5);
        using var connection = GatewayDatabase.OpenReadOnly(_folder.DatabasePath);
        Assert.True(GatewayDatabase.UsedBytes(connection) < options.MaxDatabaseBytes);
    }
}
