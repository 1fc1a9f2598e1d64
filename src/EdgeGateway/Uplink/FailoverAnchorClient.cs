using Firmware.Contracts.Calibration;
using Firmware.Contracts.Uplink;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Uplink;

/// <summary>
/// The member nodes of a consortium (<c>node.urls</c>) as one <see cref="IAnchorClient"/>: every call
/// goes to the current node. A failure of the uplink's own calls (device log status, upload) that
/// says that node is unreachable or unwell (see <see cref="IsNodeFault"/>) moves to the next one,
/// round robin, and a refusal of the request itself does not. Status reports and calibration
/// fetches follow the current node without moving it: the uplink asks at least every cycle, with
/// its backoff, and two callers moving one pointer would toss it back and forth while all nodes
/// are down. Uploads go to the node whose device log status the worker last read, so that after a
/// move the worker's retry first asks the new node how far it got and resends from there (the
/// existing resume path). While on another node, the preferred one (the first) is asked again
/// at a status request once <c>preferredRetry</c> has passed, and used again if it answers.
/// </summary>
public sealed partial class FailoverAnchorClient : IAnchorClient, ICalibrationSource, IDisposable
{
    /// <summary>
    /// The problem type of a member node that has not yet applied, or pulled from its peers, what
    /// the request needs: another member may serve it now.
    /// </summary>
    public const string NodeOutOfStep = "node-out-of-step";

    private readonly HttpAnchorClient[] _clients;
    private readonly Uri[] _urls;
    private readonly TimeSpan _preferredRetry;
    private readonly TimeProvider _clock;
    private readonly ILogger<FailoverAnchorClient> _logger;
    private readonly Lock _gate = new();
    private int _current;
    private long _preferredAskedAt;
    // Written and read by the uplink worker only (its status and upload calls are never concurrent).
    private int _statusNode;

    /// <param name="urls">The nodes, the preferred first; at least one, no repeats.</param>
    /// <param name="connect">Makes the client of one node (its own connection pool).</param>
    /// <param name="preferredRetry">While on another node, how long before the preferred one is asked again.</param>
    /// <param name="clock">Real time, for <paramref name="preferredRetry"/>.</param>
    /// <param name="logger">Logs every move (event <c>node</c>, "anchoring on …").</param>
    public FailoverAnchorClient(IReadOnlyList<Uri> urls, Func<Uri, HttpAnchorClient> connect, TimeSpan preferredRetry, TimeProvider clock, ILogger<FailoverAnchorClient> logger)
    {
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentNullException.ThrowIfNull(connect);
        ArgumentOutOfRangeException.ThrowIfZero(urls.Count);
        _clients = [.. urls.Select(connect)];
        _urls = [.. _clients.Select(c => c.Node)];
        _preferredRetry = preferredRetry;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The node calls go to now.</summary>
    public Uri Current
    {
        get
        {
            lock (_gate)
            {
                return _urls[_current];
            }
        }
    }

    /// <inheritdoc/>
    public Uri Node => Current;

    /// <summary>
    /// True when <paramref name="problem"/> says the node cannot serve now (no answer, a timeout, a 5xx,
    /// an unreadable answer, or <see cref="NodeOutOfStep"/>), not that it refuses what was sent.
    /// </summary>
    public static bool IsNodeFault(UplinkProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.Kind is UplinkFailureKind.Network or UplinkFailureKind.Server or UplinkFailureKind.Protocol
            || string.Equals(problem.Code, NodeOutOfStep, StringComparison.Ordinal);
    }

    /// <inheritdoc/>
    public async Task<AnchorResult<DeviceLogStatus>> GetStatusAsync(string deviceId, CancellationToken cancellationToken)
    {
        if (PreferredDue())
        {
            var again = await _clients[0].GetStatusAsync(deviceId, cancellationToken);
            if (again.Problem is not { } down || !IsNodeFault(down))
            {
                MoveTo(0, "the preferred node answers again");
                _statusNode = 0;
                return again;
            }
            LogPreferredDown(_urls[0].AbsoluteUri, down.ToString());
        }
        var node = CurrentIndex();
        _statusNode = node;
        return Checked(node, "status", await _clients[node].GetStatusAsync(deviceId, cancellationToken));
    }

    /// <inheritdoc/>
    public async Task<AnchorResult<UplinkReceipt>> UploadAsync(string deviceId, UplinkBatch batch, CancellationToken cancellationToken)
    {
        // To the node whose status the batch was cut from: a new node is asked for its status first.
        var node = _statusNode;
        return Checked(node, "upload", await _clients[node].UploadAsync(deviceId, batch, cancellationToken));
    }

    /// <inheritdoc/>
    public Task<AnchorResult<StatusReceipt>> PostStatusAsync(string deviceId, string signedNote, CancellationToken cancellationToken) =>
        _clients[CurrentIndex()].PostStatusAsync(deviceId, signedNote, cancellationToken);

    /// <inheritdoc/>
    public Task<AnchorResult<DeviceCalibrations>> GetCalibrationsAsync(string deviceId, CancellationToken cancellationToken) =>
        _clients[CurrentIndex()].GetCalibrationsAsync(deviceId, cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    private int CurrentIndex()
    {
        lock (_gate)
        {
            return _current;
        }
    }

    // True (once per preferredRetry) when the preferred node should be asked again.
    private bool PreferredDue()
    {
        lock (_gate)
        {
            if (_current == 0 || _clock.GetElapsedTime(_preferredAskedAt) < _preferredRetry)
            {
                return false;
            }
            _preferredAskedAt = _clock.GetTimestamp();
            return true;
        }
    }

    private AnchorResult<T> Checked<T>(int node, string call, AnchorResult<T> answer)
        where T : class
    {
        if (answer.Problem is { } problem && IsNodeFault(problem) && _urls.Length > 1)
        {
            // Only a failure on the current node moves on (the preferred one may have been taken back meanwhile).
            int next;
            lock (_gate)
            {
                if (_current != node)
                {
                    return answer;
                }
                next = (node + 1) % _urls.Length;
            }
            MoveTo(next, $"{call} on {_urls[node].AbsoluteUri} failed ({problem})");
        }
        return answer;
    }

    private void MoveTo(int node, string reason)
    {
        lock (_gate)
        {
            if (_current == node)
            {
                return;
            }
            if (_current == 0)
            {
                _preferredAskedAt = _clock.GetTimestamp();
            }
            _current = node;
        }
        LogNode(_urls[node].AbsoluteUri, reason);
    }

    [LoggerMessage(EventId = 402, EventName = "node", Level = LogLevel.Warning, Message = "anchoring on {Url}: {Reason}")]
    private partial void LogNode(string url, string reason);

    [LoggerMessage(EventId = 403, EventName = "preferred-node-down", Level = LogLevel.Information, Message = "the preferred node {Url} still does not serve ({Problem}); asked again later")]
    private partial void LogPreferredDown(string url, string problem);
}
