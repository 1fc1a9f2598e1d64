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
            // Member nodes of a consortium: "urls": ["https://a.example/", "https://b.example/"] instead
            // of url, the first preferred; on failure the gateway moves to the next and resumes there.
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
            "maxDatabaseMegabytes": 1024,
            // Space kept aside on the data folder's file system and given back when it fills up, so that
            // a full disk is still recorded (disk-full event, status, alarm) while readings are refused.
            "reserveMegabytes": 8
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
            // `edgetrace gateway sensors --sysfs-root /` lists the ids.
            "zones": {
              // "hwmon/sht3x/1-0044": "chiller-1"
            },
            // RFID readers: "evdev" for a USB keyboard-wedge reader, "serial" for one id per line,
            // "mfrc522" (SPI) or "pn532" (I2C, SPI or serial) for a 13.56 MHz HF reader module.
            "rfid": [
              // { "type": "evdev", "device": "/dev/edgetrace-rfid", "sensorId": "rfid/dock", "zone": "dock-1" },
              // { "type": "serial", "device": "/dev/edgetrace-rfid-serial", "baudRate": 9600, "zone": "chiller-1" },
              // { "type": "mfrc522", "bus": 0, "chipSelect": 0, "resetPin": 25, "zone": "dock-1" }
            ],
            // Sensors read from user space (Iot.Device.Bindings) on boards without the kernel overlay:
            // sht3x, sht4x, bme280, bmp280, si7021, aht20, mcp9808 on I2C (bus, address), max31865 on
            // SPI (bus, chipSelect, probe), dht22 on a GPIO line (pin). Wiring: hardware/README.md.
            "devices": [
              // { "binding": "sht3x", "bus": 1, "address": "0x44", "zone": "chiller-1" },
              // { "binding": "max31865", "bus": 0, "chipSelect": 0, "probe": { "nominalOhms": 100, "wires": 3, "referenceOhms": 430 }, "zone": "freezer-1" }
            ]
          },

          // MQTT (optional): live readings, alarms, checkpoint progress and a retained status with a Last
          // Will for dashboards and pagers, and readings from sensor nodes. Custody never depends on it:
          // readings reach the node over HTTP. Empty host: no MQTT. Topics and payloads: docs/spec.md §9.
          "mqtt": {
            // "external": the broker at host. "embedded": a broker inside the gateway (mqtt.embedded) that
            // sensor nodes connect to; host stays empty and the gateway's own client connects to it over loopback.
            "broker": "external",
            "host": "",
            // 1883 for MQTT, 8883 for MQTT over TLS (the default when caCertificateFile is set and port is not).
            "port": 1883,
            // "3.1.1" or "5".
            "protocol": "3.1.1",
            // Empty: "edgetrace-<deviceId>". A persistent session (cleanSession false) keeps the gateway's
            // subscriptions and queues sensor-node messages at the broker while the gateway restarts.
            "clientId": "",
            "cleanSession": false,
            "keepAliveSeconds": 30,
            // Broker login; the password is the first line of passwordFile (keep that file 0600).
            "username": "",
            "passwordFile": "",
            // TLS: the CA that signed the broker's certificate (which must name host); a client certificate
            // and its unencrypted key for brokers that authenticate clients by certificate.
            "caCertificateFile": "",
            "clientCertificateFile": "",
            "clientKeyFile": "",
            "topicPrefix": "edgetrace",
            // Reconnect waits double from reconnectMinSeconds up to reconnectMaxSeconds, with jitter.
            "reconnectMinSeconds": 1,
            "reconnectMaxSeconds": 60,
            // While the broker is away messages wait in a bounded queue (memory): the oldest live readings
            // are dropped first; status, alarm states and alarm events are kept. receiveQueueMessages bounds
            // the sensor-node messages waiting to be stored (the oldest are dropped and counted).
            "queueMessages": 2000,
            "queueMegabytes": 1,
            "receiveQueueMessages": 200,
            // Sensor nodes allowed to publish SenML packs to <topicPrefix>/nodes/<id>/senml. Their readings
            // become leaves with sensor ids mqtt/<id>/<quantity> in the zone given here; messages from
            // other nodes, and malformed or implausible ones, are counted in `status` and dropped.
            // The embedded broker (used with broker "embedded"): where it listens and who may connect.
            // usersFile is a mosquitto-style password file, one "name:password" line per sensor node (or
            // the hashed lines mosquitto_passwd writes); a node logs in with its id and may publish only to
            // its own topic. tlsPort (with certificateFile and keyFile) adds MQTT over TLS; clientCaFile lets
            // nodes log in with a client certificate that CA signed.
            "embedded": {
              "bind": "0.0.0.0",
              "port": 1883,
              "tlsPort": 0,
              "certificateFile": "",
              "keyFile": "",
              "clientCaFile": "",
              "usersFile": "",
              "allowAnonymous": false
            },
            "nodes": [
              // { "id": "esp32-a1", "zone": "chiller-1" }
            ],
            // zigbee2mqtt devices: messages on <baseTopic>/<name> become readings of sensorId in zone.
            "zigbee2mqtt": {
              "baseTopic": "zigbee2mqtt",
              "devices": [
                // { "name": "cold room 2", "sensorId": "zigbee/cold-room-2", "zone": "chiller-1" }
              ]
            }
          },

          // GPIO lines (DHT22, door contacts, alarm outputs, RFID reader resets). The driver is named, never
          // guessed: "libgpiod" (libgpiod 1.x, Raspberry Pi OS Bookworm) or "libgpiod-v2" (libgpiod 2.x,
          // Trixie and later). Chip 0 is the 40-pin header (gpiochip4 on a Pi 5 before kernel 6.6.45).
          "gpio": { "driver": "libgpiod", "chip": 0 },

          // Door contacts on GPIO inputs: each opening and closing is an event leaf (door-open,
          // door-closed) in the door's zone, and drives the zone's door alarm rules (quantity "door").
          // openWhen: the line's level while the door is open ("high": a reed switch to ground, pull "up").
          "doors": [
            // { "id": "chiller-1", "zone": "chiller-1", "pin": 27, "openWhen": "high", "pull": "up", "debounceMilliseconds": 200 }
          ],

          // Alarm outputs on GPIO lines, on while an alarm of their zones (and rules) is active; empty
          // zones: every alarm. activeLow for relay boards that switch on a low input.
          // `edgetrace gateway outputs test --data DIR` switches each on and off to check the wiring.
          "outputs": [
            // { "id": "siren", "kind": "relay", "pin": 22, "activeLow": true, "zones": ["chiller-1", "freezer-1"] },
            // { "id": "buzzer", "kind": "buzzer", "pin": 23 }
          ],

          // The simulated warehouse of `run --simulate SEED` (chiller-1, freezer-1, ambient-1, dock-1).
          "simulation": {
            "sensorsPerZone": 2,
            "loggingIntervalSeconds": 60,
            "sensorFaultProbability": 0,
            "palletCount": 12,
            // Mean simulated time between two pallets at the dock door.
            "palletSpacingMinutes": 20,
            // The scripted compressor failure: from startMinutes of simulated time after the start, the
            // zone's compressor is off for durationMinutes and the air warms towards peakCelsius; then
            // it recovers. false: no failure.
            "compressorFailure": { "zone": "chiller-1", "startMinutes": 120, "durationMinutes": 45, "peakCelsius": 12 }
          },

          // Alarm rules per zone, evaluated on the readings' own time. A value exactly at a limit is in
          // range. A limit rule starts after delayMinutes continuously out of range and ends at the first
          // reading back in range. A cumulative rule starts when cumulativeMinutes out of range add up
          // within the last windowHours, and ends when the total falls below. Start and end are leaves of
          // the signed log. "severity" is "warning" or "alarm" (the default), written in the alarm's leaves: a
          // zone typically has a warning rule that starts early and an alarm rule that starts later.
          "alarms": [
            { "id": "chiller-high", "zone": "chiller-1", "quantity": "temperature", "above": 8, "delayMinutes": 10 },
            { "id": "chiller-low", "zone": "chiller-1", "quantity": "temperature", "below": 2, "delayMinutes": 10 },
            { "id": "chiller-cumulative", "zone": "chiller-1", "quantity": "temperature", "below": 2, "above": 8, "cumulativeMinutes": 60, "windowHours": 24 },
            { "id": "freezer-high", "zone": "freezer-1", "quantity": "temperature", "above": -18, "delayMinutes": 15 },
            { "id": "ambient-range", "zone": "ambient-1", "quantity": "temperature", "below": 15, "above": 25, "delayMinutes": 30 }
            // A door open for longer than delayMinutes (the zone's door contacts, "doors" above):
            // { "id": "chiller-door", "zone": "chiller-1", "quantity": "door", "delayMinutes": 2 }
            // An early warning before chiller-high:
            // { "id": "chiller-warn", "zone": "chiller-1", "above": 8, "delayMinutes": 5, "severity": "warning" }
            // A sensor of the zone without a good reading (faults do not count) for longer than silentMinutes:
            // { "id": "chiller-silent", "zone": "chiller-1", "quantity": "no-data", "silentMinutes": 10 }
          ],

          // Suppression windows: while one is open, no alarm of its zone starts (an active one stays active, and
          // readings are logged as always); a condition that outlasts the window starts its alarm after it.
          // Opening and closing are signed leaves (suppression-start, suppression-end). Times are UTC: "daily"
          // is a UTC time of day; "from" and "to" carry Z or an offset.
          "suppressions": [
            // { "id": "chiller-defrost", "zone": "chiller-1", "reason": "defrost", "daily": "02:00", "durationMinutes": 30 },
            // { "id": "chiller-service", "zone": "chiller-1", "reason": "maintenance", "from": "2026-12-08T09:00:00Z", "to": "2026-12-08T11:00:00Z" }
          ]
        }

        """;

    private static string Quote(string value) => JsonSerializer.Serialize(value, ConfigJsonContext.Default.String);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class ConfigJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
