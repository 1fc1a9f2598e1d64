using System.Diagnostics;

namespace Consortium.Tests.Support;

/// <summary>Bounded waits for what a cluster does in its own time (an election, a member catching up).</summary>
public static class Eventually
{
    /// <summary>
    /// Calls <paramref name="attempt"/> until it returns a value that <paramref name="done"/> accepts;
    /// an exception counts as "not yet" (a member that is down or electing). Fails after
    /// <paramref name="timeout"/> with <paramref name="what"/>, the last value or error, and <paramref name="diagnostics"/>.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<CancellationToken, Task<T>> attempt, Func<T, bool> done, string what, TimeSpan timeout,
        Func<string> diagnostics, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var last = "no attempt finished";
        while (true)
        {
            try
            {
                var value = await attempt(cancellationToken);
                if (done(value)) return value;
                last = $"last value: {value}";
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = $"last error: {ex.GetType().Name}: {ex.Message}";
            }
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"{what}: not within {timeout} ({last}).\n{diagnostics()}");
            }
            await Task.Delay(50, cancellationToken);
        }
    }
}
