namespace EdgeGateway.Configuration;

/// <summary>
/// The configuration cannot be used. <see cref="Field"/> is the JSON path of the offending field
/// (e.g. <c>sealing.maxLeaves</c>), so that the message tells the operator exactly what to fix.
/// </summary>
public sealed class ConfigException(string source, string field, string problem)
    : Exception($"{source}: {field}: {problem}")
{
    /// <summary>The file (or argument) the value came from.</summary>
    public string File { get; } = source;

    /// <summary>The JSON path of the field.</summary>
    public string Field { get; } = field;

    /// <summary>What is wrong with it and what is accepted.</summary>
    public string Problem { get; } = problem;
}
