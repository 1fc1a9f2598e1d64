using EdgeGateway.Alarms;
using EdgeGateway.Log;
using EdgeGateway.Uplink;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Tests.Uplink;

/// <summary>The disk-full alarm in the status report: raised and cleared by the event leaves that record it.</summary>
public sealed class GatewayHealthTests
{
    private static readonly LeafDrafts Drafts = new("gw-health", _ => null);

    private static ReadingLeaf Event(string code, long seq, long timeMs) =>
        ReadingLeaf.Create(Drafts.ForGatewayEvent(new GatewayEvent(code, "detail", timeMs), seq), new byte[ReadingLeaf.SaltLength]);

    [Fact]
    public void DiskFullAndResumedLeaves_StartAndEndTheGatewayAlarm_WithTheirSequences()
    {
        var health = new GatewayHealth([], _ => null, [], []);

        health.OnCommitted([Event("gateway-start", 0, 1000), Event(GatewayAlarms.DiskFullEvent, 1, 2000)]);
        var (_, active, recent) = health.Snapshot();
        var alarm = Assert.Single(active);
        Assert.Equal((GatewayAlarms.Zone, GatewayAlarms.DiskSensor, GatewayAlarms.DiskFullRule, 2000L), (alarm.Zone, alarm.Sensor, alarm.Rule, alarm.SinceMs));
        Assert.Equal(("start", 1L), (Assert.Single(recent).Event, recent[0].Sequence));

        health.OnCommitted([Event(GatewayAlarms.DiskResumedEvent, 2, 3000)]);
        (_, active, recent) = health.Snapshot();
        Assert.Empty(active);
        Assert.Equal([("start", 1L), ("end", 2L)], recent.Select(e => (e.Event, e.Sequence)));
    }

    [Fact]
    public void ADiskFullAlarmActiveAtStart_IsReportedUntilItsEnd()
    {
        var health = new GatewayHealth([], _ => null, [GatewayAlarms.DiskFull(500)], []);
        Assert.Equal(500, Assert.Single(health.Snapshot().Active).SinceMs);

        health.OnCommitted([Event(GatewayAlarms.DiskResumedEvent, 7, 900)]);
        Assert.Empty(health.Snapshot().Active);
    }
}
