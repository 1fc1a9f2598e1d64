using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Tests.Support;

/// <summary>
/// The anchor node's side of the uplink contract on a real Kestrel bound to 127.0.0.1, kept in
/// memory: it verifies the device's checkpoint signature, parses every leaf, checks sequences,
/// recomputes the root over stored and new leaves, refuses gaps, mismatched re-sends, stale and
/// equivocating checkpoints with the contract's problem types, and records every request.
/// Knobs let a test fail requests, revoke, block or shrink the device's log.
/// </summary>
public sealed class TestAnchorNode : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Device> _devices = new(StringComparer.Ordinal);
    private readonly List<NodeRequest> _requests = [];
    private WebApplication? _app;
    private int _failNext;
    private int _failStatus = 503;
    private string? _failProblem;
    private long _ledgerSize;
    private long? _shrinkBeforeNextUpload;

    private TestAnchorNode(int port) => Port = port;

    public int Port { get; }

    /// <summary>When set before listening, the node serves HTTPS with this certificate.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; init; }

    public Uri Url => new($"{(Certificate is null ? "http" : "https")}://127.0.0.1:{Port}/");

    /// <summary>Uploads with more leaves than this are refused as too large.</summary>
    public int MaxLeavesAccepted { get; set; } = UplinkRoutes.MaxLeavesPerUpload;

    /// <summary>The largest upload body seen, in leaves.</summary>
    public int LargestUpload { get { lock (_gate) return _requests.Where(r => r.Method == "POST").Select(r => r.Count).DefaultIfEmpty(0).Max(); } }

    /// <summary>What <c>GET /v1/devices/{id}/calibrations</c> answers for its device (404 for others, or when null).</summary>
    public Firmware.Contracts.Calibration.DeviceCalibrations? Calibrations { get; set; }

    public IReadOnlyList<NodeRequest> Requests { get { lock (_gate) return _requests.ToList(); } }

    /// <summary>A node on a free port, started; HTTPS with <paramref name="certificate"/> when given.</summary>
    public static async Task<TestAnchorNode> StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        var node = new TestAnchorNode(FreePort()) { Certificate = certificate };
        await node.StartListeningAsync();
        return node;
    }

    /// <summary>A node with a port chosen now and nothing listening on it until <see cref="StartListeningAsync"/>.</summary>
    public static TestAnchorNode Unstarted() => new(FreePort());

    public async Task StartListeningAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, Port, listen =>
            {
                if (Certificate is not null)
                {
                    listen.UseHttps(Certificate);
                }
            });
            k.Limits.MaxRequestBodySize = UplinkRoutes.MaxRequestBytes;
        });
        var app = builder.Build();
        app.MapGet(UplinkRoutes.DeviceLog, (string deviceId) => Status(deviceId));
        app.MapPost(UplinkRoutes.Upload, (string deviceId, HttpRequest request) => UploadAsync(deviceId, request));
        app.MapPost(UplinkRoutes.Status, (string deviceId, HttpRequest request) => StatusReportAsync(deviceId, request));
        app.MapGet("/v1/devices/{deviceId}/calibrations", (string deviceId) => Calibrations is { } c && c.DeviceId == deviceId && Injected("GET", deviceId) is null
            ? Results.Json(c, Firmware.Contracts.Calibration.CalibrationJsonContext.Default.DeviceCalibrations)
            : Problem(404, ProblemTypes.UnknownDevice, $"no calibrations for {deviceId}"));
        await app.StartAsync();
        _app = app;
    }

    public void Enrol(string deviceId, NoteVerifierKey key)
    {
        lock (_gate)
        {
            _devices[deviceId] = new Device(key);
        }
    }

    public void Revoke(string deviceId) { lock (_gate) _devices[deviceId].Revoked = true; }

    public void MarkEquivocated(string deviceId) { lock (_gate) _devices[deviceId].Equivocated = true; }

    /// <summary>
    /// The next <paramref name="count"/> requests get <paramref name="status"/>, with no body, or with
    /// the problem <paramref name="problem"/> when given.
    /// </summary>
    public void FailNext(int count, int status = 503, string? problem = null)
    {
        lock (_gate)
        {
            _failNext = count;
            _failStatus = status;
            _failProblem = problem;
        }
    }

    /// <summary>Before the next upload is processed, the device's log is cut back to <paramref name="size"/> (the node lost data).</summary>
    public void ShrinkBeforeNextUpload(long size) { lock (_gate) _shrinkBeforeNextUpload = size; }

    /// <summary>The status reports accepted for a device (signature checked), in order.</summary>
    public IReadOnlyList<GatewayStatusReport> ReportsOf(string deviceId) { lock (_gate) return _devices.TryGetValue(deviceId, out var d) ? d.Reports.ToList() : []; }

    public long CommittedSize(string deviceId) { lock (_gate) return _devices.TryGetValue(deviceId, out var d) ? d.Leaves.Count : 0; }

    public IReadOnlyList<byte[]> LeavesOf(string deviceId) { lock (_gate) return _devices[deviceId].Leaves.ToList(); }

    public Hash32 RootOf(string deviceId) { lock (_gate) return _devices[deviceId].Tree.Root(); }

    public string? CheckpointOf(string deviceId) { lock (_gate) return _devices[deviceId].Checkpoint; }

    /// <summary>Sets what the node holds for a device directly (leaves and the anchored checkpoint), as if uploaded earlier.</summary>
    public void Preload(string deviceId, IEnumerable<byte[]> leaves, string checkpoint)
    {
        lock (_gate)
        {
            var device = _devices[deviceId];
            foreach (var leaf in leaves)
            {
                device.Leaves.Add(leaf);
                device.Tree.Append(Rfc9162.HashLeaf(leaf));
            }
            device.Checkpoint = checkpoint;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private IResult? Injected(string method, string deviceId)
    {
        lock (_gate)
        {
            if (_failNext <= 0)
            {
                return null;
            }
            _failNext--;
            _requests.Add(new NodeRequest(method, deviceId, -1, 0, -1, _failStatus, _failProblem));
            return _failProblem is { } code
                ? Results.Problem(detail: $"injected {code}", statusCode: _failStatus, type: ProblemTypes.For(code), title: code)
                : Results.StatusCode(_failStatus);
        }
    }

    private IResult Status(string deviceId)
    {
        if (Injected("GET", deviceId) is { } failure)
        {
            return failure;
        }
        lock (_gate)
        {
            if (!_devices.TryGetValue(deviceId, out var device))
            {
                _requests.Add(new NodeRequest("GET", deviceId, -1, 0, -1, 404, ProblemTypes.UnknownDevice));
                return Problem(404, ProblemTypes.UnknownDevice, $"device {deviceId} is not enrolled");
            }
            _requests.Add(new NodeRequest("GET", deviceId, -1, 0, -1, 200, null));
            return Results.Json(new DeviceLogStatus(deviceId, true, device.Revoked, device.Equivocated, device.Leaves.Count, device.Checkpoint, device.LedgerIndex),
                UplinkJsonContext.Default.DeviceLogStatus);
        }
    }

    private async Task<IResult> UploadAsync(string deviceId, HttpRequest request)
    {
        if (Injected("POST", deviceId) is { } failure)
        {
            return failure;
        }
        UplinkRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(request.Body, UplinkJsonContext.Default.UplinkRequest);
        }
        catch (JsonException e)
        {
            return Record(deviceId, -1, 0, -1, Problem(400, ProblemTypes.MalformedRequest, e.Message));
        }
        if (body is null || body.Checkpoint is null || body.Leaves is null)
        {
            return Record(deviceId, -1, 0, -1, Problem(400, ProblemTypes.MalformedRequest, "checkpoint, firstSequence and leaves are required"));
        }
        lock (_gate)
        {
            return Record(deviceId, body.FirstSequence, body.Leaves.Count, -1, Commit(deviceId, body));
        }
    }

    private IResult Record(string deviceId, long first, int count, long checkpointSize, IResult result)
    {
        var status = result is IStatusCodeHttpResult s ? s.StatusCode ?? 200 : 200;
        var code = result is ProblemResult p ? ProblemTypes.CodeOf(p.Type) : null;
        lock (_gate)
        {
            _requests.Add(new NodeRequest("POST", deviceId, first, count, checkpointSize, status, code));
        }
        return result is ProblemResult problem ? problem.Inner : result;
    }

    // Called under the lock.
    private IResult Commit(string deviceId, UplinkRequest body)
    {
        if (!_devices.TryGetValue(deviceId, out var device))
        {
            return Problem(403, ProblemTypes.UnknownDevice, $"device {deviceId} is not enrolled");
        }
        if (device.Revoked)
        {
            return Problem(403, ProblemTypes.RevokedDevice, "the device was revoked");
        }
        if (device.Equivocated)
        {
            return Problem(409, ProblemTypes.Equivocation, "the device signed two roots for one size");
        }
        if (_shrinkBeforeNextUpload is { } shrink)
        {
            _shrinkBeforeNextUpload = null;
            device.Leaves.RemoveRange((int)shrink, device.Leaves.Count - (int)shrink);
            device.Tree = new MerkleLog(new InMemoryMerkleHashStore());
            foreach (var leaf in device.Leaves)
            {
                device.Tree.Append(Rfc9162.HashLeaf(leaf));
            }
            device.Checkpoint = null;
        }
        if (body.Leaves.Count > MaxLeavesAccepted)
        {
            return Problem(413, ProblemTypes.TooLarge, $"at most {MaxLeavesAccepted} leaves per upload");
        }
        var verified = CheckpointVerifier.Verify(body.Checkpoint, TrustPolicy.Single(device.Key));
        if (!verified.Succeeded)
        {
            return Problem(401, ProblemTypes.BadSignature, verified.Failure!.ToString());
        }
        var checkpoint = verified.Value.Checkpoint;
        if (checkpoint.Origin != DeviceLogs.Origin(deviceId))
        {
            return Problem(400, ProblemTypes.WrongOrigin, $"checkpoint origin {checkpoint.Origin}");
        }
        var committed = device.Leaves.Count;
        if (body.FirstSequence > committed)
        {
            return Problem(409, ProblemTypes.Gap, $"leaves start at {body.FirstSequence} but the node holds {committed}; ask the status and resume");
        }
        if (body.FirstSequence + body.Leaves.Count != checkpoint.Size)
        {
            return Problem(400, ProblemTypes.SizeMismatch, $"leaves end at {body.FirstSequence + body.Leaves.Count}, checkpoint size {checkpoint.Size}");
        }
        if (checkpoint.Size < committed)
        {
            return Problem(409, ProblemTypes.StaleCheckpoint, $"checkpoint {checkpoint.Size} is older than the committed {committed}");
        }
        var fresh = new List<byte[]>();
        for (var i = 0; i < body.Leaves.Count; i++)
        {
            var seq = body.FirstSequence + i;
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(body.Leaves[i]);
            }
            catch (FormatException)
            {
                return Problem(400, ProblemTypes.BadBase64, $"leaf {seq} is not base64");
            }
            var parsed = ReadingLeaf.Parse(bytes);
            if (!parsed.Succeeded)
            {
                return Problem(400, ProblemTypes.MalformedLeaf, $"leaf {seq}: {parsed.Failure}");
            }
            if (parsed.Value.Content.DeviceId != deviceId || parsed.Value.Content.Sequence != seq)
            {
                return Problem(400, ProblemTypes.LeafOutOfSequence, $"leaf at {seq} says device {parsed.Value.Content.DeviceId}, sequence {parsed.Value.Content.Sequence}");
            }
            if (seq < committed)
            {
                if (!device.Leaves[(int)seq].AsSpan().SequenceEqual(bytes))
                {
                    return Problem(409, ProblemTypes.LeafMismatch, $"re-sent leaf {seq} differs from the stored one");
                }
            }
            else
            {
                fresh.Add(bytes);
            }
        }
        var appender = MerkleAppender.Restore(committed, device.Tree.Reader.Peaks(committed));
        foreach (var leaf in fresh)
        {
            appender.Append(Rfc9162.HashLeaf(leaf));
        }
        if (device.Roots.TryGetValue(checkpoint.Size, out var seen) && seen != checkpoint.Root)
        {
            device.Equivocated = true;
            return Problem(409, ProblemTypes.Equivocation, $"a different root was signed for size {checkpoint.Size} before");
        }
        if (appender.Root() != checkpoint.Root)
        {
            return Problem(400, ProblemTypes.RootMismatch, $"the leaves give root {appender.Root().ToHex()}, the checkpoint says {checkpoint.Root.ToHex()}");
        }
        foreach (var leaf in fresh)
        {
            device.Leaves.Add(leaf);
            device.Tree.Append(Rfc9162.HashLeaf(leaf));
        }
        device.Roots[checkpoint.Size] = checkpoint.Root;
        device.Checkpoint = body.Checkpoint;
        device.LedgerIndex = _ledgerSize++;
        return Results.Json(new UplinkReceipt(deviceId, device.Leaves.Count, device.LedgerIndex.Value, _ledgerSize), UplinkJsonContext.Default.UplinkReceipt);
    }

    // As the node does: a signed note by the enrolled key, newer than the last report accepted.
    private async Task<IResult> StatusReportAsync(string deviceId, HttpRequest request)
    {
        if (Injected("STATUS", deviceId) is { } failure)
        {
            return failure;
        }
        using var reader = new StreamReader(request.Body);
        var parsed = SignedNote.Parse(await reader.ReadToEndAsync());
        if (!parsed.Succeeded || GatewayStatusNote.Read(parsed.Value) is not { Succeeded: true } read)
        {
            return Record("STATUS", deviceId, Problem(400, ProblemTypes.MalformedRequest, "not a status note"));
        }
        lock (_gate)
        {
            if (!_devices.TryGetValue(deviceId, out var device))
            {
                return Record("STATUS", deviceId, Problem(403, ProblemTypes.UnknownDevice, $"device {deviceId} is not enrolled"));
            }
            if (!NoteVerifier.Verify(parsed.Value, TrustPolicy.Single(device.Key)).Succeeded || read.Value.DeviceId != deviceId)
            {
                return Record("STATUS", deviceId, Problem(401, ProblemTypes.BadSignature, "not signed by the enrolled key"));
            }
            if (device.Reports.Count > 0 && read.Value.GatewayTimeMs <= device.Reports[^1].GatewayTimeMs)
            {
                var last = device.Reports[^1].GatewayTimeMs;
                return Record("STATUS", deviceId, new ProblemResult(ProblemTypes.For(ProblemTypes.StaleReport), Results.Problem(detail: "not newer than the last report", statusCode: 409,
                    type: ProblemTypes.For(ProblemTypes.StaleReport), extensions: new Dictionary<string, object?> { ["lastGatewayTimeMs"] = last })));
            }
            device.Reports.Add(read.Value);
            _requests.Add(new NodeRequest("STATUS", deviceId, -1, 0, -1, 200, null));
            return Results.Json(new StatusReceipt(deviceId, read.Value.GatewayTimeMs, read.Value.GatewayTimeMs, device.Leaves.Count), UplinkJsonContext.Default.StatusReceipt);
        }
    }

    private IResult Record(string method, string deviceId, IResult result)
    {
        lock (_gate)
        {
            _requests.Add(new NodeRequest(method, deviceId, -1, 0, -1, (result as IStatusCodeHttpResult)?.StatusCode ?? 0, (result as ProblemResult)?.Type is { } t ? ProblemTypes.CodeOf(t) : null));
        }
        return result;
    }

    private static IResult Problem(int status, string code, string detail) =>
        new ProblemResult(ProblemTypes.For(code), Results.Problem(detail: detail, statusCode: status, type: ProblemTypes.For(code), title: code));

    // Keeps the problem's type visible to the request log.
    private sealed class ProblemResult(string type, IResult inner) : IResult, IStatusCodeHttpResult
    {
        public string Type { get; } = type;

        public IResult Inner { get; } = inner;

        public int? StatusCode => (Inner as IStatusCodeHttpResult)?.StatusCode;

        public Task ExecuteAsync(HttpContext httpContext) => Inner.ExecuteAsync(httpContext);
    }

    private sealed class Device(NoteVerifierKey key)
    {
        public NoteVerifierKey Key { get; } = key;

        public List<byte[]> Leaves { get; } = [];

        public MerkleLog Tree { get; set; } = new(new InMemoryMerkleHashStore());

        public Dictionary<long, Hash32> Roots { get; } = [];

        public string? Checkpoint { get; set; }

        public long? LedgerIndex { get; set; }

        public bool Revoked { get; set; }

        public bool Equivocated { get; set; }

        public List<GatewayStatusReport> Reports { get; } = [];
    }
}

/// <summary>One request the node saw: uploads carry the first sequence and leaf count; the status code and problem code of the answer.</summary>
public sealed record NodeRequest(string Method, string DeviceId, long FirstSequence, int Count, long CheckpointSize, int Status, string? Problem);
