using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeGateway.Alarms;
using Firmware.Contracts.Hashing;

namespace EdgeGateway.Storage;

/// <summary>A sealed checkpoint as stored: the signed note verbatim, with its size and root for lookups.</summary>
/// <param name="Size">The tree size.</param>
/// <param name="Root">The root hash at that size.</param>
/// <param name="TimeMs">The gateway time of sealing (the note's <c>time</c> extension).</param>
/// <param name="Note">The signed note text.</param>
public sealed record StoredCheckpoint(long Size, Hash32 Root, long TimeMs, string Note);

/// <summary>The log's bookkeeping from the <c>meta</c> table.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Size">Leaves in the log.</param>
/// <param name="PrunedBelow">Leaves below this were pruned.</param>
/// <param name="NodeCommittedSize">The node's committed size as last reported.</param>
public sealed record LogMeta(string DeviceId, long Size, long PrunedBelow, long NodeCommittedSize);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AlarmTrackState))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
