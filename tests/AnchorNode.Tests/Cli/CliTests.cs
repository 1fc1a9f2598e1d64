using System.Diagnostics;
using System.Net;
using AnchorNode.Tests.Infrastructure;

namespace AnchorNode.Tests.Cli;

/// <summary>The AnchorNode command line, run as a real process, including against a running node.</summary>
public class CliTests(TestNode node) : IClassFixture<TestNode>
{
    private readonly string _scratch = Path.Combine(node.Root, "cli-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Init_CreatesAPrivateKeyAndPrintsThePublicOne()
    {
        var run = await Programs.RunAsync(Programs.AnchorNode, ["init", "--data", _scratch, "--consortium", "demo", "--member", "insurer", "--role", "auditor"]);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal("insurer", run.Field("member"));
        Assert.Equal("edgetrace/ledger/demo", run.Field("origin"));
        var key = Firmware.Contracts.Notes.NoteVerifierKey.Parse(run.Field("verifier-key"));
        Assert.True(key.Succeeded, key.ToString());
        Assert.Equal(run.Field("public-key"), key.Value.PublicKeyBase64);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_scratch, "member.key")));
        }

        var again = await Programs.RunAsync(Programs.AnchorNode, ["init", "--data", _scratch, "--consortium", "demo", "--member", "insurer"]);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("initialised already", again.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("init", "--consortium", "demo", "--member", "m")]
    [InlineData("init", "--data", "{scratch}", "--consortium", "Not Valid", "--member", "m")]
    [InlineData("enroll", "--data", "{scratch}", "--device", "gw", "--key", "x")]
    [InlineData("enroll", "--data", "{node}", "--device", "gw", "--key", "not-base64")]
    [InlineData("enroll", "--data", "{node}", "--device", "gw", "--key", "{key}", "--sensor", "t1")]
    [InlineData("export-bundle", "--data", "{node}", "--device", "gw", "--from", "yesterday", "--out", "x.json")]
    [InlineData("serve", "--data", "{node}", "--urls", "ftp://127.0.0.1:1")]
    [InlineData("org", "add", "--data", "{node}", "--name", "x", "--role", "admin")]
    [InlineData("frobnicate")]
    public async Task BadArguments_ExitTwoWithAMessage(params string[] args)
    {
        using var key = Firmware.Contracts.Notes.EcdsaNoteSigner.Generate("k");
        var resolved = args.Select(a => a.Replace("{scratch}", _scratch, StringComparison.Ordinal).Replace("{node}", node.Folder.Path, StringComparison.Ordinal)
            .Replace("{key}", Convert.ToBase64String(key.PublicKey.Span), StringComparison.Ordinal)).ToArray();
        var ledger = node.LedgerSize;
        var run = await Programs.RunAsync(Programs.AnchorNode, resolved);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.Equal(ledger, node.LedgerSize);
    }

    [Fact]
    public async Task Enroll_WhileTheNodeRuns_TheNodeAnchorsForTheDevice()
    {
        var device = new SimulatedDevice("gw-cli").Add(10);
        var run = await Programs.RunAsync(Programs.AnchorNode, ["enroll", "--data", node.Folder.Path, "--device", device.Id, "--key", device.PublicKey,
            "--site", "site-2", "--zone", "cold-b", "--sensor", "t1:temperature:cold-b", "--sensor", "h1:humidity"]);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var index = long.Parse(run.Field("ledger-index"), System.Globalization.CultureInfo.InvariantCulture);

        // The running node's writer picks up the entry the other process appended.
        var receipt = await node.AnchorAsync(device, 0);
        Assert.True(receipt.LedgerIndex > index);
        using var lease = node.Runtime.Readers.Rent();
        var record = lease.Reader.State.Device(device.Id)!;
        Assert.Equal((index, "site-2", "cold-b", 2), (record.EnrolmentIndex, record.Site, record.Zone, record.Sensors.Count));

        var twice = await Programs.RunAsync(Programs.AnchorNode, ["enroll", "--data", node.Folder.Path, "--device", device.Id, "--key", device.PublicKey]);
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("device-already-enrolled", twice.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrgAdd_PrintsAKeyTheRunningNodeAccepts()
    {
        var run = await Programs.RunAsync(Programs.AnchorNode, ["org", "add", "--data", node.Folder.Path, "--name", "second-bank", "--role", "lender"]);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        using var client = node.Client(run.Field("api-key"));
        using var response = await client.GetAsync("v1/devices");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var write = await client.PostAsync("v1/devices", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
    }

    [Fact]
    public async Task MembersAdd_AfterGenesis_IsRefused()
    {
        using var key = Firmware.Contracts.Notes.EcdsaNoteSigner.Generate("late");
        var run = await Programs.RunAsync(Programs.AnchorNode, ["members", "add", "--data", node.Folder.Path, "--name", "late", "--key", Convert.ToBase64String(key.PublicKey.Span)]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("genesis", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_ListensAndAnswers_UntilStopped()
    {
        var folder = Path.Combine(_scratch, "served");
        Assert.Equal(0, (await Programs.RunAsync(Programs.AnchorNode, ["init", "--data", folder, "--consortium", "solo", "--member", "only"])).ExitCode);
        Assert.Equal(0, (await Programs.RunAsync(Programs.AnchorNode, ["genesis", "--data", folder])).ExitCode);
        using var process = Programs.Start(Programs.AnchorNode, "serve", "--data", folder, "--urls", "http://127.0.0.1:0");
        try
        {
            string? line;
            Uri? address = null;
            var deadline = Stopwatch.StartNew();
            while (address is null && (line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))) is not null)
            {
                if (line.StartsWith("listening: ", StringComparison.Ordinal))
                {
                    address = new Uri(line["listening: ".Length..]);
                }
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "serve did not print its address");
            }
            Assert.NotNull(address);
            using var client = new HttpClient { BaseAddress = address };
            var members = await client.GetStringAsync("v1/members");
            Assert.Contains("\"consortium\":\"solo\"", members, StringComparison.Ordinal);
            var checkpoint = await client.GetStringAsync("v1/ledger/checkpoint");
            Assert.StartsWith("edgetrace/ledger/solo\n1\n", checkpoint, StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
