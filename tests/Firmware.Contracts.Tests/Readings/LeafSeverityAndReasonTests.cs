using System.Text;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Tests.Readings;

/// <summary>The optional <c>severity</c> of alarm leaves and <c>reason</c> of event leaves (docs/spec.md §2.1, §2.8).</summary>
public class LeafSeverityAndReasonTests
{
    private static readonly byte[] Salt = Convert.FromHexString("00112233445566778899aabbccddeeff");

    private static LeafContent Alarm(string? severity) => new()
    {
        DeviceId = "gw-01", Sequence = 9, Kind = LeafKind.Alarm, TimeMs = 1_795_428_360_000, SensorId = "hwmon/sht3x/1-0044",
        Zone = "chiller-1", Rule = "chiller-warn", Severity = severity, Unit = Senml.Celsius, Value = 8.4, StringValue = "start",
    };

    private static LeafContent Suppression(string? reason) => new()
    {
        DeviceId = "gw-01", Sequence = 10, Kind = LeafKind.Event, TimeMs = 1_795_428_000_000, Zone = "chiller-1", Reason = reason,
        StringValue = "suppression-start", Detail = "chiller-defrost",
    };

    [Fact]
    public void Create_WarningAlarm_WritesSeverityAfterRule()
    {
        var leaf = ReadingLeaf.Create(Alarm(AlarmSeverity.Warning), Salt);
        Assert.Equal(
            """{"ver":1,"dev":"gw-01","seq":9,"kind":"alarm","sensor":"hwmon/sht3x/1-0044","zone":"chiller-1","rule":"chiller-warn","severity":"warning","n":"gw-01/alarm/chiller-1/chiller-warn","u":"Cel","t":1795428360.000,"v":8.4,"vs":"start","salt":"00112233445566778899aabbccddeeff"}""",
            leaf.ToString());
        Assert.Equal(AlarmSeverity.Warning, ReadingLeaf.Parse(leaf.Bytes.Span).Value.Content.Severity);
    }

    [Fact]
    public void Create_SuppressionEvent_WritesReasonBeforeName()
    {
        var leaf = ReadingLeaf.Create(Suppression("defrost"), Salt);
        Assert.Equal(
            """{"ver":1,"dev":"gw-01","seq":10,"kind":"event","zone":"chiller-1","reason":"defrost","n":"gw-01/event/suppression-start","t":1795428000.000,"vs":"suppression-start","detail":"chiller-defrost","salt":"00112233445566778899aabbccddeeff"}""",
            leaf.ToString());
        var parsed = ReadingLeaf.Parse(leaf.Bytes.Span);
        Assert.True(parsed.Succeeded, parsed.ToString());
        Assert.Equal(Suppression("defrost"), parsed.Value.Content);
    }

    [Fact]
    public void Create_EscapedPath_WritesTheSameFields()
    {
        // A detail that needs escaping takes the general writer: the new fields are written there too.
        var leaf = ReadingLeaf.Create(Suppression("defrost") with { Detail = "défrost \"A\"" }, Salt);
        Assert.Contains("\"zone\":\"chiller-1\",\"reason\":\"defrost\",\"n\":", leaf.ToString(), StringComparison.Ordinal);
        Assert.True(ReadingLeaf.Parse(leaf.Bytes.Span).Succeeded);
    }

    [Fact]
    public void Parse_AlarmWithoutSeverity_ReadsNull_MeaningAlarm()
    {
        var leaf = ReadingLeaf.Create(Alarm(null), Salt);
        Assert.DoesNotContain("severity", leaf.ToString(), StringComparison.Ordinal);
        var content = ReadingLeaf.Parse(leaf.Bytes.Span).Value.Content;
        Assert.Null(content.Severity);
        Assert.Equal(AlarmSeverity.Alarm, AlarmSeverity.Of(content.Severity));
    }

    [Theory]
    [InlineData("Warning")]
    [InlineData("critical")]
    [InlineData("")]
    [InlineData("alarm ")]
    public void Create_UnknownSeverity_Throws(string severity)
    {
        var e = Assert.Throws<ArgumentException>(() => ReadingLeaf.Create(Alarm(severity), Salt));
        Assert.Contains("severity is warning or alarm", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Warning")]
    [InlineData("critical")]
    [InlineData("")]
    public void Parse_UnknownSeverity_Fails(string severity)
    {
        var text = ReadingLeaf.Create(Alarm(AlarmSeverity.Warning), Salt).ToString().Replace("\"severity\":\"warning\"", $"\"severity\":\"{severity}\"", StringComparison.Ordinal);
        var result = ReadingLeaf.Parse(Encoding.UTF8.GetBytes(text));
        Assert.False(result.Succeeded);
        Assert.Contains("severity", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Severity_OnOtherKinds_IsRefusedBothWays()
    {
        var e = Assert.Throws<ArgumentException>(() => ReadingLeaf.Create(Suppression("defrost") with { Severity = AlarmSeverity.Alarm }, Salt));
        Assert.Contains("has no severity", e.Message, StringComparison.Ordinal);
        var text = ReadingLeaf.Create(Suppression("defrost"), Salt).ToString().Replace("\"reason\":\"defrost\"", "\"severity\":\"alarm\"", StringComparison.Ordinal);
        Assert.False(ReadingLeaf.Parse(Encoding.UTF8.GetBytes(text)).Succeeded);
    }

    [Fact]
    public void Reason_OnOtherKinds_IsRefusedBothWays()
    {
        var e = Assert.Throws<ArgumentException>(() => ReadingLeaf.Create(Alarm(null) with { Reason = "defrost" }, Salt));
        Assert.Contains("has no reason", e.Message, StringComparison.Ordinal);
        var text = ReadingLeaf.Create(Alarm(AlarmSeverity.Warning), Salt).ToString().Replace("\"severity\":\"warning\"", "\"reason\":\"defrost\"", StringComparison.Ordinal);
        Assert.False(ReadingLeaf.Parse(Encoding.UTF8.GetBytes(text)).Succeeded);
    }

    [Theory]
    [InlineData("Defrost")]
    [InlineData("de frost")]
    [InlineData("")]
    [InlineData("-defrost")]
    public void Reason_OutsideTheCodePattern_IsRefusedBothWays(string reason)
    {
        Assert.Throws<ArgumentException>(() => ReadingLeaf.Create(Suppression(reason), Salt));
        var text = ReadingLeaf.Create(Suppression("defrost"), Salt).ToString().Replace("\"reason\":\"defrost\"", $"\"reason\":\"{reason}\"", StringComparison.Ordinal);
        Assert.False(ReadingLeaf.Parse(Encoding.UTF8.GetBytes(text)).Succeeded);
    }

    [Fact]
    public void Parse_SeverityTwice_Fails()
    {
        var text = ReadingLeaf.Create(Alarm(AlarmSeverity.Warning), Salt).ToString().Replace("\"severity\":\"warning\"", "\"severity\":\"warning\",\"sev\\u0065rity\":\"warning\"", StringComparison.Ordinal);
        var result = ReadingLeaf.Parse(Encoding.UTF8.GetBytes(text));
        Assert.False(result.Succeeded);
        Assert.Contains("appears twice", result.Failure!.Message, StringComparison.Ordinal);
    }
}
