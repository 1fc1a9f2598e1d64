using System.CommandLine;
using System.CommandLine.Parsing;

namespace EdgeTrace.CommandLine;

/// <summary>
/// The command-line parser's errors in the user's words: which option or command, the value given
/// and what is expected ("--port abc: expected a whole number"), never a .NET type name; one line for
/// a run of unknown words, naming the commands that do exist. Compiled into each program.
/// </summary>
internal static class ParseErrors
{
    /// <summary>
    /// One line per problem of <paramref name="parse"/>: words the program does not know and values of
    /// the wrong form first (the cause), then what is missing.
    /// </summary>
    public static IReadOnlyList<string> Describe(ParseResult parse, string program)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var lines = new List<string>();
        var unknownSeen = false;
        var unknownWords = parse.Errors.Any(e => e.Message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal));
        foreach (var error in parse.Errors.OrderBy(e => e.Message.Contains("required", StringComparison.OrdinalIgnoreCase) ? 1 : 0))
        {
            // A command missing because an unknown word stood where it belongs: the unknown word says it.
            if (unknownWords && error.Message.StartsWith("Required command", StringComparison.Ordinal))
            {
                continue;
            }
            if (error.Message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal))
            {
                // The parser reports every word after the first unknown one; the first is the one to fix.
                if (!unknownSeen)
                {
                    unknownSeen = true;
                    lines.Add(Unknown(parse, Quoted(error.Message), program));
                }
                continue;
            }
            lines.Add(error.SymbolResult switch
            {
                OptionResult option when IsConversion(error) => $"{option.Option.Name} {Shown(option.Tokens)}: expected {Expected(option.Option.ValueType, option.Option)}",
                ArgumentResult argument when IsConversion(error) => $"{argument.Argument.Name} {Shown(argument.Tokens)}: expected {Expected(argument.Argument.ValueType, null)}",
                CommandResult command when error.Message.StartsWith("Required command", StringComparison.Ordinal) =>
                    $"'{Name(command.Command, program)}' needs a command: {string.Join(", ", Visible(command.Command))}",
                _ when Required(error.Message, parse) is { } required => required,
                _ => error.Message.TrimEnd('.'),
            });
        }
        return lines;
    }

    /// <summary>Writes the problems and the hint to <paramref name="error"/>; <paramref name="program"/> names the program as the user called it.</summary>
    public static void Write(ParseResult parse, TextWriter error, string program)
    {
        ArgumentNullException.ThrowIfNull(error);
        foreach (var line in Describe(parse, program))
        {
            error.WriteLine($"error: {line}");
        }
        error.WriteLine($"Run with --help for usage ({HelpPath(parse, program)} --help).");
    }

    private static string HelpPath(ParseResult parse, string program)
    {
        var names = new List<string>();
        for (SymbolResult? s = parse.CommandResult; s is not null; s = s.Parent)
        {
            if (s is CommandResult c)
            {
                names.Insert(0, Name(c.Command, program));
            }
        }
        return string.Join(' ', names);
    }

    private static string Name(Command command, string program) => command is RootCommand ? program : command.Name;

    // "Option '--data' is required." as "--data is required: the gateway's data folder …".
    private static string? Required(string message, ParseResult parse)
    {
        if (!message.StartsWith("Option '", StringComparison.Ordinal) || !message.Contains("' is required", StringComparison.Ordinal))
        {
            return null;
        }
        var name = Quoted(message);
        var option = parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == name);
        return option?.Description is { Length: > 0 } description ? $"{name} is required: {description}" : $"{name} is required";
    }

    private static bool IsConversion(ParseError error) => error.Message.StartsWith("Cannot parse argument", StringComparison.Ordinal);

    private static string Unknown(ParseResult parse, string word, string program)
    {
        var command = parse.CommandResult.Command;
        var name = Name(command, program);
        var commands = Visible(command).ToList();
        var options = command.Options.Where(o => !o.Hidden).Select(o => o.Name).ToList();
        if (word.StartsWith('-'))
        {
            return options.Count > 0
                ? $"'{name}' has no option {word} (its options: {string.Join(", ", options)})"
                : $"'{name}' has no option {word}";
        }
        return commands.Count > 0
            ? $"'{name}' has no command '{word}' (its commands: {string.Join(", ", commands)})"
            : $"'{name}' takes no value '{word}' here; options start with --";
    }

    private static IEnumerable<string> Visible(Command command) => command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);

    private static string Quoted(string message)
    {
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = message.LastIndexOf('\'');
        return start >= 0 && end > start ? message[(start + 1)..end] : message;
    }

    private static string Shown(IReadOnlyList<Token> tokens) => tokens.Count == 0 ? "(nothing)" : string.Join(' ', tokens.Select(t => t.Value));

    private static string Expected(Type type, Option? option)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t.IsArray)
        {
            t = t.GetElementType()!;
        }
        if (t.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(t).Select(n => n.ToLowerInvariant()));
        }
        var hint = option?.HelpName is { Length: > 0 } name ? $" ({name})" : "";
        return Type.GetTypeCode(t) switch
        {
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 => "a whole number" + hint,
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number" + hint,
            TypeCode.Boolean => "true or false",
            TypeCode.DateTime => "a date and time, ISO 8601 (2026-01-31T08:00:00Z)",
            _ when t == typeof(DateTimeOffset) => "a date and time, ISO 8601 (2026-01-31T08:00:00Z)",
            _ when t == typeof(TimeSpan) => "a duration (hh:mm:ss, or d.hh:mm:ss)",
            _ when t == typeof(Uri) => "a URL",
            _ when t == typeof(FileInfo) || t == typeof(DirectoryInfo) => "a path",
            _ => "a value of another form" + hint,
        };
    }
}
