using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeGateway.Configuration;
using EdgeGateway.Storage;
using EdgeGateway.Tests.Mqtt;

namespace EdgeTrace.Benchmarks.Gateway;

/// <summary>
/// Resident memory of the real gateway process after an hour of a simulated 51-probe warehouse
/// (<c>run --simulate --speed N</c>), read from /proc/PID/status, next to the same daemon idling
/// with no sensors for the same time as the reference, and the 64 MB goal; and the same hour with
/// everything published to a local mosquitto, for what MQTT costs in memory and CPU.
/// </summary>
public sealed class GatewayRssBenchmark : IBenchmarkSuite
{
    private const double GoalMegabytes = 64;

    public string Name => "gateway-rss";

    public string Description => "Gateway RSS after an hour of simulated 51-sensor operation (goal ≤ 64 MB), next to an idle gateway";

    public async Task<string> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var speed = context.Quick ? 720 : 120;
        var duration = TimeSpan.FromHours(1) / speed;

        var busy = await MeasureAsync(context.WorkDirectory, "busy", simulate: true, speed, duration, cancellationToken);
        Console.WriteLine($"  51 probes: VmRSS {busy.RssMb:F1} MB, VmHWM {busy.HwmMb:F1} MB, {busy.Leaves:N0} leaves");
        Console.WriteLine("  publishing the native gateway (Native AOT; a few minutes)");
        var native = await GatewayFolders.PublishNativeAsync(Path.Combine(context.WorkDirectory, "native-gateway"), cancellationToken);
        var nativeBusy = await MeasureAsync(context.WorkDirectory, "native-busy", simulate: true, speed, duration, cancellationToken, native: native);
        Console.WriteLine($"  native:    VmRSS {nativeBusy.RssMb:F1} MB, VmHWM {nativeBusy.HwmMb:F1} MB, {nativeBusy.Leaves:N0} leaves");
        Sample mqtt, nativeMqtt;
        await using (var broker = await MosquittoBroker.StartAsync(new BrokerOptions { LogTypes = ["error"] }, cancellationToken))
        {
            mqtt = await MeasureAsync(context.WorkDirectory, "mqtt", simulate: true, speed, duration, cancellationToken, broker);
            nativeMqtt = await MeasureAsync(context.WorkDirectory, "native-mqtt", simulate: true, speed, duration, cancellationToken, broker, native);
        }
        Console.WriteLine($"  with MQTT: VmRSS {mqtt.RssMb:F1} MB, VmHWM {mqtt.HwmMb:F1} MB, {mqtt.Leaves:N0} leaves, {mqtt.Published:N0} published; native {nativeMqtt.HwmMb:F1} MB, {nativeMqtt.Published:N0} published");
        if (mqtt.Published == 0 || nativeMqtt.Published == 0)
        {
            throw new InvalidOperationException($"a gateway configured for MQTT published nothing (JIT {mqtt.Published}, native {nativeMqtt.Published}): the MQTT rows would not measure publishing");
        }
        var idle = await MeasureAsync(context.WorkDirectory, "idle", simulate: false, speed, duration, cancellationToken);
        Console.WriteLine($"  idle:      VmRSS {idle.RssMb:F1} MB, VmHWM {idle.HwmMb:F1} MB");

        string Row(string what, Sample s, bool judged) => string.Create(CultureInfo.InvariantCulture,
            $"| {what} | {s.Leaves:N0} | {s.RssMb:F1} | {s.HwmMb:F1} | {s.AnonMb:F1} | {s.FileMb:F1} | {s.ShmemMb:F1} | {s.ManagedMb:F1} | {s.CpuSeconds:F2} | {(s.Leaves > 0 ? s.CpuSeconds * 1000 / s.Leaves * 1000 : 0):F1} | {(judged ? (s.HwmMb <= GoalMegabytes ? "≤ 64 MB met" : "≤ 64 MB NOT met") : "")} |");
        return string.Create(CultureInfo.InvariantCulture, $"""
            ## gateway-rss — resident memory of the gateway daemon

            The built daemon (`dotnet EdgeGateway.dll run --simulate 1 --speed {speed}`, Release) reads a simulated warehouse of
            51 probes (17 per zone; temperature and humidity once a simulated minute, RFID reads of passing pallets),
            writes every reading to its signed log with alarm rules on, seals every simulated minute, and has no
            node to upload to. After one simulated hour ({duration.TotalSeconds:F0} s real) VmRSS and VmHWM are read from
            /proc/PID/status. Reference: the same daemon with no sensor source (a sysfs root without sensors) for the
            same real time; for scale, a .NET hello-world that computes one SHA-256 peaks at about 35 MB on this machine
            (runtime, CoreLib, JIT, OpenSSL). VmRSS splits into anonymous pages (heaps, stacks), file pages (the runtime, assemblies and native libraries as mapped and touched) and shared memory (the JIT-compiled code, mapped twice for W^X). The database column is the size on disk. Goal: ≤ {GoalMegabytes:F0} MB (peak, VmHWM).
            The MQTT row is the same hour with `mqtt` configured against a mosquitto on 127.0.0.1: every reading's leaf
            published live (QoS 0), alarm events and states, progress and status ({mqtt.Published:N0} messages delivered; native: {nativeMqtt.Published:N0});
            the MQTTnet client (managed code) is loaded and JIT-compiled. For comparison, the last build with the libmosquitto
            binding (commit c63a3cc), measured on this machine on the same day with this suite, gave 64.1 MB for the first row
            and 65.6 MB for this one (an earlier machine: 66.0 MB). The native rows are the same gateway published with
            Native AOT (`dotnet publish src/EdgeGateway -r <rid> -p:PublishAot=true`): machine code compiled ahead of
            time, no JIT, no IL assemblies to map. **The native build is what the Debian package ships**
            (`packaging/build-deb.sh`, which publishes it the same way); the JIT rows are the development build
            (`dotnet EdgeGateway.dll`) and what `build-deb.sh --jit` packages. CPU is user + system time of the
            process (/proc/PID/stat) for the whole run, start-up included; the difference between the rows with and
            without MQTT is what publishing costs.

            | process | leaves written | VmRSS (MB) | VmHWM (MB) | of which anonymous (MB) | of which files (MB) | of which JIT code (MB) | database (MB) | CPU (s) | CPU per 1,000 leaves (ms) | goal |
            |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
            {Row("gateway, 1 simulated hour of 51 probes", busy, judged: true)}
            {Row("the same, publishing to MQTT", mqtt, judged: true)}
            {Row("native gateway (Native AOT), the same hour", nativeBusy, judged: true)}
            {Row("native gateway, publishing to MQTT", nativeMqtt, judged: true)}
            {Row("gateway idle, no sensors (reference)", idle, judged: false)}

            Where the MQTT row's extra memory is: resident memory per mapping (/proc/PID/smaps, file
            mappings by file name), MQTT row minus the row above it, the twelve largest differences.

            | mapping | without MQTT (MB) | with MQTT (MB) | difference (MB) |
            |---|---:|---:|---:|
            {string.Join("\n", Differences(busy, mqtt).Take(12))}

            """);
    }

    private static IEnumerable<string> Differences(Sample without, Sample with) =>
        without.Mappings.Keys.Union(with.Mappings.Keys)
            .Select(name => (name, before: without.Mappings.GetValueOrDefault(name), after: with.Mappings.GetValueOrDefault(name)))
            .OrderByDescending(d => Math.Abs(d.after - d.before))
            .Select(d => string.Create(CultureInfo.InvariantCulture, $"| {d.name} | {d.before:F2} | {d.after:F2} | {d.after - d.before:+0.00;-0.00;0.00} |"));

    // Resident memory per mapping in MB, file mappings named by their file, the rest by their kind.
    private static Dictionary<string, double> Mappings(int pid)
    {
        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        var current = "";
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].Contains('-', StringComparison.Ordinal) && !line.EndsWith(" kB", StringComparison.Ordinal))
            {
                current = fields.Length >= 6 ? Path.GetFileName(string.Join(' ', fields[5..])) : "anonymous";
                current = current.Contains("doublemapper", StringComparison.Ordinal) ? "JIT code (doublemapper)" : current.Length == 0 ? "anonymous" : current;
            }
            else if (fields is ["Rss:", var kb, "kB"])
            {
                totals[current] = totals.GetValueOrDefault(current) + long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        return totals;
    }

    internal sealed record Sample(double RssMb, double HwmMb, double AnonMb, double FileMb, double ShmemMb, double ManagedMb, long Leaves, double CpuSeconds, long Published,
        Dictionary<string, double> Mappings);

    internal static async Task<Sample> MeasureAsync(string work, string name, bool simulate, double speed, TimeSpan duration, CancellationToken cancellationToken,
        MosquittoBroker? broker = null, string? native = null)
    {
        var folder = await GatewayFolders.InitAsync(work, name, "gw-rss");
        var config = JsonNode.Parse(ConfigTemplate.Render("gw-rss", null), documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
        config["simulation"]!["sensorsPerZone"] = 17;
        config["sensors"]!["sysfsRoot"] = Path.Combine(work, name, "no-sysfs");
        if (broker is not null)
        {
            config["mqtt"]!["host"] = broker.Host;
            config["mqtt"]!["port"] = broker.Port;
        }
        await File.WriteAllTextAsync(Path.Combine(folder, GatewayConfig.FileName), config.ToJsonString(), cancellationToken);

        using var process = simulate
            ? GatewayFolders.Start(native, "run", "--data", folder, "--simulate", "1", "--speed", speed.ToString(CultureInfo.InvariantCulture))
            : GatewayFolders.Start(native, "run", "--data", folder);
        try
        {
            // The measurement is the passing of simulated time itself: an hour at this speed.
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration + TimeSpan.FromSeconds(1))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"the gateway exited early with code {process.ExitCode}");
                }
                await Task.Delay(250, cancellationToken);
            }
            var rss = ProcStatusKb(process.Id, "VmRSS") / 1024.0;
            var hwm = ProcStatusKb(process.Id, "VmHWM") / 1024.0;
            var cpu = CpuSeconds(process.Id);
            var status = GatewayStatusReader.Read(GatewayDatabase.PathIn(folder));
            // Anonymous: heaps and stacks; files: the mapped runtime, assemblies and natives pages touched.
            var anon = ProcStatusKb(process.Id, "RssAnon") / 1024.0;
            var files = ProcStatusKb(process.Id, "RssFile") / 1024.0;
            // JIT-compiled code lives in shared memory mapped twice (write and execute views: W^X).
            var jit = ProcStatusKb(process.Id, "RssShmem") / 1024.0;
            return new Sample(rss, hwm, anon, files, jit, status.DiskBytes / 1048576.0, status.LogSize, cpu, status.MqttCounters?.Delivered ?? 0, Mappings(process.Id));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    // utime and stime (fields 14 and 15 of /proc/PID/stat, after the parenthesised command name), in clock ticks of 1/100 s.
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static long ProcStatusKb(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
