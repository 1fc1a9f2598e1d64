namespace Firmware.Contracts.Ledger;

/// <summary>
/// The founding statement, the body of the entry at index 0:
/// <c>quorum &lt;k&gt;</c> then one <c>member &lt;name&gt; &lt;roles&gt; &lt;spki&gt;</c> per founding member.
/// Signed by at least one founding member (the one that creates the ledger); the others accept it
/// by cosigning the ledger's checkpoints.
/// </summary>
/// <param name="Quorum">How many distinct members must sign to admit a new member (1..members).</param>
/// <param name="Members">The founding members; names and keys unique.</param>
public sealed record GenesisStatement(int Quorum, IReadOnlyList<MemberInfo> Members)
{
    /// <summary>The most founding members.</summary>
    public const int MaxMembers = 100;

    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() =>
        [EntryField.Number("quorum", Quorum), .. Members.Select(m => new EntryField("member", m.ToValue()))];

    /// <summary>Reads the body of a <see cref="EntryKinds.Genesis"/> statement.</summary>
    public static Result<GenesisStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "genesis statement");
        var quorum = reader.RequiredNumber("quorum");
        var lines = reader.Repeated("member", MaxMembers);
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var members = new List<MemberInfo>();
        foreach (var line in lines)
        {
            var member = MemberInfo.Parse(line);
            if (!member.Succeeded)
            {
                return member.Failure!;
            }
            members.Add(member.Value);
        }
        if (members.Count == 0)
        {
            return Result<GenesisStatement>.Fail("entry-field", "genesis statement: a consortium has at least one member");
        }
        if (members.Select(m => m.Name).Distinct(StringComparer.Ordinal).Count() != members.Count
            || members.Select(m => m.PublicKey).Distinct(StringComparer.Ordinal).Count() != members.Count)
        {
            return Result<GenesisStatement>.Fail("entry-field", "genesis statement: member names and keys must be unique");
        }
        if (quorum < 1 || quorum > members.Count)
        {
            return Result<GenesisStatement>.Fail("entry-field", $"genesis statement: quorum {quorum} must be between 1 and the {members.Count} members");
        }
        return new GenesisStatement((int)quorum, members);
    }
}

/// <summary>A new member (<c>member &lt;name&gt; &lt;roles&gt; &lt;spki&gt;</c>), signed by a quorum of current members.</summary>
/// <param name="Member">The member admitted.</param>
public sealed record AdmitStatement(MemberInfo Member)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() => [new EntryField("member", Member.ToValue())];

    /// <summary>Reads the body of an <see cref="EntryKinds.Admit"/> statement.</summary>
    public static Result<AdmitStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "admit statement");
        var line = reader.Required("member");
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var member = MemberInfo.Parse(line);
        return member.Succeeded ? new AdmitStatement(member.Value) : member.Failure!;
    }
}

/// <summary>
/// A device enrolment, signed by an operator member:
/// <c>device</c>, <c>key</c> (base64 DER SPKI), optional <c>site</c> and <c>zone</c>, then
/// <c>sensor &lt;id&gt; &lt;quantity&gt; [&lt;zone&gt;]</c> lines.
/// </summary>
public sealed record EnrolStatement
{
    /// <summary>The most sensors one enrolment lists.</summary>
    public const int MaxSensors = 256;

    /// <summary>The device id.</summary>
    public required string DeviceId { get; init; }

    /// <summary>Base64 DER SPKI of the device key (P-256).</summary>
    public required string PublicKey { get; init; }

    /// <summary>The site (warehouse), optional.</summary>
    public string? Site { get; init; }

    /// <summary>The device's zone, optional.</summary>
    public string? Zone { get; init; }

    /// <summary>Its sensors; ids unique.</summary>
    public IReadOnlyList<SensorInfo> Sensors { get; init; } = [];

    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody()
    {
        yield return new EntryField("device", DeviceId);
        yield return new EntryField("key", PublicKey);
        if (Site is not null)
        {
            yield return new EntryField("site", Site);
        }
        if (Zone is not null)
        {
            yield return new EntryField("zone", Zone);
        }
        foreach (var sensor in Sensors)
        {
            yield return new EntryField("sensor", sensor.ToValue());
        }
    }

    /// <summary>Checks the fields (the same checks as parsing), e.g. before signing.</summary>
    public Result Check()
    {
        if (!LedgerNames.IsValidDeviceId(DeviceId))
        {
            return Result.Fail("entry-field", $"device id '{DeviceId}' must be 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit");
        }
        if (Site is not null && !LedgerNames.IsValidZone(Site))
        {
            return Result.Fail("entry-field", $"site '{Site}' must be 1-64 of A-Z a-z 0-9 . _ -");
        }
        if (Zone is not null && !LedgerNames.IsValidZone(Zone))
        {
            return Result.Fail("entry-field", $"zone '{Zone}' must be 1-64 of A-Z a-z 0-9 . _ -");
        }
        if (Sensors.Count > MaxSensors)
        {
            return Result.Fail("entry-field", $"at most {MaxSensors} sensors per device");
        }
        foreach (var sensor in Sensors)
        {
            if (!SensorInfo.Parse(sensor.ToValue()).Succeeded)
            {
                return Result.Fail("entry-field", $"sensor '{sensor.ToValue()}' must be '<sensor id> <quantity> [<zone>]'");
            }
        }
        if (Sensors.Select(s => s.SensorId).Distinct(StringComparer.Ordinal).Count() != Sensors.Count)
        {
            return Result.Fail("entry-field", "sensor ids must be unique");
        }
        return KeyCheck.P256Spki(PublicKey, $"device '{DeviceId}'");
    }

    /// <summary>Reads the body of an <see cref="EntryKinds.Enrol"/> statement.</summary>
    public static Result<EnrolStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "enrol statement");
        var device = reader.Required("device");
        var key = reader.Required("key");
        var site = reader.Optional("site");
        var zone = reader.Optional("zone");
        var sensorLines = reader.Repeated("sensor", MaxSensors);
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var sensors = new List<SensorInfo>();
        foreach (var line in sensorLines)
        {
            var sensor = SensorInfo.Parse(line);
            if (!sensor.Succeeded)
            {
                return sensor.Failure!;
            }
            sensors.Add(sensor.Value);
        }
        var enrol = new EnrolStatement { DeviceId = device, PublicKey = key, Site = site, Zone = zone, Sensors = sensors };
        var check = enrol.Check();
        return check.Succeeded ? enrol : check.Failure!;
    }
}

/// <summary>The end of a device's enrolment (<c>device</c>, <c>enrolment</c> index, optional <c>reason</c>), signed by an operator member.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="EnrolmentIndex">Ledger index of the enrolment it ends: it must be the one in force.</param>
/// <param name="Reason">Why, for people.</param>
public sealed record RevokeStatement(string DeviceId, long EnrolmentIndex, string? Reason)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() =>
        Reason is null
            ? [new EntryField("device", DeviceId), EntryField.Number("enrolment", EnrolmentIndex)]
            : [new EntryField("device", DeviceId), EntryField.Number("enrolment", EnrolmentIndex), new EntryField("reason", Reason)];

    /// <summary>Reads the body of a <see cref="EntryKinds.Revoke"/> statement.</summary>
    public static Result<RevokeStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "revoke statement");
        var device = reader.Required("device");
        var enrolment = reader.RequiredNumber("enrolment");
        var reason = reader.OptionalText("reason");
        if (reader.End() is { } failure)
        {
            return failure;
        }
        return LedgerNames.IsValidDeviceId(device)
            ? new RevokeStatement(device, enrolment, reason)
            : Result<RevokeStatement>.Fail("entry-field", $"revoke statement: device id '{device}' is not valid");
    }
}

/// <summary>
/// An operator's review of an equivocation (<c>device</c>, <c>equivocation</c> index, <c>reason</c>):
/// the device may anchor again, extending the history that was anchored before the equivocation.
/// </summary>
/// <param name="DeviceId">The device.</param>
/// <param name="EquivocationIndex">Ledger index of the equivocation entry reviewed.</param>
/// <param name="Reason">What the review found; required.</param>
public sealed record ClearStatement(string DeviceId, long EquivocationIndex, string Reason)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() =>
        [new EntryField("device", DeviceId), EntryField.Number("equivocation", EquivocationIndex), new EntryField("reason", Reason)];

    /// <summary>Reads the body of a <see cref="EntryKinds.Clear"/> statement.</summary>
    public static Result<ClearStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "clear statement");
        var device = reader.Required("device");
        var index = reader.RequiredNumber("equivocation");
        var reason = reader.RequiredText("reason");
        if (reader.End() is { } failure)
        {
            return failure;
        }
        return LedgerNames.IsValidDeviceId(device)
            ? new ClearStatement(device, index, reason)
            : Result<ClearStatement>.Fail("entry-field", $"clear statement: device id '{device}' is not valid");
    }
}
