using Firmware.Contracts.Uplink;

namespace EdgeGateway.Uplink;

/// <summary>The anchor node as the gateway's uplink sees it (the Uplink contract in Firmware.Contracts).</summary>
public interface IAnchorClient
{
    /// <summary>The base URL of the node the client uses now (for <c>status</c>).</summary>
    Uri Node { get; }

    /// <summary>How far the node got with the device's log.</summary>
    Task<AnchorResult<DeviceLogStatus>> GetStatusAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>Uploads leaves and the signed checkpoint at their end; answers once the node has committed them.</summary>
    Task<AnchorResult<UplinkReceipt>> UploadAsync(string deviceId, UplinkBatch batch, CancellationToken cancellationToken);

    /// <summary>Posts a status report (a <see cref="GatewayStatusNote"/> signed by the device key).</summary>
    Task<AnchorResult<StatusReceipt>> PostStatusAsync(string deviceId, string signedNote, CancellationToken cancellationToken);
}

/// <summary>
/// Leaves [<paramref name="FirstSequence"/>, <paramref name="FirstSequence"/> + <paramref name="Count"/>)
/// and the checkpoint whose size is where they end. <paramref name="Leaves"/> is enumerated once,
/// while the request body is written, so that the batch never needs to be in memory whole.
/// </summary>
/// <param name="Checkpoint">The signed checkpoint note, verbatim.</param>
/// <param name="FirstSequence">The first leaf's sequence.</param>
/// <param name="Count">How many leaves.</param>
/// <param name="Base64Length">The total length of the leaves' base64 (for Content-Length).</param>
/// <param name="Leaves">The leaf bytes in order.</param>
public sealed record UplinkBatch(string Checkpoint, long FirstSequence, int Count, long Base64Length, IEnumerable<byte[]> Leaves);

/// <summary>How a call to the node failed.</summary>
public enum UplinkFailureKind
{
    /// <summary>No answer: connection refused, reset, DNS, TLS or timeout.</summary>
    Network,

    /// <summary>A 5xx answer: the node is there but cannot serve now.</summary>
    Server,

    /// <summary>A 4xx answer, usually an RFC 9457 problem with a <see cref="ProblemTypes"/> code.</summary>
    Refused,

    /// <summary>A 2xx answer the gateway cannot read.</summary>
    Protocol,
}

/// <summary>Why a call to the node failed.</summary>
/// <param name="Kind">The kind of failure.</param>
/// <param name="Status">The HTTP status, when there was an answer.</param>
/// <param name="Code">The problem code from the <c>type</c> URI (see <see cref="ProblemTypes"/>), when given.</param>
/// <param name="Detail">What went wrong, for people.</param>
public sealed record UplinkProblem(UplinkFailureKind Kind, int? Status, string? Code, string Detail)
{
    /// <summary>With <see cref="ProblemTypes.StaleReport"/>: the gateway time of the report the node holds.</summary>
    public long? LastGatewayTimeMs { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Status is { } s ? $"{s} {Code ?? Kind.ToString().ToLowerInvariant()}: {Detail}" : $"{Kind.ToString().ToLowerInvariant()}: {Detail}";
}

/// <summary>A node's answer or the reason there is none.</summary>
public readonly struct AnchorResult<T>
    where T : class
{
    private AnchorResult(T? value, UplinkProblem? problem)
    {
        Value = value;
        Problem = problem;
    }

    /// <summary>The answer, when the call succeeded.</summary>
    public T? Value { get; }

    /// <summary>The failure, when it did not.</summary>
    public UplinkProblem? Problem { get; }

    /// <summary>A success.</summary>
    public static AnchorResult<T> Ok(T value) => new(value, null);

    /// <summary>A failure.</summary>
    public static AnchorResult<T> Fail(UplinkProblem problem) => new(null, problem);
}
