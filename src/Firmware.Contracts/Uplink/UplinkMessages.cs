using System.Text.Json;
using System.Text.Json.Serialization;

namespace Firmware.Contracts.Uplink;

/// <summary>
/// The gateway → node uplink (HTTP, JSON). A gateway asks how far the node got
/// (<see cref="UplinkRoutes.DeviceLog"/>), then posts the leaves the node lacks together with a
/// signed device checkpoint whose size is where those leaves end (<see cref="UplinkRoutes.Upload"/>).
/// The node answers only after it has committed the leaves and the anchor entry.
/// </summary>
public static class UplinkRoutes
{
    /// <summary>GET: <see cref="DeviceLogStatus"/> for a device.</summary>
    public const string DeviceLog = "/v1/devices/{deviceId}/log";

    /// <summary>POST an <see cref="UplinkRequest"/>; answers an <see cref="UplinkReceipt"/> or a problem.</summary>
    public const string Upload = "/v1/devices/{deviceId}/uplink";

    /// <summary>POST a <see cref="GatewayStatusNote"/> (text/plain); answers a <see cref="StatusReceipt"/> or a problem.</summary>
    public const string Status = "/v1/devices/{deviceId}/status";

    /// <summary>The most leaves one upload may carry.</summary>
    public const int MaxLeavesPerUpload = 10_000;

    /// <summary>The largest request body the node accepts, in bytes.</summary>
    public const int MaxRequestBytes = 32 * 1024 * 1024;

    /// <summary>The path of <see cref="DeviceLog"/> for a device.</summary>
    public static string DeviceLogPath(string deviceId) => $"/v1/devices/{Uri.EscapeDataString(deviceId)}/log";

    /// <summary>The path of <see cref="Upload"/> for a device.</summary>
    public static string UploadPath(string deviceId) => $"/v1/devices/{Uri.EscapeDataString(deviceId)}/uplink";

    /// <summary>The path of <see cref="Status"/> for a device.</summary>
    public static string StatusPath(string deviceId) => $"/v1/devices/{Uri.EscapeDataString(deviceId)}/status";
}

/// <summary>
/// Leaves <c>FirstSequence … FirstSequence + Leaves.Count − 1</c> of a device log and the signed
/// checkpoint of size <c>FirstSequence + Leaves.Count</c>. Leaves the node already holds may be
/// re-sent (they must be byte-identical); the node stores only the new ones.
/// </summary>
/// <param name="Checkpoint">The device's signed checkpoint note, verbatim.</param>
/// <param name="FirstSequence">The sequence number of the first leaf in <paramref name="Leaves"/>.</param>
/// <param name="Leaves">Leaf bytes, standard base64, in sequence order.</param>
public sealed record UplinkRequest(
    [property: JsonPropertyName("checkpoint")] string Checkpoint,
    [property: JsonPropertyName("firstSequence")] long FirstSequence,
    [property: JsonPropertyName("leaves")] IReadOnlyList<string> Leaves);

/// <summary>What the node committed.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="CommittedSize">How many leaves of the device log the node now holds.</param>
/// <param name="LedgerIndex">The ledger index of the anchor entry for this checkpoint.</param>
/// <param name="LedgerSize">The ledger size after the anchor entry was appended.</param>
public sealed record UplinkReceipt(
    [property: JsonPropertyName("deviceId")] string DeviceId,
    [property: JsonPropertyName("committedSize")] long CommittedSize,
    [property: JsonPropertyName("ledgerIndex")] long LedgerIndex,
    [property: JsonPropertyName("ledgerSize")] long LedgerSize);

/// <summary>How far the node got with a device's log.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Enrolled">Whether the device is enrolled.</param>
/// <param name="Revoked">Whether the device's enrolment was revoked.</param>
/// <param name="Equivocated">Whether the device signed two different roots for one size and is blocked.</param>
/// <param name="CommittedSize">How many leaves the node holds (0 when none).</param>
/// <param name="Checkpoint">The last device checkpoint the node anchored, verbatim, or null.</param>
/// <param name="LedgerIndex">The ledger index of that anchor entry, or null.</param>
public sealed record DeviceLogStatus(
    [property: JsonPropertyName("deviceId")] string DeviceId,
    [property: JsonPropertyName("enrolled")] bool Enrolled,
    [property: JsonPropertyName("revoked")] bool Revoked,
    [property: JsonPropertyName("equivocated")] bool Equivocated,
    [property: JsonPropertyName("committedSize")] long CommittedSize,
    [property: JsonPropertyName("checkpoint")] string? Checkpoint,
    [property: JsonPropertyName("ledgerIndex")] long? LedgerIndex);

/// <summary>JSON (de)serialisation of the uplink messages without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(UplinkRequest))]
[JsonSerializable(typeof(UplinkReceipt))]
[JsonSerializable(typeof(DeviceLogStatus))]
[JsonSerializable(typeof(GatewayStatusReport))]
[JsonSerializable(typeof(StatusReceipt))]
public sealed partial class UplinkJsonContext : JsonSerializerContext;
