using System.Text;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Tests.Ledger;
using static Firmware.Contracts.Tests.TestKeys;

namespace Firmware.Contracts.Tests.Evidence;

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

    private TrustPolicy Policy(int threshold = 1) =>
        new([_ledger.Warehouse.VerifierKey, _ledger.Bank.VerifierKey, _ledger.Auditor.VerifierKey], threshold);

    private EvidenceBundle Bundle(long first = 2, long last = 9, SignedNote? checkpoint = null, IEnumerable<long>? entries = null)
    {
        var note = checkpoint ?? _ledger.Checkpoint();
        var size = _ledger.Log.Size;
        return new EvidenceBundle
        {
            Format = EvidenceBundle.FormatV1,
            Ledger = new BundleLedger(TestLedger.Origin, note.ToString()),
            Entries = (entries ?? [0, _enrolment, _anchor]).Select(i => new BundleEntry(i, Convert.ToBase64String(_ledger.Entries[(int)i].Bytes.Span),
                _ledger.Log.Reader.InclusionProof(i, size).Select(h => h.ToBase64()).ToList())).ToList(),
            Devices =
            [
                new BundleDevice(_device.Id, _enrolment, _anchor, Enumerable.Range((int)first, (int)(last - first + 1)).Select(seq =>
                    new BundleReading(seq, Convert.ToBase64String(_device.Leaves[seq].Bytes.Span),
                        _device.Log.Reader.InclusionProof(seq, _device.Log.Size).Select(h => h.ToBase64()).ToList())).ToList()),
            ],
        };
    }

    private static EvidenceBundle WithReadings(EvidenceBundle bundle, Func<List<BundleReading>, List<BundleReading>> change) =>
        new()
        {
            Format = bundle.Format,
            Ledger = bundle.Ledger,
            Entries = bundle.Entries,
            Devices = [bundle.Devices[0] with { Readings = change([.. bundle.Devices[0].Readings]) }],
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
        Assert.Equal(8, device.Readings.Count);
        Assert.Equal([2L, 9L], new[] { device.Readings[0].Content.Sequence, device.Readings[^1].Content.Sequence });
        Assert.Equal("warehouse", device.EnrolledBy);
        Assert.Equal(12, device.DeviceCheckpoint.Size);
        Assert.Equal(_ledger.Log.Size, result.Value.LedgerCheckpoint.Size);
        Assert.Equal(["warehouse"], result.Value.Signers);
    }

    [Fact]
    public void Verify_ThresholdOfMembers()
    {
        var single = Bundle();
        Assert.Equal("threshold-not-met", Fails(EvidenceVerifier.Verify(single, Policy(threshold: 2))).Code);
        var cosigned = Bundle(checkpoint: _ledger.Checkpoint(_ledger.Warehouse, _ledger.Bank));
        Assert.True(EvidenceVerifier.Verify(cosigned, Policy(threshold: 2)).Succeeded);
    }

    [Fact]
    public void Verify_AlteredReading_NamesIt()
    {
        var bundle = WithReadings(Bundle(), readings =>
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(readings[3].Leaf));
            var altered = text.Replace("\"v\":4", "\"v\":3", StringComparison.Ordinal);
            Assert.NotEqual(text, altered);
            readings[3] = readings[3] with { Leaf = Convert.ToBase64String(Encoding.UTF8.GetBytes(altered)) };
            return readings;
        });
        var failure = Fails(EvidenceVerifier.Verify(bundle, Policy()));
        Assert.Equal("root-mismatch", failure.Code);
        Assert.StartsWith("reading 5 of gw-01", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RemovedReading_IsAGap()
    {
        var bundle = WithReadings(Bundle(), readings =>
        {
            readings.RemoveAt(4);
            return readings;
        });
        var failure = Fails(EvidenceVerifier.Verify(bundle, Policy()));
        Assert.Equal("reading-gap", failure.Code);
        Assert.Contains("readings 6..6 are missing", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SwappedReadings_NamesTheFirst()
    {
        var bundle = WithReadings(Bundle(), readings =>
        {
            (readings[1], readings[2]) = (readings[2] with { Seq = readings[1].Seq }, readings[1] with { Seq = readings[2].Seq });
            return readings;
        });
        var failure = Fails(EvidenceVerifier.Verify(bundle, Policy()));
        Assert.Equal("reading-sequence", failure.Code);
        Assert.StartsWith("reading 3 of gw-01", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ReadingOfAnotherDevice_IsRefused()
    {
        var other = new TestDevice("gw-02", GammaPem).Add(12);
        var bundle = WithReadings(Bundle(), readings =>
        {
            readings[0] = readings[0] with { Leaf = Convert.ToBase64String(other.Leaves[2].Bytes.Span) };
            return readings;
        });
        Assert.Equal("reading-device", Fails(EvidenceVerifier.Verify(bundle, Policy())).Code);
    }

    [Fact]
    public void Verify_CheckpointByUntrustedKey_Fails()
    {
        using var stranger = EcdsaNoteSigner.Generate("warehouse");
        var bundle = Bundle(checkpoint: _ledger.Checkpoint(stranger));
        var failure = Fails(EvidenceVerifier.Verify(bundle, Policy()));
        Assert.Equal("no-trusted-signature", failure.Code);
        Assert.StartsWith("ledger checkpoint", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_MissingEnrolment_NamesIt()
    {
        var failure = Fails(EvidenceVerifier.Verify(Bundle(entries: [0, _anchor]), Policy()));
        Assert.Equal("missing-enrolment", failure.Code);
        Assert.Contains($"ledger index {_enrolment}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_MissingGenesis_NamesIt() =>
        Assert.Equal("missing-genesis", Fails(EvidenceVerifier.Verify(Bundle(entries: [_enrolment, _anchor]), Policy())).Code);

    [Fact]
    public void Verify_EntryNotInLedger_NamesIt()
    {
        var bundle = Bundle();
        var forged = _ledger.Signed(EntryKinds.Enrol, new EnrolStatement { DeviceId = "gw-01", PublicKey = Convert.ToBase64String(_device.Key.PublicKey.Span) }.ToBody(), _ledger.Warehouse);
        var entries = bundle.Entries.Select(e => e.Index == _enrolment ? e with { Entry = Convert.ToBase64String(forged.Bytes.Span) } : e).ToList();
        var failure = Fails(EvidenceVerifier.Verify(new EvidenceBundle { Format = bundle.Format, Ledger = bundle.Ledger, Entries = entries, Devices = bundle.Devices }, Policy()));
        Assert.Equal("root-mismatch", failure.Code);
        Assert.StartsWith($"ledger entry {_enrolment} (enrol)", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_AnchorPointingAtAnotherCheckpoint_Fails()
    {
        // Readings proven against a checkpoint the anchor does not carry cannot verify.
        _device.Add(4);
        var bundle = Bundle();
        var readings = bundle.Devices[0].Readings.Select(r => r with
        {
            Proof = _device.Log.Reader.InclusionProof(r.Seq, _device.Log.Size).Select(h => h.ToBase64()).ToList(),
        }).ToList();
        var failure = Fails(EvidenceVerifier.Verify(WithReadings(bundle, _ => readings), Policy()));
        Assert.StartsWith("reading 2 of gw-01", failure.Message, StringComparison.Ordinal);
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
        var bundle = new EvidenceBundle
        {
            Format = EvidenceBundle.FormatV1,
            Ledger = new BundleLedger(TestLedger.Origin, ledger.Checkpoint().ToString()),
            Entries = new[] { 0, 1 }.Select(i => new BundleEntry(i, Convert.ToBase64String(ledger.Entries[i].Bytes.Span),
                ledger.Log.Reader.InclusionProof(i, ledger.Log.Size).Select(h => h.ToBase64()).ToList())).ToList(),
            Devices = [new BundleDevice(device.Id, 1, 1, [])],
        };
        Assert.Equal(LedgerFailures.RoleRequired, Fails(EvidenceVerifier.Verify(bundle, Policy())).Code);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("{\"format\":\"edgetrace-evidence/v2\",\"ledger\":{\"origin\":\"o\",\"checkpoint\":\"c\"},\"entries\":[],\"devices\":[]}")]
    [InlineData("{\"format\":\"edgetrace-evidence/v1\",\"ledger\":{\"origin\":\"o\",\"checkpoint\":\"c\"},\"entries\":[],\"devices\":[],\"extra\":1}")]
    [InlineData("not json")]
    public void Parse_Malformed_Fails(string json) =>
        Assert.Equal("bundle-format", EvidenceBundle.Parse(Encoding.UTF8.GetBytes(json)).Failure?.Code);

    [Fact]
    public void Reading_IsAStandardTlogProof()
    {
        var bundle = Bundle();
        var note = SignedNote.Parse(AnchorEntry.From(_ledger.Entries[(int)_anchor]).Value.DeviceNote.ToString()).Value;
        var proof = bundle.Devices[0].Readings[0].ToTlogProof(note).Value;
        var parsed = Firmware.Contracts.Proofs.TlogProof.Parse(proof.ToString()).Value;
        Assert.True(parsed.Verify(TrustPolicy.Single(_device.Key.VerifierKey), _device.Leaves[2].LeafHash, "edgetrace/device/gw-01").Succeeded);
        var entry = bundle.Entries[1].ToTlogProof(SignedNote.Parse(bundle.Ledger.Checkpoint).Value).Value;
        Assert.True(entry.Verify(Policy(), _ledger.Entries[(int)_enrolment].LeafHash, TestLedger.Origin).Succeeded);
    }
}
