using EdgeGateway.Alarms;
using EdgeGateway.Board;
using EdgeGateway.ColdRoom;
using EdgeGateway.Mqtt;
using EdgeGateway.Sensors.Bindings;
using EdgeGateway.Sensors.Simulation;

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

    /// <summary>How GPIO lines are reached (DHT22, door contacts, alarm outputs, reader reset lines).</summary>
    public GpioSettings Gpio { get; init; } = new();

    /// <summary>Zone alarm rules.</summary>
    public IReadOnlyList<AlarmRule> Alarms { get; init; } = [];

    /// <summary>Alarm suppression windows (defrost, maintenance) per zone.</summary>
    public IReadOnlyList<SuppressionWindow> Suppressions { get; init; } = [];

    /// <summary>Door contacts on GPIO inputs.</summary>
    public IReadOnlyList<DoorOptions> Doors { get; init; } = [];

    /// <summary>Alarm outputs (relay, buzzer, LED) on GPIO lines.</summary>
    public IReadOnlyList<OutputOptions> Outputs { get; init; } = [];

    /// <summary>MQTT telemetry and sensor-node ingestion; null when no broker is configured.</summary>
    public MqttSettings? Mqtt { get; init; }

    /// <summary>The Azure IoT Hub route; null when not configured.</summary>
    public IotHubSettings? IotHub { get; init; }
}

/// <summary>The anchor node.</summary>
public sealed record NodeOptions
{
    /// <summary>Base URL (http or https) of the preferred node; null to keep readings local and upload nothing.</summary>
    public Uri? Url { get; init; }

    /// <summary>
    /// Every node the gateway may anchor on, the preferred (<see cref="Url"/>) first: member nodes of one
    /// consortium (<c>node.urls</c>), or just <see cref="Url"/>; empty when there is none.
    /// </summary>
    public IReadOnlyList<Uri> Urls { get; init; } = [];

    /// <summary>While on another node, how long before the preferred one is tried again.</summary>
    public TimeSpan PreferredRetry { get; init; } = TimeSpan.FromMinutes(5);

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

    /// <summary>
    /// Space kept aside on the data folder's file system and given back when it fills up, so that
    /// the full disk can still be recorded (see docs/gateway.md, "A full file system"); 0 keeps none.
    /// </summary>
    public long ReserveBytes { get; init; } = 8L * 1024 * 1024;
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

    /// <summary>The longest time between two status reports to the node (one also follows every upload cycle).</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(30);
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

    /// <summary>Sensors read from user space with Iot.Device.Bindings drivers, beside the kernel-driver ones.</summary>
    public IReadOnlyList<BindingSensorOptions> Devices { get; init; } = [];
}

/// <summary>How an RFID reader is attached.</summary>
public enum RfidReaderType
{
    /// <summary>A USB HID keyboard-wedge reader, read through evdev.</summary>
    Evdev,

    /// <summary>A reader on a serial port sending one id per line.</summary>
    Serial,

    /// <summary>An MFRC522 HF reader on SPI.</summary>
    Mfrc522,

    /// <summary>A PN532 HF reader on I2C, SPI or a serial port.</summary>
    Pn532,
}

/// <summary>One RFID reader.</summary>
public sealed record RfidReaderOptions
{
    /// <summary>How it is attached.</summary>
    public required RfidReaderType Type { get; init; }

    /// <summary>The device file, e.g. <c>/dev/edgetrace-rfid</c> (empty for an HF reader on I2C or SPI).</summary>
    public required string Device { get; init; }

    /// <summary>The sensor id written in observation leaves; defaults to <c>rfid/</c> and the device's name.</summary>
    public string? SensorId { get; init; }

    /// <summary>Where the reader is.</summary>
    public string? Zone { get; init; }

    /// <summary>Serial readers: the line speed.</summary>
    public int BaudRate { get; init; } = 9600;

    /// <summary>HF readers (MFRC522, PN532): the chip's attachment and polling.</summary>
    public Sensors.Rfid.HfRfidOptions? Hf { get; init; }
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

    /// <summary>Mean simulated time between two pallets at the dock door.</summary>
    public TimeSpan PalletSpacing { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>The scripted compressor failure; null for none. Default: chiller-1, 2 h after the start, for 45 min, up to 12 °C.</summary>
    public CompressorFailure? CompressorFailure { get; init; } = new(TimeSpan.FromHours(2), TimeSpan.FromMinutes(45));
}

/// <summary>
/// The MQTT broker: live telemetry out (readings, alarms, progress, a retained status with a Last
/// Will), sensor-node readings in. Custody never depends on it.
/// </summary>
public sealed record MqttSettings
{
    /// <summary>Broker host name or address.</summary>
    public required string Host { get; init; }

    /// <summary>Broker port (1883, or 8883 with TLS, unless set).</summary>
    public int Port { get; init; } = 1883;

    /// <summary>MQTT 3.1.1 or 5.</summary>
    public MqttProtocolVersion Protocol { get; init; } = MqttProtocolVersion.V311;

    /// <summary>The client id (<c>edgetrace-&lt;deviceId&gt;</c> unless set).</summary>
    public required string ClientId { get; init; }

    /// <summary>False: a persistent session, so the broker keeps subscriptions and queues node messages while the gateway is away.</summary>
    public bool CleanSession { get; init; }

    /// <summary>Keep-alive interval.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Broker username, or null.</summary>
    public string? Username { get; init; }

    /// <summary>A file whose first line is the password, or null.</summary>
    public string? PasswordFile { get; init; }

    /// <summary>PEM CA of the broker's certificate; TLS is on when set.</summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>PEM client certificate, with <see cref="ClientKeyFile"/>.</summary>
    public string? ClientCertificateFile { get; init; }

    /// <summary>Unencrypted PEM key of <see cref="ClientCertificateFile"/>.</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>The topic prefix (docs/spec.md §9).</summary>
    public string TopicPrefix { get; init; } = Firmware.Contracts.Mqtt.MqttTopics.DefaultPrefix;

    /// <summary>First wait before reconnecting.</summary>
    public TimeSpan ReconnectMin { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between reconnect attempts.</summary>
    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Most messages waiting to be sent.</summary>
    public int QueueMessages { get; init; } = 2000;

    /// <summary>Most bytes waiting to be sent.</summary>
    public long QueueBytes { get; init; } = 1024 * 1024;

    /// <summary>Most received sensor-node messages waiting to be stored.</summary>
    public int ReceiveQueueMessages { get; init; } = 200;

    /// <summary>Sensor nodes allowed to publish SenML packs.</summary>
    public IReadOnlyList<MqttNodeSettings> Nodes { get; init; } = [];

    /// <summary>The zigbee2mqtt base topic.</summary>
    public string Zigbee2MqttBaseTopic { get; init; } = "zigbee2mqtt";

    /// <summary>zigbee2mqtt devices mapped to sensors.</summary>
    public IReadOnlyList<Zigbee2MqttDeviceSettings> Zigbee2MqttDevices { get; init; } = [];

    /// <summary>The broker inside the gateway (<c>mqtt.broker: "embedded"</c>), which the gateway's own client
    /// connects to; null for an external broker at <see cref="Host"/>.</summary>
    public EmbeddedBrokerSettings? Embedded { get; init; }
}

/// <summary>The optional Azure IoT Hub route (<c>iotHub</c>): readings as device-to-cloud telemetry over MQTT.</summary>
public sealed record IotHubSettings
{
    /// <summary>The IoT Hub MQTT api-version used when the file names none.</summary>
    public const string DefaultApiVersion = "2021-04-12";

    /// <summary>The hub's host name, <c>{hub}.azure-devices.net</c>.</summary>
    public required string HostName { get; init; }

    /// <summary>The device identity registered in the hub.</summary>
    public required string DeviceId { get; init; }

    /// <summary>A file whose first line is the device's base64 symmetric key.</summary>
    public required string DeviceKeyFile { get; init; }

    /// <summary>MQTT over TLS port (8883).</summary>
    public int Port { get; init; } = 8883;

    /// <summary>PEM CA the hub's certificate must chain to; null: the system's trust store.</summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>The api-version in the username.</summary>
    public string ApiVersion { get; init; } = DefaultApiVersion;

    /// <summary>How long each SAS token is valid.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Most readings waiting while the hub is away.</summary>
    public int QueueMessages { get; init; } = 2000;
}

/// <summary>The embedded broker's listeners and who may connect (<c>mqtt.embedded</c>).</summary>
public sealed record EmbeddedBrokerSettings
{
    /// <summary>The address both listeners bind to.</summary>
    public required System.Net.IPAddress Bind { get; init; }

    /// <summary>Plain MQTT port; the gateway's own client connects to it over loopback.</summary>
    public int Port { get; init; } = 1883;

    /// <summary>MQTT over TLS port, or null. With TLS on, the plain port accepts loopback clients only.</summary>
    public int? TlsPort { get; init; }

    /// <summary>PEM certificate of the broker (TLS).</summary>
    public string? CertificateFile { get; init; }

    /// <summary>Unencrypted PEM key of <see cref="CertificateFile"/>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>PEM CA whose client certificates are accepted in place of a password (TLS).</summary>
    public string? ClientCaFile { get; init; }

    /// <summary>mosquitto-style password file: per-node credentials (user = node id).</summary>
    public string? UsersFile { get; init; }

    /// <summary>Let clients connect without a username.</summary>
    public bool AllowAnonymous { get; init; }
}

/// <summary>A sensor node on the allow-list.</summary>
/// <param name="Id">The node id in its topic.</param>
/// <param name="Zone">The zone its readings belong to, or null.</param>
public sealed record MqttNodeSettings(string Id, string? Zone);

/// <summary>A zigbee2mqtt device mapped to a sensor.</summary>
/// <param name="Name">Its zigbee2mqtt friendly name.</param>
/// <param name="SensorId">The sensor id its readings get.</param>
/// <param name="Zone">The zone, or null.</param>
public sealed record Zigbee2MqttDeviceSettings(string Name, string SensorId, string? Zone);
