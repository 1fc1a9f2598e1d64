using EdgeGateway.Sensors.Rfid;

namespace EdgeGateway.Tests.Sensors.Rfid;

public class TagDebouncerTests
{
    [Fact]
    public void ShouldReport_SameTagWithinWindow_ReportedOncePerWindow()
    {
        var d = new TagDebouncer(TimeSpan.FromSeconds(5));
        Assert.True(d.ShouldReport("raw:04A1", 1_000));
        Assert.False(d.ShouldReport("raw:04A1", 1_200));
        Assert.False(d.ShouldReport("raw:04A1", 5_999));
        Assert.True(d.ShouldReport("raw:04A1", 6_000));
        Assert.False(d.ShouldReport("raw:04A1", 6_100));
    }

    [Fact]
    public void ShouldReport_OtherTag_IsIndependent()
    {
        var d = new TagDebouncer(TimeSpan.FromSeconds(5));
        Assert.True(d.ShouldReport("raw:04A1", 1_000));
        Assert.True(d.ShouldReport("raw:04A2", 1_001));
    }

    [Fact]
    public void ShouldReport_ClockStepsBack_ReportsAgain()
    {
        var d = new TagDebouncer(TimeSpan.FromSeconds(5));
        Assert.True(d.ShouldReport("raw:04A1", 10_000));
        Assert.True(d.ShouldReport("raw:04A1", 9_000));
    }

    [Fact]
    public void ShouldReport_ZeroWindow_ReportsEveryRead()
    {
        var d = new TagDebouncer(TimeSpan.Zero);
        Assert.True(d.ShouldReport("raw:04A1", 1));
        Assert.True(d.ShouldReport("raw:04A1", 1));
    }

    [Fact]
    public void ShouldReport_ManyDistinctTags_StillSuppressesRecentOnes()
    {
        var d = new TagDebouncer(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 10_000; i++) Assert.True(d.ShouldReport($"raw:{i:X8}", i));
        Assert.False(d.ShouldReport("raw:0000270F", 10_000)); // tag 9999, seen 1 ms ago
        Assert.True(d.ShouldReport("raw:00000000", 10_000));  // tag 0, seen 10 s ago
    }
}
