using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using static Firmware.Contracts.Tests.Evidence.LotLedger;

namespace Firmware.Contracts.Tests.Evidence;

/// <summary>Lot bundles: what a verified one proves, the report it reproduces, and the forgeries it refuses.</summary>
public sealed class LotBundleTests : IDisposable
{
    private readonly LotLedger _l = new();

    public void Dispose() => _l.Dispose();

    [Fact]
    public void LenderBundle_Verifies_AndItsReportFollowsFromTheReadings()
    {
        var summary = EvidenceVerifier.Verify(_l.Bundle().ToJson(), _l.Policy);

        Assert.True(summary.Succeeded, summary.ToString());
        var lot = summary.Value.Lot!;
        Assert.Equal(("WR-1", "warehouse", "acme-foods", 120m), (lot.Receipt, lot.IssuedBy, lot.Title!.Owner, lot.Title.Quantity));
        var pledge = Assert.Single(lot.Pledges);
        Assert.Equal((_l.Pledge, "bank", (long?)null), (pledge.Index, pledge.Lender, pledge.EndedBy));
        var report = LotConditions.Compute(summary.Value).Value;
        var sensor = Assert.Single(report.Sensors);
        Assert.Equal(("t1", 110, 110L), (sensor.SensorId, sensor.Count, sensor.Expected));
        var excursion = Assert.Single(sensor.Excursions);
        Assert.Equal((T0 + 60 * Minute, T0 + 76 * Minute, 9.5), (excursion.StartMs, excursion.EndMs, excursion.Peak));
        var breach = Assert.Single(Assert.Single(report.Covenants).Breaches);
        Assert.Equal(T0 + 75 * Minute, breach.ExceededAtMs);
        Assert.Equal([new Firmware.Contracts.Conditions.StorageInterval("site-1", "chiller-1", T0 + 10 * Minute, T0 + 120 * Minute)], report.Storage);
    }

    [Fact]
    public void PublicBundle_Verifies_WithoutTitleOrPledges()
    {
        var bundle = _l.Bundle(_l.PublicLot(), new BundleReport(T0, T0 + 120 * Minute, 10_000, Minute, 0));

        var summary = EvidenceVerifier.Verify(bundle.ToJson(), _l.Policy);

        Assert.True(summary.Succeeded, summary.ToString());
        Assert.Null(summary.Value.Lot!.Title);
        Assert.Null(summary.Value.Lot.Events);
        Assert.DoesNotContain(bundle.Entries, e => LedgerEntry.Parse(Convert.FromBase64String(e.Entry)).Value.Kind is EntryKinds.Title or EntryKinds.Pledge or EntryKinds.Party);
        var report = LotConditions.Compute(summary.Value).Value;
        Assert.Empty(report.Covenants);
        Assert.False(report.WithinRange);
    }

    [Fact]
    public void Title_ThatIsNotTheCommittedOne_IsRefused()
    {
        // Another title of the same receipt, signed by the operator, appended outside the rules.
        var other = _l.AppendRaw(_l.Signed(EntryKinds.Title, new TitleStatement { Receipt = "WR-1", Depositor = "acme-foods", Owner = "acme-foods", Quantity = 999, Unit = "carton" }.ToBody(), _l.Warehouse));

        var result = EvidenceVerifier.Verify(_l.Bundle(_l.LenderLot() with { Title = other }).ToJson(), _l.Policy);

        Assert.Equal("title-mismatch", result.Failure?.Code);
    }

    [Fact]
    public void Chain_WithAMoveLeftOut_IsRefused()
    {
        var second = _l.Append(_l.Signed(EntryKinds.Move, new MoveStatement(new LotReference("WR-1", _l.Lot, _l.Move), "site-1", "chiller-1", T0 + 95 * Minute).ToBody(), _l.Warehouse));

        var skipped = EvidenceVerifier.Verify(_l.Bundle(_l.LenderLot() with { Moves = [second] }).ToJson(), _l.Policy);
        var reordered = EvidenceVerifier.Verify(_l.Bundle(_l.LenderLot() with { Moves = [second, _l.Move] }).ToJson(), _l.Policy);

        Assert.Equal("broken-chain", skipped.Failure?.Code);
        Assert.Contains($"follows entry {_l.Move}", skipped.Failure!.Message, StringComparison.Ordinal);
        Assert.Equal("broken-chain", reordered.Failure?.Code);
        Assert.True(EvidenceVerifier.Verify(_l.Bundle(_l.LenderLot() with { Moves = [_l.Move, second] }).ToJson(), _l.Policy).Succeeded);
    }

    [Fact]
    public void Pledge_WhoseOwnerRegistrationIsMissing_IsRefused()
    {
        var result = EvidenceVerifier.Verify(_l.Bundle(_l.LenderLot() with { Parties = [] }).ToJson(), _l.Policy);

        Assert.Equal("missing-entry", result.Failure?.Code);
        Assert.Contains("owner 'acme-foods'", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pledge_WithoutTheOwnersSignature_IsRefused_EvenOnAForgedLedger()
    {
        var forged = _l.AppendRaw(_l.Signed(EntryKinds.Pledge, new PledgeStatement
        {
            Lot = new LotReference("WR-1", _l.Lot, _l.Lot), Lender = "bank", Owner = "acme-foods", Amount = 1, Currency = "CNY", StartMs = T0, EndMs = T0 + 1,
        }.ToBody(), _l.Bank));

        var result = EvidenceVerifier.Verify(_l.Bundle(_l.LenderLot() with { Events = [forged] }, new BundleReport(T0, T0 + 60 * Minute, 10_000, Minute, 0)).ToJson(), _l.Policy);

        Assert.Equal(LedgerFailures.OwnerConsentRequired, result.Failure?.Code);
    }

    [Fact]
    public void Lot_SignedByALender_IsRefused_EvenOnAForgedLedger()
    {
        var forged = _l.AppendRaw(_l.Signed(EntryKinds.Lot, (_l.LotStatement(default) with { Receipt = "WR-X" }).ToBody(), _l.Bank));

        var result = EvidenceVerifier.Verify(_l.Bundle(new BundleLot("WR-X", forged, [])).ToJson(), _l.Policy);

        Assert.Equal(LedgerFailures.RoleRequired, result.Failure?.Code);
    }

    [Fact]
    public void Report_OfAPledgeOutsideTheChain_OrWithoutALot_IsRefused()
    {
        var notInChain = EvidenceVerifier.Verify(_l.Bundle(report: new BundleReport(T0, T0 + Minute, 10_000, Minute, 0, null, _l.Move)).ToJson(), _l.Policy);
        var noLot = _l.Bundle() is var b ? new EvidenceBundle { Format = b.Format, Ledger = b.Ledger, Entries = b.Entries, Devices = b.Devices, Report = b.Report } : null;

        Assert.Equal("bad-report", notInChain.Failure?.Code);
        Assert.Equal("bundle-format", EvidenceVerifier.Verify(noLot!.ToJson(), _l.Policy).Failure?.Code);
    }

    [Fact]
    public void LotMember_ItDoesNotKnow_IsRefused()
    {
        var json = System.Text.Encoding.UTF8.GetString(_l.Bundle().ToJson()).Replace("\"receipt\":\"WR-1\"", "\"receipt\":\"WR-1\",\"value\":1", StringComparison.Ordinal);

        Assert.Equal("bundle-format", EvidenceVerifier.Verify(System.Text.Encoding.UTF8.GetBytes(json), _l.Policy).Failure?.Code);
    }

    [Fact]
    public void EntryOfTheLot_MissingFromTheBundle_IsNamed()
    {
        var result = EvidenceVerifier.Verify(_l.Bundle(leave: [_l.Move]).ToJson(), _l.Policy);

        Assert.Equal("missing-entry", result.Failure?.Code);
        Assert.Contains($"ledger entry {_l.Move}", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeviceOnlyBundle_StillVerifies_AndHasNoLot()
    {
        var b = _l.Bundle();
        var devices = new EvidenceBundle { Format = b.Format, Ledger = b.Ledger, Entries = b.Entries, Devices = b.Devices };

        var summary = EvidenceVerifier.Verify(devices.ToJson(), _l.Policy);

        Assert.True(summary.Succeeded, summary.ToString());
        Assert.Null(summary.Value.Lot);
        Assert.DoesNotContain("\"lot\"", System.Text.Encoding.UTF8.GetString(devices.ToJson()), StringComparison.Ordinal);
        Assert.Equal("no-lot", LotConditions.Compute(summary.Value).Failure?.Code);
    }
}
