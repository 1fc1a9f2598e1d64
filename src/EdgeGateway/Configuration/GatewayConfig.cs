using EdgeGateway.Alarms;

namespace EdgeGateway.Configuration;

/// <summary>
/// The gateway's settings, from <c>gateway.json</c> in the data folder (see docs/gateway-config.md).
/// Every value here has been validated by <see cref="GatewayConfigReader"/>.
/// </summary>
public sealed record GatewayConfig
{
    /// <summary>The file name in the data folder.</summary>
    public const string FileName = "gateway.json";

    /// <summary>The device id: the node enrols the gateway's key under it.</summary>
    public required string DeviceId { get; init; }

    /// <summary>Where the anchor node is.</summary>
    public NodeOptions Node { get; init; } = new();

    /// <summary>When checkpoints are sealed.</summary>
    public SealingOptions Sealing { get; init; } = new();

    /// <summary>How readings are grouped into transactions.</summary>
    public IngestOptions Ingest { get; init; } = new();

    /// <summary>Disk budget.</summary>
    public StorageOptions Storage { get; init; } = new();

    /// <summary>Retry behaviour of the uplink.</summary>
    public UplinkOptions Uplink { get; init; } = new();

    /// <summary>Sensor discovery and zones.</summary>
    public SensorOptions Sensors { get; init; } = new();

    /// <summary>The simulated warehouse of <c>run --simulate</c>.</summary>
    public SimulationOptions Simulation { get; init; } = new();

    /// <summary>Zone alarm rules.</summary>
    public IReadOnlyList<AlarmRule> Alarms { get; init; } = [];
}

/// <summary>The anchor node.</summary>
public sealed record NodeOptions
{
    /// <summary>Base URL (http or https); null to keep readings local and upload nothing.</summary>
    public Uri? Url { get; init; }

    /// <summary>Time allowed for one request, including the upload of up to 10,000 leaves.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A PEM file of the CA that issued the node's certificate, when it is not publicly trusted.</summary>
    public string? CaCertificateFile { get; init; }
}

/// <summary>When checkpoints are sealed: every <see cref="Interval"/> or every <see cref="MaxLeaves"/> leaves, whichever first.</summary>
public sealed record SealingOptions
{
    /// <summary>Gateway time between checkpoints (simulated time under <c>--speed</c>).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The most leaves between two checkpoints; at most one upload's worth (10,000).</summary>
    public int MaxLeaves { get; init; } = 1000;
}

/// <summary>Group commit: a transaction holds up to <see cref="BatchMaxReadings"/> events or waits at most <see cref="BatchMaxDelay"/>.</summary>
public sealed record IngestOptions
{
    /// <summary>The most events per transaction.</summary>
    public int BatchMaxReadings { get; init; } = 1000;

    /// <summary>The longest a reading waits (real time) before its transaction commits.</summary>
    public TimeSpan BatchMaxDelay { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>The disk budget.</summary>
public sealed record StorageOptions
{
    /// <summary>The most bytes the database (with its write-ahead log) may use.</summary>
    public long MaxDatabaseBytes { get; init; } = 1024L * 1024 * 1024;
}

/// <summary>Retries of the uplink.</summary>
public sealed record UplinkOptions
{
    /// <summary>The first wait after a network error or a 5xx; doubles up to <see cref="RetryMax"/>, with jitter.</summary>
    public TimeSpan RetryInitial { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between retries.</summary>
    public TimeSpan RetryMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often to ask again when the node does not know the device or refuses its uploads.</summary>
    public TimeSpan SlowRetry { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>Sensors.</summary>
public sealed record SensorOptions
{
    /// <summary>The root under which <c>/sys</c> is read (a fake tree in tests).</summary>
    public string SysfsRoot { get; init; } = "/";

    /// <summary>Time between two readings of a sensor.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Sensor id → zone, for sensors whose source does not know their zone.</summary>
    public IReadOnlyDictionary<string, string> Zones { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>RFID readers.</summary>
    public IReadOnlyList<RfidReaderOptions> Rfid { get; init; } = [];
}

/// <summary>How an RFID reader is attached.</summary>
public enum RfidReaderType
{
    /// <summary>A USB HID keyboard-wedge reader, read through evdev.</summary>
    Evdev,

    /// <summary>A reader on a serial port sending one id per line.</summary>
    Serial,
}

/// <summary>One RFID reader.</summary>
public sealed record RfidReaderOptions
{
    /// <summary>How it is attached.</summary>
    public required RfidReaderType Type { get; init; }

    /// <summary>The device file, e.g. <c>/dev/edgetrace-rfid</c>.</summary>
    public required string Device { get; init; }

    /// <summary>The sensor id written in observation leaves; defaults to <c>rfid/</c> and the device's name.</summary>
    public string? SensorId { get; init; }

    /// <summary>Where the reader is.</summary>
    public string? Zone { get; init; }

    /// <summary>Serial readers: the line speed.</summary>
    public int BaudRate { get; init; } = 9600;
}

/// <summary>The simulated warehouse of <c>run --simulate SEED</c> (the seed comes from the command line).</summary>
public sealed record SimulationOptions
{
    /// <summary>Temperature/humidity probes in each of the three zones (17 for a 51-sensor warehouse).</summary>
    public int SensorsPerZone { get; init; } = 2;

    /// <summary>Simulated time between two readings of a probe.</summary>
    public TimeSpan LoggingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Chance that a reading is a sensor fault instead.</summary>
    public double SensorFaultProbability { get; init; }

    /// <summary>Pallets arriving at the dock door.</summary>
    public int PalletCount { get; init; } = 12;
}
