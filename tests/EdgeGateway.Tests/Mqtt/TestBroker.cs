namespace EdgeGateway.Tests.Mqtt;

/// <summary>Which broker an MQTT test runs against.</summary>
public enum BrokerKind
{
    /// <summary>A real mosquitto process (<see cref="MosquittoBroker"/>).</summary>
    Mosquitto,

    /// <summary>The gateway's own embedded broker, MQTTnet.Server in this process (<see cref="EmbeddedTestBroker"/>).</summary>
    Embedded,
}

/// <summary>TLS listener settings for a test broker.</summary>
/// <param name="CaFile">CA that signs client certificates (and, for clients, the broker's).</param>
/// <param name="CertFile">Broker certificate.</param>
/// <param name="KeyFile">Broker private key.</param>
/// <param name="RequireCertificate">Require clients to present a certificate signed by <paramref name="CaFile"/>.</param>
public sealed record BrokerTls(string CaFile, string CertFile, string KeyFile, bool RequireCertificate = false);

/// <summary>How to configure a test broker.</summary>
public sealed record BrokerOptions
{
    /// <summary>Accept clients without a username.</summary>
    public bool AllowAnonymous { get; init; } = true;

    /// <summary>Users (username → password).</summary>
    public IReadOnlyDictionary<string, string>? Users { get; init; }

    /// <summary>Adds a TLS listener on its own port.</summary>
    public BrokerTls? Tls { get; init; }

    /// <summary>mosquitto <c>log_type</c> values; everything by default (load tests want less: every PUBLISH is a line).</summary>
    public IReadOnlyList<string> LogTypes { get; init; } = ["all"];

    /// <summary>More mosquitto.conf lines (global section); mosquitto only.</summary>
    public IReadOnlyList<string> ExtraConfig { get; init; } = [];
}

/// <summary>A broker on free 127.0.0.1 ports that a test can stop, start again and reconfigure.</summary>
/// <remarks>Has no test-framework dependency so that the benchmarks and the end-to-end tests can link it.</remarks>
public interface ITestBroker : IAsyncDisposable
{
    /// <summary>Always 127.0.0.1.</summary>
    string Host { get; }

    /// <summary>The plain MQTT listener's port.</summary>
    int Port { get; }

    /// <summary>The TLS listener's port, if configured.</summary>
    int? TlsPort { get; }

    /// <summary>What the broker logged so far, for assertion messages. Client connections appear as mosquitto
    /// writes them: <c>New client connected from ADDRESS as ID (pPROTOCOL, cCLEAN, kKEEPALIVE).</c></summary>
    string Diagnostics();

    /// <summary>Ends the broker at once: no clean shutdown, every session and retained message lost.</summary>
    Task KillAsync(CancellationToken cancellationToken = default);

    /// <summary>Starts the broker again on the same ports (after <see cref="KillAsync"/>).</summary>
    Task RestartAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces the users while the broker runs.</summary>
    Task ReloadUsersAsync(IReadOnlyDictionary<string, string> users, CancellationToken cancellationToken = default);
}

/// <summary>Starts a test broker of either kind.</summary>
public static class TestBrokers
{
    /// <summary>A 127.0.0.1 port free a moment ago (a broker that then finds it taken tries another).</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)listener.LocalEndPoint!).Port;
    }

    public static async Task<ITestBroker> StartAsync(BrokerKind kind, BrokerOptions? options = null, CancellationToken cancellationToken = default) => kind switch
    {
        BrokerKind.Mosquitto => await MosquittoBroker.StartAsync(options, cancellationToken),
        BrokerKind.Embedded => await EmbeddedTestBroker.StartAsync(options, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
