using System.Net;
using System.Net.Http.Json;
using System.Text;
using AnchorNode.Endpoints;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Notes;

namespace AnchorNode.Tests.Inventory;

/// <summary>
/// The inventory API as its three users call it over HTTP: the operator registers parties and
/// issues lots, the lender drafts and submits pledges, and the statements are signed with the real
/// keys of the lender member (the bank's data folder) and of the owner party.
/// </summary>
public sealed class LotClient : IDisposable
{
    public const string Gtin = "10614141007346";
    public const long T0 = 1_767_247_200_000;

    private readonly INoteSigner _bank;

    public LotClient(TestNode node)
        : this(node.Operator(), node.Client(node.LenderKey), node.Client(node.AuditorKey), node.Bank)
    {
    }

    /// <summary>Calls through the given clients (each may be another member's node) and signs as <paramref name="bank"/>.</summary>
    public LotClient(HttpClient @operator, HttpClient lender, HttpClient auditor, INoteSigner bank)
    {
        _bank = bank;
        Operator = @operator;
        Lender = lender;
        Auditor = auditor;
    }

    public HttpClient Operator { get; }
    public HttpClient Lender { get; }
    public HttpClient Auditor { get; }
    public EcdsaNoteSigner Acme { get; } = EcdsaNoteSigner.Generate(InventoryNames.PartyKeyName("acme-foods"));
    public EcdsaNoteSigner Beta { get; } = EcdsaNoteSigner.Generate(InventoryNames.PartyKeyName("beta-trading"));

    public static string Epc(int serial) => $"urn:epc:id:sgtin:0614141.100734.{serial}";

    public async Task RegisterPartiesAsync()
    {
        foreach (var (id, key) in new[] { ("acme-foods", Acme), ("beta-trading", Beta) })
        {
            using var response = await Operator.PostAsJsonAsync("v1/parties", new PartyRequest(id, Convert.ToBase64String(key.PublicKey.Span)), InventoryJsonContext.Default.PartyRequest);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
    }

    public static LotRequest Request(string receipt, IReadOnlyList<string>? epcs = null, string zone = "chiller-1", string gtin = Gtin, string batch = "SAL-260101-01",
        decimal min = 2, decimal max = 8, long issuedMs = T0) => new()
    {
        Receipt = receipt,
        Site = "site-1",
        Zone = zone,
        Product = "Atlantic salmon fillets, chilled",
        Gtin = gtin,
        Batch = batch,
        Specification = "120 × 1 kg cartons",
        Bands = [new BandModel("temperature", min, max)],
        IssuedMs = issuedMs,
        ValidUntilMs = issuedMs + 365L * 86_400_000,
        Epcs = epcs ?? [],
        Depositor = "acme-foods",
        Quantity = 120,
        Unit = "carton",
        Insurance = "PICC-2026-778",
    };

    public async Task<IssuedLotResponse> IssueAsync(LotRequest request)
    {
        using var response = await Operator.PostAsJsonAsync("v1/lots", request, InventoryJsonContext.Default.LotRequest);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {body}");
        return System.Text.Json.JsonSerializer.Deserialize(body, InventoryJsonContext.Default.IssuedLotResponse)!;
    }

    /// <summary>The pledge statement text the node drafts for the bank.</summary>
    public Task<string> DraftPledgeAsync(string receipt, long startMs = T0 + 3_600_000, params string[] covenants) =>
        DraftPledgeAsync(receipt, 1_234_567.89m, startMs, covenants);

    /// <summary>The pledge statement text for <paramref name="amount"/>.</summary>
    public async Task<string> DraftPledgeAsync(string receipt, decimal amount, long startMs = T0 + 3_600_000, params string[] covenants)
    {
        using var response = await Lender.PostAsJsonAsync($"v1/lots/{receipt}/pledges/draft",
            new PledgeDraftRequest("bank", amount, "CNY", startMs, startMs + 90L * 86_400_000, covenants), InventoryJsonContext.Default.PledgeDraftRequest);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        var draft = System.Text.Json.JsonSerializer.Deserialize(body, InventoryJsonContext.Default.DraftResponse)!;
        Assert.Equal(["bank", "edgetrace/party/acme-foods"], draft.Signers);
        return draft.Statement;
    }

    /// <summary>A release (or transfer, enforce) statement text the node drafts for the lender.</summary>
    public async Task<string> DraftAsync(long pledge, string action, PledgeActionRequest? body = null)
    {
        using var response = await Lender.PostAsJsonAsync($"v1/pledges/{pledge}/{action}/draft", body ?? new PledgeActionRequest(null, "repaid", T0 + 7_200_000), InventoryJsonContext.Default.PledgeActionRequest);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return System.Text.Json.JsonSerializer.Deserialize(text, InventoryJsonContext.Default.DraftResponse)!.Statement;
    }

    public static string Sign(string statement, params INoteSigner[] signers) => SignedNote.Sign(statement, signers).ToString();

    public async Task<HttpResponseMessage> SubmitAsync(string note, HttpClient? client = null) =>
        await (client ?? Lender).PostAsync("v1/pledges", new StringContent(note, Encoding.UTF8, "text/plain"));

    /// <summary>Drafts, signs (bank and acme) and submits a pledge; returns its ledger index.</summary>
    public async Task<long> PledgeAsync(string receipt, params string[] covenants)
    {
        var note = Sign(await DraftPledgeAsync(receipt, covenants: covenants), _bank, Acme);
        using var response = await SubmitAsync(note);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {body}");
        return System.Text.Json.JsonSerializer.Deserialize(body, NodeJsonContext.Default.AppendedResponse)!.LedgerIndex;
    }

    public async Task<LotView> LotAsync(string receipt)
    {
        var view = await Auditor.GetFromJsonAsync($"v1/lots/{receipt}", InventoryJsonContext.Default.LotView);
        return view!;
    }

    public void Dispose()
    {
        Operator.Dispose();
        Lender.Dispose();
        Auditor.Dispose();
        Acme.Dispose();
        Beta.Dispose();
    }
}
