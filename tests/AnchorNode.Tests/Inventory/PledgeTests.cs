using System.Net;
using System.Net.Http.Json;
using AnchorNode.Endpoints;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Tests.Inventory;

/// <summary>Pledges over HTTP on a real node: one active pledge per receipt, and the lifecycle rules.</summary>
public sealed class PledgeTests : IAsyncLifetime
{
    private readonly TestNode _node = new();
    private LotClient _lots = null!;

    public async Task InitializeAsync()
    {
        await _node.InitializeAsync();
        _lots = new LotClient(_node);
        await _lots.RegisterPartiesAsync();
    }

    public async Task DisposeAsync()
    {
        _lots.Dispose();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task TwentyConcurrentPledges_ExactlyOneWins_TheOthersGet409NamingIt()
    {
        await _lots.IssueAsync(LotClient.Request("WR-1", [LotClient.Epc(1)]));
        // Twenty lenders' requests, each drafted and signed by the bank and the owner on its own.
        var notes = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            notes.Add(LotClient.Sign(await _lots.DraftPledgeAsync("WR-1", LotClient.T0 + 3_600_000 + i), _node.Bank, _lots.Acme));
        }
        var clients = Enumerable.Range(0, 20).Select(_ => _node.Client(_node.LenderKey)).ToList();

        // Released together, so that all twenty are in flight at once.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = notes.Select(async (note, i) =>
        {
            await gate.Task;
            return await _lots.SubmitAsync(note, clients[i]);
        }).ToList();
        gate.SetResult();
        var answers = await Task.WhenAll(pending);

        var won = Assert.Single(answers, r => r.StatusCode == HttpStatusCode.Created);
        var winner = (await won.Content.ReadFromJsonAsync(NodeJsonContext.Default.AppendedResponse))!.LedgerIndex;
        var lost = answers.Where(r => !ReferenceEquals(r, won)).ToList();
        Assert.Equal(19, lost.Count);
        foreach (var response in lost)
        {
            var problem = await Problem.ReadAsync(response);
            Assert.Equal((HttpStatusCode.Conflict, LedgerFailures.LotPledged), (problem.Status, problem.Code));
            Assert.Equal(winner, problem.Body.GetProperty("ledgerIndex").GetInt64());
            Assert.Contains($"ledger index {winner}", problem.Detail, StringComparison.Ordinal);
        }
        var lot = await _lots.LotAsync("WR-1");
        Assert.Equal(("pledged", winner), (lot.Status, lot.ActivePledge!.Value));
        Assert.Equal(winner, Assert.Single(lot.Pledges).Index);
        foreach (var client in clients)
        {
            client.Dispose();
        }
        foreach (var response in answers)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Pledge_OfADeliveredLot_IsRefused_AndChangesNothing()
    {
        await _lots.IssueAsync(LotClient.Request("WR-2"));
        var note = LotClient.Sign(await _lots.DraftPledgeAsync("WR-2"), _node.Bank, _lots.Acme);
        using (var delivered = await _lots.Operator.PostAsJsonAsync("v1/lots/WR-2/deliveries", new DeliverRequest(null, null, LotClient.T0 + 60_000, All: true), InventoryJsonContext.Default.DeliverRequest))
        {
            Assert.Equal(HttpStatusCode.Created, delivered.StatusCode);
        }
        var size = _node.LedgerSize;

        using var response = await _lots.SubmitAsync(note);

        var problem = await Problem.ReadAsync(response);
        Assert.Equal((HttpStatusCode.Conflict, LedgerFailures.LotClosed), (problem.Status, problem.Code));
        Assert.Contains("delivered", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(size, _node.LedgerSize);
        var lot = await _lots.LotAsync("WR-2");
        Assert.Equal(("delivered", 0m), (lot.Status, lot.Quantity));
        Assert.Empty(lot.Pledges);
    }

    [Fact]
    public async Task Pledge_WithoutTheOwnersConsent_IsRefused_AndChangesNothing()
    {
        await _lots.IssueAsync(LotClient.Request("WR-3"));
        var statement = await _lots.DraftPledgeAsync("WR-3");
        var size = _node.LedgerSize;

        using var unsigned = await _lots.SubmitAsync(LotClient.Sign(statement, _node.Bank));
        using var wrongParty = await _lots.SubmitAsync(LotClient.Sign(statement, _node.Bank, _lots.Beta));

        var problem = await Problem.ReadAsync(unsigned);
        Assert.Equal((HttpStatusCode.Forbidden, LedgerFailures.OwnerConsentRequired), (problem.Status, problem.Code));
        Assert.Contains("edgetrace/party/acme-foods", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(LedgerFailures.NotTheOwner, (await Problem.ReadAsync(wrongParty)).Code);
        Assert.Equal(size, _node.LedgerSize);
        Assert.Equal("issued", (await _lots.LotAsync("WR-3")).Status);
    }

    [Fact]
    public async Task PartyKey_IsReplacedOnlyWithThePartysConsent_ThenTheNewKeySignsPledges()
    {
        using var replacement = Firmware.Contracts.Notes.EcdsaNoteSigner.Generate(Firmware.Contracts.Inventory.InventoryNames.PartyKeyName("acme-foods"));
        var newKey = Convert.ToBase64String(replacement.PublicKey.Span);
        var size = _node.LedgerSize;

        // The operator alone cannot give a party a new key, however it asks.
        using (var asked = await _lots.Operator.PostAsJsonAsync("v1/parties", new PartyRequest("acme-foods", newKey, NewKey: true), InventoryJsonContext.Default.PartyRequest))
        {
            var problem = await Problem.ReadAsync(asked);
            Assert.Equal((HttpStatusCode.Forbidden, LedgerFailures.PartyConsentRequired), (problem.Status, problem.Code));
            Assert.Contains("key-drafts", problem.Detail, StringComparison.Ordinal);
        }
        using var drafted = await _lots.Operator.PostAsJsonAsync("v1/parties/acme-foods/key-drafts", new PartyKeyRequest(newKey), InventoryJsonContext.Default.PartyKeyRequest);
        var draftBody = await drafted.Content.ReadAsStringAsync();
        Assert.True(drafted.IsSuccessStatusCode, $"{(int)drafted.StatusCode}: {draftBody}");
        var draft = System.Text.Json.JsonSerializer.Deserialize(draftBody, InventoryJsonContext.Default.DraftResponse)!;
        Assert.Equal(["edgetrace/party/acme-foods"], draft.Signers);

        using (var unsigned = await SubmitKeyAsync("acme-foods", draft.Statement))
        {
            var problem = await Problem.ReadAsync(unsigned);
            Assert.Equal((HttpStatusCode.BadRequest, LedgerFailures.EntryFormat), (problem.Status, problem.Code));
            Assert.Contains("signed note", problem.Detail, StringComparison.Ordinal);
        }
        using (var newKeyOnly = await SubmitKeyAsync("acme-foods", LotClient.Sign(draft.Statement, replacement)))
        {
            // Signed under the party's key name, but not by the key the ledger holds for it.
            var problem = await Problem.ReadAsync(newKeyOnly);
            Assert.Equal((HttpStatusCode.Unauthorized, Firmware.Contracts.Uplink.ProblemTypes.BadSignature), (problem.Status, problem.Code));
        }
        using (var otherParty = await SubmitKeyAsync("beta-trading", LotClient.Sign(draft.Statement, _lots.Acme)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await Problem.ReadAsync(otherParty)).Status);
        }
        Assert.Equal(size, _node.LedgerSize);

        using (var consented = await SubmitKeyAsync("acme-foods", LotClient.Sign(draft.Statement, _lots.Acme)))
        {
            Assert.True(consented.StatusCode == HttpStatusCode.Created, $"{(int)consented.StatusCode}: {await consented.Content.ReadAsStringAsync()}");
        }
        var parties = await _lots.Auditor.GetFromJsonAsync("v1/parties", InventoryJsonContext.Default.ListPartyView);
        Assert.Equal(newKey, parties!.Single(p => p.Party == "acme-foods").PublicKey);

        // The old key no longer consents to pledges; the new one does.
        await _lots.IssueAsync(LotClient.Request("WR-9"));
        var statement = await _lots.DraftPledgeAsync("WR-9");
        using (var oldKey = await _lots.SubmitAsync(LotClient.Sign(statement, _node.Bank, _lots.Acme)))
        {
            var problem = await Problem.ReadAsync(oldKey);
            Assert.Equal((HttpStatusCode.Unauthorized, Firmware.Contracts.Uplink.ProblemTypes.BadSignature), (problem.Status, problem.Code));
        }
        using var pledged = await _lots.SubmitAsync(LotClient.Sign(statement, _node.Bank, replacement));
        Assert.Equal(HttpStatusCode.Created, pledged.StatusCode);
    }

    private Task<HttpResponseMessage> SubmitKeyAsync(string party, string note) =>
        _lots.Operator.PostAsync($"v1/parties/{party}/keys", new StringContent(note, System.Text.Encoding.UTF8, "text/plain"));

    [Fact]
    public async Task Release_BySomeoneElse_IsRefused_ByTheLender_Succeeds_ThenTheLotCanBePledgedAgain()
    {
        await _lots.IssueAsync(LotClient.Request("WR-4"));
        var pledge = await _lots.PledgeAsync("WR-4");
        var release = await _lots.DraftAsync(pledge, "release");
        var size = _node.LedgerSize;

        using var byAuditor = await _lots.SubmitAsync(LotClient.Sign(release, _node.Auditor));
        using var byOwner = await _lots.SubmitAsync(LotClient.Sign(release, _lots.Acme));

        var problem = await Problem.ReadAsync(byAuditor);
        Assert.Equal((HttpStatusCode.Forbidden, LedgerFailures.NotTheLender), (problem.Status, problem.Code));
        Assert.Equal(pledge, problem.Body.GetProperty("ledgerIndex").GetInt64());
        Assert.Equal(LedgerFailures.NotAMember, (await Problem.ReadAsync(byOwner)).Code);
        Assert.Equal(size, _node.LedgerSize);
        Assert.Equal("pledged", (await _lots.LotAsync("WR-4")).Status);

        using (var released = await _lots.SubmitAsync(LotClient.Sign(release, _node.Bank)))
        {
            Assert.Equal(HttpStatusCode.Created, released.StatusCode);
        }
        var lot = await _lots.LotAsync("WR-4");
        Assert.Equal(("issued", (long?)null), (lot.Status, lot.ActivePledge));
        Assert.Equal("released", Assert.Single(lot.Pledges).Status);
        var again = await _lots.PledgeAsync("WR-4");
        Assert.Equal(again, (await _lots.LotAsync("WR-4")).ActivePledge);
    }

    [Fact]
    public async Task Delivery_WhilePledged_IsRefusedNamingThePledge_PartialDeliverySplitsTheQuantity()
    {
        await _lots.IssueAsync(LotClient.Request("WR-5", [LotClient.Epc(51), LotClient.Epc(52)]));
        using (var part = await _lots.Operator.PostAsJsonAsync("v1/lots/WR-5/deliveries", new DeliverRequest(20, [LotClient.Epc(51)], LotClient.T0 + 60_000), InventoryJsonContext.Default.DeliverRequest))
        {
            Assert.Equal(HttpStatusCode.Created, part.StatusCode);
        }
        var lot = await _lots.LotAsync("WR-5");
        Assert.Equal(("issued", 100m), (lot.Status, lot.Quantity));
        Assert.Equal([LotClient.Epc(52)], lot.Cargo);
        var pledge = await _lots.PledgeAsync("WR-5");

        using var refused = await _lots.Operator.PostAsJsonAsync("v1/lots/WR-5/deliveries", new DeliverRequest(10, null, LotClient.T0 + 120_000), InventoryJsonContext.Default.DeliverRequest);

        var problem = await Problem.ReadAsync(refused);
        Assert.Equal((HttpStatusCode.Conflict, LedgerFailures.LotPledged, pledge), (problem.Status, problem.Code, problem.Body.GetProperty("ledgerIndex").GetInt64()));
    }

    [Fact]
    public async Task Roles_AreEnforced()
    {
        var request = LotClient.Request("WR-6");
        using var anonymous = _node.Anonymous();
        using (var byLender = await _lots.Lender.PostAsJsonAsync("v1/lots", request, InventoryJsonContext.Default.LotRequest))
        {
            Assert.Equal(HttpStatusCode.Forbidden, byLender.StatusCode);
        }
        using (var byNobody = await anonymous.PostAsJsonAsync("v1/lots", request, InventoryJsonContext.Default.LotRequest))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, byNobody.StatusCode);
        }
        await _lots.IssueAsync(request);
        var note = LotClient.Sign(await _lots.DraftPledgeAsync("WR-6"), _node.Bank, _lots.Acme);
        using (var byOperator = await _lots.SubmitAsync(note, _lots.Operator))
        {
            Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        }
        using (var byAuditor = await _lots.SubmitAsync(note, _lots.Auditor))
        {
            Assert.Equal(HttpStatusCode.Forbidden, byAuditor.StatusCode);
        }
        using (var report = await _lots.Operator.GetAsync("v1/lots/WR-6/report"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, report.StatusCode);
        }
        using (var page = await anonymous.GetAsync("v1/lots/WR-6/report.html"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await Problem.ReadAsync(page)).Status);
        }
        using (var forged = await anonymous.GetAsync("v1/lots/WR-6/report.html?access=not-a-token"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }
        using (var moved = await _lots.Lender.PostAsJsonAsync("v1/lots/WR-6/moves", new MoveRequest("freezer-1", null, null), InventoryJsonContext.Default.MoveRequest))
        {
            Assert.Equal(HttpStatusCode.Forbidden, moved.StatusCode);
        }
        Assert.Equal("issued", (await _lots.LotAsync("WR-6")).Status);
    }

    [Fact]
    public async Task Issue_ReceiptTwice_OrAnEpcOfAnOpenLot_IsAConflictNamingTheLot()
    {
        var first = await _lots.IssueAsync(LotClient.Request("WR-7", [LotClient.Epc(71)]));
        var size = _node.LedgerSize;

        using var twice = await _lots.Operator.PostAsJsonAsync("v1/lots", LotClient.Request("WR-7"), InventoryJsonContext.Default.LotRequest);
        using var epc = await _lots.Operator.PostAsJsonAsync("v1/lots", LotClient.Request("WR-8", [LotClient.Epc(71)]), InventoryJsonContext.Default.LotRequest);
        using var badGtin = await _lots.Operator.PostAsJsonAsync("v1/lots", LotClient.Request("WR-9", gtin: "10614141007347"), InventoryJsonContext.Default.LotRequest);

        var problem = await Problem.ReadAsync(twice);
        Assert.Equal((LedgerFailures.ReceiptExists, first.LotIndex), (problem.Code, problem.Body.GetProperty("ledgerIndex").GetInt64()));
        problem = await Problem.ReadAsync(epc);
        Assert.Equal((LedgerFailures.EpcInUse, first.LotIndex), (problem.Code, problem.Body.GetProperty("ledgerIndex").GetInt64()));
        problem = await Problem.ReadAsync(badGtin);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Contains("check digit", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(size, _node.LedgerSize);
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheInventoryEndpoints()
    {
        using var client = _node.Anonymous();
        var document = await client.GetStringAsync("openapi/v1.json");

        foreach (var path in new[] { "/v1/lots", "/v1/lots/{receipt}/pledges/draft", "/v1/pledges", "/v1/lots/{receipt}/report", "/v1/lots/{receipt}/report.html",
                     "/v1/lots/{receipt}/bundle", "/v1/pledges/{index}/breaches", "/v1/public/lots", "/v1/cargo/arrivals", "/v1/parties" })
        {
            Assert.Contains($"\"{path}\"", document, StringComparison.Ordinal);
        }
    }
}
