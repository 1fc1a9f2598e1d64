using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeGateway.Alarms;
using EdgeGateway.Daemon;
using EdgeGateway.Storage;

namespace EdgeGateway.Cli;

/// <summary>
/// <c>status --data DIR [--json]</c>: the log, the uplink, the disk and the alarms, read through a
/// read-only connection (works while <c>run</c> is running).
/// </summary>
internal static class StatusCommand
{
    public static Command Create(TextWriter output)
    {
        var data = GatewayCommandLine.DataOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("status", "Print readings stored, last sequence, checkpoint and committed sizes, backlog, disk use and active alarms.") { data, json };
        command.SetAction(parse =>
        {
            var directory = GatewayCommandLine.ExistingDataDirectory(parse.GetValue(data)!);
            var status = GatewayStatusReader.Read(GatewayDatabase.PathIn(directory));
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(StatusJson.From(status), StatusJsonContext.Default.StatusJson));
            }
            else
            {
                WriteText(status, output);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteText(GatewayStatus s, TextWriter output)
    {
        void Line(string name, object? value) => output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {value ?? "-"}"));
        Line("device-id", s.DeviceId);
        Line("log-size", s.LogSize);
        Line("leaves-stored", s.LeavesStored);
        Line("last-sequence", s.LastSequence);
        Line("pruned-below", s.PrunedBelow);
        Line("checkpoint-size", s.CheckpointSize);
        Line("checkpoint-time", Time(s.CheckpointTimeMs));
        Line("node-committed-size", s.NodeCommittedSize);
        Line("node-committed-time", Time(s.NodeCommittedTimeMs));
        Line("backlog", s.Backlog);
        Line("node-url", s.NodeUrl);
        Line("uplink", s.UplinkState is null ? null : $"{s.UplinkState} ({s.UplinkDetail})");
        Line("disk-bytes", s.DiskBytes);
        Line("disk-used-bytes", s.DiskUsedBytes);
        Line("disk-budget-bytes", s.DiskBudgetBytes);
        Line("disk-full-since", Time(s.DiskFullSinceMs));
        Line("disk-full-cause", s.DiskFullCause);
        Line("refused-readings", s.RefusedReadings);
        Line("active-alarms", s.ActiveAlarms.Count);
        foreach (var a in s.ActiveAlarms)
        {
            Line("alarm", $"{a.Zone}/{a.RuleId} severity={a.Severity} sensor={a.SensorId} since={Time(a.SinceMs)} value={a.Value?.ToString(CultureInfo.InvariantCulture) ?? "-"} {a.Unit}".TrimEnd());
        }
        foreach (var (id, w) in s.OpenWindows.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            Line("suppressed", $"{w.Zone} reason={w.Reason} window={id} since={Time(w.StartMs)} until={Time(w.EndMs)}");
        }
        Line("mqtt", s.MqttState is null ? "not configured" : $"{s.MqttState} ({s.MqttDetail})");
        if (s.MqttCounters is { } c)
        {
            Line("mqtt-published", $"readings={c.ReadingsPublished} alarm-events={c.AlarmEventsPublished} alarm-states={c.AlarmStatesPublished} progress={c.ProgressPublished} status={c.StatusPublished} delivered={c.Delivered}");
            Line("mqtt-queue", $"queued={c.QueueLength} dropped-overflow={c.DroppedOverflow} refused={c.PublishRefused} lost-on-disconnect={c.LostOnDisconnect} errors={c.PublishErrors}");
            Line("mqtt-connections", $"connections={c.Connections} failures={c.ConnectionFailures}");
            Line("mqtt-nodes", $"received={c.NodeMessagesReceived} ingested={c.NodeMessagesIngested} readings={c.NodeReadingsIngested}");
            Line("mqtt-nodes-dropped", string.Join(' ', c.NodeMessagesDropped.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Key}={d.Value}"))));
        }
    }

    private static string? Time(long? ms) =>
        ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : null;
}

/// <summary>The JSON form of <c>status --json</c>.</summary>
internal sealed record StatusJson(
    string DeviceId, long LogSize, long LeavesStored, long? LastSequence, long PrunedBelow,
    long CheckpointSize, long? CheckpointTimeMs, long NodeCommittedSize, long? NodeCommittedTimeMs, long Backlog,
    string? NodeUrl, string? UplinkState, string? UplinkDetail, long? UplinkTimeMs,
    long DiskBytes, long DiskUsedBytes, long? DiskBudgetBytes, long? DiskFullSinceMs, string? DiskFullCause, long RefusedReadings,
    IReadOnlyList<AlarmJson> ActiveAlarms, IReadOnlyList<SuppressionJson> Suppressions, MqttJson? Mqtt)
{
    public static StatusJson From(GatewayStatus s) => new(
        s.DeviceId, s.LogSize, s.LeavesStored, s.LastSequence, s.PrunedBelow,
        s.CheckpointSize, s.CheckpointTimeMs, s.NodeCommittedSize, s.NodeCommittedTimeMs, s.Backlog,
        s.NodeUrl, s.UplinkState, s.UplinkDetail, s.UplinkTimeMs,
        s.DiskBytes, s.DiskUsedBytes, s.DiskBudgetBytes, s.DiskFullSinceMs, s.DiskFullCause, s.RefusedReadings,
        s.ActiveAlarms.Select(AlarmJson.From).ToList(),
        s.OpenWindows.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => new SuppressionJson(w.Key, w.Value.Zone, w.Value.Reason, w.Value.StartMs, w.Value.EndMs)).ToList(),
        s.MqttState is null ? null : new MqttJson(s.MqttState, s.MqttDetail, s.MqttTimeMs, s.MqttCounters));
}

/// <summary>The MQTT side in <c>status --json</c>; null when MQTT is not configured.</summary>
internal sealed record MqttJson(string State, string? Detail, long? TimeMs, EdgeGateway.Telemetry.TelemetrySnapshot? Counters);

/// <summary>An active alarm in <c>status --json</c>.</summary>
internal sealed record AlarmJson(string Zone, string Rule, string Sensor, long SinceMs, double? Value, string? Unit, string Severity)
{
    public static AlarmJson From(ActiveAlarm a) => new(a.Zone, a.RuleId, a.SensorId, a.SinceMs, a.Value, a.Unit, a.Severity);
}

/// <summary>An open suppression window in <c>status --json</c>.</summary>
internal sealed record SuppressionJson(string Id, string Zone, string Reason, long SinceMs, long UntilMs);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StatusJson))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
