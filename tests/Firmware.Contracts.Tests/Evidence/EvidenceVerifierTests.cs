using System.Text;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Tests.Ledger;
using static Firmware.Contracts.Tests.TestKeys;

namespace Firmware.Contracts.Tests.Evidence;

/// <summary>Device bundles (v2): what they prove, and that cutting, altering or re-pointing anything fails with a named code.</summary>
public class EvidenceVerifierTests
{
    private readonly TestLedger _ledger = new TestLedger().WithGenesis();
    private readonly TestDevice _device = new TestDevice("gw-01", BetaPem).Add(12);
    private readonly long _enrolment;
    private readonly long _anchor;

    public EvidenceVerifierTests()
    {
        _enrolment = _ledger.Enrol(_device);
        _anchor = _ledger.Anchor(_device);
    }

    private EvidencePolicy Policy(int? threshold = null) =>
        new([_ledger.Warehouse.VerifierKey, _ledger.Bank.VerifierKey, _ledger.Auditor.VerifierKey], threshold);

    // Readings dated in [minute 3, minute 8) of the device's log, against a checkpoint the quorum signed.
    private EvidenceBundle Bundle(long? fromMs = 1_795_428_000_000 + 3 * 60_000, long? toMs = 1_795_428_000_000 + 8 * 60_000, params EcdsaNoteSigner[] signers) =>
        TestLedger.Ok(_ledger.Builder([_device], signers.Length == 0 ? [_ledger.Warehouse, _ledger.Bank] : signers).Device(_device.Id, fromMs, toMs));

    private static EvidenceBundle WithDevice(EvidenceBundle bundle, Func<BundleDevice, BundleDevice> change) =>
        Copy(bundle, devices: [change(bundle.Devices[0])]);

    private static EvidenceBundle Copy(EvidenceBundle bundle, IReadOnlyList<BundleEntry>? entries = null, IReadOnlyList<BundleState>? state = null,
        IReadOnlyList<BundleDevice>? devices = null, BundleLedger? ledger = null) =>
        new()
        {
            Format = bundle.Format,
            Ledger = ledger ?? bundle.Ledger,
            Entries = entries ?? bundle.Entries,
            State = state ?? bundle.State,
            Devices = devices ?? bundle.Devices,
            Lot = bundle.Lot,
            Report = bundle.Report,
        };

    private static Failure Fails(Result<EvidenceSummary> result)
    {
        Assert.False(result.Succeeded, "the bundle verified but should not have");
        return result.Failure!;
    }

    [Fact]
    public void Verify_GoodBundle_SaysWhatItProves()
    {
        var result = EvidenceVerifier.Verify(Bundle().ToJson(), Policy());
        Assert.True(result.Succeeded, result.ToString());
        var device = result.Value.Devices.Single();
        Assert.Equal("gw-01", device.DeviceId);
        // The run starts with the last reading before the window and ends with the first at its end.
        Assert.Equal([2L, 8L], new[] { device.Readings[0].Content.Sequence, device.Readings[^1].Content.Sequence });
        Assert.Equal(2, device.First);
        Assert.Equal("warehouse", device.EnrolledBy);
        Assert.Equal(12, device.DeviceCheckpoint!.Size);
        Assert.Equal(_anchor, device.State.Anchor);
        Assert.Equal(_ledger.Log.Size, result.Value.LedgerCheckpoint.Size);
        Assert.Equal(["warehouse", "bank"], result.Value.Signers);
        Assert.Equal(2, result.Value.Quorum);
        Assert.Equal(2, result.Value.RequiredSignatures);
        Assert.Contains("signed by warehouse, bank", result.Value.AsOf, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_WholeLog_ReachesTheAnchoredEnd()
    {
        var result = EvidenceVerifier.Verify(Bundle(null, null), Policy());
        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(12, result.Value.Devices[0].Readings.Count);
        Assert.True(result.Value.Devices[0].ReachesAnchoredEnd);
    }

    [Fact]
    public void Verify_DefaultPolicy_NeedsTheQuorum()
    {
        var single = Bundle(signers: [_ledger.Warehouse]);
        var failure = Fails(EvidenceVerifier.Verify(single, Policy()));
        Assert.Equal(LedgerFailures.QuorumNotMet, failure.Code);
        Assert.Contains("signed by 1 trusted member (warehouse)", failure.Message, StringComparison.Ordinal);
        // Asked for explicitly, one signature is enough, and the result says whose word it rests on.
        var trusted = EvidenceVerifier.Verify(single, Policy(threshold: 1));
        Assert.True(trusted.Succeeded, trusted.ToString());
        Assert.Contains(trusted.Value.Warnings, w => w.Contains("one member's word", StringComparison.Ordinal));
        Assert.Contains("by the reader's choice", trusted.Value.AsOf, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_DefaultPolicy_NeverLessThanAMajorityOfTrustedMembers()
    {
        // A consortium whose state says one signature is enough does not get that from a reader who trusts three members.
        var ledger = new TestLedger().WithGenesis(quorum: 1);
        var device = new TestDevice("gw-01", BetaPem).Add(3);
        ledger.Enrol(device);
        ledger.Anchor(device);
        var bundle = TestLedger.Ok(ledger.Builder([device], ledger.Warehouse).Device(device.Id, null, null));
        var failure = Fails(EvidenceVerifier.Verify(bundle, new EvidencePolicy([ledger.Warehouse.VerifierKey, ledger.Bank.VerifierKey, ledger.Auditor.VerifierKey])));
        Assert.Equal(LedgerFailures.QuorumNotMet, failure.Code);
        Assert.Contains("majority of the 3 trusted member keys", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TrustedKeyNotAMember_IsReported()
    {
        using var stranger = EcdsaNoteSigner.Generate("bank");
        var result = EvidenceVerifier.Verify(Bundle(), new EvidencePolicy([_ledger.Warehouse.VerifierKey, _ledger.Bank.VerifierKey, stranger.VerifierKey]));
        // A key under the bank's name that is not the bank's signed nothing and counts for nothing; the reader is told.
        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains(result.Value.Warnings, w => w.Contains("'bank' is not the key the consortium lists", StringComparison.Ordinal));
        using var outsider = EcdsaNoteSigner.Generate("outsider");
        var warned = EvidenceVerifier.Verify(Bundle(), new EvidencePolicy([_ledger.Warehouse.VerifierKey, _ledger.Bank.VerifierKey, outsider.VerifierKey]));
        Assert.True(warned.Succeeded, warned.ToString());
        Assert.Contains(warned.Value.Warnings, w => w.Contains("'outsider' is not a member", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_NotBefore_RefusesOlderEvidence()
    {
        var policy = new EvidencePolicy([_ledger.Warehouse.VerifierKey, _ledger.Bank.VerifierKey], notBeforeMs: TestLedger.CheckpointTimeMs + 1);
        Assert.Equal("stale-evidence", Fails(EvidenceVerifier.Verify(Bundle(), policy)).Code);
    }

    [Fact]
    public void Verify_AlteredReading_NamesTheRun()
    {
        var bundle = WithDevice(Bundle(), device =>
        {
            var leaves = device.Leaves.ToList();
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(leaves[3]));
            var altered = System.Text.RegularExpressions.Regex.Replace(text, "\"v\":[0-9.]+", "\"v\":3");
            Assert.NotEqual(text, altered);
            leaves[3] = Convert.ToBase64String(Encoding.UTF8.GetBytes(altered));
            return device with { Leaves = leaves };
        });
        var failure = Fails(EvidenceVerifier.Verify(bundle, Policy()));
        Assert.Equal("root-mismatch", failure.Code);
        Assert.StartsWith("device gw-01: readings 2..8", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RemovedReading_BreaksTheRun()
    {
        var bundle = WithDevice(Bundle(), device => device with { Leaves = device.Leaves.Where((_, i) => i != 4).ToList() });
        var failure = Fails(EvidenceVerifier.Verify(bundle, Policy()));
        Assert.Equal("reading-sequence", failure.Code);
        Assert.StartsWith("reading 6 of gw-01", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_LastReadingsCut_TheRangeProofFails()
    {
        // Dropping the end of the run (and claiming it ends earlier) changes what the proof must cover.
        var bundle = WithDevice(Bundle(null, null), device => device with { Leaves = device.Leaves.Take(device.Leaves.Count - 1).ToList() });
        var failure = Fails(EvidenceVerifier.Verify(bundle, Policy()));
        Assert.Equal("path-too-short", failure.Code);
    }

    [Fact]
    public void Verify_OlderAnchor_IsIncomplete()
    {
        // The device anchored more since: a bundle against its older anchor leaves readings out.
        _device.Add(4);
        var old = Bundle(null, null);
        _ledger.Anchor(_device);
        var fresh = Bundle(null, null);
        // The old run and anchor, each entry proven again against the new checkpoint.
        var entries = old.Entries.Select(e => e with { Proof = _ledger.Log.Reader.InclusionProof(e.Index, _ledger.Log.Size).Select(h => h.ToBase64()).ToList() }).ToList();
        var stale = Copy(fresh, devices: old.Devices, entries: entries);
        var failure = Fails(EvidenceVerifier.Verify(stale, Policy()));
        Assert.Equal("incomplete-bundle", failure.Code);
        Assert.Contains("readings anchored later are left out", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_StateProofMissing_IsIncomplete()
    {
        var bundle = Bundle();
        var failure = Fails(EvidenceVerifier.Verify(Copy(bundle, state: bundle.State.Where(s => s.Key != "device/gw-01").ToList()), Policy()));
        Assert.Equal("incomplete-bundle", failure.Code);
        Assert.Contains("device/gw-01", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_StateValueChanged_FailsItsProof()
    {
        var bundle = Bundle();
        var state = bundle.State.Select(s => s.Key == "device/gw-01" ? s with { Value = s.Value!.Replace("size 12", "size 8", StringComparison.Ordinal) } : s).ToList();
        var failure = Fails(EvidenceVerifier.Verify(Copy(bundle, state: state), Policy()));
        Assert.Equal("state-root-mismatch", failure.Code);
        Assert.StartsWith("state entry 'device/gw-01'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ReadingOfAnotherDevice_IsRefused()
    {
        var other = new TestDevice("gw-02", GammaPem).Add(12);
        var bundle = WithDevice(Bundle(), device => device with { Leaves = [Convert.ToBase64String(other.Leaves[2].Bytes.Span), .. device.Leaves.Skip(1)] });
        Assert.Equal("reading-device", Fails(EvidenceVerifier.Verify(bundle, Policy())).Code);
    }

    [Fact]
    public void Verify_CheckpointByUntrustedKey_Fails()
    {
        using var stranger = EcdsaNoteSigner.Generate("warehouse");
        var bundle = Bundle(signers: [stranger]);
        var failure = Fails(EvidenceVerifier.Verify(bundle, Policy()));
        Assert.Equal("no-trusted-signature", failure.Code);
        Assert.StartsWith("ledger checkpoint", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_MissingEnrolment_NamesIt()
    {
        var bundle = Bundle();
        var failure = Fails(EvidenceVerifier.Verify(Copy(bundle, entries: bundle.Entries.Where(e => e.Index != _enrolment).ToList()), Policy()));
        Assert.Equal("missing-enrolment", failure.Code);
        Assert.Contains($"ledger index {_enrolment}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ExtraEntry_IsRefused()
    {
        var bundle = Bundle();
        var extra = new BundleEntry(0, Convert.ToBase64String(_ledger.Entries[0].Bytes.Span), _ledger.Log.Reader.InclusionProof(0, _ledger.Log.Size).Select(h => h.ToBase64()).ToList());
        var failure = Fails(EvidenceVerifier.Verify(Copy(bundle, entries: [extra, .. bundle.Entries]), Policy()));
        Assert.Equal("bundle-format", failure.Code);
        Assert.Contains("ledger entry 0 (genesis) is not used", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_EntryNotInLedger_NamesIt()
    {
        var bundle = Bundle();
        var forged = _ledger.Signed(EntryKinds.Enrol, new EnrolStatement { DeviceId = "gw-01", PublicKey = Convert.ToBase64String(_device.Key.PublicKey.Span) }.ToBody(), _ledger.Warehouse);
        var entries = bundle.Entries.Select(e => e.Index == _enrolment ? e with { Entry = Convert.ToBase64String(forged.Bytes.Span) } : e).ToList();
        var failure = Fails(EvidenceVerifier.Verify(Copy(bundle, entries: entries), Policy()));
        Assert.Equal("root-mismatch", failure.Code);
        Assert.StartsWith($"ledger entry {_enrolment} (enrol)", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ReadingDatedAfterItsAnchor_IsRefused()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-07", BetaPem).Add(3);
        ledger.Enrol(device);
        var record = ledger.State.Device(device.Id)!;
        // The node says it received the checkpoint an hour before the device's last reading.
        ledger.Append(AnchorEntry.Create(device.Leaves[^1].Content.TimeMs - 3_600_000, record.EnrolmentIndex, null, [], device.Checkpoint()));
        var bundle = TestLedger.Ok(ledger.Builder([device], ledger.Warehouse, ledger.Bank).Device(device.Id, null, null));
        var failure = Fails(EvidenceVerifier.Verify(bundle, new EvidencePolicy([ledger.Warehouse.VerifierKey, ledger.Bank.VerifierKey])));
        Assert.Equal("reading-after-anchor", failure.Code);
    }

    [Fact]
    public void Verify_EnrolmentByLender_IsRefused()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-09", BetaPem).Add(2);
        var statement = new EnrolStatement { DeviceId = device.Id, PublicKey = Convert.ToBase64String(device.Key.PublicKey.Span) };
        // Appended behind the rules' back (as a dishonest node would) and signed into a checkpoint.
        var entry = ledger.Signed(EntryKinds.Enrol, statement.ToBody(), ledger.Bank);
        ledger.Log.Append(entry.LeafHash);
        ledger.Entries.Add(entry);
        ledger.State.PutDevice(new DeviceRecord { DeviceId = device.Id, PublicKey = statement.PublicKey, EnrolmentIndex = 1, EnrolledBy = "bank" });
        ledger.State.SetSize(2);
        var bundle = TestLedger.Ok(ledger.Builder([device], ledger.Warehouse, ledger.Bank).Device(device.Id, null, null));
        Assert.Equal(LedgerFailures.RoleRequired, Fails(EvidenceVerifier.Verify(bundle, new EvidencePolicy([ledger.Warehouse.VerifierKey, ledger.Bank.VerifierKey]))).Code);
    }

    [Fact]
    public void Verify_CheckpointWithoutState_IsRefused()
    {
        var bundle = Bundle();
        var note = new Firmware.Contracts.Checkpoints.Checkpoint(TestLedger.Origin, _ledger.Log.Size, _ledger.Log.Root(),
            [Firmware.Contracts.Checkpoints.Checkpoint.TimeExtension(TestLedger.CheckpointTimeMs)]).Sign(_ledger.Warehouse, _ledger.Bank);
        var failure = Fails(EvidenceVerifier.Verify(Copy(bundle, ledger: new BundleLedger(TestLedger.Origin, note.ToString())), Policy()));
        Assert.Equal("checkpoint-format", failure.Code);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("{\"format\":\"edgetrace-evidence/v2\",\"ledger\":{\"origin\":\"o\",\"checkpoint\":\"c\"},\"entries\":[],\"devices\":[]}")]
    [InlineData("{\"format\":\"edgetrace-evidence/v2\",\"ledger\":{\"origin\":\"o\",\"checkpoint\":\"c\"},\"entries\":[],\"state\":[],\"devices\":[],\"extra\":1}")]
    [InlineData("{\"format\":\"edgetrace-evidence/v1\",\"ledger\":{\"origin\":\"o\",\"checkpoint\":\"c\"},\"entries\":[],\"devices\":[]}")]
    [InlineData("{\"format\":\"edgetrace-\\ud800evidence/v2\",\"ledger\":{\"origin\":\"o\",\"checkpoint\":\"c\"},\"entries\":[],\"state\":[],\"devices\":[]}")]
    [InlineData("{\"format\":\"edgetrace-evidence/v2\",\"ledger\":{\"origin\":\"\\udc00\",\"checkpoint\":\"c\"},\"entries\":[],\"state\":[],\"devices\":[]}")]
    [InlineData("not json")]
    public void Parse_Malformed_Fails(string json) =>
        Assert.Equal("bundle-format", EvidenceBundle.Parse(Encoding.UTF8.GetBytes(json)).Failure?.Code);

    [Fact]
    public void Entry_IsAStandardTlogProof()
    {
        var bundle = Bundle();
        var item = bundle.Entries.Single(e => e.Index == _enrolment);
        var entry = item.ToTlogProof(SignedNote.Parse(bundle.Ledger.Checkpoint).Value).Value;
        Assert.True(entry.Verify(new TrustPolicy([_ledger.Warehouse.VerifierKey]), _ledger.Entries[(int)_enrolment].LeafHash, TestLedger.Origin).Succeeded);
    }
}
