namespace Firmware.Contracts.Uplink;

/// <summary>Names that tie a device to its log.</summary>
public static class DeviceLogs
{
    /// <summary>
    /// The checkpoint origin of a device's log, also the name of the device key in signature
    /// lines: <c>edgetrace/device/&lt;device id&gt;</c>.
    /// </summary>
    public static string Origin(string deviceId) => $"edgetrace/device/{deviceId}";

    /// <summary>The device id in an origin made by <see cref="Origin"/>, or null.</summary>
    public static string? DeviceIdOf(string origin) =>
        origin.StartsWith("edgetrace/device/", StringComparison.Ordinal) && origin.Length > "edgetrace/device/".Length
            ? origin["edgetrace/device/".Length..]
            : null;
}
