using EdgeGateway.Alarms;
using EdgeGateway.Log;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Tests.ColdRoom;

/// <summary>Door observations through the real log writer into a real database.</summary>
public sealed class DoorLogTests : IAsyncLifetime
{
    private static readonly LogWriterOptions Fast = new() { BatchMaxDelay = TimeSpan.FromMilliseconds(5), SealInterval = TimeSpan.FromHours(1) };
    private GatewayFolder _folder = null!;

    public async Task InitializeAsync() => _folder = await GatewayFolder.CreateAsync("gw-door");

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    private static long T(double seconds) => Leaves.T0 + (long)(seconds * 1000);

    private static DoorObservation Door(double seconds, bool open, bool changed) =>
        new("door/chiller-1", "chiller-1", open, T(seconds), changed, $"door chiller-1 (GPIO27) {(open ? "opened" : "closed")}");

    [Fact]
    public async Task DoorLeftOpen_ChangesAreEventLeaves_RemindersAreNot_AndTheDoorRuleStartsAndEnds()
    {
        var rule = new AlarmRule { Id = "chiller-door", Zone = "chiller-1", Quantity = AlarmQuantities.Door, Delay = TimeSpan.FromMinutes(1) };
        await using var harness = WriterHarness.Start(_folder, Fast, TimeProvider.System, rule);
        foreach (var door in new[] { Door(0, false, true), Door(10, true, true), Door(40, true, false), Door(70, true, false), Door(71, true, false), Door(90, false, true) })
        {
            await harness.Channel.Writer.WriteAsync(LogInput.From(door));
        }
        await harness.StopAsync();

        var audit = LogAudit.Read(_folder.DatabasePath);
        audit.AssertLeavesSound("gw-door");
        var leaves = audit.Contents.Where(c => c.Kind != LeafKind.Event || c.StringValue!.StartsWith("door-", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [(LeafKind.Event, "door-closed", T(0)), (LeafKind.Event, "door-open", T(10)), (LeafKind.Alarm, "start", T(70)), (LeafKind.Event, "door-closed", T(90)), (LeafKind.Alarm, "end", T(90))],
            leaves.Select(l => (l.Kind, l.StringValue!, l.TimeMs)));
        Assert.All(leaves, l => Assert.Equal("chiller-1", l.Zone));
        Assert.Equal("door/chiller-1", leaves[2].SensorId);
        Assert.Equal("chiller-door", leaves[2].Rule);
    }
}
