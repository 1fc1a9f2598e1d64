using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeGateway.Mqtt.Broker;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>
/// The gateway's embedded broker (<see cref="MqttNetBroker"/>, MQTTnet.Server in this process) on free 127.0.0.1
/// ports, as a test broker: the same tests that run against mosquitto run against it. "Kill" stops it and
/// forgets every session and retained message, as a mosquitto without persistence forgets them.
/// </summary>
/// <remarks>Has no test-framework dependency so that the benchmarks and the end-to-end tests can link it.</remarks>
public sealed class EmbeddedTestBroker : ITestBroker
{
    private const int StartAttempts = 5;
    private readonly BrokerOptions _options;
    private readonly DiagnosticsLogger _log = new();
    private IReadOnlyDictionary<string, string> _users;
    private MqttNetBroker? _broker;

    private EmbeddedTestBroker(BrokerOptions options)
    {
        _options = options;
        _users = options.Users ?? new Dictionary<string, string>();
    }

    /// <inheritdoc/>
    public string Host => "127.0.0.1";

    /// <inheritdoc/>
    public int Port { get; private set; }

    /// <inheritdoc/>
    public int? TlsPort { get; private set; }

    /// <summary>Starts a broker and waits until it listens.</summary>
    public static async Task<EmbeddedTestBroker> StartAsync(BrokerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var broker = new EmbeddedTestBroker(options ?? new BrokerOptions());
        for (var attempt = 1; ; attempt++)
        {
            broker.Port = TestBrokers.FreePort();
            broker.TlsPort = broker._options.Tls is null ? null : TestBrokers.FreePort();
            try
            {
                await broker.LaunchAsync();
                return broker;
            }
            catch (IOException) when (attempt < StartAttempts)
            {
                // Another process took a port between probing and binding: try others.
            }
        }
    }

    /// <inheritdoc/>
    public string Diagnostics() => $"--- embedded broker log ---\n{_log}";

    /// <inheritdoc/>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        if (_broker is { } broker)
        {
            _broker = null;
            await broker.DisposeAsync();
            _log.Append("broker stopped (killed)");
        }
    }

    /// <inheritdoc/>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (_broker is not null) throw new InvalidOperationException("The broker is still running; kill it first.");
        await LaunchAsync();
    }

    /// <inheritdoc/>
    public Task ReloadUsersAsync(IReadOnlyDictionary<string, string> users, CancellationToken cancellationToken = default)
    {
        _users = users;
        _broker?.ReplaceUsers(BrokerUsers.FromPasswords(users));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await KillAsync();

    private async Task LaunchAsync()
    {
        var options = new EmbeddedBrokerOptions
        {
            BindAddress = IPAddress.Loopback,
            Port = Port,
            TlsPort = TlsPort,
            AllowAnonymous = _options.AllowAnonymous,
            Users = BrokerUsers.FromPasswords(_users),
        };
        if (_options.Tls is { } tls)
        {
            X509Certificate2Collection authorities = [];
            authorities.ImportFromPemFile(tls.CaFile);
            options = options with
            {
                Certificate = X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile),
                ClientCertificateAuthorities = tls.RequireCertificate ? authorities : null,
            };
        }
        _broker = await MqttNetBroker.StartAsync(options, _log);
    }

    /// <summary>Keeps what the broker logs, writing client connections the way mosquitto does.</summary>
    private sealed class DiagnosticsLogger : ILogger<MqttNetBroker>
    {
        private readonly StringBuilder _text = new();

        public void Append(string line)
        {
            lock (_text) _text.AppendLine(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
        }

        public override string ToString()
        {
            lock (_text) return _text.ToString();
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Append(formatter(state, exception) + (exception is null ? "" : " " + exception.Message));
            if (eventId.Name == "mqtt-broker-client" && state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                string Value(string name) => Convert.ToString(values.FirstOrDefault(v => v.Key == name).Value, CultureInfo.InvariantCulture) ?? "";
                // mosquitto numbers MQTT 3.1.1 as p2 and MQTT 5 as p5.
                var protocol = Value("ProtocolLevel") == "5" ? "5" : "2";
                Append($"New client connected from {Value("Endpoint")} as {Value("ClientId")} (p{protocol}, c{(Value("CleanSession") == "True" ? 1 : 0)}, k{Value("KeepAliveSeconds")}).");
            }
        }
    }
}
