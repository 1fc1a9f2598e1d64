using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace EdgeGateway.Sensors;

/// <summary>Several sources read concurrently as one stream, in arrival order.</summary>
public sealed class MergedSensorSource : ISensorSource
{
    private readonly IReadOnlyList<ISensorSource> _sources;

    /// <param name="sources">The sources to merge; their sensor ids must not collide.</param>
    public MergedSensorSource(IEnumerable<ISensorSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        _sources = sources.ToList();
        Sensors = _sources.SelectMany(s => s.Sensors).ToList();
        var clash = Sensors.GroupBy(s => (s.Id, s.Quantity)).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new ArgumentException($"Sensor '{clash.Key.Id}' ({clash.Key.Quantity}) is reported by more than one source; give each a distinct id.", nameof(sources));
        Name = string.Join('+', _sources.Select(s => s.Name));
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public IReadOnlyList<SensorInfo> Sensors { get; }

    /// <inheritdoc/>
    public async IAsyncEnumerable<SensorEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<SensorEvent>(new BoundedChannelOptions(256) { SingleReader = true });
        var pumps = _sources.Select(s => PumpAsync(s, channel.Writer, stop.Token)).ToArray();
        var completion = Task.WhenAll(pumps).ContinueWith(
            t => channel.Writer.TryComplete(t.Exception?.GetBaseException()), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken))
                yield return e;
        }
        finally
        {
            await stop.CancelAsync();
            try { await Task.WhenAll(pumps); }
            catch (OperationCanceledException) { }
            await completion;
        }
    }

    private static async Task PumpAsync(ISensorSource source, ChannelWriter<SensorEvent> writer, CancellationToken cancellationToken)
    {
        await foreach (var e in source.ReadAsync(cancellationToken))
            await writer.WriteAsync(e, cancellationToken);
    }
}
