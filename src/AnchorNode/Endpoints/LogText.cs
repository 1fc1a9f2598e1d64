using System.Globalization;
using System.Text;

namespace AnchorNode.Endpoints;

/// <summary>
/// Client-supplied values as they may appear in a log line or a problem detail: quoted, every
/// character outside printable ASCII (control, bidirectional, line separators, anything else)
/// written as <c>\uXXXX</c>, and cut to a bound with the full length said, so that no value can
/// forge a log line, reorder what a reader sees, or fill the log.
/// </summary>
public static class LogText
{
    /// <summary>The value quoted, escaped and bounded to <paramref name="maxChars"/> characters of the original.</summary>
    public static string Escape(string? value, int maxChars = 64) => value is null ? "null" : Write(value, maxChars, quoted: true);

    /// <summary>
    /// A message (e.g. a problem detail, whose values are <see cref="Escape"/>d already) for a log
    /// line: bounded, and every character outside printable ASCII written as <c>\uXXXX</c>.
    /// </summary>
    public static string Line(string? message, int maxChars = 300) => message is null ? "" : Write(message, maxChars, quoted: false);

    private static string Write(string value, int maxChars, bool quoted)
    {
        var shown = value.Length <= maxChars ? value : value[..maxChars];
        var builder = new StringBuilder(shown.Length + 16);
        if (quoted)
        {
            builder.Append('"');
        }
        foreach (var c in shown)
        {
            if (quoted && c is '"' or '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (c is >= ' ' and <= '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }
        if (quoted)
        {
            builder.Append('"');
        }
        if (shown.Length < value.Length)
        {
            builder.Append(CultureInfo.InvariantCulture, $"… ({value.Length} characters)");
        }
        return builder.ToString();
    }
}
