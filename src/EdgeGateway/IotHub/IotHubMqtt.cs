using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgeGateway.IotHub;

/// <summary>
/// Azure IoT Hub's documented MQTT 3.1.1 device protocol, without the SDK: the CONNECT username, the
/// device-scoped SAS token used as the password, and the device-to-cloud topic. Pure: the time comes in.
/// </summary>
/// <remarks>
/// Formats (IoT Hub "Communicate with an IoT hub using the MQTT protocol" and "Control access to IoT Hub
/// with shared access signatures"): client id = device id; username = <c>{hub host}/{device id}/?api-version={version}</c>;
/// password = <c>SharedAccessSignature sr={URL-encoded resource}&amp;sig={URL-encoded base64 HMAC-SHA256}&amp;se={expiry}</c>
/// where the resource is <c>{hub host}/devices/{device id}</c>, the signed string is the encoded resource, a
/// newline and the expiry (Unix seconds), and the HMAC key is the device's base64 symmetric key;
/// telemetry goes to <c>devices/{device id}/messages/events/</c> followed by an optional URL-encoded property
/// bag, at QoS 0 or 1, never retained, over TLS on port 8883.
/// </remarks>
public static class IotHubMqtt
{
    /// <summary>The CONNECT username.</summary>
    public static string Username(string hostName, string deviceId, string apiVersion) => $"{hostName}/{deviceId}/?api-version={apiVersion}";

    /// <summary>The resource a device token is scoped to.</summary>
    public static string Resource(string hostName, string deviceId) => $"{hostName}/devices/{deviceId}";

    /// <summary>A device-scoped SAS token valid until <paramref name="expiry"/>.</summary>
    public static string SasToken(string hostName, string deviceId, ReadOnlySpan<byte> deviceKey, DateTimeOffset expiry)
    {
        var resource = Uri.EscapeDataString(Resource(hostName, deviceId));
        var seconds = expiry.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(deviceKey, Encoding.UTF8.GetBytes(resource + "\n" + seconds)));
        return $"SharedAccessSignature sr={resource}&sig={Uri.EscapeDataString(signature)}&se={seconds}";
    }

    /// <summary>The device-to-cloud topic; the property bag says the body is UTF-8 JSON (so IoT Hub routing can query it).</summary>
    public static string EventsTopic(string deviceId) => $"devices/{deviceId}/messages/events/$.ct=application%2Fjson&$.ce=utf-8";
}
