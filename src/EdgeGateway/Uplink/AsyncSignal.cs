namespace EdgeGateway.Uplink;

/// <summary>
/// An auto-reset signal: <see cref="Set"/> wakes one waiter, or the next one if nobody waits.
/// Several sets before a wait count as one.
/// </summary>
public sealed class AsyncSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    /// <summary>Signals.</summary>
    public void Set()
    {
        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    /// <summary>Waits for a signal or for <paramref name="timeout"/> on <paramref name="clock"/>; true when signalled.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (_semaphore.Wait(0, CancellationToken.None))
        {
            return true;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wait = _semaphore.WaitAsync(stop.Token);
        var first = await Task.WhenAny(wait, Task.Delay(timeout, clock, stop.Token));
        await stop.CancelAsync();
        if (first == wait && !wait.IsCanceled)
        {
            return true;
        }
        // The wait may have won the race with the cancellation: keep its signal.
        if (wait.IsCompletedSuccessfully)
        {
            return true;
        }
        cancellationToken.ThrowIfCancellationRequested();
        return false;
    }
}
