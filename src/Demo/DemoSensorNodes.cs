using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Demo;

/// <summary>A battery sensor node the demo simulates: its id, the zone it hangs in, and the air it measures.</summary>
internal sealed record DemoNode(string Id, string Zone, double Celsius, double Humidity);

/// <summary>
/// A few simulated battery sensor nodes that publish SenML packs (RFC 8428) to gw-1's embedded broker
/// over MQTT with their own credentials, as an ESP32 with a probe would: the gateway stamps each pack with
/// its clock, checks it, and its readings become leaves of the signed log next to the wired sensors'.
/// </summary>
internal sealed class DemoSensorNodes : IAsyncDisposable
{
    public static readonly DemoNode[] Nodes =
    [
        new("demo-node-1", "chiller-1", 4.0, 88),
        new("demo-node-2", "freezer-1", -21.0, 70),
        new("demo-node-3", "ambient-1", 19.0, 45),
    ];

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private long _published;

    /// <summary>Packs the broker acknowledged.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>A free loopback port for gw-1's broker.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Writes the broker's users file (one <c>id:password</c> per node, a new password each run).</summary>
    public static IReadOnlyDictionary<string, string> WriteUsers(string file)
    {
        var passwords = Nodes.ToDictionary(n => n.Id, _ => Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant(), StringComparer.Ordinal);
        DemoFolder.WriteSecret(file, string.Concat(passwords.Select(p => $"{p.Key}:{p.Value}\n")));
        return passwords;
    }

    /// <summary>Starts every node: each connects (retrying until the gateway's broker is up) and publishes every <paramref name="interval"/>.</summary>
    public void Start(int port, IReadOnlyDictionary<string, string> passwords, TimeSpan interval, string logPath)
    {
        foreach (var node in Nodes)
        {
            _running.Add(RunAsync(node, port, passwords[node.Id], interval, logPath, _stop.Token));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        _stop.Dispose();
    }

    private async Task RunAsync(DemoNode node, int port, string password, TimeSpan interval, string logPath, CancellationToken cancellationToken)
    {
        var random = new Random(node.Id.GetHashCode(StringComparison.Ordinal));
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(node.Id)
            .WithCredentials(node.Id, password)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .Build();
        var topic = $"edgetrace/nodes/{node.Id}/senml";
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    await client.ConnectAsync(options, cancellationToken);
                    await Log(logPath, $"{node.Id}: connected to gw-1's embedded broker on port {port}");
                }
                // No record time: the gateway stamps the pack when it arrives, as it does for a node without a clock.
                var pack = string.Create(CultureInfo.InvariantCulture,
                    $$"""[{"bn":"{{node.Id}}/","n":"temperature","u":"Cel","v":{{node.Celsius + ((random.NextDouble() - 0.5) * 0.6):F2}}},{"n":"humidity","u":"%RH","v":{{node.Humidity + ((random.NextDouble() - 0.5) * 4):F1}}},{"n":"battery","u":"V","v":{{3.0 + (random.NextDouble() * 0.1):F2}}}]""");
                var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(pack))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                await client.PublishAsync(message, cancellationToken);
                Interlocked.Increment(ref _published);
                await Task.Delay(interval, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The gateway (and so its broker) is starting or restarting: try again shortly.
                await Log(logPath, $"{node.Id}: {e.Message}; retrying");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        if (client.IsConnected)
        {
            try
            {
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None);
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or ObjectDisposedException or InvalidOperationException)
            {
                // Gone already.
            }
        }
    }

    private static readonly SemaphoreSlim LogGate = new(1, 1);

    private static async Task Log(string path, string line)
    {
        await LogGate.WaitAsync();
        try
        {
            await File.AppendAllTextAsync(path, $"{DateTimeOffset.UtcNow:O} {line}\n");
        }
        finally
        {
            LogGate.Release();
        }
    }
}
