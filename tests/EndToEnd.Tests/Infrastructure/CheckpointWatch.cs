using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>
/// Watches a node's latest ledger checkpoint as a monitor would, across the node's restarts: each
/// new one must be signed by the member, must not be smaller than the last one seen, must have the
/// same root at the same size, and must be proven consistent with it (RFC 9162 consistency proof
/// from <c>/v1/ledger/consistency</c>, checked against the two signed roots).
/// </summary>
public sealed class CheckpointWatch : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly TrustPolicy _member;
    private readonly string _origin;
    private readonly NodeGate _gate;
    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly ConcurrentQueue<string> _problems = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <param name="node">The node's address.</param>
    /// <param name="verifierKey">The member's key, <c>NAME=BASE64_SPKI</c>.</param>
    /// <param name="origin">The ledger's origin line.</param>
    /// <param name="gate">Closed while the node is down.</param>
    public CheckpointWatch(Uri node, string verifierKey, string origin, NodeGate gate)
    {
        _http = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromSeconds(30) };
        _member = TrustPolicy.Single(NoteVerifierKey.Parse(verifierKey).Value);
        _origin = origin;
        _gate = gate;
    }

    /// <summary>The last checkpoint seen (null before the first).</summary>
    public Checkpoint? Latest { get; private set; }

    /// <summary>How many different checkpoints were seen.</summary>
    public int Seen { get; private set; }

    /// <summary>Every broken promise seen: a bad signature, a smaller or forked checkpoint, a failed proof.</summary>
    public IReadOnlyList<string> Problems => _problems.ToList();

    /// <summary>Polls the latest checkpoint until disposed.</summary>
    public void Start() => _loop = Task.Run(async () =>
    {
        // A monitor's pace: often enough to see most checkpoints (the node signs every few tens of ms here).
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await _gate.WaitOpenAsync(_stop.Token);
                await ObserveAsync(_stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    });

    /// <summary>Reads the latest checkpoint once and checks it against the last one seen; false when the node did not answer.</summary>
    public async Task<bool> ObserveAsync(CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            if (await GetAsync("v1/ledger/checkpoint", cancellationToken) is not { } note)
            {
                return false;
            }
            var verified = CheckpointVerifier.Verify(note, _member, _origin);
            if (!verified.Succeeded)
            {
                _problems.Enqueue($"the latest checkpoint does not verify: {verified.Failure}\n{note}");
                return true;
            }
            var checkpoint = verified.Value.Checkpoint;
            if (Latest is not { } last)
            {
                Accept(checkpoint);
                return true;
            }
            if (checkpoint.Size < last.Size)
            {
                _problems.Enqueue($"the latest checkpoint went back from size {last.Size} to {checkpoint.Size}");
            }
            else if (checkpoint.Size == last.Size)
            {
                if (checkpoint.Root != last.Root)
                {
                    _problems.Enqueue($"two roots for size {last.Size}: {last.Root.ToBase64()} and {checkpoint.Root.ToBase64()}");
                }
            }
            else if (await ConsistencyAsync(last, checkpoint, cancellationToken) is { } consistent)
            {
                if (consistent)
                {
                    Accept(checkpoint);
                }
            }
            return true;
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>The last checkpoint seen is still stored, with its root (after a restart); false when the node did not answer.</summary>
    public async Task<bool> CheckStoredAsync(CancellationToken cancellationToken)
    {
        if (Latest is not { } last)
        {
            return true;
        }
        var note = await GetAsync(string.Create(CultureInfo.InvariantCulture, $"v1/ledger/checkpoints/{last.Size}"), cancellationToken);
        if (note is null)
        {
            return false;
        }
        var stored = CheckpointVerifier.Verify(note, _member, _origin);
        if (!stored.Succeeded || stored.Value.Checkpoint.Root != last.Root)
        {
            _problems.Enqueue($"the checkpoint of size {last.Size} seen before is stored differently now: {(stored.Succeeded ? stored.Value.Checkpoint.Root.ToBase64() : stored.Failure!.ToString())}, was {last.Root.ToBase64()}");
        }
        return true;
    }

    /// <summary>Stops polling (the checks stay usable).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _one.Dispose();
        _http.Dispose();
    }

    private void Accept(Checkpoint checkpoint)
    {
        Latest = checkpoint;
        Seen++;
    }

    // True when proven, false when refused (recorded), null when the node did not answer.
    private async Task<bool?> ConsistencyAsync(Checkpoint old, Checkpoint @new, CancellationToken cancellationToken)
    {
        var text = await GetAsync(string.Create(CultureInfo.InvariantCulture, $"v1/ledger/consistency?from={old.Size}&to={@new.Size}"), cancellationToken);
        if (text is null)
        {
            return null;
        }
        var proof = JsonNode.Parse(text)!["proof"]!.AsArray()
            .Select(h => Hash32.TryFromBase64((string?)h, out var hash) ? hash : throw new InvalidDataException($"not a hash in a consistency proof: {h}"))
            .ToArray();
        var consistent = MerkleVerifier.VerifyConsistency(old.Size, @new.Size, old.Root, @new.Root, proof);
        if (!consistent.Succeeded)
        {
            _problems.Enqueue($"checkpoint {@new.Size} is not consistent with checkpoint {old.Size} seen before: {consistent.Failure}");
            return false;
        }
        return true;
    }

    // The 200 body; null when the node is down or went down meanwhile. Any other answer is a problem.
    private async Task<string?> GetAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(path, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                _problems.Enqueue($"GET /{path} → {(int)response.StatusCode}: {body}");
                return null;
            }
            return body;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
