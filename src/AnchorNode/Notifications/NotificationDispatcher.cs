using AnchorNode.Configuration;
using AnchorNode.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Notifications;

/// <summary>
/// Delivers what the outbox holds: each due notification is attempted once per round; a failed attempt
/// is due again after an exponential backoff with jitter, until <see cref="NotificationSettings.MaxAttempts"/>
/// are used up. At least once: a notification is marked delivered only after the receiver accepted it.
/// </summary>
public sealed partial class NotificationDispatcher
{
    private const int RoundSize = 64;

    private readonly NotificationOutbox _outbox;
    private readonly IReadOnlyDictionary<string, INotificationTransport> _transports;
    private readonly NotificationSettings _settings;
    private readonly TimeProvider _time;
    private readonly IRandomSource _random;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>A dispatcher sending through <paramref name="transports"/> (by channel).</summary>
    public NotificationDispatcher(NotificationOutbox outbox, IReadOnlyDictionary<string, INotificationTransport> transports, NotificationSettings settings,
        TimeProvider time, IRandomSource random, ILogger<NotificationDispatcher> logger)
    {
        _outbox = outbox;
        _transports = transports;
        _settings = settings;
        _time = time;
        _random = random;
        _logger = logger;
    }

    /// <summary>
    /// The wait before attempt <paramref name="attempts"/> + 1: base·2^(attempts−1), at most the maximum,
    /// of which a random half (<paramref name="jitter"/> in [0, 1)) is taken off, so that receivers coming
    /// back are not hit by every node at once.
    /// </summary>
    public static long BackoffMs(int attempts, int baseMs, int maxMs, double jitter)
    {
        var full = Math.Min(maxMs, baseMs * Math.Pow(2, Math.Min(attempts - 1, 40)));
        return (long)(full / 2 + full / 2 * jitter);
    }

    /// <summary>
    /// Runs <paramref name="record"/> in one write transaction on <paramref name="database"/> (it records
    /// notifications with <see cref="NotificationOutbox.Add"/> beside the state that caused them, so a
    /// crash keeps both or neither), then asks for a round when it recorded any.
    /// </summary>
    /// <returns>What <paramref name="record"/> returned.</returns>
    public IReadOnlyList<T> Record<T>(NodeDatabase database, Func<SqliteConnection, IReadOnlyList<T>> record)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(record);
        IReadOnlyList<T> recorded;
        using (var connection = database.OpenWriter())
        {
            NodeDatabase.Execute(connection, "BEGIN IMMEDIATE");
            try
            {
                recorded = record(connection);
                NodeDatabase.Execute(connection, "COMMIT");
            }
            catch
            {
                NodeDatabase.Execute(connection, "ROLLBACK");
                throw;
            }
        }
        if (recorded.Count > 0)
        {
            Wake();
        }
        return recorded;
    }

    /// <summary>Asks for a round now (new notifications were recorded).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Woken already.
            }
        }
    }

    /// <summary>Waits until <see cref="Wake"/> or <paramref name="interval"/>, whichever is first.</summary>
    public async Task WaitAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var elapsed = new CancellationTokenSource(interval, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(elapsed.Token, cancellationToken);
        try
        {
            await _wake.WaitAsync(either.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The interval passed.
        }
    }

    /// <summary>Attempts every due notification once; returns how many were delivered.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var delivered = 0;
            foreach (var item in _outbox.Due(_time.GetUtcNow().ToUnixTimeMilliseconds(), RoundSize))
            {
                if (await AttemptAsync(item, cancellationToken))
                {
                    delivered++;
                }
            }
            return delivered;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> AttemptAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        string error;
        try
        {
            if (!_transports.TryGetValue(item.Channel, out var transport))
            {
                throw new DeliveryFailedException($"no {item.Channel} transport is configured (notifications.smtp removed?)");
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMilliseconds(_settings.TimeoutMs));
            await transport.DeliverAsync(item, timeout.Token);
            _outbox.Delivered(item.Id, _time.GetUtcNow().ToUnixTimeMilliseconds());
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            error = $"no answer within {_settings.TimeoutMs} ms";
        }
#pragma warning disable CA1031 // any failure of a receiver is recorded and retried; it must not stop the other deliveries
        catch (Exception e)
#pragma warning restore CA1031
        {
            error = e.Message;
        }
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var attempts = item.Attempts + 1;
        long? next = attempts >= _settings.MaxAttempts ? null : now + BackoffMs(attempts, _settings.RetryBaseMs, _settings.RetryMaxMs, Jitter());
        _outbox.Failed(item.Id, now, next, error);
        LogFailed(_logger, item.Channel, item.Target, item.Id, attempts, next is null ? "gave up" : "will retry", error);
        return false;
    }

    private double Jitter()
    {
        Span<byte> bytes = stackalloc byte[8];
        _random.Fill(bytes);
        return (BitConverter.ToUInt64(bytes) >> 11) * (1.0 / (1UL << 53));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {Channel} to {Target} ({Id}) attempt {Attempt} failed, {Outcome}: {Error}")]
    private static partial void LogFailed(ILogger logger, string channel, string target, string id, int attempt, string outcome, string error);
}

/// <summary>Runs <see cref="NotificationDispatcher.RunDueAsync"/> when woken and every poll interval.</summary>
public sealed partial class NotificationService(NotificationDispatcher dispatcher, TimeSpan interval, ILogger<NotificationService> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await dispatcher.RunDueAsync(stoppingToken);
                await dispatcher.WaitAsync(interval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // e.g. a locked database: the outbox keeps the work, the next round does it
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogFailed(logger, e);
                await dispatcher.WaitAsync(interval, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A notification round failed; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
