using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;

namespace Verifier.Tests.Bundle;

/// <summary>
/// A small consortium ledger and device log built with Firmware.Contracts alone (as a node would
/// write them), and the evidence bundle over them, written to a file for the Verifier process.
/// </summary>
public sealed class BundleFixture : IDisposable
{
    private int _nonce;

    public BundleFixture()
    {
        Directory.CreateDirectory(Folder);
        var state = new InMemoryLedgerState("demo");
        var rules = new LedgerRules();
        Append(rules, state, Statement(EntryKinds.Genesis, new GenesisStatement(2,
            [new MemberInfo("warehouse", MemberRoles.Operator, Spki(Warehouse)), new MemberInfo("bank", MemberRoles.Lender, Spki(Bank))]).ToBody(), Warehouse));
        Append(rules, state, Statement(EntryKinds.Enrol, new EnrolStatement
        {
            DeviceId = "gw-01",
            PublicKey = Spki(Device),
            Site = "site-1",
            Zone = "cold-a",
            Sensors = [new SensorInfo("t1", "temperature", "cold-a")],
        }.ToBody(), Warehouse));
        var salt = new byte[ReadingLeaf.SaltLength];
        for (var seq = 0; seq < 16; seq++)
        {
            salt[0] = (byte)seq;
            var leaf = ReadingLeaf.Create(new LeafContent
            {
                DeviceId = "gw-01",
                Sequence = seq,
                Kind = LeafKind.Measurement,
                TimeMs = 1_767_225_600_000 + seq * 60_000L,
                SensorId = "t1",
                Quantity = Senml.Temperature,
                Zone = "cold-a",
                Unit = Senml.Celsius,
                Value = 4.5,
            }, salt);
            Leaves.Add(leaf);
            DeviceLog.Append(leaf.LeafHash);
        }
        var deviceNote = new Checkpoint(DeviceLogs.Origin("gw-01"), 16, DeviceLog.Root()).Sign(Device);
        Append(rules, state, AnchorEntry.Create(1_767_226_600_000, 1, null, [], deviceNote));
        State = state;
        Ledger = Checkpoint(Warehouse, Bank);
    }

    public InMemoryLedgerState State { get; }

    /// <summary>A checkpoint of the ledger (committing to its state) signed by <paramref name="signers"/>.</summary>
    public SignedNote Checkpoint(params EcdsaNoteSigner[] signers) =>
        new Checkpoint(LedgerNames.Origin("demo"), LedgerLog.Size, LedgerLog.Root(),
            [Firmware.Contracts.Checkpoints.Checkpoint.TimeExtension(1_767_226_700_000), Firmware.Contracts.Checkpoints.Checkpoint.StateExtension(LedgerStateMap.Root(State))]).Sign(signers);

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "edgetrace-verifier-bundle", Guid.NewGuid().ToString("N"));
    public EcdsaNoteSigner Warehouse { get; } = EcdsaNoteSigner.Generate("warehouse");
    public EcdsaNoteSigner Bank { get; } = EcdsaNoteSigner.Generate("bank");
    public EcdsaNoteSigner Device { get; } = EcdsaNoteSigner.Generate(DeviceLogs.Origin("gw-01"));
    public MerkleLog LedgerLog { get; } = new(new InMemoryMerkleHashStore());
    public List<LedgerEntry> Entries { get; } = [];
    public MerkleLog DeviceLog { get; } = new(new InMemoryMerkleHashStore());
    public List<ReadingLeaf> Leaves { get; } = [];
    public SignedNote Ledger { get; }

    public string[] Keys => ["--key", Warehouse.VerifierKey.ToString(), "--key", Bank.VerifierKey.ToString()];

    public EvidenceBundle Bundle(SignedNote? ledger = null)
    {
        var source = new InMemoryEvidenceSource(Entries, LedgerLog.Reader, State).WithDevice("gw-01", Leaves, DeviceLog.Reader);
        var bundle = new BundleBuilder(source, (ledger ?? Ledger).ToString(), LedgerStateMap.Entries(State)).Device("gw-01", null, null);
        Assert.True(bundle.Succeeded, bundle.ToString());
        return bundle.Value;
    }

    public string Write(EvidenceBundle bundle) => Write(bundle.ToJson());

    public string Write(byte[] json)
    {
        var path = Path.Combine(Folder, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllBytes(path, json);
        return path;
    }

    public static async Task<(int ExitCode, string Output, string Error)> RunVerifierAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Verifier.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    public void Dispose()
    {
        Directory.Delete(Folder, recursive: true);
        Warehouse.Dispose();
        Bank.Dispose();
        Device.Dispose();
    }

    private static string Spki(EcdsaNoteSigner signer) => Convert.ToBase64String(signer.PublicKey.Span);

    private LedgerEntry Statement(string kind, IEnumerable<EntryField> body, EcdsaNoteSigner signer)
    {
        var nonce = new byte[Firmware.Contracts.Ledger.Statement.NonceLength];
        BinaryPrimitives.WriteInt32BigEndian(nonce, ++_nonce);
        var statement = Firmware.Contracts.Ledger.Statement.Create(kind, "demo", 1_767_225_000_000, nonce, body);
        return LedgerEntry.Create(kind, [], SignedNote.Sign(statement.Text, signer));
    }

    private void Append(LedgerRules rules, InMemoryLedgerState state, LedgerEntry entry)
    {
        var appended = rules.Append(entry.Bytes.Span, state);
        Assert.True(appended.Succeeded, appended.ToString());
        Entries.Add(entry);
        LedgerLog.Append(entry.LeafHash);
    }
}
