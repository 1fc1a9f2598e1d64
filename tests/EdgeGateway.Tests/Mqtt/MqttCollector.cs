using System.Diagnostics;
using System.Text;
using EdgeGateway.Mqtt;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>
/// A subscriber on a real broker that keeps every message it receives, in order, so that a test can
/// wait for what a gateway process publishes and then look at all of it.
/// </summary>
/// <remarks>Has no test-framework dependency so that other test projects can link it.</remarks>
public sealed class MqttCollector : IAsyncDisposable
{
    private readonly MqttNetClient _client;
    private readonly List<MqttMessage> _messages = [];
    private readonly Task _reading;

    private MqttCollector(MqttNetClient client)
    {
        _client = client;
        _reading = Task.Run(async () =>
        {
            await foreach (var message in client.Messages.ReadAllAsync())
            {
                lock (_messages) _messages.Add(message);
            }
        });
    }

    /// <summary>Every message so far.</summary>
    public IReadOnlyList<MqttMessage> Messages
    {
        get { lock (_messages) return _messages.ToList(); }
    }

    /// <summary>The client's counters (for failure messages).</summary>
    public MqttClientStatistics Statistics => _client.Statistics;

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> and subscribes to <paramref name="filters"/> (QoS 1).</summary>
    public static Task<MqttCollector> StartAsync(string host, int port, params string[] filters) => StartWithLoginAsync(host, port, null, filters);

    /// <summary>Connects with <paramref name="credentials"/> and subscribes to <paramref name="filters"/> (QoS 1).</summary>
    public static async Task<MqttCollector> StartWithLoginAsync(string host, int port, MqttCredentials? credentials, params string[] filters)
    {
        var client = new MqttNetClient(new MqttOptions
        {
            Credentials = credentials,
            Host = host,
            Port = port,
            ClientId = $"collector-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40],
            KeepAlive = TimeSpan.FromSeconds(10),
            ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
            ReceiveQueueCapacity = 1_000_000,
        });
        var collector = new MqttCollector(client);
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await client.ConnectAsync(deadline.Token);
            foreach (var filter in filters)
            {
                await client.SubscribeAsync(filter, MqttQos.AtLeastOnce, deadline.Token);
            }
            return collector;
        }
        catch
        {
            await collector.DisposeAsync();
            throw;
        }
    }

    /// <summary>Messages on <paramref name="topic"/> (exact) so far.</summary>
    public IReadOnlyList<MqttMessage> On(string topic) => Messages.Where(m => m.Topic == topic).ToList();

    /// <summary>Waits until the messages so far satisfy <paramref name="condition"/>.</summary>
    /// <exception cref="TimeoutException">With what was received, when they do not in time.</exception>
    public async Task WaitUntilAsync(Func<IReadOnlyList<MqttMessage>, bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var clock = Stopwatch.StartNew();
        while (!condition(Messages))
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"no {what} within {limit}; {Messages.Count} messages received ({_client.State}, {_client.LastFailure}), the last ones:\n{Describe(Messages.TakeLast(15))}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>The first message after <paramref name="skip"/> that matches, once it arrives.</summary>
    public async Task<MqttMessage> WaitForAsync(Func<MqttMessage, bool> match, string what, int skip = 0, TimeSpan? timeout = null)
    {
        MqttMessage? found = null;
        await WaitUntilAsync(all => (found = all.Skip(skip).FirstOrDefault(match)) is not null, what, timeout);
        return found!;
    }

    /// <summary>Topic and text of messages, for failure messages.</summary>
    public static string Describe(IEnumerable<MqttMessage> messages) =>
        string.Join('\n', messages.Select(m => $"{m.Topic} {(m.Retain ? "(retained) " : "")}{Encoding.UTF8.GetString(m.Payload.Span)}"));

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _reading;
    }
}
