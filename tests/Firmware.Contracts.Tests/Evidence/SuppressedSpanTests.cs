using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Tests.Evidence;

/// <summary>The suppressed spans of a condition report (docs/spec-ledger.md §7.2) from a device's event leaves.</summary>
public class SuppressedSpanTests
{
    private const long Min = 60_000;
    private static readonly long T0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static LeafContent Event(long seq, string code, double minute, string? zone = "chiller-1", string? reason = "defrost") => new()
    {
        DeviceId = "gw-1", Sequence = seq, Kind = LeafKind.Event, TimeMs = T0 + (long)(minute * Min), StringValue = code, Zone = zone, Reason = reason,
    };

    private static LeafContent Reading(long seq, double minute) => new()
    {
        DeviceId = "gw-1", Sequence = seq, Kind = LeafKind.Measurement, TimeMs = T0 + (long)(minute * Min), SensorId = "t0",
        Quantity = Senml.Temperature, Zone = "chiller-1", Unit = Senml.Celsius, Value = 4,
    };

    private static readonly StorageInterval[] InChiller = [new("s1", "chiller-1", T0, T0 + 600 * Min)];

    private static IReadOnlyList<SuppressedSpan> Spans(IEnumerable<LeafContent> leaves, IReadOnlyList<StorageInterval>? storage = null,
        string? site = "s1", double from = 0, double to = 600) =>
        LotConditions.SuppressedSpans([("gw-1", site, leaves)], storage ?? InChiller, T0 + (long)(from * Min), T0 + (long)(to * Min));

    [Fact]
    public void StartAndEnd_OfTheLotsZone_AreOneSpan()
    {
        var span = Assert.Single(Spans([Reading(0, 1), Event(1, "suppression-start", 120), Reading(2, 121), Event(3, "suppression-end", 150)]));
        Assert.Equal(new SuppressedSpan("gw-1", "chiller-1", "defrost", T0 + 120 * Min, T0 + 150 * Min, 1, 3), span);
    }

    [Fact]
    public void AStartWithoutEnd_IsOpen_AndAnEndWithoutStart_IsIgnored()
    {
        var span = Assert.Single(Spans([Event(0, "suppression-end", 10), Event(1, "suppression-start", 120)]));
        Assert.Equal((T0 + 120 * Min, (long?)null, (long?)null), (span.FromMs, span.ToMs, span.EndSequence));
    }

    [Fact]
    public void PairsBySequence_NotByTime_AndASecondStartIsIgnored()
    {
        var span = Assert.Single(Spans([Event(5, "suppression-end", 150), Event(2, "suppression-start", 120), Event(3, "suppression-start", 125)]));
        Assert.Equal((2L, (long?)5), (span.StartSequence, span.EndSequence));
    }

    [Fact]
    public void OtherZones_OtherSites_OutsideTheWindow_AndLeavesWithoutReason_AreNotListed()
    {
        Assert.Empty(Spans([Event(0, "suppression-start", 120, zone: "freezer-1"), Event(1, "suppression-end", 150, zone: "freezer-1")]));
        Assert.Empty(Spans([Event(0, "suppression-start", 120), Event(1, "suppression-end", 150)], [new("s2", "chiller-1", T0, T0 + 600 * Min)]));
        Assert.Empty(Spans([Event(0, "suppression-start", 120), Event(1, "suppression-end", 150)], from: 150));
        Assert.Empty(Spans([Event(0, "suppression-start", 120, reason: null), Event(1, "suppression-end", 150, reason: null)]));
        // The lot was in the zone only before the span.
        Assert.Empty(Spans([Event(0, "suppression-start", 120), Event(1, "suppression-end", 150)], [new("s1", "chiller-1", T0, T0 + 120 * Min)]));
        // A device or a storage interval without a site matches any site.
        Assert.Single(Spans([Event(0, "suppression-start", 120), Event(1, "suppression-end", 150)], [new("s2", "chiller-1", T0, T0 + 600 * Min)], site: null));
    }

    [Fact]
    public void Report_LeavesTheMemberOut_WhenNoSpan()
    {
        var report = new ConditionReport
        {
            Parameters = new ReportParameters { FromMs = 0, ToMs = 1 }, Bands = [], Storage = [], Sensors = [], Uncovered = [], Covenants = [],
        };
        Assert.DoesNotContain("suppressed", report.ToJson(), StringComparison.Ordinal);
        var with = report with { Suppressed = [new SuppressedSpan("gw-1", "chiller-1", "defrost", 5, null, 7, null)] };
        Assert.Contains("\"suppressed\":[{\"device\":\"gw-1\",\"zone\":\"chiller-1\",\"reason\":\"defrost\",\"from\":5,\"to\":null,\"startSeq\":7,\"endSeq\":null}]", with.ToJson(), StringComparison.Ordinal);
    }
}
