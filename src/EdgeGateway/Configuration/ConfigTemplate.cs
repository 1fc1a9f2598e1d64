using System.Text.Json;

namespace EdgeGateway.Configuration;

/// <summary>The documented <c>gateway.json</c> that <c>init</c> writes (docs/gateway-config.md shows the same).</summary>
public static class ConfigTemplate
{
    /// <summary>The file text for <paramref name="deviceId"/> and an optional node URL.</summary>
    public static string Render(string deviceId, Uri? nodeUrl) => $$"""
        // EdgeGateway configuration. Every field is explained in docs/gateway-config.md.
        // Comments and trailing commas are allowed; unknown fields are refused (they are usually typos).
        {
          // The id the anchor node enrols this gateway under. It also names the device key in
          // checkpoint signatures ("edgetrace/device/<id>"). Never change it once the log exists.
          "deviceId": {{Quote(deviceId)}},

          "node": {
            // Base URL of the anchor node. Empty: readings are kept and sealed here, not anchored.
            "url": {{Quote(nodeUrl?.AbsoluteUri ?? "")}},
            // Time allowed for one request, including an upload of up to 10,000 leaves.
            "requestTimeoutSeconds": 60,
            // PEM file of a private CA that issued the node's certificate; empty: the system's trust store.
            "caCertificateFile": ""
          },

          "sealing": {
            // A checkpoint is signed every intervalSeconds (gateway time; simulated time under --speed)
            // or every maxLeaves leaves (at most 10,000, one upload), whichever comes first.
            "intervalSeconds": 60,
            "maxLeaves": 1000
          },

          "ingest": {
            // Group commit: up to batchMaxReadings events per transaction, and a reading waits at most
            // batchMaxDelayMilliseconds for others before it is committed (only then is it acknowledged).
            "batchMaxReadings": 1000,
            "batchMaxDelayMilliseconds": 200
          },

          "storage": {
            // Disk budget of the database. Above 90 %, leaves the node has committed are pruned, oldest
            // first. Leaves the node has not committed are never deleted: when only they remain and the
            // budget is reached, new readings are refused, counted and logged, and a disk-full event
            // goes into the signed log, until the node commits and space is freed.
            "maxDatabaseMegabytes": 1024
          },

          "uplink": {
            // After a network error or a 5xx answer the wait doubles from retryInitialSeconds up to
            // retryMaxSeconds, with jitter. When the node does not know the device or refuses its
            // uploads, the gateway asks again every slowRetrySeconds.
            "retryInitialSeconds": 1,
            "retryMaxSeconds": 300,
            "slowRetrySeconds": 600
          },

          "sensors": {
            // Where /sys is read from ("/" on a board).
            "sysfsRoot": "/",
            // Time between two readings of a sensor.
            "pollIntervalSeconds": 60,
            // Sensor id -> zone, for sensors whose source does not know their zone.
            // `EdgeGateway sensors --sysfs-root /` lists the ids.
            "zones": {
              // "hwmon/sht3x/1-0044": "chiller-1"
            },
            // RFID readers: "evdev" for a USB keyboard-wedge reader, "serial" for one id per line.
            "rfid": [
              // { "type": "evdev", "device": "/dev/edgetrace-rfid", "sensorId": "rfid/dock", "zone": "dock-1" },
              // { "type": "serial", "device": "/dev/edgetrace-rfid-serial", "baudRate": 9600, "zone": "chiller-1" }
            ]
          },

          // The simulated warehouse of `run --simulate SEED` (chiller-1, freezer-1, ambient-1, dock-1).
          "simulation": {
            "sensorsPerZone": 2,
            "loggingIntervalSeconds": 60,
            "sensorFaultProbability": 0,
            "palletCount": 12
          },

          // Alarm rules per zone, evaluated on the readings' own time. A value exactly at a limit is in
          // range. A limit rule starts after delayMinutes continuously out of range and ends at the first
          // reading back in range. A cumulative rule starts when cumulativeMinutes out of range add up
          // within the last windowHours, and ends when the total falls below. Start and end are leaves of
          // the signed log.
          "alarms": [
            { "id": "chiller-high", "zone": "chiller-1", "quantity": "temperature", "above": 8, "delayMinutes": 10 },
            { "id": "chiller-low", "zone": "chiller-1", "quantity": "temperature", "below": 2, "delayMinutes": 10 },
            { "id": "chiller-cumulative", "zone": "chiller-1", "quantity": "temperature", "below": 2, "above": 8, "cumulativeMinutes": 60, "windowHours": 24 },
            { "id": "freezer-high", "zone": "freezer-1", "quantity": "temperature", "above": -18, "delayMinutes": 15 },
            { "id": "ambient-range", "zone": "ambient-1", "quantity": "temperature", "below": 15, "above": 25, "delayMinutes": 30 }
          ]
        }

        """;

    private static string Quote(string value) => JsonSerializer.Serialize(value, ConfigJsonContext.Default.String);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class ConfigJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
