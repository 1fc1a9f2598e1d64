using Firmware.Contracts;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>
/// A failure as the node reports it: an RFC 9457 problem with a stable type per failure
/// (<see cref="ProblemTypes.For"/>), an HTTP status and a detail that says what to do.
/// </summary>
/// <param name="Code">The failure code; the type URI is <c>urn:edgetrace:problem:&lt;code&gt;</c>.</param>
/// <param name="Status">The HTTP status.</param>
/// <param name="Detail">What went wrong and what to do.</param>
public sealed record NodeProblem(string Code, int Status, string Detail)
{
    /// <summary>Extra members of the problem object (e.g. <c>ledgerIndex</c>).</summary>
    public IReadOnlyDictionary<string, object?> Extensions { get; init; } = new Dictionary<string, object?>();

    /// <summary>A problem for a failure, with the status its code implies.</summary>
    public static NodeProblem From(Failure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return From(failure, StatusOf(failure.Code));
    }

    /// <summary>A problem for a failure of a device's own write (an upload or a status report): a device the ledger does not know is forbidden to write (403), where reading about it is 404.</summary>
    public static NodeProblem ForDeviceWrite(Failure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return From(failure, failure.Code == ProblemTypes.UnknownDevice ? 403 : StatusOf(failure.Code));
    }

    private static NodeProblem From(Failure failure, int status)
    {
        var extensions = new Dictionary<string, object?>();
        foreach (var (name, value) in failure.Facts ?? new Dictionary<string, object?>())
        {
            extensions[name] = value;
        }
        if (failure.LedgerIndex is { } index)
        {
            extensions["ledgerIndex"] = index;
        }
        return new NodeProblem(failure.Code, status, failure.Message) { Extensions = extensions };
    }

    /// <summary>The HTTP status of a failure code.</summary>
    public static int StatusOf(string code) => code switch
    {
        ProblemTypes.MalformedRequest or ProblemTypes.BadBase64 or ProblemTypes.MalformedLeaf or ProblemTypes.WrongOrigin
            or ProblemTypes.LeafOutOfSequence or ProblemTypes.SizeMismatch or ProblemTypes.RootMismatch
            or LedgerFailures.EntryFormat or LedgerFailures.EntryField or LedgerFailures.UnknownKind
            or RequestProblemTypes.UnknownMember or RequestProblemTypes.DuplicateMember or RequestProblemTypes.InvalidField or RequestProblemTypes.TimeAhead => 400,
        ProblemTypes.BadSignature or ProblemTypes.Unauthenticated => 401,
        ProblemTypes.Forbidden or ProblemTypes.RevokedDevice or LedgerFailures.RoleRequired or LedgerFailures.NotAMember => 403,
        ProblemTypes.NotFound or ProblemTypes.UnknownDevice or Ledger.CosignatureService.UnknownCheckpoint or LedgerFailures.UnknownLot or LedgerFailures.UnknownSensor or "empty-window" => 404,
        LedgerFailures.NotTheLender or LedgerFailures.NotTheOwner or LedgerFailures.OwnerConsentRequired or LedgerFailures.PartyConsentRequired => 403,
        LedgerFailures.ReceiptExists or LedgerFailures.PartyExists or LedgerFailures.EpcInUse or LedgerFailures.LotPledged or LedgerFailures.LotClosed
            or LedgerFailures.LotEnforced or LedgerFailures.NotPledged or LedgerFailures.QuantityExceeded or LedgerFailures.UnknownTitle
            or LedgerFailures.TimeOrder or LedgerFailures.LotFrozen or LedgerFailures.NotFrozen or LedgerFailures.ReceiptExpired or LedgerFailures.NotEnforced
            or LedgerFailures.QuantityMismatch or LedgerFailures.AlarmAcknowledged => 409,
        "damaged-store" or "evidence-invalid" => 500,
        "no-checkpoint" or Devices.DeviceFailures.NodeOutOfStep => 503,
        ProblemTypes.Equivocation or ProblemTypes.Gap or ProblemTypes.LeafMismatch or ProblemTypes.StaleCheckpoint
            or ProblemTypes.ConcurrentUpload or ProblemTypes.StaleReport or LedgerFailures.DeviceEnrolled or LedgerFailures.StaleReference
            or LedgerFailures.DuplicateStatement or LedgerFailures.MemberExists => 409,
        ProblemTypes.TooLarge => 413,
        RequestProblemTypes.UnsupportedMediaType => 415,
        RequestProblemTypes.RateLimited => 429,
        LedgerFailures.Genesis => 503,
        _ => 422,
    };

    /// <summary>A short title per status, for people.</summary>
    public string Title => Status switch
    {
        400 => "Bad request",
        401 => "Unauthenticated",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        413 => "Too large",
        415 => "Unsupported media type",
        429 => "Too many requests",
        500 => "Evidence damaged",
        503 => "Not ready",
        _ => "Refused",
    };
}
