using Firmware.Contracts.Ledger;
using static Firmware.Contracts.Tests.TestKeys;

namespace Firmware.Contracts.Tests.Ledger;

/// <summary>The <c>acknowledge</c> entry (docs/spec-ledger.md §3.5, §4): enrolled device, anchored leaf, one per alarm, operator-signed.</summary>
public sealed class AcknowledgeRuleTests
{
    private static string? Code<T>(Result<T> result) => result.Failure?.Code;

    private static (TestLedger Ledger, TestDevice Device) Anchored(int leaves = 5)
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem).Add(leaves);
        ledger.Enrol(device);
        ledger.Anchor(device);
        return (ledger, device);
    }

    private static AcknowledgeStatement Ack(long alarm, string comment = "door left open; closed it, 4.1 °C at 10:20") =>
        new("gw-01", alarm, "cold-a", "chiller-high", "api:cold-room-app", comment);

    [Fact]
    public void Acknowledge_OfAnAnchoredLeaf_IsRecorded_AndASecondIsRefusedNamingTheFirst()
    {
        var (ledger, _) = Anchored();
        TestLedger.Ok(ledger.Append(ledger.Signed(EntryKinds.Acknowledge, Ack(4).ToBody(), ledger.Warehouse)));
        var index = ledger.State.Size - 1;
        Assert.Equal(new AcknowledgementRecord("gw-01", 4, index), ledger.State.Acknowledgement("gw-01", 4));
        Assert.Null(ledger.State.Acknowledgement("gw-01", 3));
        Assert.Contains($"acknowledgement gw-01 4 {index}", ledger.State.Describe(), StringComparison.Ordinal);

        var again = ledger.Append(ledger.Signed(EntryKinds.Acknowledge, Ack(4, "another look").ToBody(), ledger.Warehouse));
        Assert.Equal(LedgerFailures.AlarmAcknowledged, Code(again));
        Assert.Equal(index, again.Failure!.LedgerIndex);
    }

    [Fact]
    public void Acknowledge_IsCommittedByTheStateMap_UnderTheAlarmKey()
    {
        var (ledger, _) = Anchored();
        var before = LedgerStateMap.Root(ledger.State);
        TestLedger.Ok(ledger.Append(ledger.Signed(EntryKinds.Acknowledge, Ack(4).ToBody(), ledger.Warehouse)));
        var index = ledger.State.Size - 1;
        var alarms = LedgerStateMap.Entries(ledger.State).Where(e => e.Key.StartsWith("alarm/", StringComparison.Ordinal)).Select(e => (e.Key, e.Value));
        Assert.Equal([("alarm/gw-01/4", $"entry {index}\n")], alarms);
        Assert.NotEqual(before, LedgerStateMap.Root(ledger.State));
    }

    [Fact]
    public void Acknowledge_OfALeafNoAnchorCovers_IsRefused()
    {
        var (ledger, _) = Anchored(5);
        Assert.Equal(LedgerFailures.AlarmNotAnchored, Code(ledger.Append(ledger.Signed(EntryKinds.Acknowledge, Ack(5).ToBody(), ledger.Warehouse))));
    }

    [Fact]
    public void Acknowledge_OfAnUnknownDevice_IsRefused()
    {
        var ledger = new TestLedger().WithGenesis();
        Assert.Equal(LedgerFailures.UnknownDevice, Code(ledger.Append(ledger.Signed(EntryKinds.Acknowledge, Ack(0).ToBody(), ledger.Warehouse))));
    }

    [Fact]
    public void Acknowledge_SignedByALenderOnly_IsRefused()
    {
        var (ledger, _) = Anchored();
        Assert.Equal(LedgerFailures.RoleRequired, Code(ledger.Append(ledger.Signed(EntryKinds.Acknowledge, Ack(1).ToBody(), ledger.Bank))));
    }

    [Theory]
    [InlineData("\u3000leading ideographic space")]
    [InlineData("trailing no-break space\u00A0")]
    [InlineData("line\u2028separator")]
    [InlineData("bidi \u202E text")]
    [InlineData("")]
    public void Acknowledge_WithACommentThatIsNotFreeText_IsRefused(string comment)
    {
        var (ledger, _) = Anchored();
        var body = Ack(1).ToBody().Select(f => f.Key == "comment" ? new EntryField("comment", comment.Length == 0 ? "x" : comment) : f).ToList();
        if (comment.Length == 0)
        {
            body.RemoveAll(f => f.Key == "comment");
        }
        Assert.Equal(LedgerFailures.EntryField, Code(ledger.Append(ledger.Signed(EntryKinds.Acknowledge, body, ledger.Warehouse))));
    }

    [Fact]
    public void Acknowledge_CommentLimit_Is500()
    {
        Assert.True(Ack(1, new string('a', 500)).Check().Succeeded);
        Assert.Equal(LedgerFailures.EntryField, Ack(1, new string('a', 501)).Check().Failure!.Code);
        Assert.Equal(LedgerFailures.EntryField, (Ack(1) with { Rule = "no spaces allowed" }).Check().Failure!.Code);
        Assert.Equal(LedgerFailures.EntryField, (Ack(1) with { By = new string('b', 81) }).Check().Failure!.Code);
    }

    [Fact]
    public void Acknowledge_Body_RoundTrips()
    {
        var (ledger, _) = Anchored();
        var statement = ledger.NewStatement(EntryKinds.Acknowledge, Ack(2).ToBody());
        Assert.Equal(Ack(2), AcknowledgeStatement.From(Statement.Parse(statement.Text).Value).Value);
        Assert.Contains("\ndevice gw-01\nalarm 2\nzone cold-a\nrule chiller-high\nby api:cold-room-app\ncomment door left open; closed it, 4.1 °C at 10:20", statement.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void SpecExample_IsWhatThisCodeWrites_AndNamesTheAlarmLeafOfTheVectors()
    {
        // docs/spec-ledger.md §3.5, byte for byte; the leaf is line 5 of docs/vectors/device-log-leaves.jsonl.
        var spec = File.ReadAllText(Path.Combine(Firmware.Contracts.Tests.Spec.SpecPaths.Root, "docs", "spec-ledger.md"));
        var section = spec[spec.IndexOf("### 3.5 Alarm acknowledgements", StringComparison.Ordinal)..spec.IndexOf("## 4. Ledger rules", StringComparison.Ordinal)];
        var start = section.IndexOf("```\n", StringComparison.Ordinal) + 4;
        var text = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
        var nonce = Convert.FromHexString("00000001000000000000000000000000");
        var written = Statement.Create(EntryKinds.Acknowledge, "demo", 1_795_429_320_000, nonce,
            new AcknowledgeStatement("gw-demo", 4, "chiller-1", "high-8c-10m", "dashboard:Li Wei", "Door left open during loading; closed at 10:20, back to 4 °C.").ToBody());
        Assert.Equal(text, written.Text);
        var leafLine = File.ReadAllLines(Path.Combine(Firmware.Contracts.Tests.Spec.SpecPaths.Vectors, "device-log-leaves.jsonl"))[4];
        var leaf = Firmware.Contracts.Readings.ReadingLeaf.Parse(System.Text.Encoding.UTF8.GetBytes(leafLine)).Value.Content;
        Assert.Equal(("gw-demo", 4L, Firmware.Contracts.Readings.LeafKind.Alarm, "start", "chiller-1", "high-8c-10m"),
            (leaf.DeviceId, leaf.Sequence, leaf.Kind, leaf.StringValue, leaf.Zone, leaf.Rule));
    }
}
