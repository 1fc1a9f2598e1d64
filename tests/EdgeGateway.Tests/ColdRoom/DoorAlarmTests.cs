using EdgeGateway.Alarms;
using EdgeGateway.Log;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Tests.ColdRoom;

/// <summary>The door-open alarm: a rule of quantity "door" on a zone's door contacts.</summary>
public sealed class DoorAlarmTests
{
    private static readonly long T0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static long Sec(double seconds) => T0 + (long)(seconds * 1000);

    private static AlarmEngine Engine(double delayMinutes = 2) => new([
        new AlarmRule { Id = "chiller-door", Zone = "chiller-1", Quantity = AlarmQuantities.Door, Delay = TimeSpan.FromMinutes(delayMinutes) },
        new AlarmRule { Id = "chiller-high", Zone = "chiller-1", Quantity = "temperature", Above = 8 },
    ]);

    [Fact]
    public void DoorOpenLongerThanTheDelay_StartsAtTheDelay_AndEndsWhenItCloses()
    {
        var engine = Engine();

        Assert.Empty(engine.ObserveDoor("chiller-1", "door/chiller-1", open: true, Sec(0)));
        Assert.Empty(engine.ObserveDoor("chiller-1", "door/chiller-1", open: true, Sec(119)));
        var start = Assert.Single(engine.ObserveDoor("chiller-1", "door/chiller-1", open: true, Sec(120)));
        Assert.Empty(engine.ObserveDoor("chiller-1", "door/chiller-1", open: true, Sec(121)));
        var end = Assert.Single(engine.ObserveDoor("chiller-1", "door/chiller-1", open: false, Sec(200)));

        Assert.Equal(("chiller-door", "chiller-1", "door/chiller-1", true, Sec(120)), (start.RuleId, start.Zone, start.SensorId, start.Started, start.TimeMs));
        Assert.Null(start.Value);
        Assert.Null(start.Unit);
        Assert.Equal((false, Sec(200)), (end.Started, end.TimeMs));
        Assert.Empty(engine.Active);
    }

    [Fact]
    public void DoorClosedWithinTheDelay_NoAlarm_AndTheNextOpeningStartsTheDelayAgain()
    {
        var engine = Engine();

        engine.ObserveDoor("chiller-1", "door/chiller-1", true, Sec(0));
        Assert.Empty(engine.ObserveDoor("chiller-1", "door/chiller-1", false, Sec(100)));
        engine.ObserveDoor("chiller-1", "door/chiller-1", true, Sec(110));

        Assert.Empty(engine.ObserveDoor("chiller-1", "door/chiller-1", true, Sec(200)));
        Assert.Single(engine.ObserveDoor("chiller-1", "door/chiller-1", true, Sec(230)));
    }

    [Fact]
    public void DoorRule_IsSavedAndRestored_SoARestartNeitherRepeatsNorLosesIt()
    {
        var engine = Engine();
        engine.ObserveDoor("chiller-1", "door/chiller-1", true, Sec(0));
        engine.ObserveDoor("chiller-1", "door/chiller-1", true, Sec(130));
        var saved = engine.TakeChanges().Select(c => c.State!).ToList();

        var restarted = Engine();
        restarted.Restore(saved, Sec(140));

        Assert.Single(restarted.Active);
        Assert.Empty(restarted.ObserveDoor("chiller-1", "door/chiller-1", true, Sec(141)));
        Assert.Single(restarted.ObserveDoor("chiller-1", "door/chiller-1", false, Sec(150)));
    }

    [Fact]
    public void DoorOfAnotherZone_OrTemperatureReadings_DoNotTouchTheDoorRule()
    {
        var engine = Engine(0);

        Assert.Empty(engine.ObserveDoor("freezer-1", "door/freezer-1", true, Sec(0)));
        Assert.Empty(engine.ObserveDoor(null, "door/x", true, Sec(0)));
        var high = Assert.Single(engine.Observe(new AlarmReading("chiller-1", "t0", "temperature", Sec(1), 9, "Cel")));
        Assert.Equal("chiller-high", high.RuleId);
    }

    [Fact]
    public void DoorLeaves_AreValidLeaves_EventsInTheZone_AndAlarmsWithoutValue()
    {
        var drafts = new LeafDrafts("gw-demo", _ => null);
        var engine = Engine(0);
        var open = new DoorObservation("door/chiller-1", "chiller-1", true, Sec(0), true, "door chiller-1 (GPIO27) opened");

        var eventLeaf = ReadingLeaf.Create(drafts.ForDoor(open, 7), new byte[16]);
        var alarmLeaf = ReadingLeaf.Create(drafts.ForAlarm(engine.ObserveDoor("chiller-1", "door/chiller-1", true, Sec(0))[0], 8), new byte[16]);

        Assert.Equal((LeafKind.Event, "door-open", "chiller-1", "gw-demo/event/door-open"),
            (eventLeaf.Content.Kind, eventLeaf.Content.StringValue, eventLeaf.Content.Zone, eventLeaf.Content.Name));
        Assert.Equal((LeafKind.Alarm, "start", "door/chiller-1", (double?)null), (alarmLeaf.Content.Kind, alarmLeaf.Content.StringValue, alarmLeaf.Content.SensorId, alarmLeaf.Content.Value));
        Assert.Equal("door-closed", drafts.ForDoor(open with { Open = false }, 9).StringValue);
    }

    [Fact]
    public void DoorLeaves_AsTheGatewayWritesThem_AreTheSpecVectors()
    {
        // docs/vectors/leaves-accept.txt, the door-open event and the door rule's alarm.
        var vectors = File.ReadAllLines(Path.Combine(Repository(), "docs", "vectors", "leaves-accept.txt"))
            .Where(l => l.StartsWith("a door-open event", StringComparison.Ordinal) || l.StartsWith("the alarm of a door rule", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(" | {", StringComparison.Ordinal) + 3)..])
            .ToList();
        var drafts = new LeafDrafts("gw-demo", _ => null);
        var salt = Convert.FromHexString("101112131415161718191a1b1c1d1e1f");
        var open = new DoorObservation("door/chiller-1", "chiller-1", true, 1795428300250, true, "door chiller-1 (GPIO27) opened");
        var engine = Engine();
        engine.ObserveDoor("chiller-1", "door/chiller-1", true, 1795428300250);
        var start = engine.ObserveDoor("chiller-1", "door/chiller-1", true, 1795428420250)[0];

        Assert.Equal(2, vectors.Count);
        Assert.Equal(vectors[0], System.Text.Encoding.UTF8.GetString(ReadingLeaf.Create(drafts.ForDoor(open, 6), salt).Bytes.Span));
        Assert.Equal(vectors[1], System.Text.Encoding.UTF8.GetString(ReadingLeaf.Create(drafts.ForAlarm(start, 7), salt).Bytes.Span));
    }

    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("no EdgeTrace.sln above the test binaries");
    }
}
