namespace AnchorNode.Tests.Notifications;

/// <summary>Polls a condition that background delivery makes true, failing with <paramref name="what"/> after a deadline.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {seconds} s: {what}");
            await Task.Delay(20);
        }
    }
}
