using System.Text.Json.Serialization;

namespace AnchorNode.Endpoints;

/// <summary>A device to enrol.</summary>
/// <param name="DeviceId">The device id (as its leaves carry it).</param>
/// <param name="PublicKey">Base64 DER SPKI of its P-256 key.</param>
/// <param name="Site">Its site, optional.</param>
/// <param name="Zone">Its zone, optional.</param>
/// <param name="Sensors">Its sensors, optional.</param>
public sealed record EnrolRequest(
    [property: JsonPropertyName("deviceId")] string DeviceId,
    [property: JsonPropertyName("publicKey")] string PublicKey,
    [property: JsonPropertyName("site")] string? Site,
    [property: JsonPropertyName("zone")] string? Zone,
    [property: JsonPropertyName("sensors")] IReadOnlyList<SensorModel>? Sensors);

/// <summary>A sensor of a device.</summary>
public sealed record SensorModel(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("quantity")] string Quantity,
    [property: JsonPropertyName("zone")] string? Zone);

/// <summary>Why an operator acts.</summary>
public sealed record ReasonRequest([property: JsonPropertyName("reason")] string? Reason);

/// <summary>An entry the node appended.</summary>
public sealed record AppendedResponse(
    [property: JsonPropertyName("ledgerIndex")] long LedgerIndex,
    [property: JsonPropertyName("ledgerSize")] long LedgerSize,
    [property: JsonPropertyName("kind")] string Kind);

/// <summary>A device as the ledger and this node know it.</summary>
public sealed record DeviceView(
    [property: JsonPropertyName("deviceId")] string DeviceId,
    [property: JsonPropertyName("publicKey")] string PublicKey,
    [property: JsonPropertyName("site")] string? Site,
    [property: JsonPropertyName("zone")] string? Zone,
    [property: JsonPropertyName("sensors")] IReadOnlyList<SensorModel> Sensors,
    [property: JsonPropertyName("enrolment")] long Enrolment,
    [property: JsonPropertyName("enrolledBy")] string EnrolledBy,
    [property: JsonPropertyName("revocation")] long? Revocation,
    [property: JsonPropertyName("anchor")] long? Anchor,
    [property: JsonPropertyName("anchoredSize")] long AnchoredSize,
    [property: JsonPropertyName("anchoredRoot")] string AnchoredRoot,
    [property: JsonPropertyName("equivocation")] long? Equivocation);

/// <summary>How this node's entries are ordered, and how far it has applied the order.</summary>
/// <param name="Mode"><c>local</c> (this node orders alone, in SQLite) or <c>etcd</c> (the consortium's etcd cluster orders).</param>
/// <param name="Applied">Entries in this node's store.</param>
/// <param name="Ordered">Entries in the consortium's order when this node last looked (equal to applied when local).</param>
/// <param name="Halted">Why this node stopped applying the order (an entry its rules refuse), or null.</param>
/// <param name="LastError">The last error reaching the ordering service, or null while it answers.</param>
public sealed record OrderingView(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("applied")] long Applied,
    [property: JsonPropertyName("ordered")] long Ordered,
    [property: JsonPropertyName("halted")] string? Halted,
    [property: JsonPropertyName("lastError")] string? LastError);

/// <summary>The consortium's members.</summary>
public sealed record MembersView(
    [property: JsonPropertyName("consortium")] string Consortium,
    [property: JsonPropertyName("origin")] string Origin,
    [property: JsonPropertyName("quorum")] int Quorum,
    [property: JsonPropertyName("members")] IReadOnlyList<MemberView> Members);

/// <summary>A member.</summary>
public sealed record MemberView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("roles")] string Roles,
    [property: JsonPropertyName("publicKey")] string PublicKey,
    [property: JsonPropertyName("keyId")] string KeyId,
    [property: JsonPropertyName("admittedAt")] long AdmittedAt);

/// <summary>A ledger checkpoint.</summary>
public sealed record CheckpointView(
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("timeMs")] long TimeMs,
    [property: JsonPropertyName("signatures")] int Signatures,
    [property: JsonPropertyName("note")] string Note);

/// <summary>Checkpoints, oldest first.</summary>
public sealed record CheckpointsView([property: JsonPropertyName("checkpoints")] IReadOnlyList<CheckpointView> Checkpoints);

/// <summary>An RFC 9162 consistency proof between two ledger sizes.</summary>
public sealed record ConsistencyView(
    [property: JsonPropertyName("from")] long From,
    [property: JsonPropertyName("to")] long To,
    [property: JsonPropertyName("proof")] IReadOnlyList<string> Proof);

/// <summary>A ledger entry.</summary>
public sealed record EntryView(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("entry")] string Entry);

/// <summary>A page of ledger entries.</summary>
public sealed record EntriesView(
    [property: JsonPropertyName("ledgerSize")] long LedgerSize,
    [property: JsonPropertyName("entries")] IReadOnlyList<EntryView> Entries);

/// <summary>A state map entry.</summary>
public sealed record StateEntryView(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] string Value);

/// <summary>The ledger state map as of a checkpoint (what its <c>state</c> line commits to).</summary>
public sealed record StateView(
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("root")] string Root,
    [property: JsonPropertyName("entries")] IReadOnlyList<StateEntryView> Entries);

/// <summary>A stored reading.</summary>
public sealed record ReadingView(
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("leaf")] string Leaf);

/// <summary>A page of readings.</summary>
public sealed record ReadingsView(
    [property: JsonPropertyName("deviceId")] string DeviceId,
    [property: JsonPropertyName("held")] long Held,
    [property: JsonPropertyName("readings")] IReadOnlyList<ReadingView> Readings);

/// <summary>The result of a cosignature.</summary>
public sealed record CosignView(
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("added")] IReadOnlyList<string> Added,
    [property: JsonPropertyName("note")] string Note);

/// <summary>
/// The uplink body (<see cref="Firmware.Contracts.Uplink.UplinkRequest"/>) with its leaves decoded
/// from base64 straight into bytes, without a string per leaf; the contract's string form is read
/// only when this fails, to name the bad leaf.
/// </summary>
internal sealed record UplinkBody(
    [property: JsonPropertyName("checkpoint")] string? Checkpoint,
    [property: JsonPropertyName("firstSequence")] long FirstSequence,
    [property: JsonPropertyName("leaves")] IReadOnlyList<byte[]?>? Leaves);

/// <summary>JSON of the node's own API types.</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EnrolRequest))]
[JsonSerializable(typeof(ReasonRequest))]
[JsonSerializable(typeof(AppendedResponse))]
[JsonSerializable(typeof(DeviceView))]
[JsonSerializable(typeof(List<DeviceView>))]
[JsonSerializable(typeof(MembersView))]
[JsonSerializable(typeof(OrderingView))]
[JsonSerializable(typeof(CheckpointView))]
[JsonSerializable(typeof(CheckpointsView))]
[JsonSerializable(typeof(ConsistencyView))]
[JsonSerializable(typeof(EntriesView))]
[JsonSerializable(typeof(StateView))]
[JsonSerializable(typeof(ReadingsView))]
[JsonSerializable(typeof(CosignView))]
[JsonSerializable(typeof(UplinkBody))]
internal sealed partial class NodeJsonContext : JsonSerializerContext;
