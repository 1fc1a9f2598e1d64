using System.Reflection;
using System.Threading.Channels;
using EdgeGateway.Alarms;
using EdgeGateway.Configuration;
using EdgeGateway.Keys;
using EdgeGateway.Log;
using EdgeGateway.Sensors;
using EdgeGateway.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace EdgeGateway.Daemon;

/// <summary>What <c>run</c> runs: the data folder, its configuration, the clock and the sources.</summary>
public sealed record DaemonSettings
{
    /// <summary>The data folder (key, configuration, database).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The validated configuration.</summary>
    public required GatewayConfig Config { get; init; }

    /// <summary>Gateway time: the system clock, or a scaled one under <c>--simulate --speed</c>.</summary>
    public required TimeProvider Clock { get; init; }

    /// <summary>The sensor sources to read.</summary>
    public required IReadOnlyList<ISensorSource> Sources { get; init; }

    /// <summary>What source discovery noted (skipped devices), logged at start.</summary>
    public IReadOnlyList<string> SourceNotes { get; init; } = [];

    /// <summary>Where leaf salts come from.</summary>
    public ISaltSource Salts { get; init; } = CryptographicSaltSource.Instance;

    /// <summary>The lowest level logged.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
}

/// <summary>
/// Wires the daemon: opens (and verifies) the device log before anything starts, then hosts the
/// log writer, the sensor pumps and the uplink until SIGTERM or Ctrl-C. Registration order is
/// stop order reversed: uplink and sensors stop first, the writer last, so what was read is committed.
/// </summary>
public static class GatewayDaemon
{
    /// <summary>The version written in the <c>gateway-start</c> event.</summary>
    public static string Version { get; } =
        typeof(GatewayDaemon).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    /// <summary>Runs until stopped; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    /// <exception cref="DeviceKeyException">When the key file is missing, too open, or not usable.</exception>
    /// <exception cref="LogIntegrityException">When the stored log does not match what the device signed.</exception>
    /// <exception cref="IOException">When the database is missing or not this version's.</exception>
    public static async Task<int> RunAsync(DaemonSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var config = settings.Config;
        var databasePath = GatewayDatabase.PathIn(settings.DataDirectory);
        using var signer = DeviceKeyFile.Load(Path.Combine(settings.DataDirectory, DeviceKeyFile.FileName), config.DeviceId);
        var log = DeviceLog.Open(databasePath, config.DeviceId, signer, settings.Salts);
        var logOwned = true;
        try
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "EdgeGateway" });
            builder.Logging.SetMinimumLevel(settings.LogLevel);
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Logging.AddConsole(o =>
            {
                o.FormatterName = LogfmtConsoleFormatter.Name;
                o.LogToStandardErrorThreshold = LogLevel.Error;
            });
            builder.Logging.AddConsoleFormatter<LogfmtConsoleFormatter, ConsoleFormatterOptions>();
            builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
            builder.Services.Configure<HostOptions>(o =>
            {
                o.ShutdownTimeout = TimeSpan.FromSeconds(60);
                o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
            });

            // Bounded: a stalled disk holds the sources back instead of growing memory.
            var channel = Channel.CreateBounded<LogInput>(new BoundedChannelOptions(Math.Max(4096, 4 * config.Ingest.BatchMaxReadings))
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            var zones = ZoneMap(config, settings.Sources);
            var state = new GatewayRunState();
            builder.Services.AddSingleton(config);
            builder.Services.AddSingleton(channel);
            builder.Services.AddSingleton(state);
            builder.Services.AddSingleton(log);
            builder.Services.AddSingleton<Firmware.Contracts.Notes.INoteSigner>(signer);
            builder.Services.AddSingleton(settings.Clock);
            builder.Services.AddSingleton(settings.Sources);
            builder.Services.AddSingleton(new SourceNotes(settings.SourceNotes));
            builder.Services.AddSingleton(sp => new LogWriter(
                log,
                new LeafDrafts(config.DeviceId, id => zones.GetValueOrDefault(id)),
                new AlarmEngine(config.Alarms),
                new LogWriterOptions
                {
                    BatchMaxEvents = config.Ingest.BatchMaxReadings,
                    BatchMaxDelay = config.Ingest.BatchMaxDelay,
                    SealInterval = config.Sealing.Interval,
                    SealMaxLeaves = config.Sealing.MaxLeaves,
                    MaxDatabaseBytes = config.Storage.MaxDatabaseBytes,
                    Version = Version,
                },
                settings.Clock,
                TimeProvider.System,
                sp.GetRequiredService<ILogger<LogWriter>>()));
            builder.Services.AddHostedService<LogWriterService>();
            builder.Services.AddHostedService<SensorIngestService>();
            builder.Services.AddHostedService(sp => new UplinkService(
                config, databasePath, signer, sp.GetRequiredService<LogWriter>(), channel, settings.Clock,
                sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<ILogger<UplinkService>>()));

            using var host = builder.Build();
            logOwned = false; // the writer service disposes it when the writer is done
            await host.RunAsync(cancellationToken);
            return state.ExitCode;
        }
        finally
        {
            if (logOwned)
            {
                log.Dispose();
            }
        }
    }

    private static Dictionary<string, string> ZoneMap(GatewayConfig config, IReadOnlyList<ISensorSource> sources)
    {
        var zones = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var info in sources.SelectMany(s => s.Sensors))
        {
            if (info.Zone is { } zone)
            {
                zones.TryAdd(info.Id, zone);
            }
        }
        foreach (var (sensor, zone) in config.Sensors.Zones)
        {
            zones[sensor] = zone;
        }
        return zones;
    }
}
