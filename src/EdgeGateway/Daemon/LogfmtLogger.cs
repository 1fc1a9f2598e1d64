using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Daemon;

/// <summary>
/// Loggers that write one logfmt line per entry, synchronously, to standard output (errors to
/// standard error): <c>time=… level=… source=… event=… key=value … msg="…"</c>. The keys are the
/// entry's structured values, so journald, grep and the tests read the same fields; e.g.
/// <c>event=committed first=… last=… size=… root=…</c> acknowledges a commit. Written as the entry
/// is logged, so a line on the output means the thing it reports has happened.
/// </summary>
public sealed class LogfmtLoggerFactory : ILoggerFactory
{
    private readonly TextWriter _output;
    private readonly TextWriter _errors;
    private readonly LogLevel _minimum;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();

    /// <param name="output">Where entries below <see cref="LogLevel.Error"/> go.</param>
    /// <param name="errors">Where errors and critical entries go.</param>
    /// <param name="minimum">The lowest level written.</param>
    /// <param name="clock">The real clock, for the time field.</param>
    public LogfmtLoggerFactory(TextWriter output, TextWriter errors, LogLevel minimum, TimeProvider clock)
    {
        _output = output;
        _errors = errors;
        _minimum = minimum;
        _clock = clock;
    }

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new LogfmtLogger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    /// <inheritdoc/>
    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("logfmt loggers have no providers");

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private void Write(LogLevel level, string line)
    {
        var target = level >= LogLevel.Error ? _errors : _output;
        lock (_gate)
        {
            target.Write(line);
            target.Flush();
        }
    }

    private sealed class LogfmtLogger(LogfmtLoggerFactory owner, string source) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var line = new StringBuilder(256);
            line.Append("time=").Append(owner._clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            line.Append(" level=").Append(Level(logLevel));
            line.Append(" source=").Append(source);
            if (eventId.Name is { Length: > 0 } name)
            {
                line.Append(" event=").Append(name);
            }
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
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
            AppendValue(line, formatter(state, exception));
            if (exception is not null)
            {
                line.Append(" error=");
                AppendValue(line, $"{exception.GetType().Name}: {exception.Message}");
            }
            owner.Write(logLevel, line.Append('\n').ToString());
        }
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
