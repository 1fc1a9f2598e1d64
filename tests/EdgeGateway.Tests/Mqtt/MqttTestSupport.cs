using System.Diagnostics;
using System.Text;
using EdgeGateway.Mqtt;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>Waiting on conditions with a deadline, and small pieces shared by the MQTT tests.</summary>
internal static class MqttTestSupport
{
    /// <summary>Generous for a slow 2-core CI machine; tests finish as soon as the condition holds.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    private static int s_clientIds;

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="describe"/> otherwise.</summary>
    public static async Task UntilAsync(Func<bool> condition, Func<string> describe, TimeSpan? timeout = null)
    {
        var limit = timeout ?? WaitLimit;
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit) Assert.Fail($"Condition not met within {limit}: {describe()}");
            await Task.Delay(20);
        }
    }

    /// <summary>Reads the next message, failing with the broker's log if none arrives in time.</summary>
    public static async Task<MqttMessage> ReceiveAsync(IMqttClient client, ITestBroker broker, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? WaitLimit);
        try
        {
            return await client.Messages.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"No message within {timeout ?? WaitLimit}. Client: {client.State}, {client.LastFailure}, {client.Statistics}\n{broker.Diagnostics()}");
            throw;
        }
    }

    /// <summary>Options for a client of <paramref name="broker"/>'s plain listener, with fast reconnects.</summary>
    public static MqttOptions Options(ITestBroker broker, string? clientId = null) => new()
    {
        Host = broker.Host,
        Port = broker.Port,
        ClientId = clientId ?? NewClientId(),
        KeepAlive = TimeSpan.FromSeconds(10),
        ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
    };

    public static string NewClientId(string prefix = "test") => $"{prefix}-{Environment.ProcessId}-{Interlocked.Increment(ref s_clientIds)}";

    /// <summary>Creates a client and connects it, failing with the broker's log if it does not connect.</summary>
    public static async Task<MqttNetClient> ConnectedAsync(MqttOptions options, ITestBroker broker)
    {
        var client = new MqttNetClient(options);
        try
        {
            using var cts = new CancellationTokenSource(WaitLimit);
            await client.ConnectAsync(cts.Token);
            return client;
        }
        catch (Exception ex) when (ex is OperationCanceledException or MqttConnectException)
        {
            var state = $"{client.State}, {client.LastFailure}";
            await client.DisposeAsync();
            Assert.Fail($"Client did not connect: {ex.Message} ({state})\n{broker.Diagnostics()}");
            throw;
        }
    }

    public static MqttMessage Text(string topic, string payload, MqttQos qos = MqttQos.AtMostOnce, bool retain = false) =>
        new(topic, Encoding.UTF8.GetBytes(payload), qos, retain);

    public static string Text(this MqttMessage message) => Encoding.UTF8.GetString(message.Payload.Span);

    public static CancellationToken Deadline() => new CancellationTokenSource(WaitLimit).Token;
}
