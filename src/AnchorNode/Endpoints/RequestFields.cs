using System.Globalization;
using AnchorNode.Configuration;
using Firmware.Contracts;
using Firmware.Contracts.Epc;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>
/// Checks a request's members against the grammars of the statements they go into
/// (docs/spec-ledger.md §1 and §3.1) before anything is signed or stored. The first member that
/// breaks its rule is the <see cref="Problem"/>: its <c>field</c> names it and the detail says the rule,
/// with the value escaped and cut short. Nothing is trimmed or defaulted: a value is taken as sent or refused.
/// </summary>
internal sealed class RequestFields
{
    /// <summary>The rule of ids (site, zone, device, receipt, party, member): how the detail says it.</summary>
    public const string IdRule = "must be 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit";

    private readonly long _latestMs;

    /// <summary>The rule of public keys: standard base64 (the DER SPKI of a P-256 key, checked when the statement is).</summary>
    public static string? Base64(string value) =>
        value.Length > 0 && value.Length <= 1024 && Convert.TryFromBase64String(value, new byte[value.Length], out _) && !value.Any(char.IsWhiteSpace)
            ? null
            : "must be standard base64 (RFC 4648 §4, with padding, no white space) of the key's DER SubjectPublicKeyInfo";

    /// <summary>Checks against the node's clock (<paramref name="time"/>) for client-supplied times.</summary>
    public RequestFields(TimeProvider time) => _latestMs = ClientTime.LatestAcceptedMs(time);

    /// <summary>The first member that broke its rule, or null.</summary>
    public NodeProblem? Problem { get; private set; }

    /// <summary>The problem as a result, or null.</summary>
    public IResult? Result => Problem is null ? null : Problems.Result(Problem);

    /// <summary>A member that must be present.</summary>
    public RequestFields Required(string field, object? value, string what)
    {
        if (Problem is null && value is null)
        {
            Problem = Problems.Field(ProblemTypes.MalformedRequest, field, $"'{field}' is required: {what}");
        }
        return this;
    }

    /// <summary>An id (site, zone, device, receipt, party, member).</summary>
    public RequestFields Id(string field, string? value, Func<string?, bool> isValid, bool required = true) =>
        Check(field, value, required, v => isValid(v) ? null : IdRule);

    /// <summary>Free text (a reason, a product name): the grammar of docs/spec-ledger.md §1.</summary>
    public RequestFields Text(string field, string? value, int maxLength, bool required = true) =>
        Check(field, value, required, v => FieldReader.TextProblem(v, maxLength));

    /// <summary>Any other grammar: <paramref name="rule"/> says why a value breaks it, or null.</summary>
    public RequestFields Check(string field, string? value, bool required, Func<string, string?> rule)
    {
        if (Problem is not null)
        {
            return this;
        }
        if (value is null)
        {
            return required ? Required(field, null, "see /openapi/v1.json") : this;
        }
        if (rule(value) is { } broken)
        {
            Invalid(field, $"'{field}' {broken}; got {LogText.Escape(value)}");
        }
        return this;
    }

    /// <summary>A positive quantity or amount that a statement can carry (at most six decimal places).</summary>
    public RequestFields Positive(string field, decimal? value, bool required = true)
    {
        if (Problem is not null || value is null)
        {
            return value is null && required ? Required(field, null, "a positive decimal") : this;
        }
        if (value <= 0 || !CanonicalValues.IsWritable(value.Value))
        {
            Invalid(field, $"'{field}' must be positive with at most {CanonicalValues.MaxDecimals} decimal places and 18 integer digits; got {value.Value.ToString(CultureInfo.InvariantCulture)}");
        }
        return this;
    }

    /// <summary>A limit (of a band): any sign, at most six decimal places.</summary>
    public RequestFields Limit(string field, decimal value)
    {
        if (Problem is null && !CanonicalValues.IsWritable(value))
        {
            Invalid(field, $"'{field}' must have at most {CanonicalValues.MaxDecimals} decimal places and 18 integer digits; got {value.ToString(CultureInfo.InvariantCulture)}");
        }
        return this;
    }

    /// <summary>A time that says when something happened: not negative, not ahead of the node's clock by more than <see cref="ClientTime.MaxAhead"/>.</summary>
    public RequestFields Past(string field, long? ms)
    {
        if (Problem is not null || ms is not { } value)
        {
            return this;
        }
        if (value < 0)
        {
            Invalid(field, $"'{field}' is Unix milliseconds and must not be negative; got {value}");
        }
        else if (value > _latestMs)
        {
            Problem = TimeAhead(field, value, _latestMs);
        }
        return this;
    }

    /// <summary>A time of a term (not bounded by the clock): not negative.</summary>
    public RequestFields Term(string field, long? ms)
    {
        if (Problem is null && ms is < 0)
        {
            Invalid(field, $"'{field}' is Unix milliseconds and must not be negative; got {ms}");
        }
        return this;
    }

    /// <summary>SGTIN EPC URIs in canonical form, each once.</summary>
    public RequestFields Epcs(string field, IReadOnlyList<string?>? epcs)
    {
        if (Problem is not null || epcs is null)
        {
            return this;
        }
        if (epcs.Count > LotStatement.MaxEpcs)
        {
            Invalid(field, $"'{field}' lists at most {LotStatement.MaxEpcs} EPCs; got {epcs.Count}");
            return this;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < epcs.Count && Problem is null; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"{field}[{i}]");
            Check(name, epcs[i], required: true, epc =>
                !Sgtin.TryParseEpcUri(epc, out var sgtin, out var error) ? $"must be an SGTIN pure-identity URI ({error})"
                : sgtin.ToEpcUri() != epc ? $"must be in canonical form ('{sgtin.ToEpcUri()}')"
                : !seen.Add(epc) ? "is listed twice"
                : null);
        }
        return this;
    }

    /// <summary>A time-ahead problem for <paramref name="field"/>.</summary>
    public static NodeProblem TimeAhead(string field, long valueMs, long latestMs) => NodeProblem.From(ClientTime.Ahead(field, valueMs, latestMs));

    private void Invalid(string field, string detail) => Problem = Problems.Field(RequestProblemTypes.InvalidField, field, detail);
}
