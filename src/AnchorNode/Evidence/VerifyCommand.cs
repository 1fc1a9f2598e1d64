namespace AnchorNode.Evidence;

/// <summary>
/// The verify command the node prints for a bundle (CLI output, report pages, the demo), written so
/// that it runs as printed: the <c>edgetrace</c> launcher's absolute path when the programs were
/// started through it (it sets EDGETRACE_COMMAND), else the installed <c>edgetrace</c> tool.
/// Without <c>--threshold</c>, so the verifier asks for the consortium's quorum.
/// </summary>
public static class VerifyCommand
{
    /// <summary>The program to call: the launcher that started this process, or <c>edgetrace</c> on the PATH.</summary>
    public static string Program { get; } = EdgeTrace.CommandLine.Programs.Launcher ?? "edgetrace";

    /// <summary><c>&lt;program&gt; verify &lt;kind&gt; &lt;file&gt; --key NAME=SPKI …</c>, each word quoted for a POSIX shell where needed.</summary>
    public static string Format(string kind, string file, IEnumerable<string> keys) =>
        string.Join(' ', new[] { Program, "verify", kind, file }.Concat(keys.SelectMany(k => new[] { "--key", k })).Select(ShellQuote));

    /// <summary>Quotes a word for a POSIX shell when it has anything but safe characters.</summary>
    public static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "_-./=:+,@%".Contains(c, StringComparison.Ordinal))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
