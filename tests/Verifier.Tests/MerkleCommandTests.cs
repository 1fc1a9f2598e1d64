using System.Text.Json;
using static Verifier.Tests.VerifierProcess;

namespace Verifier.Tests;

/// <summary>The `Verifier merkle` spec tools against the Certificate Transparency test tree.</summary>
public class MerkleCommandTests
{
    private const string Root8 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";
    private static readonly string CtLeaves = Path.Combine(Vectors, "merkle-ct-leaves.hex");

    [Fact]
    public async Task Root_PrintsLowercaseHexRoot()
    {
        var run = await RunAsync("merkle", "root", "--leaves", CtLeaves);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Root8, run.StdOut.Trim());
    }

    [Fact]
    public async Task Inclusion_PrintsJsonWithPath()
    {
        var run = await RunAsync("merkle", "inclusion", "--leaves", CtLeaves, "--index", "5");
        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.StdOut);
        Assert.Equal(5, json.RootElement.GetProperty("index").GetInt64());
        Assert.Equal(8, json.RootElement.GetProperty("size").GetInt64());
        Assert.Equal(Root8, json.RootElement.GetProperty("root").GetString());
        Assert.Equal(
            ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
            json.RootElement.GetProperty("path").EnumerateArray().Select(e => e.GetString()!));
    }

    [Fact]
    public async Task Inclusion_WithSmallerSize_UsesThatTree()
    {
        var run = await RunAsync("merkle", "inclusion", "--leaves", CtLeaves, "--index", "2", "--size", "3");
        using var json = JsonDocument.Parse(run.StdOut);
        Assert.Equal("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77", json.RootElement.GetProperty("root").GetString());
        Assert.Equal(["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"], json.RootElement.GetProperty("path").EnumerateArray().Select(e => e.GetString()!));
    }

    [Fact]
    public async Task Consistency_PrintsJsonWithBothRoots()
    {
        var run = await RunAsync("merkle", "consistency", "--leaves", CtLeaves, "--old", "6");
        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.StdOut);
        Assert.Equal(6, json.RootElement.GetProperty("old").GetInt64());
        Assert.Equal("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef", json.RootElement.GetProperty("oldRoot").GetString());
        Assert.Equal(Root8, json.RootElement.GetProperty("root").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("path").GetArrayLength());
    }

    [Fact]
    public async Task VerifyInclusion_ValidProof_PrintsOk()
    {
        var run = await RunAsync("merkle", "verify-inclusion", "--leaf", "40414243", "--index", "5", "--size", "8", "--root", Root8,
            "--path", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b,ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("ok", run.StdOut.Trim());
    }

    [Fact]
    public async Task VerifyInclusion_SingleLeafTree_AcceptsEmptyPath()
    {
        var run = await RunAsync("merkle", "verify-inclusion", "--leaf", "", "--index", "0", "--size", "1",
            "--root", "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "--path", "");
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task VerifyInclusion_WrongLeaf_ExitsOneAndSaysWhy()
    {
        var run = await RunAsync("merkle", "verify-inclusion", "--leaf", "40414244", "--index", "5", "--size", "8", "--root", Root8,
            "--path", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b,ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("root-mismatch", run.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyInclusion_TruncatedPath_ExitsOne()
    {
        var run = await RunAsync("merkle", "verify-inclusion", "--leaf", "40414243", "--index", "5", "--size", "8", "--root", Root8,
            "--path", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("path-too-short", run.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyConsistency_ValidAndSwapped()
    {
        string[] common = ["merkle", "verify-consistency", "--old", "6", "--size", "8",
            "--path", "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a,ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"];
        var ok = await RunAsync([.. common, "--old-root", "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef", "--root", Root8]);
        Assert.Equal(0, ok.ExitCode);
        Assert.Equal("ok", ok.StdOut.Trim());
        var swapped = await RunAsync([.. common, "--old-root", Root8, "--root", "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"]);
        Assert.Equal(1, swapped.ExitCode);
        Assert.StartsWith("failed:", swapped.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyConsistency_OldLargerThanNew_ExitsOne()
    {
        var run = await RunAsync("merkle", "verify-consistency", "--old", "8", "--size", "6", "--old-root", Root8,
            "--root", "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef", "--path", "");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("old-size-larger", run.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("merkle", "root")]
    [InlineData("merkle", "inclusion", "--index", "x")]
    [InlineData("merkle", "verify-inclusion", "--leaf", "zz", "--index", "0", "--size", "1", "--root", Root8, "--path", "")]
    [InlineData("merkle", "verify-inclusion", "--leaf", "00", "--index", "0", "--size", "1", "--root", "abc", "--path", "")]
    [InlineData("merkle", "verify-inclusion", "--leaf", "00", "--index", "0", "--size", "1", "--root", Root8, "--path", "nothex")]
    [InlineData("merkle", "nonsense")]
    [InlineData("merkle", "root", "--leaves", "/nonexistent/leaves.txt")]
    public async Task BadArguments_ExitTwoWithUsageHint(params string[] args)
    {
        var run = await RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error:", run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inclusion_IndexBeyondSize_ExitsTwoNamingTheOption()
    {
        var run = await RunAsync("merkle", "inclusion", "--leaves", CtLeaves, "--index", "8");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--index", run.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--index x: expected a whole number", "merkle", "inclusion", "--leaves", "/dev/null", "--index", "x")]
    [InlineData("'merkle' has no command 'nonsense' (its commands: root,", "merkle", "nonsense", "more", "words")]
    public async Task ParseErrors_NameTheOptionAndWhatItTakes_NeverATypeName(string expected, params string[] args)
    {
        var run = await RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: " + expected, run.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", run.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, run.StdErr.TrimEnd('\n').Split('\n').Length);
    }
}
