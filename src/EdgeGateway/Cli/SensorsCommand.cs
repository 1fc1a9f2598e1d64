using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeGateway.Board;
using EdgeGateway.Configuration;
using EdgeGateway.Daemon;
using EdgeGateway.Log;
using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Sysfs;

namespace EdgeGateway.Cli;

/// <summary>
/// <c>sensors [--sysfs-root DIR] [--data DIR] [--json]</c>: discovers the kernel-driver sensors and,
/// with <c>--data</c>, reads the user-space sensors its gateway.json names (<c>sensors.devices</c>),
/// and prints one current reading (or fault) per channel. Text: one line per channel
/// (<c>id  kind  quantity  value unit</c> or <c>id  kind  quantity  fault code: detail</c>), then one
/// <c>user-space ID: binding at BUS</c> line per configured device and one <c>skipped PATH: reason</c>
/// line per sysfs entry not used. JSON: an array of <c>{"id","kind","quantity","unit","value"}</c> or
/// <c>{…,"fault"}</c> (the fault code), kernel-driver sensors first.
/// </summary>
internal static class SensorsCommand
{
    public static Command Create(TextWriter output)
    {
        var root = new Option<string?>("--sysfs-root") { Description = "The folder that holds sys/ (\"/\" on a board; with --data, gateway.json's sensors.sysfsRoot by default)" };
        var data = new Option<string?>("--data") { Description = "A gateway data folder: also read the user-space sensors its gateway.json names (sensors.devices)" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {id,kind,quantity,unit,value|fault}" };
        var command = new Command("sensors", "Discover the board's sensors (kernel drivers, and with --data the configured user-space drivers) and print one current reading (or fault) of each channel.") { root, data, json };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(root), parse.GetValue(data), parse.GetValue(json), output, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? rootOption, string? dataDirectory, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        GatewayConfig? config = null;
        if (dataDirectory is not null)
        {
            var directory = GatewayCommandLine.ExistingDataDirectory(dataDirectory);
            config = GatewayConfigReader.Load(Path.Combine(directory, GatewayConfig.FileName));
        }
        var root = rootOption ?? config?.Sensors.SysfsRoot ?? "/";
        if (!Directory.Exists(root))
        {
            throw new UsageException($"--sysfs-root: the folder {root} does not exist");
        }
        var discovery = new SysfsSensorDiscovery(new SysfsDiscoveryOptions { Root = root }, FileSysfsReader.Instance, TimeProvider.System);
        var found = await discovery.DiscoverAsync(cancellationToken);
        using var buses = new LinuxBoardBuses(config?.Gpio ?? new GpioSettings());
        var devices = config is null ? [] : SensorSources.BindingSensors(config, buses, TimeProvider.System);
        var rows = new List<SensorReadingJson>();
        // Read the devices in parallel: a DHT22 retrying must not hold the others back.
        var reads = await Task.WhenAll(found.Sensors.Select(s => ReadAsync(s, s.Kind, cancellationToken))
            .Concat(devices.Select(s => ReadAsync(s, s.Kind, cancellationToken))));
        foreach (var (sensor, kind, events) in reads)
        {
            foreach (var e in events)
            {
                var channel = sensor.Channels.First(c => c.Quantity == e.Quantity);
                rows.Add(e switch
                {
                    Measurement m => new SensorReadingJson(m.SensorId, kind, LeafDrafts.QuantityName(m.Quantity), m.Unit, m.Value, null, null),
                    SensorFault f => new SensorReadingJson(f.SensorId, kind, LeafDrafts.QuantityName(f.Quantity), channel.Unit, null, f.Code, f.Detail),
                    _ => new SensorReadingJson(e.SensorId, kind, LeafDrafts.QuantityName(e.Quantity), channel.Unit, null, "unexpected", e.ToString()),
                });
            }
        }
        foreach (var device in devices)
        {
            device.Dispose();
        }

        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(rows, SensorsJsonContext.Default.ListSensorReadingJson));
            return ExitCodes.Ok;
        }
        if (rows.Count == 0)
        {
            await output.WriteLineAsync($"no supported sensors under {Path.GetFullPath(root)}{(config is null ? "" : " and none in sensors.devices")}");
        }
        var idWidth = rows.Select(r => r.Id.Length).DefaultIfEmpty(0).Max();
        var kindWidth = rows.Select(r => r.Kind.Length).DefaultIfEmpty(0).Max();
        foreach (var r in rows)
        {
            var what = r.Fault is null
                ? string.Create(CultureInfo.InvariantCulture, $"{r.Value} {r.Unit}")
                : $"fault {r.Fault}: {r.Detail}";
            await output.WriteLineAsync($"{r.Id.PadRight(idWidth)}  {r.Kind.PadRight(kindWidth)}  {r.Quantity,-11}  {what}");
        }
        foreach (var device in devices)
        {
            await output.WriteLineAsync($"user-space {device.Id}: {device.Kind} at {device.Attachment}");
        }
        foreach (var skipped in found.Skipped)
        {
            await output.WriteLineAsync($"skipped {skipped.Path}: {skipped.Reason}");
        }
        return ExitCodes.Ok;
    }

    private static async Task<(IPolledSensor Sensor, string Kind, IReadOnlyList<SensorEvent> Events)> ReadAsync(IPolledSensor sensor, string kind, CancellationToken cancellationToken) =>
        (sensor, kind, await sensor.ReadOnceAsync(cancellationToken));
}

/// <summary>One channel in <c>sensors --json</c>: <c>value</c> for a good reading, <c>fault</c> (the code) otherwise.</summary>
internal sealed record SensorReadingJson(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("quantity")] string Quantity,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("value")] double? Value,
    [property: JsonPropertyName("fault")] string? Fault,
    [property: JsonIgnore] string? Detail);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<SensorReadingJson>))]
internal sealed partial class SensorsJsonContext : JsonSerializerContext;
