namespace Firmware.Contracts.Ledger;

/// <summary>
/// An operator's acknowledgement of an alarm (docs/spec-ledger.md §3.5), signed by an operator member:
/// <c>device</c>, <c>alarm</c> (the device-log sequence of the alarm's <c>start</c> leaf), <c>zone</c>
/// and <c>rule</c> (as that leaf names them), <c>by</c> (who acknowledged it) and <c>comment</c>.
/// </summary>
/// <param name="DeviceId">The device whose log holds the alarm.</param>
/// <param name="Alarm">The sequence of the alarm's start leaf in the device log.</param>
/// <param name="Zone">The alarm leaf's zone.</param>
/// <param name="Rule">The alarm leaf's rule.</param>
/// <param name="By">Who acknowledged: <c>api:&lt;API client&gt;</c> or <c>dashboard:&lt;name&gt;</c> (free text).</param>
/// <param name="Comment">What the operator found or did (free text).</param>
public sealed record AcknowledgeStatement(string DeviceId, long Alarm, string Zone, string Rule, string By, string Comment)
{
    /// <summary>The longest <see cref="By"/>, in UTF-16 code units.</summary>
    public const int MaxByLength = 80;

    /// <summary>The longest <see cref="Comment"/>, in UTF-16 code units.</summary>
    public const int MaxCommentLength = 500;

    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() =>
    [
        new EntryField("device", DeviceId), EntryField.Number("alarm", Alarm), new EntryField("zone", Zone), new EntryField("rule", Rule),
        new EntryField("by", By), new EntryField("comment", Comment),
    ];

    /// <summary>Checks the fields (the same checks as parsing), e.g. before signing.</summary>
    public Result Check()
    {
        if (!LedgerNames.IsValidDeviceId(DeviceId))
        {
            return Result.Fail(LedgerFailures.EntryField, $"acknowledge statement: device id '{DeviceId}' is not valid");
        }
        if (Alarm < 0)
        {
            return Result.Fail(LedgerFailures.EntryField, $"acknowledge statement: alarm {Alarm} is not a sequence number");
        }
        if (!LedgerNames.IsValidZone(Zone) || !LedgerNames.IsValidZone(Rule))
        {
            return Result.Fail(LedgerFailures.EntryField, $"acknowledge statement: zone '{Zone}' and rule '{Rule}' must be 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit");
        }
        if (FieldReader.TextProblem(By, MaxByLength) is { } byProblem)
        {
            return Result.Fail(LedgerFailures.EntryField, $"acknowledge statement: by {byProblem}");
        }
        return FieldReader.TextProblem(Comment, MaxCommentLength) is { } commentProblem
            ? Result.Fail(LedgerFailures.EntryField, $"acknowledge statement: comment {commentProblem}")
            : Result.Ok;
    }

    /// <summary>Reads the body of an <see cref="EntryKinds.Acknowledge"/> statement.</summary>
    public static Result<AcknowledgeStatement> From(Statement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var reader = new FieldReader(statement.Body, "acknowledge statement");
        var device = reader.Required("device");
        var alarm = reader.RequiredNumber("alarm");
        var zone = reader.Required("zone");
        var rule = reader.Required("rule");
        var by = reader.RequiredText("by", MaxByLength);
        var comment = reader.RequiredText("comment", MaxCommentLength);
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var acknowledge = new AcknowledgeStatement(device, alarm, zone, rule, by, comment);
        var check = acknowledge.Check();
        return check.Succeeded ? acknowledge : check.Failure!;
    }
}

/// <summary>An alarm's acknowledgement as the ledger state holds it.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Alarm">The sequence of the alarm's start leaf.</param>
/// <param name="Index">The ledger index of the <c>acknowledge</c> entry.</param>
public sealed record AcknowledgementRecord(string DeviceId, long Alarm, long Index)
{
    /// <summary>One line for <see cref="LedgerStateDescription.Describe"/>.</summary>
    public string Describe() => $"acknowledgement {DeviceId} {Alarm} {Index}";
}
