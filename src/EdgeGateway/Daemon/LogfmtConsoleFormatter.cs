using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace EdgeGateway.Daemon;

/// <summary>
/// One line per log entry in logfmt: <c>time=… level=… source=… event=… key=value … msg="…"</c>.
/// The keys are the entry's structured values, so journald, grep and the tests read the same
/// fields (e.g. <c>event=committed … last=… size=… root=…</c> acknowledges a commit).
/// </summary>
internal sealed class LogfmtConsoleFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "logfmt";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        var line = new StringBuilder(256);
        line.Append("time=").Append(TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        line.Append(" level=").Append(Level(logEntry.LogLevel));
        var category = logEntry.Category;
        line.Append(" source=").Append(category[(category.LastIndexOf('.') + 1)..]);
        if (logEntry.EventId.Name is { Length: > 0 } eventName)
        {
            line.Append(" event=").Append(eventName);
        }
        if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            foreach (var (key, value) in values)
            {
                if (key == "{OriginalFormat}")
                {
                    continue;
                }
                line.Append(' ').Append(SnakeCase(key)).Append('=');
                AppendValue(line, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
            }
        }
        line.Append(" msg=");
        AppendValue(line, message);
        if (logEntry.Exception is { } exception)
        {
            line.Append(" error=");
            AppendValue(line, $"{exception.GetType().Name}: {exception.Message}");
        }
        textWriter.Write(line.Append('\n').ToString());
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private static string SnakeCase(string key)
    {
        var sb = new StringBuilder(key.Length + 4);
        for (var i = 0; i < key.Length; i++)
        {
            var ch = key[i];
            if (char.IsUpper(ch))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }
                sb.Append(char.ToLowerInvariant(ch));
            }
            else
            {
                sb.Append(ch);
            }
        }
        return sb.ToString();
    }

    private static void AppendValue(StringBuilder line, string value)
    {
        var plain = value.Length > 0 && value.All(ch => ch > ' ' && ch != '"' && ch != '=' && ch != '\\' && !char.IsControl(ch));
        if (plain)
        {
            line.Append(value);
            return;
        }
        line.Append('"');
        foreach (var ch in value)
        {
            switch (ch)
            {
                case '"': line.Append("\\\""); break;
                case '\\': line.Append("\\\\"); break;
                case '\n': line.Append("\\n"); break;
                case '\r': line.Append("\\r"); break;
                case '\t': line.Append("\\t"); break;
                default: line.Append(char.IsControl(ch) ? ' ' : ch); break;
            }
        }
        line.Append('"');
    }
}
