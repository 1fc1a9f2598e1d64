using EdgeGateway.Alarms;
using EdgeGateway.Configuration;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Tests.Configuration;

/// <summary>Severity, "no data" rules and suppression windows in gateway.json (docs/gateway-config.md).</summary>
public sealed class AlarmLifecycleConfigTests
{
    private static GatewayConfig Parse(string fields) => GatewayConfigReader.Parse("""{ "deviceId": "gw-01", """ + fields + " }", "gateway.json");

    private static ConfigException Refused(string fields) => Assert.Throws<ConfigException>(() => Parse(fields));

    [Fact]
    public void Severity_DefaultsToAlarm_AndReadsWarning()
    {
        var config = Parse("""
            "alarms": [ { "id": "warn", "zone": "z", "above": 8, "delayMinutes": 5, "severity": "warning" },
                        { "id": "high", "zone": "z", "above": 8, "delayMinutes": 15 },
                        { "id": "door", "zone": "z", "quantity": "door", "delayMinutes": 2, "severity": "warning" } ]
            """);
        Assert.Equal([AlarmSeverity.Warning, AlarmSeverity.Alarm, AlarmSeverity.Warning], config.Alarms.Select(r => r.Severity));
    }

    [Fact]
    public void NoDataRule_ReadsSilentMinutes()
    {
        var rule = Assert.Single(Parse("""
            "alarms": [ { "id": "t-silent", "zone": "cold-a", "quantity": "no-data", "silentMinutes": 10, "severity": "alarm" } ]
            """).Alarms);
        Assert.True(rule.IsNoData);
        Assert.Equal((TimeSpan.FromMinutes(10), AlarmSeverity.Alarm), (rule.SilentFor, rule.Severity));
    }

    [Fact]
    public void Windows_DailyAndOneOff()
    {
        var config = Parse("""
            "suppressions": [
              { "id": "defrost", "zone": "cold-a", "reason": "defrost", "daily": "02:00", "durationMinutes": 30 },
              { "id": "service", "zone": "cold-a", "reason": "maintenance", "from": "2026-12-08T09:00:00Z", "to": "2026-12-08T12:00:00+01:00" } ]
            """);
        var (daily, once) = (config.Suppressions[0], config.Suppressions[1]);
        Assert.Equal((TimeSpan.FromHours(2), TimeSpan.FromMinutes(30), "defrost", "cold-a"), (daily.DailyStart!.Value, daily.Duration, daily.Reason, daily.Zone));
        Assert.Null(once.DailyStart);
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), once.FromMs);
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 11, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), once.ToMs);
    }

    [Theory]
    [InlineData(""" "alarms": [ { "id": "a", "zone": "z", "above": 8, "severity": "critical" } ] """, "alarms[0].severity", "must be warning or alarm, got 'critical'")]
    [InlineData(""" "alarms": [ { "id": "a", "zone": "z", "above": 8, "severity": "Warning" } ] """, "alarms[0].severity", "must be warning or alarm")]
    [InlineData(""" "alarms": [ { "id": "a", "zone": "z", "quantity": "no-data" } ] """, "alarms[0].silentMinutes", "is required for a no-data rule")]
    [InlineData(""" "alarms": [ { "id": "a", "zone": "z", "quantity": "no-data", "silentMinutes": 10, "above": 8 } ] """, "alarms[0].above", "does not apply to a no-data rule")]
    [InlineData(""" "alarms": [ { "id": "a", "zone": "z", "quantity": "no-data", "silentMinutes": 10, "delayMinutes": 8 } ] """, "alarms[0].delayMinutes", "does not apply to a no-data rule")]
    [InlineData(""" "alarms": [ { "id": "a", "zone": "z", "quantity": "door", "silentMinutes": 8 } ] """, "alarms[0].silentMinutes", "does not apply to a door rule")]
    [InlineData(""" "alarms": [ { "id": "a", "zone": "z", "quantity": "co2", "above": 8 } ] """, "alarms[0].quantity", "temperature, humidity, pressure, door or no-data")]
    [InlineData(""" "suppressions": [ { "id": "w", "zone": "z", "reason": "defrost", "daily": "2:00", "durationMinutes": 30 } ] """, "suppressions[0].daily", "UTC time of day as HH:MM")]
    [InlineData(""" "suppressions": [ { "id": "w", "zone": "z", "reason": "defrost", "daily": "24:00", "durationMinutes": 30 } ] """, "suppressions[0].daily", "UTC time of day")]
    [InlineData(""" "suppressions": [ { "id": "w", "zone": "z", "reason": "defrost", "daily": "02:00" } ] """, "suppressions[0].durationMinutes", "is required with daily")]
    [InlineData(""" "suppressions": [ { "id": "w", "zone": "z", "reason": "defrost", "daily": "02:00", "durationMinutes": 1440 } ] """, "suppressions[0].durationMinutes", "")]
    [InlineData(""" "suppressions": [ { "id": "w", "zone": "z", "reason": "Defrost", "daily": "02:00", "durationMinutes": 30 } ] """, "suppressions[0].reason", "lower-case code")]
    [InlineData(""" "suppressions": [ { "id": "w", "zone": "z", "daily": "02:00", "durationMinutes": 30 } ] """, "suppressions[0].reason", "")]
    [InlineData(""" "suppressions": [ { "id": "w", "zone": "z", "reason": "defrost", "daily": "02:00", "durationMinutes": 30, "from": "2026-12-08T09:00:00Z" } ] """, "suppressions[0].from", "either daily")]
    [InlineData(""" "suppressions": [ { "id": "w", "zone": "z", "reason": "defrost" } ] """, "suppressions[0].from", "needs daily and durationMinutes, or from and to")]
    [InlineData(""" "suppressions": [ { "id": "w", "zone": "z", "reason": "service", "from": "2026-12-08T09:00:00", "to": "2026-12-08T10:00:00Z" } ] """, "suppressions[0].from", "with Z or an offset")]
    [InlineData(""" "suppressions": [ { "id": "w", "zone": "z", "reason": "service", "from": "2026-12-08T09:00:00Z", "to": "2026-12-08T09:00:00Z" } ] """, "suppressions[0].to", "must be after 'from'")]
    [InlineData(""" "suppressions": [ { "id": "w", "zone": "z", "reason": "service", "from": "2026-12-08T09:00:00Z", "to": "2026-12-08T10:00:00Z", "durationMinutes": 5 } ] """, "suppressions[0].durationMinutes", "applies only to daily windows")]
    [InlineData(""" "suppressions": [ { "id": "w", "zone": "z", "reason": "defrost", "daily": "02:00", "durationMinutes": 30, "rules": ["a"] } ] """, "suppressions[0].rules", "")]
    [InlineData(""" "suppressions": [ { "id": "w", "zone": "z", "reason": "defrost", "daily": "02:00", "durationMinutes": 30 }, { "id": "w", "zone": "y", "reason": "defrost", "daily": "03:00", "durationMinutes": 30 } ] """, "suppressions[1].id", "window ids must be unique")]
    [InlineData(""" "alarms": [ { "id": "w", "zone": "z", "above": 8 } ], "suppressions": [ { "id": "w", "zone": "z", "reason": "defrost", "daily": "02:00", "durationMinutes": 30 } ] """, "suppressions", "also an alarm rule's id")]
    public void Parse_BadRuleOrWindow_NamesTheFieldAndSaysWhy(string fields, string field, string problem)
    {
        var e = Refused(fields);
        Assert.Equal(field, e.Field);
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
    }
}
