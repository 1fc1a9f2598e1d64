using EdgeGateway.Alarms;

namespace EdgeGateway.Tests.Alarms;

public sealed class AlarmEngineTests
{
    private const string Zone = "chiller-1";
    private static readonly long T0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static long Min(double minutes) => T0 + (long)(minutes * 60_000);

    private static AlarmRule High(double delayMinutes = 10) => new()
    {
        Id = "chiller-high", Zone = Zone, Quantity = "temperature", Above = 8, Delay = TimeSpan.FromMinutes(delayMinutes),
    };

    private static AlarmRule Cumulative(double minutes = 60, double windowHours = 24) => new()
    {
        Id = "chiller-cumulative", Zone = Zone, Quantity = "temperature", Above = 8, Below = 2,
        Cumulative = TimeSpan.FromMinutes(minutes), Window = TimeSpan.FromHours(windowHours),
    };

    private static AlarmReading Reading(double minute, double value, string sensor = "t0", string? zone = Zone, string quantity = "temperature") =>
        new(zone, sensor, quantity, Min(minute), value, quantity == "temperature" ? "Cel" : "%RH");

    // Feeds (minute, value) pairs and returns every transition with the minute it happened at.
    private static List<(double Minute, AlarmTransition Transition)> Feed(AlarmEngine engine, params (double Minute, double Value)[] readings)
    {
        var seen = new List<(double, AlarmTransition)>();
        foreach (var (minute, value) in readings)
        {
            seen.AddRange(engine.Observe(Reading(minute, value)).Select(t => (minute, t)));
        }
        return seen;
    }

    [Fact]
    public void Limit_ValueExactlyAtTheLimit_IsInRange()
    {
        var engine = new AlarmEngine([High(delayMinutes: 0)]);
        var seen = Feed(engine, Enumerable.Range(0, 30).Select(m => ((double)m, 8.0)).ToArray());
        Assert.Empty(seen);
        Assert.Empty(engine.Active);
    }

    [Fact]
    public void Limit_OutOfRangeForExactlyTheDelay_StartsAtThatReading()
    {
        var engine = new AlarmEngine([High(delayMinutes: 10)]);
        var seen = Feed(engine, (0, 8.1), (5, 9), (10, 9.5), (11, 9.6));
        var start = Assert.Single(seen);
        Assert.Equal(10, start.Minute);
        Assert.True(start.Transition.Started);
        Assert.Equal(9.5, start.Transition.Value);
        Assert.Equal("Cel", start.Transition.Unit);
        Assert.Equal(Min(10), start.Transition.TimeMs);
        Assert.Equal(("chiller-high", Zone, "t0"), (start.Transition.RuleId, start.Transition.Zone, start.Transition.SensorId));
    }

    [Fact]
    public void Limit_OutOfRangeOneMillisecondShortOfTheDelay_DoesNotStart()
    {
        var engine = new AlarmEngine([High(delayMinutes: 10)]);
        Assert.Empty(engine.Observe(Reading(0, 9)));
        Assert.Empty(engine.Observe(new AlarmReading(Zone, "t0", "temperature", Min(10) - 1, 9, "Cel")));
        Assert.Single(engine.Observe(Reading(10, 9)));
    }

    [Fact]
    public void Limit_ZeroDelay_StartsAtTheFirstReadingOutOfRange()
    {
        var engine = new AlarmEngine([High(delayMinutes: 0)]);
        var start = Assert.Single(Feed(engine, (0, 7), (1, 8.01)));
        Assert.Equal(1, start.Minute);
    }

    [Fact]
    public void Limit_FlappingBackIntoRange_RestartsTheDelay()
    {
        var engine = new AlarmEngine([High(delayMinutes: 10)]);
        // Out at 0, back in at 5 (the run resets), out again from 6: due at 16, not at 10.
        var seen = Feed(engine, (0, 9), (5, 7), (6, 9), (10, 9), (15, 9), (16, 9));
        var start = Assert.Single(seen);
        Assert.Equal(16, start.Minute);
    }

    [Fact]
    public void Limit_FirstReadingBackInRange_EndsTheAlarm_AndTheNextRunNeedsTheFullDelay()
    {
        var engine = new AlarmEngine([High(delayMinutes: 10)]);
        var seen = Feed(engine, (0, 9), (10, 9), (20, 9), (21, 8), (22, 9), (31, 9), (32, 9));
        Assert.Equal([10.0, 21.0, 32.0], seen.Select(s => s.Minute));
        var end = seen[1].Transition;
        Assert.False(end.Started);
        Assert.Equal(8, end.Value);
        Assert.True(seen[2].Transition.Started);
    }

    [Fact]
    public void Limit_BelowRule_UsesTheLowerLimitExclusively()
    {
        var rule = new AlarmRule { Id = "chiller-low", Zone = Zone, Quantity = "temperature", Below = 2, Delay = TimeSpan.Zero };
        var engine = new AlarmEngine([rule]);
        var seen = Feed(engine, (0, 2.0), (1, 1.99), (2, 2.0));
        Assert.Equal([1.0, 2.0], seen.Select(s => s.Minute));
        Assert.True(seen[0].Transition.Started);
        Assert.Contains("below 2 Cel", seen[0].Transition.Detail, StringComparison.Ordinal);
        Assert.False(seen[1].Transition.Started);
    }

    [Fact]
    public void Limit_OtherZoneQuantityOrNoZone_IsIgnored()
    {
        var engine = new AlarmEngine([High(delayMinutes: 0)]);
        Assert.Empty(engine.Observe(Reading(0, 30, zone: "freezer-1")));
        Assert.Empty(engine.Observe(Reading(0, 30, zone: null)));
        Assert.Empty(engine.Observe(Reading(0, 90, quantity: "humidity")));
        Assert.Empty(engine.Active);
    }

    [Fact]
    public void Limit_TwoSensorsInAZone_AreTrackedSeparately()
    {
        var engine = new AlarmEngine([High(delayMinutes: 5)]);
        Assert.Empty(engine.Observe(Reading(0, 9, sensor: "t0")));
        Assert.Empty(engine.Observe(Reading(0, 5, sensor: "t1")));
        Assert.Empty(engine.Observe(Reading(4, 5, sensor: "t1")));
        var start = Assert.Single(engine.Observe(Reading(5, 9, sensor: "t0")));
        Assert.Equal("t0", start.SensorId);
        Assert.Empty(engine.Observe(Reading(5, 5, sensor: "t1")));
        Assert.Equal("t0", Assert.Single(engine.Active).SensorId);
    }

    [Fact]
    public void Limit_TwoSidedRange_StartsOnEitherSideAndEndsInside()
    {
        var rule = new AlarmRule { Id = "range", Zone = Zone, Quantity = "temperature", Below = 2, Above = 8 };
        var engine = new AlarmEngine([rule]);
        var seen = Feed(engine, (0, 1.9), (1, 2), (2, 8), (3, 8.2), (4, 5));
        Assert.Equal([0.0, 1.0, 3.0, 4.0], seen.Select(s => s.Minute));
        Assert.Equal([true, false, true, false], seen.Select(s => s.Transition.Started));
    }

    [Fact]
    public void Cumulative_TimeOutOfRangeReachesExactlyTheLimit_StartsThen()
    {
        var engine = new AlarmEngine([Cumulative(minutes: 60)]);
        // Out of range from minute 0; each reading holds until the next: 59 min at 59, 60 min at 60.
        var seen = Feed(engine, Enumerable.Range(0, 62).Select(m => ((double)m, 9.0)).ToArray());
        var start = Assert.Single(seen);
        Assert.Equal(60, start.Minute);
        Assert.Contains("60 min", start.Transition.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Cumulative_SeparateExcursionsWithinTheWindow_AddUp()
    {
        var engine = new AlarmEngine([Cumulative(minutes: 60)]);
        var readings = new List<(double, double)>();
        for (var m = 0; m <= 30; m++) readings.Add((m, 9));        // out 0..30: 30 min
        for (var m = 31; m < 300; m += 10) readings.Add((m, 5));    // in (the reading at 30 held until 31: 31 min)
        for (var m = 300; m <= 330; m++) readings.Add((m, 1));      // below 2: out again
        var start = Assert.Single(Feed(engine, [.. readings]));
        Assert.Equal(329, start.Minute); // 31 + 29 = 60
    }

    [Fact]
    public void Cumulative_TimeThatLeftTheWindow_NoLongerCounts()
    {
        var engine = new AlarmEngine([Cumulative(minutes: 60, windowHours: 24)]);
        var readings = new List<(double, double)>();
        for (var m = 0; m <= 58; m++) readings.Add((m, 9)); // 59 min out: [0, 59)
        readings.Add((59, 5));
        for (var m = 24 * 60 + 1; m <= 24 * 60 + 5; m++) readings.Add((m, 9)); // a day later: the first 59 min are outside
        Assert.Empty(Feed(engine, [.. readings]));
    }

    [Fact]
    public void Cumulative_ActiveAlarm_EndsWhenTheTotalFallsBelowTheLimit()
    {
        var engine = new AlarmEngine([Cumulative(minutes: 60, windowHours: 2)]);
        var readings = new List<(double, double)>();
        for (var m = 0; m <= 70; m++) readings.Add((m, 9)); // starts at 60; the reading at 70 holds until 71: [0, 71) out
        for (var m = 71; m <= 200; m++) readings.Add((m, 5));
        var seen = Feed(engine, [.. readings]);
        Assert.Equal(2, seen.Count);
        Assert.Equal(60, seen[0].Minute);
        // The window is 2 h: at minute m it holds [m-120, m]; out time is 71 - (m - 120): 60 at 131, 59 at 132.
        Assert.Equal(132, seen[1].Minute);
        Assert.False(seen[1].Transition.Started);
    }

    [Fact]
    public void Cumulative_SilentSensor_HoldsItsLastStateForAtMostTheMaximumGap()
    {
        var engine = new AlarmEngine([Cumulative(minutes: 20) with { MaxGap = TimeSpan.FromMinutes(15) }]);
        // One out-of-range reading, then silence for two hours: only 15 min count.
        Assert.Empty(Feed(engine, (0, 9), (120, 9)));
        var start = Assert.Single(Feed(engine, (125, 9)));
        Assert.Equal(125, start.Minute);
    }

    [Fact]
    public void Cumulative_FlappingEveryMinute_CountsOnlyTheMinutesOutOfRange()
    {
        var engine = new AlarmEngine([Cumulative(minutes: 60)]);
        // Out at even minutes, in at odd ones: one minute in two is out of range.
        var seen = Feed(engine, Enumerable.Range(0, 130).Select(m => ((double)m, m % 2 == 0 ? 9.0 : 5.0)).ToArray());
        var start = Assert.Single(seen);
        Assert.Equal(119, start.Minute); // [0,1), [2,3), …, [118,119): 60 minutes
    }

    [Fact]
    public void Restore_ActiveAlarm_IsNeitherRepeatedNorForgotten()
    {
        var first = new AlarmEngine([High(delayMinutes: 10)]);
        Assert.Single(Feed(first, (0, 9), (10, 9)));
        var saved = first.TakeChanges().Select(c => c.State!).ToList();

        var second = new AlarmEngine([High(delayMinutes: 10)]);
        Assert.Empty(second.Restore(saved, Min(11)));
        Assert.Single(second.Active);
        Assert.Empty(Feed(second, (11, 9), (25, 9)));
        var end = Assert.Single(Feed(second, (26, 5)));
        Assert.False(end.Transition.Started);
    }

    [Fact]
    public void Restore_PendingDelay_ContinuesWhereItWas()
    {
        var first = new AlarmEngine([High(delayMinutes: 10)]);
        Assert.Empty(Feed(first, (0, 9), (6, 9)));
        var second = new AlarmEngine([High(delayMinutes: 10)]);
        second.Restore(first.TakeChanges().Select(c => c.State!), Min(7));
        Assert.Equal(10, Assert.Single(Feed(second, (8, 9), (10, 9))).Minute);
    }

    [Fact]
    public void Restore_ActiveAlarmOfARemovedRule_EndsItAndDeletesItsState()
    {
        var first = new AlarmEngine([High(delayMinutes: 0)]);
        Feed(first, (0, 9));
        var saved = first.TakeChanges().Select(c => c.State!).ToList();

        var second = new AlarmEngine([]);
        var ended = Assert.Single(second.Restore(saved, Min(5)));
        Assert.False(ended.Started);
        Assert.Equal(Min(5), ended.TimeMs);
        Assert.Null(ended.Value);
        var change = Assert.Single(second.TakeChanges());
        Assert.Null(change.State);
    }

    [Fact]
    public void TakeChanges_ReturnsEachChangedPairOnce()
    {
        var engine = new AlarmEngine([High(), Cumulative()]);
        Feed(engine, (0, 9), (1, 9));
        engine.Observe(Reading(1, 9, sensor: "t1"));
        Assert.Equal(4, engine.TakeChanges().Count); // two rules × two sensors
        Assert.Empty(engine.TakeChanges());
    }

    [Fact]
    public void Constructor_DuplicateRuleIds_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => new AlarmEngine([High(), High()]));
    }
}
