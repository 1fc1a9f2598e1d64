namespace EdgeTrace.CommandLine;

/// <summary>
/// The three programs as the user calls them, for the commands that messages and pages print:
/// <c>edgetrace node</c>, <c>edgetrace gateway</c>, <c>edgetrace verify</c> when the <c>edgetrace</c>
/// launcher (a checkout's, or the one <c>edgetrace install</c> writes) started the process (it sets
/// EDGETRACE_COMMAND), else the programs' own names. Compiled into each program.
/// </summary>
internal static class Programs
{
    /// <summary>The consortium node.</summary>
    public static string Node => Name("node", "AnchorNode");

    /// <summary>The gateway.</summary>
    public static string Gateway => Name("gateway", "EdgeGateway");

    /// <summary>The offline verifier.</summary>
    public static string Verify => Name("verify", "Verifier");

    /// <summary>The environment variable the launcher sets to its own absolute path.</summary>
    public const string LauncherVariable = "EDGETRACE_COMMAND";

    /// <summary>The absolute path of the launcher that started this process, or null.</summary>
    public static string? Launcher { get; } = Environment.GetEnvironmentVariable(LauncherVariable) is { Length: > 0 } path ? path : null;

    /// <summary><c>edgetrace WORD</c> under the launcher, else <paramref name="program"/>.</summary>
    public static string Name(string launcherWord, string program) => Launcher is not null ? $"edgetrace {launcherWord}" : program;
}
