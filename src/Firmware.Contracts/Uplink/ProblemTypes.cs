namespace Firmware.Contracts.Uplink;

/// <summary>
/// The RFC 9457 problem <c>type</c> URIs the node answers with, one per failure, so that a client
/// can act on the failure without parsing prose. The body's <c>detail</c> says what to do.
/// </summary>
public static class ProblemTypes
{
    private const string Prefix = "urn:edgetrace:problem:";

    /// <summary>The type URI for a failure code.</summary>
    public static string For(string code) => Prefix + code;

    /// <summary>The failure code of a type URI made by <see cref="For"/>, or null.</summary>
    public static string? CodeOf(string? type) =>
        type is not null && type.StartsWith(Prefix, StringComparison.Ordinal) ? type[Prefix.Length..] : null;

    /// <summary>The body is not valid JSON or misses fields (400).</summary>
    public const string MalformedRequest = "malformed-request";

    /// <summary>A leaf or the checkpoint is not valid base64 (400).</summary>
    public const string BadBase64 = "bad-base64";

    /// <summary>A leaf is not a well-formed v1 reading leaf (400).</summary>
    public const string MalformedLeaf = "malformed-leaf";

    /// <summary>Too many leaves or too large a body (413).</summary>
    public const string TooLarge = "too-large";

    /// <summary>The device is not enrolled (404 on status, 403 on upload).</summary>
    public const string UnknownDevice = "unknown-device";

    /// <summary>The device's enrolment was revoked (403).</summary>
    public const string RevokedDevice = "revoked-device";

    /// <summary>The device signed two roots for one size; uploads are refused until an operator acts (409).</summary>
    public const string Equivocation = "equivocation";

    /// <summary>The checkpoint's signature does not verify with the enrolled key (401).</summary>
    public const string BadSignature = "bad-signature";

    /// <summary>The checkpoint is for another device or log (400).</summary>
    public const string WrongOrigin = "wrong-origin";

    /// <summary>A leaf belongs to another device, or its sequence is not its position (400).</summary>
    public const string LeafOutOfSequence = "leaf-out-of-sequence";

    /// <summary>The leaves do not start at or before the node's committed size (409; ask the status and resume).</summary>
    public const string Gap = "gap";

    /// <summary>A re-sent leaf differs from the one the node holds (409).</summary>
    public const string LeafMismatch = "leaf-mismatch";

    /// <summary>The checkpoint's size is not where the leaves end (400).</summary>
    public const string SizeMismatch = "size-mismatch";

    /// <summary>The checkpoint's root is not the root of the stored and new leaves (400).</summary>
    public const string RootMismatch = "root-mismatch";

    /// <summary>The checkpoint is smaller than what the node already anchored (409).</summary>
    public const string StaleCheckpoint = "stale-checkpoint";

    /// <summary>Another upload for the device was committed while this one was checked; ask the status and resume (409).</summary>
    public const string ConcurrentUpload = "concurrent-upload";

    /// <summary>A status report is not newer than the last one the node accepted from the device: a replay, or a clock that went back (409).</summary>
    public const string StaleReport = "stale-report";

    /// <summary>The request has no valid API key (401).</summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>The API key's organisation lacks the role the endpoint needs (403).</summary>
    public const string Forbidden = "forbidden";

    /// <summary>No such resource (404).</summary>
    public const string NotFound = "not-found";

    /// <summary>A leaf (or another client-supplied time) is dated more than the allowed skew ahead of the node's clock: the device's clock runs ahead (422; accepted once its time has come).</summary>
    public const string TimeAhead = "time-ahead";

    /// <summary>How far ahead of the node's clock a client-supplied time may be: 5 minutes.</summary>
    public const long MaxClockSkewMs = 5 * 60_000;
}
