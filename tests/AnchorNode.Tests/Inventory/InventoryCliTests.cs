using System.Net;
using System.Net.Http.Json;
using AnchorNode.Endpoints;
using AnchorNode.Tests.Infrastructure;
using EdgeGateway.Sensors.Simulation;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Inventory;

/// <summary>
/// The operator's and lender's command lines as a demo script uses them, run as real processes on
/// the data folder of a running node: register a party, list the RFID arrivals, issue a lot from
/// them, pledge it with a covenant, print the lender's report link, export and verify the bundle,
/// and release the pledge through draft, sign and submit.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class InventoryCliTests : IAsyncLifetime
{
    // The node's clock reads the end of the hour and a half of readings the test uploads.
    private readonly TestNode _node = new() { Time = new StoppedClock(new SimulatedWarehouseOptions().StartTimeMs + 90 * 60_000L) };

    public Task InitializeAsync() => _node.InitializeAsync();

    public Task DisposeAsync() => _node.DisposeAsync();

    [Fact]
    public async Task DemoScript_RegistersALotFromArrivals_PledgesIt_AndPrintsAWorkingReportLink()
    {
        var warehouse = new SimulatedWarehouse(new SimulatedWarehouseOptions { Seed = 3, PalletArrivalSpacing = TimeSpan.FromMinutes(5), CompressorFailure = null });
        using var gateway = new WarehouseGateway("gw-cli", warehouse);
        await UploadAsync(gateway, TimeSpan.FromMinutes(90));
        var data = _node.Folder.Path;
        var salmon = warehouse.Pallets.First(p => p.Zone == SimulatedWarehouse.ChillerZone);
        var ownerKey = Path.Combine(_node.Root, "acme-foods.key");

        var keygen = await Ok("party", "keygen", "--party", "acme-foods", "--out", ownerKey);
        await Ok("party", "add", "--data", data, "--party", "acme-foods", "--key", keygen.Field("public-key"));
        var arrivals = await Ok("cargo", "arrivals", "--data", data, "--gtin", salmon.Gtin14, "--zone", SimulatedWarehouse.DockZone);
        var seen = arrivals.Output.Split('\n').Count(l => l.StartsWith("epc: urn:epc:id:sgtin:", StringComparison.Ordinal));
        var issued = await Ok("lot", "issue", "--data", data, "--receipt", "WR-CLI-1", "--site", "site-1", "--zone", SimulatedWarehouse.ChillerZone,
            "--product", salmon.Product, "--gtin", salmon.Gtin14, "--batch", salmon.Batch, "--band", "temperature:2:8",
            "--issued", "2026-01-01T06:55:00Z", "--valid-until", "2027-01-01T00:00:00Z", "--arrived", "--arrived-zone", SimulatedWarehouse.DockZone,
            "--depositor", "acme-foods", "--quantity", "360", "--unit", "carton");
        var pledged = await Ok("pledge", "create", "--data", data, "--receipt", "WR-CLI-1", "--lender-data", _node.BankFolder.Path, "--owner-key", ownerKey,
            "--lender", "bank", "--amount", "500000", "--currency", "CNY", "--start", "2026-01-01T06:55:00Z", "--end", "2026-06-30T00:00:00Z",
            "--covenant", "temperature above 8 for 30m");
        var link = await Ok("lot", "report-link", "--data", data, "--receipt", "WR-CLI-1", "--base-url", _node.BaseAddress.ToString());

        Assert.True(seen >= 1);
        Assert.Equal(seen.ToString(System.Globalization.CultureInfo.InvariantCulture), issued.Field("epcs"));
        Assert.Equal("acme-foods", pledged.Field("owner"));
        using var browser = new HttpClient();
        using var page = await browser.GetAsync(link.Field("url"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("WR-CLI-1", html, StringComparison.Ordinal);
        Assert.True(html.Contains("temperature above 8 for 30m", StringComparison.Ordinal), html);
        Assert.Contains("<svg id=\"chart\"", html, StringComparison.Ordinal);

        // The bank cosigns (the consortium's quorum is 2); the export uses that checkpoint.
        await _node.CosignAsync();
        var bundle = Path.Combine(_node.Root, "cli.lot-evidence.json");
        var exported = await Ok("lot", "export-bundle", "--data", data, "--receipt", "WR-CLI-1", "--out", bundle);
        var verified = await Programs.RunAsync(Programs.Verifier, ["report", bundle, .. _node.VerifierKeyArgs]);
        Assert.True(verified.ExitCode == 0, verified.Output + verified.Error);
        Assert.Contains("covenant: 'temperature above 8 for 30m' held", verified.Output, StringComparison.Ordinal);
        Assert.StartsWith($"edgetrace verify report {bundle} --key warehouse=", exported.Field("check"), StringComparison.Ordinal);

        var draft = Path.Combine(_node.Root, "release.txt");
        var note = Path.Combine(_node.Root, "release.note");
        await Ok("pledge", "release-draft", "--data", data, "--pledge", pledged.Field("pledge"), "--reason", "repaid", "--at", "2026-01-02T00:00:00Z", "--out", draft);
        var byOwner = await Programs.RunAsync(Programs.AnchorNode, "sign", "--in", draft, "--out", note, "--key", ownerKey, "--party", "acme-foods");
        Assert.Equal(0, byOwner.ExitCode);
        var refused = await Programs.RunAsync(Programs.AnchorNode, "pledge", "submit", "--data", data, "--in", note);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("refused: not-a-member", refused.Error, StringComparison.Ordinal);
        var signed = await Ok("sign", "--in", draft, "--out", note, "--data", _node.BankFolder.Path);
        Assert.Equal("bank", signed.Field("signed-by"));
        await Ok("pledge", "submit", "--data", data, "--in", note);
        var shown = await Ok("lot", "show", "--data", data, "--receipt", "WR-CLI-1");
        Assert.Equal("issued", shown.Field("status"));
        Assert.Contains("released", shown.Field("pledge"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PartyRekey_DraftedSignedWithTheCurrentKey_ReplacesIt()
    {
        var data = _node.Folder.Path;
        var oldKey = Path.Combine(_node.Root, "acme-old.key");
        var newKey = Path.Combine(_node.Root, "acme-new.key");
        var first = await Ok("party", "keygen", "--party", "acme-foods", "--out", oldKey);
        var second = await Ok("party", "keygen", "--party", "acme-foods", "--out", newKey);
        await Ok("party", "add", "--data", data, "--party", "acme-foods", "--key", first.Field("public-key"));
        var draft = Path.Combine(_node.Root, "rekey.txt");
        var note = Path.Combine(_node.Root, "rekey.note");

        var again = await Programs.RunAsync(Programs.AnchorNode, "party", "add", "--data", data, "--party", "acme-foods", "--key", second.Field("public-key"));
        await Ok("party", "rekey-draft", "--data", data, "--party", "acme-foods", "--key", second.Field("public-key"), "--out", draft);
        await Ok("sign", "--in", draft, "--out", note, "--key", newKey, "--party", "acme-foods");
        var byNewKey = await Programs.RunAsync(Programs.AnchorNode, "party", "rekey", "--data", data, "--party", "acme-foods", "--in", note);
        var before = await Ok("party", "list", "--data", data);
        await Ok("sign", "--in", draft, "--out", note, "--key", oldKey, "--party", "acme-foods");
        await Ok("party", "rekey", "--data", data, "--party", "acme-foods", "--in", note);
        var after = await Ok("party", "list", "--data", data);

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("rekey-draft", again.Error, StringComparison.Ordinal);
        Assert.Equal(1, byNewKey.ExitCode);
        Assert.Contains("bad-signature", byNewKey.Error, StringComparison.Ordinal);
        Assert.Contains($"key={first.Field("public-key")}", before.Field("party"), StringComparison.Ordinal);
        Assert.Contains($"key={second.Field("public-key")}", after.Field("party"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadArguments_ExitTwo_WithWhatToDo()
    {
        var band = await Programs.RunAsync(Programs.AnchorNode, "lot", "issue", "--data", _node.Folder.Path, "--receipt", "R", "--site", "s", "--zone", "z", "--product", "p",
            "--gtin", "10614141007346", "--batch", "B", "--band", "temperature:8:2", "--valid-until", "2027-01-01T00:00:00Z", "--depositor", "d", "--quantity", "1", "--unit", "kg");
        var covenant = await Programs.RunAsync(Programs.AnchorNode, "pledge", "draft", "--data", _node.Folder.Path, "--receipt", "R", "--lender", "bank", "--amount", "1",
            "--currency", "CNY", "--end", "2027-01-01T00:00:00Z", "--covenant", "temperature above 8 for 60m", "--out", Path.Combine(_node.Root, "x"));

        var deliverHowMuch = await Programs.RunAsync(Programs.AnchorNode, "lot", "deliver", "--data", _node.Folder.Path, "--receipt", "R");
        var deliverBoth = await Programs.RunAsync(Programs.AnchorNode, "lot", "deliver", "--data", _node.Folder.Path, "--receipt", "R", "--quantity", "1", "--all");

        Assert.Equal(2, deliverHowMuch.ExitCode);
        Assert.Contains("--quantity N (part of what remains), or --all", deliverHowMuch.Error, StringComparison.Ordinal);
        Assert.Equal(2, deliverBoth.ExitCode);
        Assert.Contains("give one of them", deliverBoth.Error, StringComparison.Ordinal);
        Assert.Equal(2, band.ExitCode);
        Assert.Contains("the minimum must be below the maximum", band.Error, StringComparison.Ordinal);
        Assert.Equal(2, covenant.ExitCode);
        Assert.Contains("temperature above 8 for 30m", covenant.Error, StringComparison.Ordinal);
    }

    private static async Task<Programs.Run> Ok(params string[] args)
    {
        var run = await Programs.RunAsync(Programs.AnchorNode, args);
        Assert.True(run.ExitCode == 0, $"AnchorNode {string.Join(' ', args)} exited {run.ExitCode}:\n{run.Output}\n{run.Error}");
        return run;
    }

    private async Task UploadAsync(WarehouseGateway gateway, TimeSpan duration)
    {
        using var operatorClient = _node.Operator();
        using (var enrol = await operatorClient.PostAsJsonAsync("v1/devices", gateway.Enrolment("site-1"), NodeJsonContext.Default.EnrolRequest))
        {
            Assert.Equal(HttpStatusCode.Created, enrol.StatusCode);
        }
        foreach (var e in gateway.Warehouse.Generate(duration))
        {
            gateway.Record(e);
        }
        using var uplink = _node.Anonymous();
        using var upload = await uplink.PostAsJsonAsync(UplinkRoutes.UploadPath(gateway.Id).TrimStart('/'), gateway.Request(0), UplinkJsonContext.Default.UplinkRequest);
        Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
    }
}
