namespace Firmware.Contracts;

/// <summary>
/// Why a check failed: a stable machine code (for API problem types, exit reasons and tests)
/// and a sentence a person can act on.
/// </summary>
/// <param name="Code">Stable, kebab-case, e.g. <c>root-mismatch</c>.</param>
/// <param name="Message">What went wrong, with the values involved.</param>
public sealed record Failure(string Code, string Message)
{
    /// <summary>The ledger entry the failure is about, when there is one (e.g. the active pledge a new pledge collides with).</summary>
    public long? LedgerIndex { get; init; }

    /// <summary>Values a program may read beside the message (the node answers them as members of its problem, e.g. <c>lastGatewayTimeMs</c>).</summary>
    public IReadOnlyDictionary<string, object?>? Facts { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>The outcome of a check that yields nothing but success or a <see cref="Failure"/>.</summary>
public readonly struct Result
{
    private Result(Failure? failure) => Failure = failure;

    /// <summary>The success value.</summary>
    public static Result Ok => default;

    /// <summary>Null when the check succeeded.</summary>
    public Failure? Failure { get; }

    /// <summary>True when the check succeeded.</summary>
    public bool Succeeded => Failure is null;

    /// <summary>A failed result.</summary>
    public static Result Fail(string code, string message) => new(new Failure(code, message));

    /// <summary>A failed result.</summary>
    public static implicit operator Result(Failure failure) => new(failure);

    /// <inheritdoc/>
    public override string ToString() => Failure?.ToString() ?? "ok";
}

/// <summary>
/// The outcome of a check that yields a value only on success. Reading <see cref="Value"/> of a
/// failed result throws, so a caller cannot use what was not verified by accident.
/// </summary>
public readonly struct Result<T>
{
    private readonly T? _value;

    private Result(T? value, Failure? failure)
    {
        _value = value;
        Failure = failure;
    }

    /// <summary>Null when the check succeeded.</summary>
    public Failure? Failure { get; }

    /// <summary>True when the check succeeded.</summary>
    public bool Succeeded => Failure is null;

    /// <summary>The checked value.</summary>
    /// <exception cref="InvalidOperationException">When the check failed.</exception>
    public T Value => Failure is null ? _value! : throw new InvalidOperationException($"no value: {Failure}");

    /// <summary>A successful result.</summary>
    public static Result<T> Ok(T value) => new(value, null);

    /// <summary>A failed result.</summary>
    public static Result<T> Fail(string code, string message) => new(default, new Failure(code, message));

    /// <summary>A successful result.</summary>
    public static implicit operator Result<T>(T value) => Ok(value);

    /// <summary>A failed result.</summary>
    public static implicit operator Result<T>(Failure failure) => new(default, failure);

    /// <inheritdoc/>
    public override string ToString() => Failure?.ToString() ?? $"ok: {_value}";
}
