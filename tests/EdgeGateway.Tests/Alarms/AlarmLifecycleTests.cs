using EdgeGateway.Alarms;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Tests.Alarms;

/// <summary>Severity, "no data" rules and suppression windows of the <see cref="AlarmEngine"/>.</summary>
public sealed class AlarmLifecycleTests
{
    private const string Zone = "chiller-1";
    private static readonly long T0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static long Min(double minutes) => T0 + (long)(minutes * 60_000);

    private static AlarmRule Warning(double delayMinutes = 5) => new()
    {
        Id = "chiller-warn", Zone = Zone, Quantity = "temperature", Above = 8, Delay = TimeSpan.FromMinutes(delayMinutes), Severity = AlarmSeverity.Warning,
    };

    private static AlarmRule High(double delayMinutes = 15) => new()
    {
        Id = "chiller-high", Zone = Zone, Quantity = "temperature", Above = 8, Delay = TimeSpan.FromMinutes(delayMinutes),
    };

    private static AlarmRule Silent(double minutes = 10) => new()
    {
        Id = "chiller-silent", Zone = Zone, Quantity = AlarmQuantities.NoData, SilentFor = TimeSpan.FromMinutes(minutes),
    };

    // A defrost from minute 20 to minute 50 of every day (T0 is midnight UTC).
    private static SuppressionWindow Defrost(double startMinute = 20, double minutes = 30) => new()
    {
        Id = "chiller-defrost", Zone = Zone, Reason = "defrost", DailyStart = TimeSpan.FromMinutes(startMinute), Duration = TimeSpan.FromMinutes(minutes),
    };

    private static AlarmReading Reading(double minute, double value, string sensor = "t0") => new(Zone, sensor, "temperature", Min(minute), value, "Cel");

    private static AlarmEngine Engine(IEnumerable<AlarmRule> rules, IEnumerable<SuppressionWindow>? windows = null, params string[] sensors) =>
        new(rules, windows ?? [], sensors.Select(s => (Zone, s)));

    private static List<(double Minute, AlarmTransition Transition)> Feed(AlarmEngine engine, params (double Minute, double Value)[] readings)
    {
        var seen = new List<(double, AlarmTransition)>();
        foreach (var (minute, value) in readings)
        {
            seen.AddRange(engine.Observe(Reading(minute, value)).Select(t => (minute, t)));
        }
        return seen;
    }

    // Ticks every minute from `from` to `to` (inclusive), returning what each tick produced.
    private static List<(double Minute, AlarmTick Tick)> TickEach(AlarmEngine engine, double from, double to)
    {
        var ticks = new List<(double, AlarmTick)>();
        for (var m = from; m <= to; m++)
        {
            var tick = engine.Tick(Min(m));
            if (tick.Windows.Count > 0 || tick.Alarms.Count > 0)
            {
                ticks.Add((m, tick));
            }
        }
        return ticks;
    }

    // A new engine (the daemon restarted at `minute`) from what the store holds.
    private static AlarmEngine Restarted(Dictionary<(string, string), AlarmTrackState> store, double minute, IEnumerable<AlarmRule> rules,
        IEnumerable<SuppressionWindow>? windows = null, params string[] sensors)
    {
        var after = Engine(rules, windows, sensors);
        Assert.Empty(after.Restore(store.Values, Min(minute)));
        return after;
    }

    // What a store would hold after applying the changes in order.
    private static Dictionary<(string, string), AlarmTrackState> Store(IEnumerable<AlarmStateChange> changes, Dictionary<(string, string), AlarmTrackState>? into = null)
    {
        var store = into ?? [];
        foreach (var change in changes)
        {
            if (change.State is null)
            {
                store.Remove((change.RuleId, change.SensorId));
            }
            else
            {
                store[(change.RuleId, change.SensorId)] = change.State;
            }
        }
        return store;
    }

    [Fact]
    public void Severity_WarningThenAlarm_EachTransitionCarriesItsRulesSeverity()
    {
        var engine = Engine([Warning(5), High(15)]);
        var seen = Feed(engine, (0, 9), (5, 9.2), (10, 9.4), (15, 9.6), (16, 7));
        Assert.Equal(
            [(5.0, "chiller-warn", AlarmSeverity.Warning, true), (15.0, "chiller-high", AlarmSeverity.Alarm, true),
             (16.0, "chiller-warn", AlarmSeverity.Warning, false), (16.0, "chiller-high", AlarmSeverity.Alarm, false)],
            seen.Select(s => (s.Minute, s.Transition.RuleId, s.Transition.Severity, s.Transition.Started)));
    }

    [Fact]
    public void Severity_IsSavedAndReported_AfterARestart()
    {
        var engine = Engine([Warning(0)]);
        Feed(engine, (0, 9));
        Assert.Equal(AlarmSeverity.Warning, Assert.Single(engine.Active).Severity);
        var state = Assert.Single(engine.TakeChanges()).State!;
        Assert.Equal(AlarmSeverity.Warning, state.Severity);

        // A rule removed while its warning was active ends with the warning's severity.
        var ended = Assert.Single(Engine([High()]).Restore([state], Min(5)));
        Assert.Equal(AlarmSeverity.Warning, ended.Severity);
        Assert.False(ended.Started);
    }

    [Fact]
    public void NoData_StartsOnATick_WithoutAnyReading()
    {
        var engine = Engine([Silent(10)], null, "t0");
        var ticks = TickEach(engine, 0, 30);
        var (minute, tick) = Assert.Single(ticks);
        Assert.Equal(10, minute);
        var start = Assert.Single(tick.Alarms);
        Assert.True(start.Started);
        Assert.Equal(("chiller-silent", "t0", Min(10)), (start.RuleId, start.SensorId, start.TimeMs));
        Assert.Null(start.Value);
        Assert.Null(start.Unit);
        Assert.Contains("no good reading for 10 min", start.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void NoData_EndsAtTheNextGoodReading_AndCountsFromIt()
    {
        var engine = Engine([Silent(10)]);
        Assert.Empty(Feed(engine, (0, 4)));
        Assert.Empty(TickEach(engine, 1, 9));
        Assert.Single(engine.Tick(Min(10)).Alarms);
        var end = Assert.Single(Feed(engine, (12, 4.5))).Transition;
        Assert.False(end.Started);
        Assert.Null(end.Value);
        Assert.Equal(Min(12), end.TimeMs);
        Assert.Empty(engine.Active);
        // The silence counts again from minute 12.
        Assert.Empty(TickEach(engine, 13, 21));
        Assert.Single(engine.Tick(Min(22)).Alarms);
    }

    [Fact]
    public void NoData_FaultsAreNotGoodReadings()
    {
        var engine = Engine([Silent(10)]);
        engine.Seen(Zone, "t1", Min(0));
        engine.Seen(Zone, "t1", Min(5));
        var start = Assert.Single(engine.Tick(Min(10)).Alarms);
        Assert.Equal("t1", start.SensorId);
    }

    [Fact]
    public void NoData_OtherZonesAndRulesAreNotWatched()
    {
        var engine = new AlarmEngine([Silent(10)], [], [("freezer-1", "f0")]);
        engine.Seen("freezer-1", "f1", Min(0));
        Assert.Empty(TickEach(engine, 0, 60));
    }

    [Fact]
    public void NoData_Restart_NeitherRepeatsTheStartNorLosesIt()
    {
        var engine = Engine([Silent(10)], null, "t0");
        engine.Tick(Min(0));
        Assert.Single(engine.Tick(Min(10)).Alarms);
        var store = Store(engine.TakeChanges());

        var after = Restarted(store, 11, [Silent(10)], null, "t0");
        Assert.Empty(TickEach(after, 11, 40));
        Assert.Single(after.Active);
        var end = Assert.Single(after.Observe(Reading(41, 4)));
        Assert.False(end.Started);
    }

    [Fact]
    public void NoData_Restart_KeepsTheSilenceCountedBeforeIt()
    {
        var engine = Engine([Silent(10)]);
        Feed(engine, (0, 4), (3, 4));
        var store = Store(engine.TakeChanges());
        // Down from minute 4 to 8; the last good reading (minute 3) is remembered to the minute.
        var after = Restarted(store, 8, [Silent(10)]);
        Assert.Empty(TickEach(after, 8, 12));
        Assert.Single(after.Tick(Min(13)).Alarms);
    }

    [Fact]
    public void Suppression_WindowOpensAndCloses_OnTicks()
    {
        var engine = Engine([High(0)], [Defrost(20, 30)]);
        var ticks = TickEach(engine, 0, 60);
        Assert.Equal(2, ticks.Count);
        var open = Assert.Single(ticks[0].Tick.Windows);
        Assert.Equal((20.0, true, Min(20), Min(50), "defrost", Zone), (ticks[0].Minute, open.Opened, open.TimeMs, open.EndMs, open.Reason, open.Zone));
        var close = Assert.Single(ticks[1].Tick.Windows);
        Assert.Equal((50.0, false, Min(50)), (ticks[1].Minute, close.Opened, close.TimeMs));
        Assert.Empty(engine.OpenWindows);
    }

    [Fact]
    public void Suppression_DelaysAStart_ThatThenComesAtTheFirstReadingAfterTheWindow()
    {
        var engine = Engine([High(15)], [Defrost(20, 30)]);
        // Out of range from minute 25, inside the window; the delay is met at minute 40, still inside.
        var seen = Feed(engine, (25, 9), (30, 10), (40, 11), (49, 12), (50, 12), (55, 7));
        Assert.Equal([(50.0, true), (55.0, false)], seen.Select(s => (s.Minute, s.Transition.Started)));
        // Counted from the condition's start, not from the window's end: it starts at once at minute 50.
        Assert.Contains("for 25 min", seen[0].Transition.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Suppression_ConditionEndingInsideTheWindow_StartsNothing()
    {
        var engine = Engine([High(5)], [Defrost(20, 30)]);
        Assert.Empty(Feed(engine, (21, 10), (30, 12), (40, 7), (60, 7)));
    }

    [Fact]
    public void Suppression_NeverHidesAnAlarmAlreadyActive()
    {
        var engine = Engine([High(0)], [Defrost(20, 30)]);
        Assert.Single(Feed(engine, (10, 9)));
        engine.Tick(Min(20));
        Assert.Empty(Feed(engine, (25, 12)));
        Assert.Single(engine.Active);
        // It ends inside the window as it would outside.
        var end = Assert.Single(Feed(engine, (30, 5))).Transition;
        Assert.False(end.Started);
    }

    [Fact]
    public void Suppression_DelaysNoData_UntilTheFirstTickAfterTheWindow()
    {
        var engine = Engine([Silent(10)], [Defrost(20, 30)], "t0");
        engine.Tick(Min(15));
        var ticks = TickEach(engine, 16, 60);
        var alarmTick = Assert.Single(ticks, t => t.Tick.Alarms.Count > 0);
        Assert.Equal(50, alarmTick.Minute);
        Assert.Contains("no good reading for 35 min", Assert.Single(alarmTick.Tick.Alarms).Detail, StringComparison.Ordinal);
        // At the window's end, the close comes before the alarm it releases.
        Assert.Single(alarmTick.Tick.Windows);
    }

    [Fact]
    public void Suppression_RestartMidWindow_NoSecondStart_AndTheEndStillComes()
    {
        var engine = Engine([High(0)], [Defrost(20, 30)]);
        Assert.Single(engine.Tick(Min(20)).Windows);
        var store = Store(engine.TakeChanges());
        Assert.Equal(AlarmEngine.WindowKey, Assert.Single(store.Values).SensorId);

        var after = Restarted(store, 30, [High(0)], [Defrost(20, 30)]);
        var ticks = TickEach(after, 30, 70);
        var (minute, tick) = Assert.Single(ticks);
        Assert.Equal(50, minute);
        Assert.False(Assert.Single(tick.Windows).Opened);
        Assert.Empty(Store(after.TakeChanges(), store));
    }

    [Fact]
    public void Suppression_DownAcrossTheWindowsEnd_EndLeafAtThePlannedEnd()
    {
        var engine = Engine([High(0)], [Defrost(20, 30)]);
        engine.Tick(Min(25));
        var store = Store(engine.TakeChanges());
        var after = Restarted(store, 90, [High(0)], [Defrost(20, 30)]);
        var close = Assert.Single(after.Tick(Min(90)).Windows);
        Assert.Equal((false, Min(50)), (close.Opened, close.TimeMs));
    }

    [Fact]
    public void Suppression_WindowRemovedWhileOpen_EndsAtTheNextTick()
    {
        var engine = Engine([High(0)], [Defrost(20, 30)]);
        engine.Tick(Min(25));
        var store = Store(engine.TakeChanges());
        var after = Restarted(store, 30, [High(0)]);
        var close = Assert.Single(after.Tick(Min(30)).Windows);
        Assert.Equal((false, Min(30), "defrost"), (close.Opened, close.TimeMs, close.Reason));
        Assert.Contains("removed", close.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Suppression_OneOffWindow_OpensOnce()
    {
        var window = new SuppressionWindow { Id = "service", Zone = Zone, Reason = "maintenance", FromMs = Min(100), ToMs = Min(160) };
        Assert.Null(window.OpenAt(Min(99)));
        Assert.Equal((Min(100), Min(160)), window.OpenAt(Min(100)));
        Assert.Null(window.OpenAt(Min(160)));
        var engine = Engine([High(0)], [window]);
        var ticks = TickEach(engine, 0, 2000);
        Assert.Equal([(100.0, true), (160.0, false)], ticks.Select(t => (t.Minute, Assert.Single(t.Tick.Windows).Opened)));
    }

    [Fact]
    public void Suppression_DailyWindowAcrossMidnight_IsOpenOnBothSides()
    {
        var window = Defrost(startMinute: 23 * 60 + 45, minutes: 30);
        Assert.Equal((Min(-15), Min(15)), window.OpenAt(Min(10)));
        Assert.Equal((Min(23 * 60 + 45), Min(24 * 60 + 15)), window.OpenAt(Min(23 * 60 + 50)));
        Assert.Null(window.OpenAt(Min(15)));
    }

    [Fact]
    public void Suppression_OtherZones_AreNotSuppressed()
    {
        var engine = Engine([High(0) with { Zone = "freezer-1", Above = -18 }], [Defrost(20, 30)]);
        var seen = engine.Observe(new AlarmReading("freezer-1", "f0", "temperature", Min(25), -10, "Cel"));
        Assert.Single(seen);
    }

    [Fact]
    public void Constructor_WindowIdUsedByARule_Throws() =>
        Assert.Throws<ArgumentException>(() => Engine([High(0) with { Id = "chiller-defrost" }], [Defrost()]));
}
