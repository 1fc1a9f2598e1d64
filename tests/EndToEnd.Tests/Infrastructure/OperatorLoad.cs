using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>A ledger entry the node acknowledged: its index and kind, and the request that made it.</summary>
public sealed record AcknowledgedEntry(long Index, string Kind, string Request);

/// <summary>
/// An operator's ledger writes through the HTTP API, from two clients at once, as fast as the node
/// takes them: parties registered, lots issued (a title and a lot entry each) and moved. Every 201
/// is an acknowledgement, recorded with the index and kind the node answered. Requests the node never
/// answered (it was killed) acknowledge nothing.
/// </summary>
public sealed class OperatorLoad : IAsyncDisposable
{
    private const string Depositor = "crash-depositor";

    private readonly HttpClient _http;
    private readonly ConcurrentQueue<AcknowledgedEntry> _acknowledged = new();
    private readonly ConcurrentQueue<string> _unexpected = new();
    private readonly ConcurrentQueue<string> _lots = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _clients = [];
    private readonly NodeGate _gate;
    private readonly Random _random;
    private int _serial;
    private int _unanswered;

    /// <param name="node">The node's address.</param>
    /// <param name="apiKey">An operator's API key.</param>
    /// <param name="gate">Closed while the node is down: no request starts then.</param>
    /// <param name="seed">Which earlier lots are moved.</param>
    public OperatorLoad(Uri node, string apiKey, NodeGate gate, int seed)
    {
        _gate = gate;
        _random = new Random(seed);
        _http = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>Every entry the node acknowledged so far.</summary>
    public IReadOnlyList<AcknowledgedEntry> Acknowledged => _acknowledged.ToList();

    /// <summary>Requests that got no answer: the node was killed while they were under way.</summary>
    public int Unanswered => _unanswered;

    /// <summary>Answers other than 201 from a node that was up (each would be a defect): method, path, status and body.</summary>
    public IReadOnlyList<string> Unexpected => _unexpected.ToList();

    /// <summary>Registers the depositor the lots name, then starts the clients.</summary>
    public async Task StartAsync()
    {
        Assert.True(await RegisterPartyAsync(Depositor, CancellationToken.None), $"the depositor was not registered: {string.Join('\n', Unexpected)}");
        _clients.Add(Task.Run(() => RunAsync(RegisterPartyAsync)));
        _clients.Add(Task.Run(() => RunAsync(IssueAndMoveAsync)));
    }

    /// <summary>Stops the clients (what they recorded stays).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _http.Dispose();
    }

    private async Task RunAsync(Func<CancellationToken, Task> step)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await step(_stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task RegisterPartyAsync(CancellationToken cancellationToken) =>
        await RegisterPartyAsync($"crash-party-{Interlocked.Increment(ref _serial)}", cancellationToken);

    private async Task<bool> RegisterPartyAsync(string party, CancellationToken cancellationToken)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var body = new JsonObject { ["party"] = party, ["publicKey"] = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()) };
        var answer = await PostAsync("v1/parties", body, cancellationToken);
        if (answer?["ledgerIndex"] is not { } index)
        {
            return false;
        }
        _acknowledged.Enqueue(new AcknowledgedEntry((long)index, (string)answer["kind"]!, $"POST /v1/parties {party}"));
        return true;
    }

    // One lot issued, then two moves of lots issued earlier.
    private async Task IssueAndMoveAsync(CancellationToken cancellationToken)
    {
        var receipt = $"CR-{Interlocked.Increment(ref _serial).ToString(CultureInfo.InvariantCulture)}";
        var issued = await PostAsync("v1/lots", Lot(receipt), cancellationToken);
        if (issued is not null)
        {
            _acknowledged.Enqueue(new AcknowledgedEntry((long)issued["titleIndex"]!, "title", $"POST /v1/lots {receipt}"));
            _acknowledged.Enqueue(new AcknowledgedEntry((long)issued["lotIndex"]!, "lot", $"POST /v1/lots {receipt}"));
            _lots.Enqueue(receipt);
        }
        var lots = _lots.ToArray();
        for (var move = 0; move < 2 && lots.Length > 0; move++)
        {
            var lot = lots[_random.Next(lots.Length)];
            var zone = $"zone-{Interlocked.Increment(ref _serial).ToString(CultureInfo.InvariantCulture)}";
            var moved = await PostAsync($"v1/lots/{lot}/moves", new JsonObject { ["zone"] = zone }, cancellationToken);
            if (moved?["ledgerIndex"] is { } index)
            {
                _acknowledged.Enqueue(new AcknowledgedEntry((long)index, (string)moved["kind"]!, $"POST /v1/lots/{lot}/moves {zone}"));
            }
        }
    }

    private static JsonObject Lot(string receipt)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return new JsonObject
        {
            ["receipt"] = receipt,
            ["site"] = "e2e-site",
            ["zone"] = "chiller-1",
            ["product"] = "Atlantic salmon fillets, chilled",
            ["gtin"] = "10614141007346",
            ["batch"] = "SAL-260101-01",
            ["bands"] = new JsonArray(new JsonObject { ["quantity"] = "temperature", ["min"] = 2, ["max"] = 8 }),
            ["validUntilMs"] = now + 365L * 86_400_000,
            ["depositor"] = Depositor,
            ["quantity"] = 120,
            ["unit"] = "carton",
        };
    }

    // The 201 body, or null when the node gave no answer (it went down) or another one (recorded).
    private async Task<JsonNode?> PostAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        await _gate.WaitOpenAsync(cancellationToken);
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(path, content, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Interlocked.Increment(ref _unanswered);
            return null;
        }
        using (response)
        {
            var text = await ReadAsync(response, cancellationToken);
            if (text is null)
            {
                Interlocked.Increment(ref _unanswered);
            }
            if (response.StatusCode == HttpStatusCode.Created && text is not null)
            {
                return JsonNode.Parse(text);
            }
            if (text is not null)
            {
                _unexpected.Enqueue($"POST /{path} → {(int)response.StatusCode}: {text}");
            }
            return null;
        }
    }

    // The body, or null when the connection broke while it came (the node was killed mid-answer).
    private static async Task<string?> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
