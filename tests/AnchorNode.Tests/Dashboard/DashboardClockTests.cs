using System.Text;
using AnchorNode.Dashboard;

namespace AnchorNode.Tests.Dashboard;

/// <summary>The dashboard's one clock: one format, one label, the instant kept in UTC for machines.</summary>
public sealed class DashboardClockTests
{
    // 2026-03-14T09:26:53Z (date -u -d @1773480413)
    private const long Instant = 1_773_480_413_000;

    [Theory]
    [InlineData("UTC", "2026-03-14 09:26:53 UTC", "All times in UTC")]
    [InlineData("Etc/UTC", "2026-03-14 09:26:53 UTC", "All times in UTC")]
    [InlineData("Asia/Shanghai", "2026-03-14 17:26:53 Asia/Shanghai", "All times in Asia/Shanghai (UTC+08:00)")]
    [InlineData("America/New_York", "2026-03-14 05:26:53 America/New_York", "All times in America/New_York (UTC−04:00)")]
    public void Text_IsTheZonesLocalTime_LabelledWithTheZone(string zone, string text, string caption)
    {
        var clock = new DashboardClock(TimeZoneInfo.FindSystemTimeZoneById(zone));

        Assert.Equal(text, clock.Text(Instant));
        Assert.Equal(caption, clock.Caption(Instant));
        var html = clock.Append(new StringBuilder(), Instant).ToString();
        Assert.Equal($"<time datetime=\"2026-03-14T09:26:53Z\" data-clock=\"{clock.Label}\">{text}</time>", html);
        Assert.Equal("–", clock.Append(new StringBuilder(), null).ToString());
    }
}
