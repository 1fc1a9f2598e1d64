using System.Reflection;
using System.Text.RegularExpressions;
using AnchorNode.Consumer;
using AnchorNode.Consumer.Pages;
using Firmware.Contracts.Epc;

namespace AnchorNode.Tests.Consumer;

/// <summary>The string tables, language choice and formats of the consumer pages.</summary>
public sealed partial class ConsumerTextTests
{
    private static readonly PropertyInfo[] Strings = typeof(ConsumerText).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.PropertyType == typeof(string)).ToArray();

    public static TheoryData<string> Keys() => [.. Strings.Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Keys))]
    public void EveryString_ExistsInBothLanguages_WithTheSamePlaceholders(string key)
    {
        var property = typeof(ConsumerText).GetProperty(key)!;
        var english = (string)property.GetValue(ConsumerText.English)!;
        var chinese = (string)property.GetValue(ConsumerText.Chinese)!;
        Assert.False(string.IsNullOrWhiteSpace(english));
        Assert.False(string.IsNullOrWhiteSpace(chinese));
        Assert.Equal(Placeholders(english), Placeholders(chinese));
    }

    [Fact]
    public void ChineseTable_IsChinese_WhereTheEnglishIsProse()
    {
        // Formats, units, the range dash and the GTIN term are shared; every sentence is translated.
        string[] shared = [nameof(ConsumerText.Range), nameof(ConsumerText.DateFormat), nameof(ConsumerText.DateTimeFormat)];
        foreach (var property in Strings.Where(p => !shared.Contains(p.Name)))
        {
            var chinese = (string)property.GetValue(ConsumerText.Chinese)!;
            Assert.True(Cjk().IsMatch(chinese), $"{property.Name} has no Chinese in '{chinese}'");
        }
    }

    [Theory]
    [InlineData(null, ConsumerLanguage.English)]
    [InlineData("", ConsumerLanguage.English)]
    [InlineData("zh-CN,zh;q=0.9,en;q=0.8", ConsumerLanguage.Chinese)]
    [InlineData("zh-TW", ConsumerLanguage.Chinese)]
    [InlineData("en-GB,en;q=0.9,zh;q=0.8", ConsumerLanguage.English)]
    [InlineData("fr-FR,fr;q=0.9,zh;q=0.5,en;q=0.4", ConsumerLanguage.Chinese)]
    [InlineData("fr-FR,de;q=0.9", ConsumerLanguage.English)]
    [InlineData("en;q=0.2,zh;q=0.8", ConsumerLanguage.Chinese)]
    [InlineData("zh;q=0,en", ConsumerLanguage.English)]
    [InlineData("*", ConsumerLanguage.English)]
    [InlineData("garbage;;;q=x", ConsumerLanguage.English)]
    public void AcceptLanguage_PicksTheBestOfEnglishAndChinese(string? header, ConsumerLanguage expected) =>
        Assert.Equal(expected, LanguageNegotiation.FromAcceptLanguage(header));

    [Theory]
    [InlineData(30, "30 s", "30 秒")]
    [InlineData(60 * 25, "25 min", "25 分钟")]
    [InlineData(60 * 135, "2 h 15 min", "2 小时 15 分钟")]
    [InlineData(3600 * 50, "2 d 2 h", "2 天 2 小时")]
    public void Durations_AreCoarse(int seconds, string english, string chinese)
    {
        var utc = TimeZoneInfo.Utc;
        Assert.Equal(english, new ConsumerFormat(ConsumerLanguage.English, utc).Duration(TimeSpan.FromSeconds(seconds)));
        Assert.Equal(chinese, new ConsumerFormat(ConsumerLanguage.Chinese, utc).Duration(TimeSpan.FromSeconds(seconds)));
    }

    [Theory]
    [InlineData(8, "8\u00a0°C")]
    [InlineData(7.46, "7.5\u00a0°C")]
    [InlineData(-18, "\u221218\u00a0°C")]
    [InlineData(-0.04, "0\u00a0°C")]
    public void Temperatures_HaveOneDecimalAndATrueMinus(double value, string expected) =>
        Assert.Equal(expected, ConsumerFormat.Celsius(value));

    [Fact]
    public void Dates_AreInTheDisplayZone_AndLanguage()
    {
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var lateUtc = new DateTimeOffset(2026, 11, 23, 20, 30, 0, TimeSpan.Zero); // already the 24th in Shanghai
        Assert.Equal("24 Nov 2026, 04:30", new ConsumerFormat(ConsumerLanguage.English, shanghai).DateTime(lateUtc));
        Assert.Equal("2026年11月24日", new ConsumerFormat(ConsumerLanguage.Chinese, shanghai).Date(lateUtc));
        Assert.Equal("UTC+08:00", new ConsumerFormat(ConsumerLanguage.English, shanghai).ZoneLabel(lateUtc));
        Assert.Equal("UTC", new ConsumerFormat(ConsumerLanguage.English, TimeZoneInfo.Utc).ZoneLabel(lateUtc));
    }

    [Fact]
    public void EveryDigitalLinkError_HasAReasonInBothLanguages()
    {
        foreach (var kind in Enum.GetValues<DigitalLinkErrorKind>())
        {
            var error = new DigitalLinkError(kind, "10", "x", "m") { Length = 21, Character = '~', ExpectedCheckDigit = 3, ActualCheckDigit = 4 };
            var english = MessagePages.Reason(error, ConsumerText.English);
            var chinese = MessagePages.Reason(error, ConsumerText.Chinese);
            Assert.DoesNotContain("{", english, StringComparison.Ordinal);
            Assert.DoesNotContain("{", chinese, StringComparison.Ordinal);
            Assert.Matches(Cjk(), chinese);
            // Only the generic reason may be shared by several kinds.
            if (kind != DigitalLinkErrorKind.NotADigitalLink)
            {
                Assert.NotEqual(ConsumerText.English.ReasonNotADigitalLink, english);
            }
        }
    }

    private static string[] Placeholders(string format) => [.. Placeholder().Matches(format).Select(m => m.Value).Distinct().Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"\{[0-9]+\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex Cjk();
}
