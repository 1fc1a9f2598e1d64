using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeGateway.Mqtt;
using EdgeGateway.Tests.Mqtt;

namespace EdgeTrace.Benchmarks.Mqtt;

/// <summary>
/// Readings per second published through the gateway's MQTTnet client (<see cref="MqttNetClient"/>)
/// against <c>mosquitto_pub -l</c> publishing the same payloads line by line, to the same local broker in
/// the same run. Each run ends when a separate <c>mosquitto_sub</c> has received every message and the
/// publisher has finished (QoS 0: all written; QoS 1: all PUBACKs).
/// </summary>
public sealed class MqttPublishBenchmark : IBenchmarkSuite
{
    private const int MaxInFlight = 100;

    public string Name => "mqtt";

    public string Description => "MQTT publish rate and CPU per 1,000 readings: MQTTnet client vs mosquitto_pub -l (QoS 0 and 1)";

    public async Task<string> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rounds = context.Quick ? 1 : 3;

        // No per-client queue limit at the broker, so a briefly slow subscriber loses nothing; and no log line
        // per message. The subscribe lines tell when mosquitto_sub is ready.
        await using var broker = await MosquittoBroker.StartAsync(
            new BrokerOptions
            {
                LogTypes = ["error", "warning", "notice", "subscribe"],
                ExtraConfig = ["max_queued_messages 0", "max_queued_bytes 0"],
            },
            cancellationToken);

        var rows = new List<string>();
        var run = 0;
        var averageLength = 0.0;
        foreach (var qos in new[] { MqttQos.AtMostOnce, MqttQos.AtLeastOnce })
        {
            // mosquitto_pub -l waits for the PUBACK of its last message id, which is 16 bits: past 65,535
            // QoS 1 messages an earlier message with the same id ends its run early. Stay below that.
            var count = context.Quick ? 10_000 : qos == MqttQos.AtMostOnce ? 100_000 : 60_000;
            var lines = Payloads(count);
            var payloadFile = Path.Combine(context.WorkDirectory, $"payloads-{count}.txt");
            await File.WriteAllLinesAsync(payloadFile, lines, cancellationToken);
            var payloads = lines.Select(Encoding.UTF8.GetBytes).ToArray();
            averageLength = payloads.Average(p => p.Length);

            // Not measured: brings the client's code to its final JIT tier, as in a gateway that has run a while.
            for (var warmup = 0; warmup < (context.Quick ? 1 : 2); warmup++)
            {
                await MeasureOursAsync(broker, payloads[..Math.Min(payloads.Length, 20_000)], qos, ++run, cancellationToken);
            }

            var ours = new List<Measurement>();
            var reference = new List<Measurement>();
            for (var round = 0; round < rounds; round++)
            {
                // Alternate which goes first so neither always meets a warmer broker.
                var oursFirst = round % 2 == 0;
                for (var side = 0; side < 2; side++)
                {
                    var measureOurs = (side == 0) == oursFirst;
                    var measurement = measureOurs
                        ? await MeasureOursAsync(broker, payloads, qos, ++run, cancellationToken)
                        : await MeasureReferenceAsync(broker, payloadFile, count, qos, ++run, cancellationToken);
                    (measureOurs ? ours : reference).Add(measurement);
                    Console.WriteLine($"  QoS {(int)qos} {(measureOurs ? "MQTTnet client" : "mosquitto_pub ")} {measurement.Rate,10:N0} msg/s  {measurement.CpuPerThousand,6:F2} ms CPU/1000");
                }
            }
            var oursMedian = Median(ours);
            var referenceMedian = Median(reference);
            var ratio = oursMedian.Rate / referenceMedian.Rate;
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {(int)qos} | {count:N0} | {oursMedian.Rate:N0} | {referenceMedian.Rate:N0} | {ratio:P0} | {(ratio >= 0.8 ? "met" : "not met")} | {oursMedian.CpuPerThousand:F2} | {referenceMedian.CpuPerThousand:F2} |"));
        }

        return string.Create(CultureInfo.InvariantCulture, $"""
            ## mqtt — publishing readings through the gateway's MQTTnet client

            SenML (RFC 8428) JSON readings of about {averageLength:F0} bytes each, published as fast as the publisher
            can to a local mosquitto {LibraryVersion()} on 127.0.0.1 over MQTT 3.1.1, one topic. Timed from client
            start until a separate `mosquitto_sub` (subscribed at QoS 0) has received every message and the
            publisher has finished (QoS 0: all written; QoS 1: all PUBACKs). Reference: `mosquitto_pub -l -M {MaxInFlight}`
            reading the same payloads from a file, measured in the same run against the same broker; both keep
            {MaxInFlight} QoS 1 messages in flight (`mosquitto_pub` is libmosquitto, C). QoS 1 runs use 60,000 readings because
            `mosquitto_pub -l` ends early once its 16-bit message ids wrap. Median of {rounds} run(s) each,
            alternating which goes first, after unmeasured warm-up runs of the client.
            CPU is the publishing process's user + system time per 1,000 readings (client: `Process.TotalProcessorTime`
            of this process, which also builds the messages and polls for completion; reference: the
            `mosquitto_pub` process, from bash's `times`). Goal: the client reaches at least 80% of the reference rate.

            | QoS | readings | MQTTnet client (msg/s) | mosquitto_pub -l (msg/s) | ratio | goal ≥ 80% | client CPU ms / 1,000 | mosquitto_pub CPU ms / 1,000 |
            |---|---|---|---|---|---|---|---|
            {string.Join("\n", rows)}

            """);
    }

    private static async Task<Measurement> MeasureOursAsync(MosquittoBroker broker, byte[][] payloads, MqttQos qos, int run, CancellationToken cancellationToken)
    {
        var topic = $"bench/{run}";
        await using var subscriber = await Subscriber.StartAsync(broker, topic, payloads.Length, run, cancellationToken);
        var options = new MqttOptions
        {
            Host = broker.Host,
            Port = broker.Port,
            ClientId = $"bench-pub-{run}",
            // Room for the whole burst: this measures throughput, not the overflow policy.
            QueueCapacity = payloads.Length,
            QueueCapacityBytes = 1L << 30,
            MaxInFlight = MaxInFlight,
        };

        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await using (var client = new MqttNetClient(options))
        {
            await client.ConnectAsync(cancellationToken);
            foreach (var payload in payloads)
            {
                if (!client.TryPublish(new MqttMessage(topic, payload, qos)))
                {
                    throw new InvalidOperationException("The benchmark's queue refused a message; it is sized to hold them all.");
                }
            }
            while (client.Statistics.Delivered < payloads.Length)
            {
                if (client.Statistics is { Failed: > 0 } or { LostOnDisconnect: > 0 } or { DroppedOverflow: > 0 })
                {
                    throw new InvalidOperationException($"Messages were lost: {client.Statistics}\n{broker.Diagnostics()}");
                }
                await Task.Delay(1, cancellationToken);
            }
            await subscriber.WaitAsync(cancellationToken);
            clock.Stop();
        }
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        return new Measurement(payloads.Length / clock.Elapsed.TotalSeconds, cpu.TotalMilliseconds * 1000 / payloads.Length);
    }

    private static async Task<Measurement> MeasureReferenceAsync(MosquittoBroker broker, string payloadFile, int count, MqttQos qos, int run, CancellationToken cancellationToken)
    {
        var topic = $"bench/{run}";
        await using var subscriber = await Subscriber.StartAsync(broker, topic, count, run, cancellationToken);
        // bash's `times` reports the CPU time of the finished mosquitto_pub (its only child).
        var script = string.Create(CultureInfo.InvariantCulture,
            $"mosquitto_pub -h {broker.Host} -p {broker.Port} -i bench-pub-{run} -t {topic} -q {(int)qos} -M {MaxInFlight} -l < '{payloadFile}' || exit $?; times");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);

        var clock = Stopwatch.StartNew();
        using var publisher = Process.Start(psi)!;
        var output = publisher.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = publisher.StandardError.ReadToEndAsync(cancellationToken);
        await publisher.WaitForExitAsync(cancellationToken);
        await subscriber.WaitAsync(cancellationToken);
        clock.Stop();
        if (publisher.ExitCode != 0) throw new InvalidOperationException($"mosquitto_pub failed ({publisher.ExitCode}): {await error}");

        var cpu = ChildCpu(await output);
        return new Measurement(count / clock.Elapsed.TotalSeconds, cpu.TotalMilliseconds * 1000 / count);
    }

    /// <summary>Second line of bash's <c>times</c>: children's user and system time, e.g. <c>0m1.234s 0m0.567s</c>.</summary>
    private static TimeSpan ChildCpu(string timesOutput)
    {
        var lines = timesOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var children = lines[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return children.Select(ParseBashTime).Aggregate(TimeSpan.Zero, (a, b) => a + b);

        static TimeSpan ParseBashTime(string value)
        {
            var minutes = int.Parse(value[..value.IndexOf('m', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            var seconds = double.Parse(value[(value.IndexOf('m', StringComparison.Ordinal) + 1)..^1], CultureInfo.InvariantCulture);
            return TimeSpan.FromMinutes(minutes) + TimeSpan.FromSeconds(seconds);
        }
    }

    /// <summary>SenML (RFC 8428) packs as a gateway would publish them: a temperature reading and its sequence number.</summary>
    private static List<string> Payloads(int count)
    {
        var random = new Random(8428);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() / 1000.0;
        var lines = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var value = 2 + (random.NextDouble() * 6);
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"[{{\"bn\":\"urn:dev:mac:b827eb5a1c{i % 256:x2}:sht4x-0:\",\"bt\":{start + (i * 0.5):F1},\"n\":\"temperature\",\"u\":\"Cel\",\"v\":{value:F2}}},{{\"n\":\"seq\",\"v\":{i}}}]"));
        }
        return lines;
    }

    private static string LibraryVersion()
    {
        var psi = new ProcessStartInfo(MosquittoBroker.ExecutablePath, "-h") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi)!;
        var first = process.StandardOutput.ReadLine() ?? "";
        process.WaitForExit();
        return first.Replace("mosquitto version ", "", StringComparison.Ordinal).Trim();
    }

    private static Measurement Median(List<Measurement> measurements)
    {
        var byRate = measurements.OrderBy(m => m.Rate).ToList();
        return byRate[byRate.Count / 2];
    }

    private readonly record struct Measurement(double Rate, double CpuPerThousand);

    /// <summary>A <c>mosquitto_sub</c> that exits after receiving a given number of messages.</summary>
    private sealed class Subscriber : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly MosquittoBroker _broker;

        private Subscriber(Process process, MosquittoBroker broker)
        {
            _process = process;
            _broker = broker;
        }

        public static async Task<Subscriber> StartAsync(MosquittoBroker broker, string topic, int count, int run, CancellationToken cancellationToken)
        {
            var id = $"bench-sub-{run}";
            var psi = new ProcessStartInfo("bash") { RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture,
                $"exec mosquitto_sub -h {broker.Host} -p {broker.Port} -i {id} -t {topic} -q 0 -C {count} > /dev/null"));
            var subscriber = new Subscriber(Process.Start(psi)!, broker);
            // Ready once the broker has logged the subscription ("<client id> <qos> <topic>").
            var ready = $"{id} 0 {topic}";
            var clock = Stopwatch.StartNew();
            while (!File.ReadAllText(broker.LogPath).Contains(ready, StringComparison.Ordinal))
            {
                if (subscriber._process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(10))
                {
                    throw new InvalidOperationException($"mosquitto_sub did not subscribe.\n{broker.Diagnostics()}");
                }
                await Task.Delay(10, cancellationToken);
            }
            return subscriber;
        }

        public async Task WaitAsync(CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"mosquitto_sub did not receive every message within 2 minutes.\n{_broker.Diagnostics()}");
            }
            if (_process.ExitCode != 0) throw new InvalidOperationException($"mosquitto_sub failed ({_process.ExitCode}): {await _process.StandardError.ReadToEndAsync(cancellationToken)}");
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
