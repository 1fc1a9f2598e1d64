using System.Net;
using System.Net.Http.Json;
using System.Text;
using AnchorNode.Endpoints;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Tests.Inventory;

/// <summary>
/// The receipt lifecycle over HTTP on a real node with a regulator member: endorsement of the title,
/// split and merge, freeze and unfreeze, disposal after enforcement and expiry; and races between
/// members' requests signed against the same state, of which exactly one is appended.
/// </summary>
public sealed class LifecycleTests : IAsyncLifetime
{
    private readonly TestNode _node = new() { WithRegulator = true };
    private LotClient _lots = null!;
    private HttpClient _regulator = null!;

    public async Task InitializeAsync()
    {
        await _node.InitializeAsync();
        _lots = new LotClient(_node);
        _regulator = _node.Client(_node.RegulatorKey);
        await _lots.RegisterPartiesAsync();
    }

    public async Task DisposeAsync()
    {
        _regulator.Dispose();
        _lots.Dispose();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task Endorsement_SignedByBothParties_ChangesTheOwner_AndTheTitleChainListsEveryHolder()
    {
        var issued = await _lots.IssueAsync(LotClient.Request("WR-E1"));
        var draft = await DraftAsync(_lots.Operator, "v1/lots/WR-E1/endorsements/draft", new EndorseDraftRequest("beta-trading", LotClient.T0 + 60_000), InventoryJsonContext.Default.EndorseDraftRequest);
        Assert.Equal(["warehouse", "edgetrace/party/acme-foods", "edgetrace/party/beta-trading"], draft.Signers);

        var size = _node.LedgerSize;
        using (var withoutBuyer = await PostNoteAsync(_lots.Operator, "v1/lots/WR-E1/endorsements", LotClient.Sign(draft.Statement, _lots.Acme)))
        {
            Assert.Equal((HttpStatusCode.Forbidden, LedgerFailures.PartyConsentRequired), await CodeAsync(withoutBuyer));
        }
        Assert.Equal(size, _node.LedgerSize);
        var index = await AppendedAsync(await PostNoteAsync(_lots.Operator, "v1/lots/WR-E1/endorsements", LotClient.Sign(draft.Statement, _lots.Acme, _lots.Beta)));

        var lot = await _lots.LotAsync("WR-E1");
        Assert.Equal("beta-trading", lot.Owner);
        Assert.Equal([new HolderView("acme-foods", issued.TitleIndex), new HolderView("beta-trading", index)], lot.Holders);
        // A pledge now needs the new owner's consent.
        var pledge = await DraftAsync(_lots.Lender, "v1/lots/WR-E1/pledges/draft", new PledgeDraftRequest("bank", 1000, "CNY", LotClient.T0 + 120_000, LotClient.T0 + 86_400_000, []),
            InventoryJsonContext.Default.PledgeDraftRequest);
        Assert.Equal(["bank", "edgetrace/party/beta-trading"], pledge.Signers);
        // The public view names no party.
        using var anonymous = _node.Anonymous();
        var publicView = await anonymous.GetStringAsync("v1/public/lots?gtin=" + LotClient.Gtin);
        Assert.DoesNotContain("beta-trading", publicView, StringComparison.Ordinal);
        Assert.DoesNotContain("acme-foods", publicView, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endorsement_WhilePledged_IsRefusedNamingThePledge()
    {
        await _lots.IssueAsync(LotClient.Request("WR-E2"));
        var draft = await DraftAsync(_lots.Operator, "v1/lots/WR-E2/endorsements/draft", new EndorseDraftRequest("beta-trading", null), InventoryJsonContext.Default.EndorseDraftRequest);
        var pledge = await _lots.PledgeAsync("WR-E2");

        using var response = await PostNoteAsync(_lots.Operator, "v1/lots/WR-E2/endorsements", LotClient.Sign(draft.Statement, _lots.Acme, _lots.Beta));

        var problem = await Problem.ReadAsync(response);
        Assert.Equal((HttpStatusCode.Conflict, LedgerFailures.LotPledged), (problem.Status, problem.Code));
        Assert.Equal(pledge, problem.Body.GetProperty("ledgerIndex").GetInt64());
        Assert.Equal("acme-foods", (await _lots.LotAsync("WR-E2")).Owner);
    }

    [Fact]
    public async Task TenEndorsementsAndTenPledges_AtOnce_ExactlyOneIsAppended()
    {
        await _lots.IssueAsync(LotClient.Request("WR-R1"));
        var endorsement = LotClient.Sign((await DraftAsync(_lots.Operator, "v1/lots/WR-R1/endorsements/draft", new EndorseDraftRequest("beta-trading", null),
            InventoryJsonContext.Default.EndorseDraftRequest)).Statement, _lots.Acme, _lots.Beta);
        var requests = new List<Func<HttpClient, Task<HttpResponseMessage>>>();
        for (var i = 0; i < 10; i++)
        {
            var pledge = LotClient.Sign(await _lots.DraftPledgeAsync("WR-R1", LotClient.T0 + 3_600_000 + i), _node.Bank, _lots.Acme);
            requests.Add(client => PostNoteAsync(client, "v1/lots/WR-R1/endorsements", endorsement));
            requests.Add(client => _lots.SubmitAsync(pledge, client));
        }
        var size = _node.LedgerSize;

        var (won, lost) = await RaceAsync(requests, i => i % 2 == 0 ? _node.OperatorKey : _node.LenderKey);

        Assert.Equal(size + 1, _node.LedgerSize);
        var lot = await _lots.LotAsync("WR-R1");
        Assert.Equal(lot.Events.Single().Index, won);
        foreach (var code in lost)
        {
            // The losers met the state the winner left: a changed head, or the pledge in force.
            Assert.Contains(code, new[] { LedgerFailures.StaleReference, LedgerFailures.LotPledged, LedgerFailures.DuplicateStatement });
        }
        Assert.True(lot.Owner == "beta-trading" ^ lot.ActivePledge is not null, $"owner {lot.Owner}, pledge {lot.ActivePledge}");
    }

    [Fact]
    public async Task Split_HandsQuantityAndEpcsToChildren_WhichLinkToTheParent()
    {
        await _lots.IssueAsync(LotClient.Request("WR-S1", [LotClient.Epc(1), LotClient.Epc(2), LotClient.Epc(3)]));

        using var response = await _lots.Operator.PostAsJsonAsync("v1/lots/WR-S1/split", Split("WR-S1", 0), InventoryJsonContext.Default.SplitRequest);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var split = System.Text.Json.JsonSerializer.Deserialize(body, InventoryJsonContext.Default.SplitResponse)!;

        var parent = await _lots.LotAsync("WR-S1");
        var a = await _lots.LotAsync("WR-S1-0A");
        var b = await _lots.LotAsync("WR-S1-0B");
        Assert.Equal(("split", 0m, split.SplitIndex), (parent.Status, parent.Quantity, parent.ClosedAt!.Value));
        Assert.Equal([new ChildView("WR-S1-0A", 70), new ChildView("WR-S1-0B", 50)], parent.Children);
        Assert.Equal(("WR-S1", 70m, "acme-foods"), (a.SplitFrom, a.Quantity, a.Owner));
        Assert.Equal([LotClient.Epc(1), LotClient.Epc(2)], a.Cargo);
        Assert.Equal([LotClient.Epc(3)], b.Cargo);
        Assert.Equal(parent.Public.IssuedMs, a.Public.IssuedMs);
    }

    [Fact]
    public async Task Split_QuantitiesNotAddingUp_WhilePledged_OrWithAnUnknownMember_IsRefused()
    {
        await _lots.IssueAsync(LotClient.Request("WR-S2", [LotClient.Epc(11), LotClient.Epc(12), LotClient.Epc(13)]));
        var size = _node.LedgerSize;
        var wrong = Split("WR-S2", 0) with { Children = [new SplitChildModel("WR-S2-X", 70, [LotClient.Epc(11)]), new SplitChildModel("WR-S2-Y", 49, [LotClient.Epc(12), LotClient.Epc(13)])] };
        using (var mismatch = await _lots.Operator.PostAsJsonAsync("v1/lots/WR-S2/split", wrong, InventoryJsonContext.Default.SplitRequest))
        {
            Assert.Equal((HttpStatusCode.Conflict, LedgerFailures.QuantityMismatch), await CodeAsync(mismatch));
        }
        using (var extra = await _lots.Operator.PostAsync("v1/lots/WR-S2/split",
            new StringContent("""{"children":[],"atMs":1,"sneaky":true}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal((HttpStatusCode.BadRequest, "unknown-member"), await CodeAsync(extra));
        }
        var pledge = await _lots.PledgeAsync("WR-S2");
        using (var pledged = await _lots.Operator.PostAsJsonAsync("v1/lots/WR-S2/split", Split("WR-S2", 0), InventoryJsonContext.Default.SplitRequest))
        {
            var problem = await Problem.ReadAsync(pledged);
            Assert.Equal((HttpStatusCode.Conflict, LedgerFailures.LotPledged, pledge), (problem.Status, problem.Code, problem.Body.GetProperty("ledgerIndex").GetInt64()));
        }
        Assert.Equal(size + 1, _node.LedgerSize);
    }

    [Fact]
    public async Task EightSplitsAtOnce_ExactlyOneIsAppended_WithOnlyItsChildren()
    {
        await _lots.IssueAsync(LotClient.Request("WR-R2", [LotClient.Epc(21), LotClient.Epc(22), LotClient.Epc(23)]));
        var requests = Enumerable.Range(0, 8).Select(i => (Func<HttpClient, Task<HttpResponseMessage>>)(client =>
            client.PostAsJsonAsync("v1/lots/WR-R2/split", Split("WR-R2", i, [LotClient.Epc(21), LotClient.Epc(22)], [LotClient.Epc(23)]), InventoryJsonContext.Default.SplitRequest))).ToList();

        var (won, lost) = await RaceAsync(requests, _ => _node.OperatorKey);

        Assert.All(lost, code => Assert.Contains(code, new[] { LedgerFailures.StaleReference, LedgerFailures.LotClosed }));
        var parent = await _lots.LotAsync("WR-R2");
        Assert.Equal(won, parent.ClosedAt);
        Assert.Equal(2, parent.Children.Count);
        using var list = await _lots.Auditor.GetAsync("v1/lots");
        var receipts = (await list.Content.ReadFromJsonAsync(InventoryJsonContext.Default.ListLotSummaryView))!.Select(l => l.Receipt).Where(r => r.StartsWith("WR-R2-", StringComparison.Ordinal)).ToList();
        Assert.Equal(parent.Children.Select(c => c.Receipt).Order(StringComparer.Ordinal), receipts.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Merge_OfDifferentProducts_IsRefused_AndChangesNothing()
    {
        await _lots.IssueAsync(LotClient.Request("WR-M1", [LotClient.Epc(31)]));
        await _lots.IssueAsync(LotClient.Request("WR-M3", gtin: "10614141007353"));
        var size = _node.LedgerSize;

        using var mixed = await _lots.Operator.PostAsJsonAsync("v1/merges", new MergeRequest(["WR-M1", "WR-M3"], "WR-MX", null, LotClient.T0 + 60_000), InventoryJsonContext.Default.MergeRequest);

        Assert.Equal((HttpStatusCode.UnprocessableEntity, LedgerFailures.ParentMismatch), await CodeAsync(mixed));
        Assert.Equal(size, _node.LedgerSize);
        Assert.Equal("issued", (await _lots.LotAsync("WR-M1")).Status);
    }

    [Fact]
    public async Task Merge_OfTwoReceipts_IssuesOneWithTheirQuantityAndCargo()
    {
        await _lots.IssueAsync(LotClient.Request("WR-M4", [LotClient.Epc(41)]));
        await _lots.IssueAsync(LotClient.Request("WR-M5", [LotClient.Epc(42)]));

        using var response = await _lots.Operator.PostAsJsonAsync("v1/merges", new MergeRequest(["WR-M4", "WR-M5"], "WR-M45", null, LotClient.T0 + 60_000), InventoryJsonContext.Default.MergeRequest);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);

        var merged = await _lots.LotAsync("WR-M45");
        Assert.Equal((240m, "issued"), (merged.Quantity, merged.Status));
        Assert.Equal(["WR-M4", "WR-M5"], merged.MergedFrom);
        Assert.Equal([LotClient.Epc(41), LotClient.Epc(42)], merged.Cargo);
        Assert.Equal("merged", (await _lots.LotAsync("WR-M5")).Status);
    }

    [Fact]
    public async Task Freeze_ByTheRegulator_StopsEverythingButItsUnfreeze()
    {
        await _lots.IssueAsync(LotClient.Request("WR-F1"));
        var pledgeNote = LotClient.Sign(await _lots.DraftPledgeAsync("WR-F1"), _node.Bank, _lots.Acme);
        using (var byOperator = await _lots.Operator.PostAsJsonAsync("v1/lots/WR-F1/freeze/draft", new LotActionRequest("court order 2026-17", null), InventoryJsonContext.Default.LotActionRequest))
        {
            Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        }
        var freeze = await DraftAsync(_regulator, "v1/lots/WR-F1/freeze/draft", new LotActionRequest("court order 2026-17", LotClient.T0 + 60_000), InventoryJsonContext.Default.LotActionRequest);
        Assert.Equal(["regulator"], freeze.Signers);
        using (var signedByBank = await PostNoteAsync(_regulator, "v1/lots/WR-F1/freezes", LotClient.Sign(freeze.Statement, _node.Bank)))
        {
            Assert.Equal((HttpStatusCode.Forbidden, LedgerFailures.RoleRequired), await CodeAsync(signedByBank));
        }
        var frozen = await AppendedAsync(await PostNoteAsync(_regulator, "v1/lots/WR-F1/freezes", LotClient.Sign(freeze.Statement, _node.Regulator!)));

        Assert.Equal(frozen, (await _lots.LotAsync("WR-F1")).Frozen);
        using (var pledge = await _lots.SubmitAsync(pledgeNote))
        {
            var problem = await Problem.ReadAsync(pledge);
            Assert.Equal((HttpStatusCode.Conflict, LedgerFailures.LotFrozen, frozen), (problem.Status, problem.Code, problem.Body.GetProperty("ledgerIndex").GetInt64()));
        }
        using (var cancel = await _lots.Operator.PostAsJsonAsync("v1/lots/WR-F1/cancel", new ReasonRequest("mistake"), NodeJsonContext.Default.ReasonRequest))
        {
            Assert.Equal((HttpStatusCode.Conflict, LedgerFailures.LotFrozen), await CodeAsync(cancel));
        }
        var unfreeze = await DraftAsync(_regulator, "v1/lots/WR-F1/unfreeze/draft", new LotActionRequest("order lifted", LotClient.T0 + 120_000), InventoryJsonContext.Default.LotActionRequest);
        Assert.Contains($"freeze {frozen}", unfreeze.Statement, StringComparison.Ordinal);
        await AppendedAsync(await PostNoteAsync(_regulator, "v1/lots/WR-F1/freezes", LotClient.Sign(unfreeze.Statement, _node.Regulator!)));
        Assert.Null((await _lots.LotAsync("WR-F1")).Frozen);
        await _lots.PledgeAsync("WR-F1");
    }

    [Fact]
    public async Task TenFreezesAndTenPledges_AtOnce_ExactlyOneIsAppended()
    {
        await _lots.IssueAsync(LotClient.Request("WR-R3"));
        var requests = new List<Func<HttpClient, Task<HttpResponseMessage>>>();
        for (var i = 0; i < 10; i++)
        {
            var freeze = LotClient.Sign((await DraftAsync(_regulator, "v1/lots/WR-R3/freeze/draft", new LotActionRequest($"inspection {i}", LotClient.T0 + 60_000),
                InventoryJsonContext.Default.LotActionRequest)).Statement, _node.Regulator!);
            var pledge = LotClient.Sign(await _lots.DraftPledgeAsync("WR-R3", LotClient.T0 + 3_600_000 + i), _node.Bank, _lots.Acme);
            requests.Add(client => PostNoteAsync(client, "v1/lots/WR-R3/freezes", freeze));
            requests.Add(client => _lots.SubmitAsync(pledge, client));
        }
        var size = _node.LedgerSize;

        var (won, lost) = await RaceAsync(requests, i => i % 2 == 0 ? _node.RegulatorKey : _node.LenderKey);

        Assert.Equal(size + 1, _node.LedgerSize);
        Assert.All(lost, code => Assert.Contains(code, new[] { LedgerFailures.StaleReference, LedgerFailures.LotPledged, LedgerFailures.LotFrozen }));
        var lot = await _lots.LotAsync("WR-R3");
        Assert.True(lot.Frozen == won ^ lot.ActivePledge == won, $"frozen {lot.Frozen}, pledge {lot.ActivePledge}, winner {won}");
    }

    [Fact]
    public async Task Disposal_AfterEnforcement_ByTheLender_ClosesTheReceipt()
    {
        await _lots.IssueAsync(LotClient.Request("WR-D1", [LotClient.Epc(51)]));
        var pledge = await _lots.PledgeAsync("WR-D1");
        var early = await DraftAsync(_lots.Lender, "v1/lots/WR-D1/dispose/draft", new LotActionRequest("sold at auction", LotClient.T0 + 7_200_000), InventoryJsonContext.Default.LotActionRequest);
        using (var notEnforced = await PostNoteAsync(_lots.Lender, "v1/lots/WR-D1/disposals", LotClient.Sign(early.Statement, _node.Bank)))
        {
            Assert.Equal((HttpStatusCode.Conflict, LedgerFailures.NotEnforced), await CodeAsync(notEnforced));
        }
        var enforce = await _lots.DraftAsync(pledge, "enforce", new PledgeActionRequest(null, "loan in default", LotClient.T0 + 7_200_000));
        using (var enforced = await _lots.SubmitAsync(LotClient.Sign(enforce, _node.Bank)))
        {
            Assert.Equal(HttpStatusCode.Created, enforced.StatusCode);
        }

        var dispose = await DraftAsync(_lots.Lender, "v1/lots/WR-D1/dispose/draft", new LotActionRequest("sold at auction", LotClient.T0 + 10_800_000), InventoryJsonContext.Default.LotActionRequest);
        Assert.Equal(["bank"], dispose.Signers);
        var index = await AppendedAsync(await PostNoteAsync(_lots.Lender, "v1/lots/WR-D1/disposals", LotClient.Sign(dispose.Statement, _node.Bank)));

        var lot = await _lots.LotAsync("WR-D1");
        Assert.Equal(("disposed", 0m, index), (lot.Status, lot.Quantity, lot.ClosedAt!.Value));
        Assert.Empty(lot.Cargo);
    }

    [Fact]
    public async Task ExpiredReceipt_TakesNoPledge_ButCanBeDelivered()
    {
        var issued = DateTimeOffset.UtcNow.AddDays(-400).ToUnixTimeMilliseconds();
        await _lots.IssueAsync(LotClient.Request("WR-X1", issuedMs: issued));

        using var draft = await _lots.Lender.PostAsJsonAsync("v1/lots/WR-X1/pledges/draft",
            new PledgeDraftRequest("bank", 1000, "CNY", issued + 60_000, issued + 86_400_000, []), InventoryJsonContext.Default.PledgeDraftRequest);

        Assert.Equal((HttpStatusCode.Conflict, LedgerFailures.ReceiptExpired), await CodeAsync(draft));
        Assert.True((await _lots.LotAsync("WR-X1")).Expired);
        using var delivered = await _lots.Operator.PostAsJsonAsync("v1/lots/WR-X1/deliveries", new DeliverRequest(null, null, null, All: true), InventoryJsonContext.Default.DeliverRequest);
        Assert.Equal(HttpStatusCode.Created, delivered.StatusCode);
    }

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task CommandLine_EndorsesInOneStep_Splits_AndListsAPartysLots()
    {
        var data = _node.Folder.Path;
        var acmeKey = Path.Combine(_node.Root, "acme.key");
        var nordicKey = Path.Combine(_node.Root, "nordic.key");
        await Ok("party", "keygen", "--party", "acme-foods", "--out", acmeKey);
        var nordic = await Ok("party", "keygen", "--party", "nordic-trade", "--out", nordicKey);
        await Ok("party", "add", "--data", data, "--party", "nordic-trade", "--key", nordic.Field("public-key"));
        await _lots.IssueAsync(LotClient.Request("WR-C1", [LotClient.Epc(61), LotClient.Epc(62)]));

        // The owner's key on file is not the one registered for acme-foods: refused, nothing appended.
        var size = _node.LedgerSize;
        var forged = await Programs.RunAsync(Programs.AnchorNode, "lot", "endorse", "--data", data, "--receipt", "WR-C1", "--to", "nordic-trade", "--owner-key", acmeKey, "--new-owner-key", nordicKey);
        Assert.Equal(1, forged.ExitCode);
        Assert.Contains("refused: bad-signature", forged.Error, StringComparison.Ordinal);
        Assert.Equal(size, _node.LedgerSize);

        var draft = Path.Combine(_node.Root, "endorse.txt");
        await Ok("lot", "endorse-draft", "--data", data, "--receipt", "WR-C1", "--to", "nordic-trade", "--out", draft);
        var signed = LotClient.Sign(await File.ReadAllTextAsync(draft), _lots.Acme);
        await File.WriteAllTextAsync(draft, signed);
        await Ok("sign", "--in", draft, "--out", draft, "--key", nordicKey, "--party", "nordic-trade");
        var endorsed = await Ok("lot", "endorse", "--data", data, "--receipt", "WR-C1", "--in", draft);
        Assert.Equal("nordic-trade", endorsed.Field("owner"));

        var split = await Ok("lot", "split", "--data", data, "--receipt", "WR-C1", "--child", "WR-C1-A=100", "--child", "WR-C1-B=20",
            "--epc", $"WR-C1-A={LotClient.Epc(61)}", "--epc", $"WR-C1-B={LotClient.Epc(62)}");
        Assert.StartsWith("WR-C1-A lot-index=", split.Field("child"), StringComparison.Ordinal);
        var held = await Ok("party", "lots", "--data", data, "--party", "nordic-trade");
        Assert.Equal(["WR-C1 split 0 carton", "WR-C1-A issued 100 carton", "WR-C1-B issued 20 carton"],
            held.Output.Split('\n').Where(l => l.StartsWith("lot: ", StringComparison.Ordinal)).Select(l => l[5..].TrimEnd('\r')).ToList());
        var shown = await Ok("lot", "show", "--data", data, "--receipt", "WR-C1-A");
        Assert.Equal("WR-C1", shown.Field("split-from"));
    }

    private static async Task<Programs.Run> Ok(params string[] args)
    {
        var run = await Programs.RunAsync(Programs.AnchorNode, args);
        Assert.True(run.ExitCode == 0, $"{string.Join(' ', args)}: {run.Output}{run.Error}");
        return run;
    }

    private static SplitRequest Split(string receipt, int attempt, IReadOnlyList<string>? first = null, IReadOnlyList<string>? second = null)
    {
        var epcs = receipt == "WR-S1" ? ([LotClient.Epc(1), LotClient.Epc(2)], [LotClient.Epc(3)]) : (first ?? [LotClient.Epc(11), LotClient.Epc(12)], second ?? [LotClient.Epc(13)]);
        return new SplitRequest([new SplitChildModel($"{receipt}-{attempt}A", 70, epcs.Item1), new SplitChildModel($"{receipt}-{attempt}B", 50, epcs.Item2)], LotClient.T0 + 60_000);
    }

    /// <summary>Sends every request at once, each from its own client; exactly one must be appended. Returns its ledger index and the losers' codes (each a 409).</summary>
    private async Task<(long Won, List<string> Lost)> RaceAsync(IReadOnlyList<Func<HttpClient, Task<HttpResponseMessage>>> requests, Func<int, string> keyOf)
    {
        var clients = requests.Select((_, i) => _node.Client(keyOf(i))).ToList();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = requests.Select(async (send, i) =>
        {
            await gate.Task;
            return await send(clients[i]);
        }).ToList();
        gate.SetResult();
        var answers = await Task.WhenAll(pending);
        try
        {
            var won = Assert.Single(answers, r => r.StatusCode == HttpStatusCode.Created);
            var body = System.Text.Json.JsonDocument.Parse(await won.Content.ReadAsStringAsync()).RootElement;
            var index = body.TryGetProperty("ledgerIndex", out var appended) ? appended.GetInt64() : body.GetProperty("splitIndex").GetInt64();
            var lost = new List<string>();
            foreach (var response in answers.Where(r => !ReferenceEquals(r, won)))
            {
                var problem = await Problem.ReadAsync(response);
                Assert.Equal(HttpStatusCode.Conflict, problem.Status);
                lost.Add(problem.Code!);
            }
            return (index, lost);
        }
        finally
        {
            foreach (var response in answers)
            {
                response.Dispose();
            }
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private static async Task<DraftResponse> DraftAsync<T>(HttpClient client, string path, T body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using var response = await client.PostAsJsonAsync(path, body, type);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return System.Text.Json.JsonSerializer.Deserialize(text, InventoryJsonContext.Default.DraftResponse)!;
    }

    private static Task<HttpResponseMessage> PostNoteAsync(HttpClient client, string path, string note) =>
        client.PostAsync(path, new StringContent(note, Encoding.UTF8, "text/plain"));

    private static async Task<long> AppendedAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {body}");
            return System.Text.Json.JsonSerializer.Deserialize(body, NodeJsonContext.Default.AppendedResponse)!.LedgerIndex;
        }
    }

    private static async Task<(HttpStatusCode, string?)> CodeAsync(HttpResponseMessage response)
    {
        var problem = await Problem.ReadAsync(response);
        return (problem.Status, problem.Code);
    }
}
