using System.Collections.Concurrent;
using EdgeGateway.Configuration;
using EdgeGateway.Log;
using EdgeGateway.Storage;
using EdgeGateway.Uplink;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Notes;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Tests.Support;

/// <summary>An <see cref="UplinkWorker"/> with the real HTTP client and its own database connection, running in the background.</summary>
public sealed class UplinkHarness : IAsyncDisposable
{
    public static readonly UplinkOptions QuickRetries = new()
    {
        RetryInitial = TimeSpan.FromMilliseconds(20),
        RetryMax = TimeSpan.FromMilliseconds(200),
        SlowRetry = TimeSpan.FromMilliseconds(200),
    };

    private readonly CancellationTokenSource _stop = new();
    private readonly SqliteUplinkStore _store;
    private readonly IDisposable _client;
    private readonly NoteVerifierKey _key;
    private readonly Task _run;

    private UplinkHarness(GatewayFolder folder, Uri node, UplinkOptions options, string? caFile, TimeProvider? clock, TimeProvider? waitClock,
        Microsoft.Extensions.Logging.ILogger<UplinkWorker>? logger)
        : this(folder, HttpAnchorClient.Create(node, TimeSpan.FromSeconds(30), caFile), options, clock, waitClock, logger)
    {
    }

    private UplinkHarness(GatewayFolder folder, IAnchorClient client, UplinkOptions options, TimeProvider? clock, TimeProvider? waitClock,
        Microsoft.Extensions.Logging.ILogger<UplinkWorker>? logger)
    {
        _store = SqliteUplinkStore.Open(folder.DatabasePath);
        _client = (IDisposable)client;
        _key = folder.VerifierKey();
        Worker = new UplinkWorker(folder.DeviceId, client, _store, _key, options, clock ?? TimeProvider.System, waitClock ?? TimeProvider.System, new Random(1),
            (e, _) =>
            {
                Events.Enqueue(e);
                return ValueTask.CompletedTask;
            },
            logger ?? NullLogger<UplinkWorker>.Instance);
        _run = Task.Run(() => Worker.RunAsync(_stop.Token));
    }

    public UplinkWorker Worker { get; }

    public ConcurrentQueue<GatewayEvent> Events { get; } = new();

    public static UplinkHarness Start(GatewayFolder folder, Uri node, UplinkOptions? options = null, string? caFile = null,
        TimeProvider? clock = null, TimeProvider? waitClock = null, Microsoft.Extensions.Logging.ILogger<UplinkWorker>? logger = null) =>
        new(folder, node, options ?? QuickRetries, caFile, clock, waitClock, logger);

    /// <summary>A worker on <paramref name="client"/> (which it disposes), e.g. a <see cref="FailoverAnchorClient"/>.</summary>
    public static UplinkHarness Start(GatewayFolder folder, FailoverAnchorClient client, UplinkOptions? options = null,
        Microsoft.Extensions.Logging.ILogger<UplinkWorker>? logger = null) =>
        new(folder, client, options ?? QuickRetries, null, null, logger);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(TimeSpan.FromSeconds(30));
        _client.Dispose();
        _store.Dispose();
        _key.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// Appends <paramref name="count"/> leaves to the folder's log, sealing every
    /// <paramref name="sealEvery"/> leaves and at the end; returns the root.
    /// </summary>
    public static Hash32 Fill(GatewayFolder folder, EcdsaNoteSigner signer, int count, int sealEvery)
    {
        using var log = folder.OpenLog(signer, CryptographicSaltSource.Instance);
        var target = log.Size + count;
        while (log.Size < target)
        {
            Leaves.Append(log, (int)Math.Min(sealEvery - log.Size % sealEvery, target - log.Size));
            log.Seal(log.Size, Leaves.T0 + log.Size);
        }
        return log.Root();
    }
}
