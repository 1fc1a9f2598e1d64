namespace AnchorNode.Endpoints;

/// <summary>
/// The problem codes of requests the node refuses before any work is done (docs/anchor-node.md,
/// "Strict requests"). Each problem about one member names it in <c>field</c>.
/// </summary>
public static class RequestProblemTypes
{
    /// <summary>A member the request type does not have, including a known name in another letter case (400).</summary>
    public const string UnknownMember = "unknown-member";

    /// <summary>A member given twice in one object (400).</summary>
    public const string DuplicateMember = "duplicate-member";

    /// <summary>A member's value breaks its grammar (docs/spec-ledger.md §1 and §3.1) (400).</summary>
    public const string InvalidField = "invalid-field";

    /// <summary>A client-supplied time more than <see cref="Configuration.ClientTime.MaxAhead"/> ahead of the node's clock (400).</summary>
    public const string TimeAhead = Firmware.Contracts.Uplink.ProblemTypes.TimeAhead;

    /// <summary>A client address over its request budget on the public routes (429, with Retry-After).</summary>
    public const string RateLimited = "rate-limited";

    /// <summary>The body is not <c>application/json; charset=utf-8</c> (or <c>text/plain; charset=utf-8</c> for signed notes) (415).</summary>
    public const string UnsupportedMediaType = "unsupported-media-type";
}
