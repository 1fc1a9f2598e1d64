using System.Threading.Channels;
using EdgeGateway.Log;

namespace EdgeGateway.Daemon;

/// <summary>
/// Gives the alarm engine the gateway's time when no reading does: a tick into the log writer's
/// input every <see cref="Interval"/> of the gateway's clock (simulated time under <c>--speed</c>),
/// so that a "no data" alarm starts while its sensor is silent and suppression windows open and
/// close on time.
/// </summary>
public static class AlarmTicker
{
    /// <summary>Gateway time between two ticks: how late a "no data" alarm or a window's leaf may be.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>Ticks until <paramref name="cancellationToken"/> fires; the first at once.</summary>
    public static async Task RunAsync(ChannelWriter<LogInput> output, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(clock);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await output.WriteAsync(LogInput.Tick(clock.GetUtcNow().ToUnixTimeMilliseconds()), cancellationToken);
                await Task.Delay(Interval, clock, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (ChannelClosedException)
        {
            // The writer stopped.
        }
    }
}
