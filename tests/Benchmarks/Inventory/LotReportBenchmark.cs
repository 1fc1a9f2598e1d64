using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;

namespace EdgeTrace.Benchmarks.Inventory;

/// <summary>
/// A lender's condition report from a lot bundle, as the node and <c>Verifier report</c> compute
/// it: verifying the lot bundle and computing the report, against verifying the same readings as a
/// device bundle (the reference: what checking the evidence costs anyway). A chiller with two
/// probes (temperature and humidity each, a minute apart) over a pledge of a week (a day with
/// --quick), with a daily hour-long excursion. Median of 5 runs, in-process.
/// </summary>
public sealed class LotReportBenchmark : IBenchmarkSuite
{
    private const long T0 = 1_767_247_200_000;
    private const long Minute = 60_000;

    /// <inheritdoc/>
    public string Name => "lot-report";

    /// <inheritdoc/>
    public string Description => "Condition report of a lot bundle (verify + MKT/excursions/gaps/covenants) vs verifying the same readings";

    /// <inheritdoc/>
    public Task<string> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var days = context.Quick ? 1 : 7;
        Console.WriteLine($"  building a ledger with {days} day(s) of readings ...");
        using var data = new LotData(days);
        var lotJson = data.Bundle.ToJson();
        var deviceJson = data.DeviceBundle.ToJson();
        var policy = new EvidencePolicy([data.Warehouse.VerifierKey, data.Bank.VerifierKey]);

        var device = data.Bundle.Devices[0];
        var floor = Median(() => HashingFloor(device, data.Readings));
        var reference = Median(() => _ = EvidenceVerifier.Verify(deviceJson, policy).Value);
        EvidenceSummary? summary = null;
        var verify = Median(() => summary = EvidenceVerifier.Verify(lotJson, policy).Value);
        ConditionReport? report = null;
        var compute = Median(() => report = LotConditions.Compute(summary!).Value);
        var total = Median(() => _ = LotConditions.Compute(EvidenceVerifier.Verify(lotJson, policy).Value).Value);
        Console.WriteLine($"  {data.Readings:N0} readings: verify devices {reference:F0} ms, verify lot {verify:F0} ms, report {compute:F0} ms, both {total:F0} ms");

        var sb = new StringBuilder();
        sb.AppendLine("## Bundle verification and the lot condition report (issues: node, inventory)");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"A pledge of {days} day(s) in a chiller: 2 probes × (temperature, humidity) a minute apart, {data.Readings:N0} reading leaves under one range proof, one hour-long excursion a day; bundle {lotJson.Length / 1e6:F1} MB. Median of 5 in-process runs.");
        sb.AppendLine("Reference: verifying the same readings as a plain device bundle (`verify bundle`: JSON, every leaf parsed and hashed, the range proof, the state proofs, every signature), which any report must do first. ");
        sb.AppendLine("The first row is the hashing floor of that work: base64-decode each leaf, hash it and recompute the root from the range proof, nothing else.");
        sb.AppendLine();
        sb.AppendLine("| what | ms | readings/s | vs reference |");
        sb.AppendLine("|---|---:|---:|---:|");
        Row(sb, "hashing floor: decode + leaf hash + inclusion proof per reading", floor, data.Readings, reference);
        Row(sb, "**bundle verification rate**: verify the device bundle (reference)", reference, data.Readings, reference);
        Row(sb, "verify the lot bundle (lot, title, pledge chain)", verify, data.Readings, reference);
        Row(sb, "compute the report from the verified bundle", compute, data.Readings, reference);
        Row(sb, "verify + report (what the node and `Verifier report` do)", total, data.Readings, reference);
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"The report found {report!.ExcursionCount} excursions and {(report.CovenantBreached ? "a breached" : "no breached")} covenant; MKT of the first probe {report.Sensors.First(s => s.Mkt is not null).Mkt:F3} °C.");
        return Task.FromResult(sb.ToString());
    }

    private static void HashingFloor(BundleDevice device, long size)
    {
        var hashes = device.Leaves.Select(l => Rfc9162.HashLeaf(Convert.FromBase64String(l))).ToList();
        var proof = device.Proof.Select(p => Hash32.TryFromBase64(p, out var h) ? h : default).ToList();
        if (!MerkleVerifier.RootFromRange(device.First, hashes, size, proof).Succeeded)
        {
            throw new InvalidOperationException("the readings do not reach the root");
        }
    }

    private static void Row(StringBuilder sb, string what, double ms, int readings, double reference) =>
        sb.AppendLine(CultureInfo.InvariantCulture, $"| {what} | {ms:F0} | {readings / (ms / 1000):N0} | {ms / reference * 100:F0}% |");

    private static double Median(Action run)
    {
        run();
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            run();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[2];
    }

    private sealed class LotData : IDisposable
    {
        private readonly InMemoryLedgerState _state = new("bench");
        private readonly LedgerRules _rules = new(null, InventoryRules.All);
        private readonly MerkleLog _log = new(new InMemoryMerkleHashStore());
        private readonly List<LedgerEntry> _entries = [];
        private int _nonce;

        public LotData(int days)
        {
            Append(Signed(EntryKinds.Genesis, new GenesisStatement(1, [new MemberInfo("warehouse", MemberRoles.Operator, Spki(Warehouse)), new MemberInfo("bank", MemberRoles.Lender, Spki(Bank))]).ToBody(), Warehouse));
            Append(Signed(EntryKinds.Party, new PartyStatement("acme-foods", Spki(Owner)).ToBody(), Warehouse));
            var enrolment = Append(Signed(EntryKinds.Enrol, new EnrolStatement
            {
                DeviceId = "gw-1", PublicKey = Spki(Device), Site = "site-1",
                Sensors = [new SensorInfo("t0", "temperature", "chiller-1"), new SensorInfo("t1", "temperature", "chiller-1")],
            }.ToBody(), Warehouse));
            var deviceLog = new MerkleLog(new InMemoryMerkleHashStore());
            var leaves = new List<ReadingLeaf>();
            var salt = new byte[ReadingLeaf.SaltLength];
            var random = new Random(1);
            for (var m = 0; m < days * 1440; m++)
            {
                foreach (var sensor in new[] { "t0", "t1" })
                {
                    foreach (var quantity in new[] { "temperature", "humidity" })
                    {
                        random.NextBytes(salt);
                        var warm = m % 1440 is >= 600 and < 660;
                        var leaf = ReadingLeaf.Create(new LeafContent
                        {
                            DeviceId = "gw-1", Sequence = leaves.Count, Kind = LeafKind.Measurement, TimeMs = T0 + m * Minute, SensorId = sensor, Quantity = quantity,
                            Zone = "chiller-1", Unit = quantity == "temperature" ? "Cel" : "%RH",
                            Value = quantity == "temperature" ? Math.Round((warm ? 9.5 : 5) + random.NextDouble() / 2, 2) : Math.Round(85 + random.NextDouble() * 3, 1),
                        }, salt);
                        leaves.Add(leaf);
                        deviceLog.Append(leaf.LeafHash);
                    }
                }
            }
            Readings = leaves.Count;
            Append(AnchorEntry.Create(T0 + days * 1440 * Minute, enrolment, null, [], new Checkpoint(DeviceLogs.Origin("gw-1"), deviceLog.Size, deviceLog.Root()).Sign(Device)));
            var title = Signed(EntryKinds.Title, new TitleStatement { Receipt = "WR-1", Depositor = "acme-foods", Owner = "acme-foods", Quantity = 120, Unit = "carton" }.ToBody(), Warehouse);
            Append(title);
            var lot = Append(Signed(EntryKinds.Lot, new LotStatement
            {
                Receipt = "WR-1", Title = Statement.Parse(title.Note.Text).Value.Hash, Site = "site-1", Zone = "chiller-1", Product = "Atlantic salmon",
                Gtin = "10614141007346", Batch = "SAL-1", Bands = [new StorageBand("temperature", 2, 8), new StorageBand("humidity", 80, 95)],
                IssuedMs = T0, ValidUntilMs = T0 + 365L * 86_400_000,
            }.ToBody(), Warehouse));
            var pledge = Append(Signed(EntryKinds.Pledge, new PledgeStatement
            {
                Lot = new LotReference("WR-1", lot, lot), Lender = "bank", Owner = "acme-foods", Amount = 500_000, Currency = "CNY",
                StartMs = T0, EndMs = T0 + 90L * 86_400_000, Covenants = [Covenant.Parse("temperature above 8 for 30m").Value],
            }.ToBody(), Bank, Owner));
            var checkpoint = new Checkpoint(LedgerNames.Origin("bench"), _log.Size, _log.Root(),
                [Checkpoint.TimeExtension(T0 + days * 1440 * Minute + Minute), Checkpoint.StateExtension(LedgerStateMap.Root(_state))]).Sign(Warehouse, Bank);
            var source = new InMemoryEvidenceSource(_entries, _log.Reader, _state).WithDevice("gw-1", leaves, deviceLog.Reader);
            var builder = new BundleBuilder(source, checkpoint.ToString(), LedgerStateMap.Entries(_state));
            Bundle = builder.Lot("WR-1", new LotBundleRequest { Pledge = pledge }).Value;
            DeviceBundle = new BundleBuilder(source, checkpoint.ToString(), LedgerStateMap.Entries(_state)).Device("gw-1", T0, T0 + days * 1440 * Minute).Value;
        }

        public EcdsaNoteSigner Warehouse { get; } = EcdsaNoteSigner.Generate("warehouse");
        public EcdsaNoteSigner Bank { get; } = EcdsaNoteSigner.Generate("bank");
        public EcdsaNoteSigner Owner { get; } = EcdsaNoteSigner.Generate(InventoryNames.PartyKeyName("acme-foods"));
        public EcdsaNoteSigner Device { get; } = EcdsaNoteSigner.Generate(DeviceLogs.Origin("gw-1"));
        public EvidenceBundle Bundle { get; }
        public EvidenceBundle DeviceBundle { get; }
        public int Readings { get; }

        public void Dispose()
        {
            Warehouse.Dispose();
            Bank.Dispose();
            Owner.Dispose();
            Device.Dispose();
        }

        private static string Spki(EcdsaNoteSigner signer) => Convert.ToBase64String(signer.PublicKey.Span);

        private LedgerEntry Signed(string kind, IEnumerable<EntryField> body, params INoteSigner[] signers)
        {
            var nonce = new byte[Statement.NonceLength];
            BinaryPrimitives.WriteInt32BigEndian(nonce, ++_nonce);
            return LedgerEntry.Create(kind, [], SignedNote.Sign(Statement.Create(kind, "bench", T0, nonce, body).Text, signers));
        }

        private long Append(LedgerEntry entry)
        {
            var appended = _rules.Append(entry.Bytes.Span, _state);
            if (!appended.Succeeded)
            {
                throw new InvalidOperationException(appended.Failure!.ToString());
            }
            _entries.Add(entry);
            _log.Append(entry.LeafHash);
            return _entries.Count - 1;
        }
    }
}
