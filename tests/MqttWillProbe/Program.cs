using System.Text;
using EdgeGateway.Mqtt;

// Usage: MqttWillProbe --host H --port P --client-id ID --will-topic T --will-payload TEXT [--protocol 5]
// Connects with a QoS 1 Last Will, prints "connected", and then waits for stdin to close or to be killed.
// Exit codes: 0 stdin closed (disconnects cleanly), 2 bad arguments, 4 could not connect.
var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2) arguments[args[i]] = args[i + 1];
string Argument(string name) => arguments.TryGetValue(name, out var value) ? value : throw new ArgumentException($"missing {name}");

try
{
    var options = new MqttOptions
    {
        Host = Argument("--host"),
        Port = int.Parse(Argument("--port"), System.Globalization.CultureInfo.InvariantCulture),
        ClientId = Argument("--client-id"),
        ProtocolVersion = arguments.GetValueOrDefault("--protocol") == "5" ? MqttProtocolVersion.V5 : MqttProtocolVersion.V311,
        KeepAlive = TimeSpan.FromSeconds(30),
        Will = new MqttMessage(Argument("--will-topic"), Encoding.UTF8.GetBytes(Argument("--will-payload")), MqttQos.AtLeastOnce),
    };
    await using var client = new MqttNetClient(options);
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    await client.ConnectAsync(timeout.Token);
    Console.WriteLine("connected");
    await Console.In.ReadToEndAsync();
    return 0;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
catch (Exception ex) when (ex is MqttConnectException or OperationCanceledException)
{
    Console.Error.WriteLine(ex.Message);
    return 4;
}
