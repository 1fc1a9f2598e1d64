using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AnchorNode.Endpoints;
using AnchorNode.Inventory;
using AnchorNode.Notifications;
using AnchorNode.Tests.Browser;
using AnchorNode.Tests.Infrastructure;
using EdgeGateway.Sensors.Simulation;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Tests.Inventory;

/// <summary>
/// The compressor failure, end to end: simulated readings anchored over HTTP, lots registered from
/// RFID arrivals, pledges with covenants, then the lender's report (JSON, page, bundle), the
/// covenant monitor, the offline verifier and the public facts.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class WarehouseScenarioTests(WarehouseScenario scenario, HeadlessChromium chromium) : IClassFixture<WarehouseScenario>, IClassFixture<HeadlessChromium>
{
    private const long Minute = 60_000;

    [Fact]
    public async Task ChilledLot_Report_ShowsTheCompressorFailure_AndTheCovenantBreached()
    {
        var report = await ReportAsync(WarehouseScenario.Chilled);
        var c = report.Conditions;

        Assert.False(c.WithinRange);
        Assert.True(c.CovenantBreached);
        Assert.Equal(("bank", scenario.ChilledPledge), (report.Pledge!.Lender, report.Pledge.Index));
        Assert.Equal(WarehouseScenario.Issued + Minute, c.Parameters.FromMs);
        var storage = Assert.Single(c.Storage);
        Assert.Equal((SimulatedWarehouse.ChillerZone, WarehouseScenario.Issued + Minute), (storage.Zone, storage.FromMs));
        var probes = c.Sensors.Where(s => s.Quantity == "temperature").ToList();
        Assert.Equal(2, probes.Count);
        foreach (var probe in probes)
        {
            Assert.Equal(SimulatedWarehouse.ChillerZone, probe.Zone);
            var excursion = Assert.Single(probe.Excursions);
            // ZoneClimate: the air passes 8 °C about 10 minutes after the compressor stops and falls
            // back below it about 8 minutes after it restarts, peaking near 12 °C.
            Assert.InRange(excursion.StartMs, WarehouseScenario.FailureStart + 5 * Minute, WarehouseScenario.FailureStart + 15 * Minute);
            Assert.InRange(excursion.EndMs, WarehouseScenario.FailureEnd + 3 * Minute, WarehouseScenario.FailureEnd + 14 * Minute);
            Assert.InRange(excursion.Peak, 10.5, 14.5);
            Assert.Equal("above", excursion.Side);
            Assert.True(probe.Mkt > probe.Mean, $"MKT {probe.Mkt} weighs the warm hour more than the mean {probe.Mean}");
            Assert.Equal(1.0, probe.Completeness);
            Assert.Empty(probe.Gaps);
        }
        // No probe of the scenario has a calibration on the ledger: raw readings, flagged, and the breach stands.
        Assert.All(c.Sensors, s => Assert.Equal((ChannelCalibration.None, 0), (s.Calibration!.Status, s.Calibration.Applied.Count)));
        Assert.Equal(c.Sensors.Select(s => $"{s.DeviceId} {s.SensorId} {s.Quantity}: no calibration on record; its readings are not corrected"), c.Verdict.Calibration);
        var covenant = Assert.Single(c.Covenants);
        Assert.Equal(WarehouseScenario.ChillerCovenant, covenant.Covenant);
        Assert.Equal(2, covenant.Breaches.Count);
        Assert.All(covenant.Breaches, b => Assert.Equal(b.StartMs + 30 * Minute, b.ExceededAtMs));
        Assert.True(report.Proof.Verified);
        Assert.Equal(c.Sensors.Sum(s => s.Count) > 0, report.Proof.Readings > 0);
        Assert.Equal("acme-foods", report.Title!.Owner);
    }

    [Fact]
    public async Task FrozenLot_InAnotherZone_StaysClean()
    {
        var report = await ReportAsync(WarehouseScenario.Frozen);
        var c = report.Conditions;

        Assert.True(c.WithinRange, string.Join("; ", c.Sensors.SelectMany(s => s.Excursions).Select(e => $"{e.Side} {e.Peak}")));
        Assert.False(c.CovenantBreached);
        Assert.True(c.Complete);
        Assert.NotEmpty(c.Sensors);
        Assert.All(c.Sensors, s => Assert.Equal(SimulatedWarehouse.FreezerZone, s.Zone));
        Assert.All(c.Sensors.Where(s => s.Quantity == "temperature"), s => Assert.InRange(s.Max!.Value, -25, -18));
    }

    [Fact]
    public async Task CovenantBreach_IsDetectedFromAnchoredReadings_Published_AndListedForTheLender()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!scenario.Node.CovenantEvents.Events.Any(e => e.PledgeIndex == scenario.ChilledPledge))
        {
            Assert.True(DateTime.UtcNow < deadline, "no covenant breach was published within a minute");
            await Task.Delay(50);
        }

        var published = scenario.Node.CovenantEvents.Events.Where(e => e.PledgeIndex == scenario.ChilledPledge).ToList();
        Assert.All(published, e => Assert.Equal((WarehouseScenario.Chilled, "bank", WarehouseScenario.ChillerCovenant), (e.Receipt, e.Lender, e.Covenant)));
        Assert.Equal(published.Count, published.Select(e => (e.SensorId, e.StartMs)).Distinct().Count());
        Assert.DoesNotContain(scenario.Node.CovenantEvents.Events, e => e.PledgeIndex == scenario.FrozenPledge);
        // Each breach was put in the outbox for the bank's webhook in the transaction that recorded it.
        var outbox = scenario.Node.Runtime.Outbox.All(100).Where(i => i.Event.StartsWith("covenant.breach/", StringComparison.Ordinal)).ToList();
        Assert.Equal(published.Select(e => OutboxCovenantEvents.Message(e, "demo", "warehouse").Event).Order(), outbox.Select(i => i.Event).Order());
        Assert.All(outbox, i => Assert.Equal(("webhook", WarehouseScenario.BankHook), (i.Channel, i.Target)));
        Assert.All(outbox, i => Assert.Contains($"\"pledgeIndex\":{scenario.ChilledPledge},", i.Body, StringComparison.Ordinal));
        var breaches = await scenario.Lots.Lender.GetFromJsonAsync($"v1/pledges/{scenario.ChilledPledge}/breaches", InventoryJsonContext.Default.ListBreachView);
        Assert.Equal(2, breaches!.Count);
        Assert.All(breaches, b => Assert.Equal(b.StartMs + 30 * Minute, b.ExceededAtMs));
        Assert.All(breaches, b => Assert.StartsWith($"sim/{SimulatedWarehouse.ChillerZone}/", b.Sensor, StringComparison.Ordinal));
        Assert.Empty((await scenario.Lots.Auditor.GetFromJsonAsync($"v1/pledges/{scenario.FrozenPledge}/breaches", InventoryJsonContext.Default.ListBreachView))!);
    }

    [Fact]
    public async Task VerifierReport_OnTheDownloadedBundle_ReproducesTheNodesNumbers()
    {
        // A custom analysis: window and parameters chosen here, labelled as such by the node and the verifier.
        var from = Uri.EscapeDataString(DateTimeOffset.FromUnixTimeMilliseconds(WarehouseScenario.Issued + Minute).ToString("O"));
        var to = Uri.EscapeDataString(DateTimeOffset.FromUnixTimeMilliseconds(WarehouseScenario.End).ToString("O"));
        var query = $"?from={from}&to={to}&delayMs=600000&cumulativeMs=1800000&activationEnergyK=9500";
        using var json = await scenario.Lots.Lender.GetAsync($"v1/lots/{WarehouseScenario.Chilled}/report{query}");
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        var node = JsonNode.Parse(await json.Content.ReadAsStringAsync())!["conditions"]!;
        var path = await DownloadAsync($"v1/lots/{WarehouseScenario.Chilled}/bundle{query}", "chilled");

        var verified = await Programs.RunAsync(Programs.Verifier, ["report", path, .. scenario.Node.VerifierKeyArgs, "--json"]);
        var text = await Programs.RunAsync(Programs.Verifier, ["report", path, .. scenario.Node.VerifierKeyArgs]);
        var bundle = await Programs.RunAsync(Programs.Verifier, ["bundle", path, .. scenario.Node.VerifierKeyArgs]);

        Assert.True(verified.ExitCode == 0, verified.Output + verified.Error);
        Assert.True(JsonNode.DeepEquals(node, JsonNode.Parse(verified.Output)), $"node:\n{node.ToJsonString()}\nverifier:\n{verified.Output}");
        Assert.Equal(9500, node["parameters"]!["activationEnergyK"]!.GetValue<double>());
        Assert.Equal("custom", node["terms"]!.GetValue<string>());
        Assert.Equal(0, text.ExitCode);
        Assert.StartsWith("CUSTOM ANALYSIS", text.Field("terms"), StringComparison.Ordinal);
        Assert.Contains($"covenant: '{WarehouseScenario.ChillerCovenant}' breached", text.Output, StringComparison.Ordinal);
        Assert.Contains("title: depositor acme-foods, owner acme-foods", text.Output, StringComparison.Ordinal);
        Assert.Equal(0, bundle.ExitCode);
    }

    [Fact]
    public async Task ReportPdf_RendersWithPoppler_AndSaysTheBreach_TheVerdict_AndHowToVerify()
    {
        using var link = await scenario.Lots.Lender.PostAsync($"v1/lots/{WarehouseScenario.Chilled}/report-links?hours=1", null);
        var url = (await link.Content.ReadFromJsonAsync(InventoryJsonContext.Default.ReportLinkView))!.Url;
        using var anonymous = scenario.Node.Anonymous();
        using var response = await anonymous.GetAsync(url.Replace("/report.html", "/report.pdf", StringComparison.Ordinal));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/pdf", await response.Content.ReadAsStringAsync());
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var folder = Directory.CreateTempSubdirectory("edgetrace-pdf-").FullName;
        var pdf = Path.Combine(folder, "report.pdf");
        await File.WriteAllBytesAsync(pdf, await response.Content.ReadAsByteArrayAsync());
        var report = await ReportAsync(WarehouseScenario.Chilled);

        var text = await Programs.Tool("pdftotext", "-layout", pdf, "-");
        var png = await Programs.Tool("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", pdf, Path.Combine(folder, "page"));

        Assert.Equal(0, png.ExitCode);
        Assert.True(new FileInfo(Path.Combine(folder, "page-1.png")).Length > 10_000, "page 1 renders to a PNG with something on it");
        var words = string.Join(' ', text.Output.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"Condition report {WarehouseScenario.Chilled}", words, StringComparison.Ordinal);
        Assert.Contains("Covenant breached", words, StringComparison.Ordinal);
        Assert.Contains($"Verdict as of {EvidenceVerifier.Iso(report.Proof.LedgerTimeMs!.Value)} (ledger size {report.Proof.LedgerSize}", words, StringComparison.Ordinal);
        Assert.Contains("Breached: temperature above 8 °C for more than 30 min at a time", words, StringComparison.Ordinal);
        Assert.Contains("CNY 1,234,567.89", words, StringComparison.Ordinal);
        Assert.Contains("Depositor and owner: acme-foods", words, StringComparison.Ordinal);
        Assert.Contains("highest reading", words, StringComparison.Ordinal);
        Assert.Contains("the lender takes the goods as collateral", words, StringComparison.Ordinal);
        Assert.Contains("SHA-256", words, StringComparison.Ordinal);
        Assert.Contains("(NONE ON RECORD): no calibration on record", words, StringComparison.Ordinal);
        Assert.Contains("Calibration flag (does not change the verdict)", words, StringComparison.Ordinal);
        Assert.DoesNotContain("not recorded on the ledger", words, StringComparison.Ordinal);
        Assert.Contains("verify report WR-SAL-0001.lot-evidence.json --key", words.Replace(" - ", "-", StringComparison.Ordinal), StringComparison.Ordinal);
        foreach (var b in report.Conditions.Covenants.SelectMany(c => c.Breaches))
        {
            Assert.Contains(ReportWords.Time(b.StartMs), words, StringComparison.Ordinal);
        }
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task ReportPage_RendersInChromium_WithTheChartAndTheExcursion()
    {
        using var link = await scenario.Lots.Lender.PostAsync($"v1/lots/{WarehouseScenario.Chilled}/report-links?hours=1", null);
        Assert.Equal(HttpStatusCode.Created, link.StatusCode);
        var url = (await link.Content.ReadFromJsonAsync(InventoryJsonContext.Default.ReportLinkView))!.Url;

        var page = await chromium.NewPageAsync(1280, 900);
        var loaded = await page.GotoAsync(url);

        Assert.Equal(200, loaded!.Status);
        Assert.Contains("default-src 'none'", (await loaded.AllHeadersAsync())["content-security-policy"], StringComparison.Ordinal);
        Assert.True(await page.Locator("#chart").IsVisibleAsync());
        Assert.True(await page.Locator("#chart rect.band").CountAsync() == 1);
        Assert.True(await page.Locator("#chart polyline.series").CountAsync() >= 2);
        Assert.True(await page.Locator("#chart rect.excursion").CountAsync() >= 1);
        Assert.Equal("Covenant breached", (await page.Locator("#verdict").InnerTextAsync()).Trim());
        Assert.True(await page.Locator("#excursions tr.excursion-row").CountAsync() >= 2);
        var calibrations = page.Locator("#calibration li.calibration.none");
        Assert.True(await calibrations.CountAsync() >= 2);
        Assert.EndsWith("(NONE ON RECORD): no calibration on record; its readings are not corrected", (await calibrations.First.InnerTextAsync()).Trim(), StringComparison.Ordinal);
        Assert.True(await page.Locator("header p.calibration-flag").CountAsync() >= 2);
        var box = await page.Locator("#chart rect.excursion").First.BoundingBoxAsync();
        Assert.True(box!.Width > 20, $"the excursion is drawn {box.Width} px wide");
        // The command to check it offline: the consortium's quorum (no --threshold), every member's key, the file the page offers.
        var verify = (await page.Locator("#verify").InnerTextAsync()).Trim();
        Assert.Equal(AnchorNode.Evidence.VerifyCommand.Format("report", $"{WarehouseScenario.Chilled}.lot-evidence.json", scenario.Node.VerifierKeyArgs.Where(a => a != "--key")), verify);
        Assert.DoesNotContain("--threshold", verify, StringComparison.Ordinal);
        Assert.Equal($"{WarehouseScenario.Chilled}.lot-evidence.json", await page.Locator("#bundle").GetAttributeAsync("download"));
        await HeadlessChromium.ScreenshotAsync(page, "lender-report-chiller-excursion");

        var clean = await chromium.NewPageAsync(1280, 900);
        await clean.SetExtraHTTPHeadersAsync(new Dictionary<string, string> { ["Authorization"] = $"Bearer {scenario.Node.AuditorKey}" });
        await clean.GotoAsync(new Uri(scenario.Node.BaseAddress, $"v1/lots/{WarehouseScenario.Frozen}/report.html").ToString());
        Assert.Equal("Within range, covenants held", (await clean.Locator("#verdict").InnerTextAsync()).Trim());
        Assert.Equal(0, await clean.Locator("#chart rect.excursion").CountAsync());
        await HeadlessChromium.ScreenshotAsync(clean, "lender-report-freezer-clean");
    }

    [Fact]
    public async Task PublicFacts_ShowJourneyAndColdChain_AndNothingPrivate()
    {
        using var anonymous = scenario.Node.Anonymous();
        using var response = await anonymous.GetAsync($"v1/public/lots?gtin={scenario.Salmon.Gtin14}&batch={Uri.EscapeDataString(scenario.Salmon.Batch)}");
        var body = await response.Content.ReadAsStringAsync();
        var views = JsonSerializer.Deserialize(body, InventoryJsonContext.Default.ListPublicLotView)!;

        var view = Assert.Single(views);
        Assert.False(view.ColdChain.Held);
        var excursion = Assert.Single(view.ColdChain.Excursions);
        Assert.Equal(SimulatedWarehouse.ChillerZone, excursion.Zone);
        Assert.Equal(SimulatedWarehouse.ChillerZone, Assert.Single(view.Journey).Zone);
        Assert.True(view.Proof.Signatures >= 1);
        Assert.True((await anonymous.GetFromJsonAsync($"v1/public/lots?gtin={scenario.Berries.Gtin14}", InventoryJsonContext.Default.ListPublicLotView))!.Single().ColdChain.Held);
        var serial = scenario.ChilledEpcs[0].Split('.')[^1];
        Assert.Single((await anonymous.GetFromJsonAsync($"v1/public/lots?gtin={scenario.Salmon.Gtin14}&serial={serial}", InventoryJsonContext.Default.ListPublicLotView))!);
        AssertNoPrivateValues(body);
        foreach (var field in new[] { "lender", "pledge", "owner", "depositor", "amount", "insurance" })
        {
            Assert.DoesNotContain(field, body, StringComparison.OrdinalIgnoreCase);
        }

        var path = await DownloadAsync(view.Proof.ProofPath.TrimStart('/'), "public", anonymous);
        var bundle = EvidenceBundle.Parse(await File.ReadAllBytesAsync(path)).Value;
        var entries = bundle.Entries.Select(e => LedgerEntry.Parse(Convert.FromBase64String(e.Entry)).Value).ToList();
        Assert.All(entries, e => Assert.Contains(e.Kind, new[] { EntryKinds.Enrol, EntryKinds.Anchor, EntryKinds.Lot, EntryKinds.Move }));
        Assert.Null(bundle.Lot!.Title);
        Assert.Null(bundle.Report);
        Assert.DoesNotContain(bundle.State, s => s.Key.StartsWith("lot-status/", StringComparison.Ordinal) || s.Key.StartsWith("party/", StringComparison.Ordinal));
        // The readable content: every entry and every reading leaf (the rest is base64 and hashes).
        AssertNoPrivateValues(string.Join("\n", entries.Select(e => e.ToString()))
            + string.Join("\n", bundle.Devices.SelectMany(d => d.Leaves).Select(l => Encoding.UTF8.GetString(Convert.FromBase64String(l)))));
        var verified = await Programs.RunAsync(Programs.Verifier, ["report", path, .. scenario.Node.VerifierKeyArgs]);
        Assert.True(verified.ExitCode == 0, verified.Output);
        Assert.Contains("title: not in this bundle", verified.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("pledge:", verified.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsumerPage_OnTheLedger_ShowsTheExcursion_PublicPlaces_AndAProofTheVerifierAccepts()
    {
        using var anonymous = scenario.Node.Anonymous();
        var path = $"01/{scenario.Salmon.Gtin14}/10/{Uri.EscapeDataString(scenario.Salmon.Batch)}";

        var page = await chromium.NewPageAsync(390, 844);
        var loaded = await page.GotoAsync(new Uri(scenario.Node.BaseAddress, path).ToString());

        Assert.Equal(200, loaded!.Status);
        Assert.Equal("excursion", await page.Locator("#status").GetAttributeAsync("data-state"));
        Assert.Contains(scenario.Salmon.Product, await page.Locator("#product").InnerTextAsync(), StringComparison.Ordinal);
        var journey = await page.Locator("#journey").InnerTextAsync();
        Assert.Contains("Harbour cold store", journey, StringComparison.Ordinal);
        Assert.Contains("Chilled hall", journey, StringComparison.Ordinal);
        Assert.DoesNotContain(SimulatedWarehouse.ChillerZone, journey, StringComparison.Ordinal);
        var ledgerSize = long.Parse((await page.Locator("#ledger-size").InnerTextAsync()).Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(ledgerSize > 0);
        Assert.True(int.Parse(await page.Locator("#signatures").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        await HeadlessChromium.ScreenshotAsync(page, "consumer-ledger-chiller-excursion");
        var html = await page.ContentAsync();
        AssertNoPrivateValues(html);
        Assert.DoesNotContain("1,234,567", html, StringComparison.Ordinal);

        var proofHref = await page.Locator("#proof-link").GetAttributeAsync("href");
        var proof = await DownloadAsync(proofHref!.TrimStart('/'), "consumer-proof", anonymous);
        var verified = await Programs.RunAsync(Programs.Verifier, ["bundle", proof, .. scenario.Node.VerifierKeyArgs]);
        Assert.True(verified.ExitCode == 0, verified.Output);

        var frozen = await anonymous.GetStringAsync($"01/{scenario.Berries.Gtin14}/10/{Uri.EscapeDataString(scenario.Berries.Batch)}");
        Assert.Contains("data-state=\"held\"", frozen, StringComparison.Ordinal);
        Assert.DoesNotContain(SimulatedWarehouse.FreezerZone, frozen, StringComparison.Ordinal);
        using var unknown = await anonymous.GetAsync($"01/{scenario.Salmon.Gtin14}/10/NO-SUCH-BATCH");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var product = await anonymous.GetAsync($"01/{scenario.Salmon.Gtin14}");
        Assert.Contains(scenario.Salmon.Product, await product.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_TracesTheCargoFromTheDockDoorIntoTheChiller()
    {
        var history = await scenario.Lots.Auditor.GetFromJsonAsync($"v1/lots/{WarehouseScenario.Chilled}/history", InventoryJsonContext.Default.HistoryView);

        Assert.Equal(SimulatedWarehouse.ChillerZone, history!.Storage[0].Zone);
        Assert.Equal(WarehouseScenario.Issued, history.Storage[0].FromMs);
        foreach (var epc in scenario.ChilledEpcs)
        {
            var reads = history.Trace.Where(t => t.Epc == epc).ToList();
            Assert.Contains(reads, t => t.Zone == SimulatedWarehouse.DockZone);
            Assert.Contains(reads, t => t.Zone == SimulatedWarehouse.ChillerZone);
        }
        Assert.Equal(scenario.ChilledEpcs.Count, (await scenario.Lots.LotAsync(WarehouseScenario.Chilled)).Cargo.Count);
    }

    // The test's private values are spelled so that base64 and hex cannot produce them by chance ('-', '.').
    private static void AssertNoPrivateValues(string text)
    {
        foreach (var secret in new[] { "acme-foods", "beta-trading", "edgetrace/party/", "PICC-2026-778", "1234567.89" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
        Assert.DoesNotMatch(new System.Text.RegularExpressions.Regex("^(amount|currency|owner|depositor|lender|insurance|quantity) ", System.Text.RegularExpressions.RegexOptions.Multiline), text);
    }

    private async Task<LotReportResponse> ReportAsync(string receipt)
    {
        using var response = await scenario.Lots.Lender.GetAsync($"v1/lots/{receipt}/report");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize(body, InventoryJsonContext.Default.LotReportResponse)!;
    }

    private async Task<string> DownloadAsync(string path, string name, HttpClient? client = null)
    {
        using var response = await (client ?? scenario.Lots.Lender).GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = Path.Combine(scenario.Node.Root, $"{name}-{Guid.NewGuid():N}.json");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        return file;
    }
}
