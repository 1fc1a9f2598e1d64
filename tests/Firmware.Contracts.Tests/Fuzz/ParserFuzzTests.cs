using System.Text;
using System.Text.Json;
using CsCheck;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Proofs;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;

namespace Firmware.Contracts.Tests.Fuzz;

/// <summary>
/// Every parser of the shared formats against mutated and made-up input: each answers with a
/// result (a value or a failure), never an exception, and what it accepts it would write the same
/// way (one byte form per value). The default run spends a few seconds; the soak variant minutes.
/// </summary>
public sealed class ParserFuzzTests
{
    private const long Iterations = 20_000;
    private const int SoakSeconds = 60;

    private static readonly EcdsaNoteSigner Device = EcdsaNoteSigner.Generate(DeviceLogs.Origin("gw-01"));
    private static readonly EcdsaNoteSigner Member = EcdsaNoteSigner.FromPkcs8Pem("alpha", TestKeys.AlphaPem);

    private static readonly byte[][] Leaves =
    [
        ReadingLeaf.Create(new LeafContent
        {
            DeviceId = "gw-01", Sequence = 42, Kind = LeafKind.Measurement, TimeMs = 1_795_428_000_123, SensorId = "hwmon/sht3x/1-0044",
            Quantity = Senml.Temperature, Zone = "chiller-1", Unit = Senml.Celsius, Value = 4.25,
        }, new byte[ReadingLeaf.SaltLength]).Bytes.ToArray(),
        ReadingLeaf.Create(new LeafContent
        {
            DeviceId = "gw-01", Sequence = 7, Kind = LeafKind.Observation, TimeMs = 1_000, SensorId = "rfid/dock-1",
            Quantity = Senml.Epc, Zone = "dock", StringValue = "urn:epc:id:sgtin:0614141.812345.6789",
        }, new byte[ReadingLeaf.SaltLength]).Bytes.ToArray(),
    ];

    private static readonly MerkleLog Log = BuildLog();
    private static readonly SignedNote CheckpointNote = new Checkpoint(DeviceLogs.Origin("gw-01"), Leaves.Length, Log.Root()).Sign(Device);

    private static readonly string[] Statements =
    [
        Statement("enrol", new EnrolStatement { DeviceId = "gw-01", PublicKey = TestKeys.AlphaSpki, Site = "site-1", Zone = "cold-a", Sensors = [new SensorInfo("t1", "temperature", "cold-a")] }.ToBody()),
        Statement("revoke", new RevokeStatement("gw-01", 3, "replaced").ToBody()),
        Statement("party", new PartyStatement("acme-foods", TestKeys.AlphaSpki).ToBody()),
        Statement("title", new TitleStatement { Receipt = "WR-1", Depositor = "acme-foods", Owner = "acme-foods", Quantity = 360, Unit = "carton", Insurance = "PICC-1" }.ToBody()),
        Statement("lot", new LotStatement
        {
            Receipt = "WR-1", Title = Hash32.Sha256("t"u8), Site = "site-1", Zone = "chiller-1", Product = "Atlantic salmon", Gtin = "10614141007346", Batch = "SAL-1",
            Specification = "1 kg", Bands = [new StorageBand("temperature", 2, 8)], IssuedMs = 1, ValidUntilMs = 2, Epcs = ["urn:epc:id:sgtin:0614141.100734.1"],
        }.ToBody()),
        Statement("move", new MoveStatement(new LotReference("WR-1", 5, 5), "site-1", "chiller-2", 10).ToBody()),
        Statement("deliver", new DeliverStatement(new LotReference("WR-1", 5, 6), 20.5m, 11, ["urn:epc:id:sgtin:0614141.100734.1"]).ToBody()),
        Statement("cancel", new CancelStatement(new LotReference("WR-1", 5, 6), "returned to depositor").ToBody()),
        Statement("pledge", new PledgeStatement
        {
            Lot = new LotReference("WR-1", 5, 5), Lender = "bank", Owner = "acme-foods", Amount = 1_234_567.89m, Currency = "CNY", StartMs = 1, EndMs = 2,
            Covenants = [Covenant.Parse("temperature above 8 for 30m").Value],
        }.ToBody()),
        Statement("release", new ReleaseStatement(new LotReference("WR-1", 5, 7), 7, 12, "repaid").ToBody()),
        Statement("transfer", new TransferStatement(new LotReference("WR-1", 5, 7), 7, "bank", "bank-2", 12).ToBody()),
        Statement("enforce", new EnforceStatement(new LotReference("WR-1", 5, 7), 7, 12, "default").ToBody()),
    ];

    private static readonly byte[][] Entries = Statements.Select(s => LedgerEntry.Create(Firmware.Contracts.Ledger.Statement.Parse(s).Value.Kind, [], SignedNote.Sign(s, Member)).Bytes.ToArray())
        .Append(LedgerEntry.Create(EntryKinds.Anchor, [EntryField.Number("received", 5), EntryField.Number("enrolment", 1)], CheckpointNote).Bytes.ToArray())
        .ToArray();

    private static readonly string StatusNote = GatewayStatusNote.Sign(new GatewayStatusReport("gw-01", 1_795_428_000_000, 10, 8, 2,
        [new ReportedSensor("t1", "temperature", "cold-a", 1_795_428_000_000, null, null, null)], [], [], "1.2.3"), Device).ToString();

    private static readonly string Uplink = JsonSerializer.Serialize(new UplinkRequest(CheckpointNote.ToString(), 0, Leaves.Select(Convert.ToBase64String).ToList()),
        UplinkJsonContext.Default.UplinkRequest);

    [Fact]
    public void ReadingLeaf_Parse_NeverThrows_AndRoundTrips() => ReadingLeaves(Iterations, -1);

    [Fact]
    public void SignedNoteCheckpointAndProof_Parse_NeverThrow_AndRoundTrip() => Notes(Iterations, -1);

    [Fact]
    public void Statements_AndEveryStatementBody_Parse_NeverThrow() => StatementTexts(Iterations, -1);

    [Fact]
    public void LedgerEntries_Parse_NeverThrow_AndRoundTrip() => LedgerEntries(Iterations, -1);

    [Fact]
    public void UplinkBodies_AndStatusReports_ReadCleanly() => DeviceMessages(Iterations, -1);

    [Fact]
    public void EvidenceBundles_VerifyOrFailCleanly_AndReportsNeverThrow() => Bundles(Iterations / 10, -1);

    [Fact]
    [Trait("Category", "Soak")]
    public void Soak_EveryParser()
    {
        ReadingLeaves(-1, SoakSeconds);
        Notes(-1, SoakSeconds);
        StatementTexts(-1, SoakSeconds);
        LedgerEntries(-1, SoakSeconds);
        DeviceMessages(-1, SoakSeconds);
        Bundles(-1, SoakSeconds);
    }

    private static void ReadingLeaves(long iter, int time) =>
        Mutations.Bytes(Leaves).Sample(bytes =>
        {
            var leaf = ReadingLeaf.Parse(bytes);
            Assert.True(!leaf.Succeeded || leaf.Value.Bytes.Span.SequenceEqual(bytes), "an accepted leaf keeps its bytes");
        }, iter: iter, time: time);

    private static void Notes(long iter, int time)
    {
        var proof = new TlogProof(1, Log.Reader.InclusionProof(1, Leaves.Length), CheckpointNote).ToString();
        Mutations.Of([CheckpointNote.ToString(), proof, StatusNote]).Sample(text =>
        {
            var note = SignedNote.Parse(text);
            if (note.Succeeded)
            {
                // C2SP signature lines may spell their base64 with non-zero unused bits; what the note
                // writes is then one text form that reads back to itself, with the same signed text.
                var written = note.Value.ToString();
                Assert.Equal(written, SignedNote.Parse(written).Value.ToString());
                Assert.Equal(note.Value.Text, SignedNote.Parse(written).Value.Text);
            }
            var bytesNote = SignedNote.Parse(Encoding.UTF8.GetBytes(text));
            Assert.Equal(note.Succeeded, bytesNote.Succeeded);
            if (note.Succeeded)
            {
                _ = Checkpoint.ParseText(note.Value.Text);
                _ = GatewayStatusNote.Read(note.Value);
            }
            _ = Checkpoint.ParseText(text);
            var parsed = TlogProof.Parse(text);
            if (parsed.Succeeded)
            {
                var written = parsed.Value.ToString();
                Assert.Equal(written, TlogProof.Parse(written).Value.ToString());
                Assert.Equal(parsed.Value.Checkpoint.Text, TlogProof.Parse(written).Value.Checkpoint.Text);
                Assert.Equal(text[..text.IndexOf("\n\n", StringComparison.Ordinal)], written[..written.IndexOf("\n\n", StringComparison.Ordinal)]);
            }
        }, iter: iter, time: time);
    }

    private static void StatementTexts(long iter, int time) =>
        Mutations.Of(Statements).Sample(text =>
        {
            var statement = Firmware.Contracts.Ledger.Statement.Parse(text);
            if (!statement.Succeeded)
            {
                return;
            }
            Assert.Equal(text, statement.Value.Text);
            var s = statement.Value;
            Result[] bodies =
            [
                Check(GenesisStatement.From(s)), Check(AdmitStatement.From(s)), Check(EnrolStatement.From(s)), Check(RevokeStatement.From(s)),
                Check(ClearStatement.From(s)), Check(PartyStatement.From(s)), Check(TitleStatement.From(s)), Check(LotStatement.From(s)),
                Check(MoveStatement.From(s)), Check(DeliverStatement.From(s)), Check(CancelStatement.From(s)), Check(PledgeStatement.From(s)),
                Check(ReleaseStatement.From(s)), Check(TransferStatement.From(s)), Check(EnforceStatement.From(s)), Check(LotReference.Of(s)),
            ];
            Assert.All(bodies, b => Assert.True(b.Succeeded || b.Failure!.Code is "entry-field" or "statement-format", b.ToString()));
        }, iter: iter, time: time);

    private static void LedgerEntries(long iter, int time) =>
        Mutations.Bytes(Entries).Sample(bytes =>
        {
            var entry = LedgerEntry.Parse(bytes);
            if (!entry.Succeeded)
            {
                return;
            }
            Assert.True(entry.Value.Bytes.Span.SequenceEqual(bytes));
            Assert.True(LedgerEntry.Create(entry.Value.Kind, entry.Value.Header, entry.Value.Note).Bytes.Span.SequenceEqual(bytes), "an accepted entry has one byte form");
            _ = AnchorEntry.From(entry.Value);
            _ = EquivocationEntry.From(entry.Value);
        }, iter: iter, time: time);

    private static void DeviceMessages(long iter, int time) =>
        Mutations.Of([Uplink, StatusNote]).Sample(text =>
        {
            try
            {
                if (JsonSerializer.Deserialize(text, UplinkJsonContext.Default.UplinkRequest) is { } request)
                {
                    _ = SignedNote.Parse(request.Checkpoint ?? "");
                    foreach (var leaf in request.Leaves ?? [])
                    {
                        var bytes = new byte[((leaf?.Length ?? 0) * 3 / 4) + 3];
                        if (leaf is not null && Convert.TryFromBase64String(leaf, bytes, out var written))
                        {
                            _ = ReadingLeaf.Parse(bytes.AsSpan(0, written));
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // The documented refusal of text that is not an uplink body; the node answers it with malformed-request.
            }
            if (SignedNote.Parse(text) is { Succeeded: true } note)
            {
                var report = GatewayStatusNote.Read(note.Value);
                Assert.True(report.Succeeded || report.Failure!.Code is ProblemTypes.MalformedRequest or ProblemTypes.TooLarge, report.ToString());
            }
        }, iter: iter, time: time);

    // The published bundles (a device bundle, a lender's lot bundle) mutated: the verifier answers
    // with a result, and a report of whatever verifies is computed without an exception.
    private static void Bundles(long iter, int time)
    {
        var policy = new Firmware.Contracts.Evidence.EvidencePolicy([TestKeys.Verifier("warehouse", TestKeys.AlphaSpki), TestKeys.Verifier("bank", TestKeys.BetaSpki)]);
        string[] seeds =
        [
            File.ReadAllText(Path.Combine(Spec.SpecPaths.Vectors, "ledger-example-bundle.json")),
            File.ReadAllText(Path.Combine(Spec.SpecPaths.Vectors, "report", "lot-bundle.json")),
        ];
        Mutations.Of(seeds).Sample(text =>
        {
            var verified = Firmware.Contracts.Evidence.EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(text), policy);
            if (verified.Succeeded && verified.Value.Lot is not null)
            {
                _ = Firmware.Contracts.Evidence.LotConditions.Compute(verified.Value);
            }
        }, iter: iter, time: time);
    }

    private static Result Check<T>(Result<T> result) => result.Succeeded ? Result.Ok : result.Failure!;

    private static string Statement(string kind, IEnumerable<EntryField> body) =>
        Firmware.Contracts.Ledger.Statement.Create(kind, "demo", 1_767_247_200_000, new byte[Firmware.Contracts.Ledger.Statement.NonceLength], body).Text;

    private static MerkleLog BuildLog()
    {
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        foreach (var leaf in Leaves)
        {
            log.Append(Rfc9162.HashLeaf(leaf));
        }
        return log;
    }
}
