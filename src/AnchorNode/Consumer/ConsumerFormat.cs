using System.Globalization;

namespace AnchorNode.Consumer;

/// <summary>Dates, durations and temperatures as the consumer pages write them, in one language and time zone.</summary>
public sealed class ConsumerFormat
{
    /// <summary>Formats for <paramref name="language"/> with times shown in <paramref name="timeZone"/>.</summary>
    public ConsumerFormat(ConsumerLanguage language, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        Language = language;
        Text = ConsumerText.For(language);
        TimeZone = timeZone;
    }

    /// <summary>The language.</summary>
    public ConsumerLanguage Language { get; }

    /// <summary>Its strings.</summary>
    public ConsumerText Text { get; }

    /// <summary>The zone times are shown in.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>A temperature: at most one decimal, a true minus sign, e.g. <c>−18 °C</c>, <c>7.5 °C</c>.</summary>
    public static string Celsius(double value)
    {
        var rounded = Math.Round(value, 1, MidpointRounding.AwayFromZero);
        var text = Math.Abs(rounded).ToString("0.#", CultureInfo.InvariantCulture);
        return (rounded < 0 ? "\u2212" : "") + text + "\u00a0°C";
    }

    /// <summary>A calendar date in the display zone.</summary>
    public string Date(DateTimeOffset time) => Local(time).ToString(Text.DateFormat, CultureInfo.InvariantCulture);

    /// <summary>A date and time (minutes) in the display zone.</summary>
    public string DateTime(DateTimeOffset time) => Local(time).ToString(Text.DateTimeFormat, CultureInfo.InvariantCulture);

    /// <summary>A duration, coarse: days and hours, hours and minutes, minutes, or seconds under a minute.</summary>
    public string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }
        if (span < TimeSpan.FromMinutes(1))
        {
            return ConsumerText.Format(Text.DurationSeconds, (int)Math.Round(span.TotalSeconds));
        }
        var minutes = (long)Math.Round(span.TotalMinutes);
        if (minutes < 60)
        {
            return ConsumerText.Format(Text.DurationMinutes, minutes);
        }
        if (minutes < 24 * 60)
        {
            return ConsumerText.Format(Text.DurationHoursMinutes, minutes / 60, minutes % 60);
        }
        var hours = (long)Math.Round(span.TotalHours);
        return ConsumerText.Format(Text.DurationDaysHours, hours / 24, hours % 24);
    }

    /// <summary>The display zone as an offset, e.g. <c>UTC+08:00</c> (or <c>UTC</c>), at <paramref name="at"/>.</summary>
    public string ZoneLabel(DateTimeOffset at)
    {
        var offset = TimeZone.GetUtcOffset(at);
        if (offset == TimeSpan.Zero)
        {
            return "UTC";
        }
        var sign = offset < TimeSpan.Zero ? "\u2212" : "+";
        var abs = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"UTC{sign}{abs.Hours:00}:{abs.Minutes:00}");
    }

    private DateTimeOffset Local(DateTimeOffset time) => TimeZoneInfo.ConvertTime(time, TimeZone);
}
