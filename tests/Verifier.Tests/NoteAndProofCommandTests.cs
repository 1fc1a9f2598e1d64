using static Verifier.Tests.VerifierProcess;

namespace Verifier.Tests;

/// <summary>`Verifier note verify` and `Verifier proof verify` on the published vectors.</summary>
public class NoteAndProofCommandTests
{
    private static string Spki(string name) => File.ReadAllText(Path.Combine(Vectors, $"key-{name}.spki.b64")).Trim();

    private static string LeafHex(int index) => File.ReadAllText(Path.Combine(Vectors, "device-log-leaves.hex")).Split('\n')[index];

    [Fact]
    public async Task NoteVerify_DeviceCheckpoint_Ok()
    {
        var run = await RunAsync("note", "verify", "--note", Path.Combine(Vectors, "device-checkpoint.note"), "--key", $"edgetrace/device/gw-demo={Spki("alpha")}");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("edgetrace/device/gw-demo", run.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoteVerify_ThresholdNotMet_ExitsOne()
    {
        var run = await RunAsync("note", "verify", "--note", Path.Combine(Vectors, "ledger-checkpoint-2-signers.note"),
            "--key", $"warehouse-op={Spki("alpha")}", "--key", $"bank-a={Spki("beta")}", "--key", $"auditor={Spki("gamma")}", "--threshold", "3");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("threshold-not-met", run.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoteVerify_TwoOfThree_Ok()
    {
        var run = await RunAsync("note", "verify", "--note", Path.Combine(Vectors, "ledger-checkpoint-2-signers.note"),
            "--key", $"warehouse-op={Spki("alpha")}", "--key", $"bank-a={Spki("beta")}", "--key", $"auditor={Spki("gamma")}", "--threshold", "2");
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task NoteVerify_UntrustedKeyOnly_ExitsOne()
    {
        var run = await RunAsync("note", "verify", "--note", Path.Combine(Vectors, "device-checkpoint.note"), "--key", $"edgetrace/device/gw-demo={Spki("beta")}");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no-trusted-signature", run.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoteVerify_TamperedNote_ExitsOne()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, File.ReadAllText(Path.Combine(Vectors, "device-checkpoint.note")).Replace("\n5\n", "\n6\n", StringComparison.Ordinal));
            var run = await RunAsync("note", "verify", "--note", path, "--key", $"edgetrace/device/gw-demo={Spki("alpha")}");
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("bad-signature", run.StdOut, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("--key", "no-equals-sign")]
    [InlineData("--key", "name=!!notbase64")]
    [InlineData("--threshold", "0")]
    public async Task NoteVerify_BadKeyOrThreshold_ExitsTwo(string option, string value)
    {
        string[] args = option == "--key"
            ? ["note", "verify", "--note", Path.Combine(Vectors, "device-checkpoint.note"), option, value]
            : ["note", "verify", "--note", Path.Combine(Vectors, "device-checkpoint.note"), "--key", $"x={Spki("alpha")}", option, value];
        var run = await RunAsync(args);
        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public async Task ProofVerify_ReadingTwo_Ok_OtherLeaves_ExitOne()
    {
        var proof = Path.Combine(Vectors, "reading-2.tlog-proof");
        var key = $"edgetrace/device/gw-demo={Spki("alpha")}";
        var ok = await RunAsync("proof", "verify", "--proof", proof, "--leaf-hex", LeafHex(2), "--key", key);
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("entry 2", ok.StdOut, StringComparison.Ordinal);
        var wrong = await RunAsync("proof", "verify", "--proof", proof, "--leaf-hex", LeafHex(3), "--key", key);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("root-mismatch", wrong.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProofVerify_WrongOrigin_ExitsOne()
    {
        var run = await RunAsync("proof", "verify", "--proof", Path.Combine(Vectors, "reading-2.tlog-proof"), "--leaf-hex", LeafHex(2),
            "--key", $"edgetrace/device/gw-demo={Spki("alpha")}", "--origin", "edgetrace/device/other");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("origin-mismatch", run.StdOut, StringComparison.Ordinal);
    }
}
