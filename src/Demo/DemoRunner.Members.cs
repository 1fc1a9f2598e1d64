using System.Globalization;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Notes;

namespace Demo;

/// <summary>A member of the demo's consortium: its node folder, and where its node serves under <c>--members 3</c>.</summary>
internal sealed record DemoMember(string Name, string Role, string Folder, Uri Base)
{
    public string BaseUrl => Base.AbsoluteUri.TrimEnd('/');

    /// <summary>The node's process (and log) name: <c>node-warehouse</c>, …</summary>
    public string Process => "node-" + Name;
}

/// <summary>A checkpoint a node serves: its size, how many members signed it, and its text (what they signed).</summary>
internal sealed record ServedCheckpoint(long Size, int Signers, string Text);

/// <summary>
/// <c>--members 3</c>: each member serves its own node, the consortium's order comes from a
/// three-member etcd cluster the demo runs, and the story ends with a member node killed and
/// restarted while the gateways and the other members carry on.
/// </summary>
internal sealed partial class DemoRunner
{
    private const int ConsortiumSteps = 16;

    /// <summary>The bank's own API client on its own node (each node's keys are its own).</summary>
    private const string LenderOrganisation = "bank-credit";

    /// <summary>The variable a node reads the API key it presents to its peers from (docs/anchor-node.md).</summary>
    private const string PeerApiKeyVariable = "EDGETRACE_PEER_API_KEY";

    private readonly IReadOnlyList<DemoMember> _members;
    private readonly Dictionary<string, (DemoChild Child, Task<string> Listening)> _nodes = new(StringComparer.Ordinal);
    private DemoEtcd? _etcd;
    private HttpClient? _lender;

    private bool IsConsortium => _options.Members == 3;

    private static Uri Next(Uri node, int offset) => new UriBuilder(node) { Port = node.Port + offset }.Uri;

    /// <summary>
    /// Step 1 with three member nodes: etcd is installed, and the three nodes' ports and etcd's six are
    /// free; null when all is well, else the exit code (the error is printed, nothing was started or made).
    /// </summary>
    private async Task<int?> CheckConsortiumPortsAsync()
    {
        _etcd = DemoEtcd.For(_folder, _options.Port, _options.Fresh);
        var ports = _members.Select(m => (m.Base.Port, What: $"the {m.Name}'s node")).Concat(_etcd.Ports()).ToList();
        _progress.Begin(1, $"checking etcd and ports {string.Join(", ", ports.Select(p => p.Port))}");
        if (DemoEtcd.FindProgram() is null)
        {
            _progress.Fail("no etcd");
            await Console.Error.WriteLineAsync("error: --members 3 runs a three-member etcd cluster, but there is no 'etcd' program on the PATH; "
                + "install it (Debian/Ubuntu: sudo apt-get install etcd-server) and run again");
            return UsageExit;
        }
        foreach (var (port, what) in ports)
        {
            if (!PortIsFree(port))
            {
                _progress.Fail("in use");
                var fix = what.StartsWith("etcd", StringComparison.Ordinal) && _etcd.Recorded
                    ? "this demo folder's etcd cluster was made on it (its members keep each other's addresses); free it, or pass --fresh to start over"
                    : $"pass --port N (the warehouse's node; the bank's and the auditor's take N+1 and N+2, etcd N+{DemoEtcd.ClientOffset} to N+{DemoEtcd.ClientOffset + 2} and N+{DemoEtcd.PeerOffset} to N+{DemoEtcd.PeerOffset + 2})";
                await Console.Error.WriteLineAsync($"error: port {port} ({what}) is in use; {fix}");
                return UsageExit;
            }
        }
        _progress.Done("free");
        return null;
    }

    private async Task StartEtcdAsync(DemoProcesses processes, CancellationToken cancellationToken)
    {
        var started = _etcd!.Start(processes, DemoEtcd.FindProgram() ?? throw new DemoException("the etcd program is no longer on the PATH"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await PollAsync(async ct => await _etcd.HealthyAsync(http, ct) ? true : (bool?)null, TimeSpan.FromSeconds(60),
            $"healthy etcd cluster on {string.Join(", ", _etcd.Endpoints)} (its members' logs: {string.Join(", ", started.Select(c => Display(c.LogPath)))})", cancellationToken);
    }

    /// <summary>
    /// Whose node each member's node pulls device leaves from, with a key that node issued to it: the
    /// warehouse's and the bank's from each other, the auditor's from the bank's (a node presents one key
    /// to all its peers, and each node's keys are its own, so each has one peer).
    /// </summary>
    private DemoMember PeerOf(DemoMember member) => member.Name == "bank" ? _members[0] : _members[1];

    /// <summary>The API keys the demo needs besides the operator's: the cosigners' (one node), or the bank's and the member nodes' peer keys (three).</summary>
    private IEnumerable<string> MemberKeyFiles() => IsConsortium
        ? [_folder.ApiKey("bank", LenderOrganisation), .. _members.Select(m => _folder.ApiKey(PeerOf(m).Name, m.Name + "-node"))]
        : [_folder.CosignerApiKey];

    /// <summary>
    /// Each node's API clients are its own: the bank's lender desk on the bank's node, and for each member
    /// node a key on the peer it pulls device leaves from.
    /// </summary>
    private async Task AddMemberKeysAsync(CancellationToken cancellationToken)
    {
        await AddOrganisationAsync(_folder.Bank, LenderOrganisation, "lender", _folder.ApiKey("bank", LenderOrganisation), cancellationToken);
        foreach (var member in _members)
        {
            var peer = PeerOf(member);
            await AddOrganisationAsync(peer.Folder, member.Name + "-node", "auditor", _folder.ApiKey(peer.Name, member.Name + "-node"), cancellationToken);
        }
    }

    private (DemoChild Child, Task<string> Listening) StartNode(DemoProcesses processes, DemoMember member)
    {
        var peerKey = File.ReadAllText(_folder.ApiKey(PeerOf(member).Name, member.Name + "-node")).Trim();
        var child = processes.Start(member.Process, _options.Programs.AnchorNodeDll, ["serve", "--data", member.Folder, "--urls", member.BaseUrl],
            new Dictionary<string, string>(StringComparer.Ordinal) { [PeerApiKeyVariable] = peerKey });
        return (child, child.NextLineAsync(l => l.StartsWith("listening: ", StringComparison.Ordinal)));
    }

    private async Task WaitListeningAsync(DemoChild serve, string what, CancellationToken cancellationToken) =>
        await WaitListeningAsync(serve, serve.NextLineAsync(l => l.StartsWith("listening: ", StringComparison.Ordinal)), what, cancellationToken);

    private async Task WaitListeningAsync((DemoChild Child, Task<string> Listening) node, string what, CancellationToken cancellationToken) =>
        await WaitListeningAsync(node.Child, node.Listening, what, cancellationToken);

    private async Task WaitListeningAsync(DemoChild serve, Task<string> listening, string what, CancellationToken cancellationToken)
    {
        if (await Task.WhenAny(listening, Task.Delay(TimeSpan.FromSeconds(60), cancellationToken)) != listening)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new DemoException($"{what} did not start listening within a minute; its log: {Display(serve.LogPath)}");
        }
    }

    /// <summary>The member's latest checkpoint when it covers <paramref name="size"/> with at least <paramref name="signers"/> member signatures, else null.</summary>
    private static async Task<ServedCheckpoint?> CheckpointAsync(DemoMember member, long size, int signers, CancellationToken cancellationToken)
    {
        if (await GetTextAsync(member, "v1/ledger/checkpoint", cancellationToken) is not { } text
            || SignedNote.Parse(text) is not { Succeeded: true } note
            || Checkpoint.ParseText(note.Value.Text) is not { Succeeded: true } checkpoint)
        {
            return null;
        }
        var signed = note.Value.Signatures.Select(s => s.KeyName).Distinct(StringComparer.Ordinal).Count();
        return checkpoint.Value.Size >= size && signed >= signers ? new ServedCheckpoint(checkpoint.Value.Size, signed, note.Value.Text) : null;
    }

    /// <summary>True when the member's node answers the page at <paramref name="path"/> (no key), else null.</summary>
    private static async Task<bool?> ServesAsync(DemoMember member, string path, CancellationToken cancellationToken) =>
        await GetTextAsync(member, path.TrimStart('/'), cancellationToken) is null ? null : true;

    /// <summary>A page of the member's node without a key, or null when it does not answer it (yet).</summary>
    private static async Task<string?> GetTextAsync(DemoMember member, string path, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = member.Base, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(cancellationToken) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// The warehouse's node is killed (SIGKILL, as a crash would end it); the gateway moves to another
    /// member and keeps anchoring; the bank's node exports the pledged lot's bundle, which verifies with
    /// the members' keys and the consortium's quorum; the warehouse's node restarts and catches up from etcd.
    /// </summary>
    private async Task MemberGoesDownAsync(DemoProcesses processes, string receipt, string code, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var (warehouse, bank) = (_members[0], _members[1]);
        var node = _nodes[warehouse.Name].Child;
        _progress.Begin(13, $"killing the warehouse's node with SIGKILL (pid {node.Process.Id.ToString(CultureInfo.InvariantCulture)}), as a crash or a power cut would");
        var before = await CommittedAsync(SensorNodeGateway, cancellationToken) ?? 0;
        var sizeAtKill = (await CheckpointAsync(bank, 0, 1, cancellationToken))?.Size ?? 0;
        await DemoProcesses.KillAsync(node);
        _progress.Done($"killed; {SensorNodeGateway} had {before} readings anchored");

        _progress.Begin(14, $"watching {SensorNodeGateway} keep anchoring through another member (its committed size on the bank's node)");
        var after = await PollAsync(async ct => await CommittedAsync(_lender!, SensorNodeGateway, ct) is { } size && size > before ? size : (long?)null, TimeSpan.FromSeconds(120),
            $"new anchor of {SensorNodeGateway} on the bank's node after the warehouse's node went down (its log: {Display(Path.Combine(_folder.Logs, SensorNodeGateway + ".log"))})", cancellationToken);
        var status = await CliAsync(_options.Programs.GatewayDll, ["status", "--data", _folder.Gateway(SensorNodeGateway)], cancellationToken);
        var via = status.Has("node-url") ? status.Field("node-url") : "another member's node";
        _progress.Done($"committed size {before} → {after} on the bank's node; {SensorNodeGateway} uploads to {via}");

        _progress.Begin(15, $"exporting {receipt}'s evidence bundle from the bank's node and verifying it with the members' keys (the consortium's quorum, 2 of 3)");
        var (bundle, verify) = await ExportBundleAsync(bank.Folder, receipt, receipt + ".from-bank.json", keys, cancellationToken);
        _progress.Done("verified with the quorum");
        await Console.Out.WriteLineAsync($"bank's bundle: {Display(bundle)}");
        await Console.Out.WriteLineAsync($"verify bank's bundle: {verify}");

        _progress.Begin(16, "restarting the warehouse's node");
        var target = (await CheckpointAsync(bank, 0, 2, cancellationToken))?.Size ?? 0;
        _nodes[warehouse.Name] = StartNode(processes, warehouse);
        await WaitListeningAsync(_nodes[warehouse.Name], "the warehouse's node", cancellationToken);
        var same = await PollAsync(ct => SameCheckpointAsync(target, ct), TimeSpan.FromSeconds(120),
            $"checkpoint of size {target} or more that the warehouse's, the bank's and the auditor's nodes all serve (the warehouse's log: {Display(_nodes[warehouse.Name].Child.LogPath)})", cancellationToken);
        // Every member's node serves the lot's consumer page: it needs the readings, which each node pulls from its peer.
        foreach (var member in _members)
        {
            await PollAsync(ct => ServesAsync(member, code, ct), TimeSpan.FromSeconds(90),
                $"consumer page of {receipt} on the {member.Name}'s node (it needs the lot's readings from its peer: GET {member.BaseUrl}/v1/node/replication; its log: {Display(Path.Combine(_folder.Logs, member.Process + ".log"))})", cancellationToken);
        }
        _progress.Done($"caught up: ledger size {same.Size} on the warehouse's, the bank's and the auditor's nodes ({same.Size - sizeAtKill} entries ordered while it was down), one root, {same.Signers} member signatures; each serves {receipt}'s consumer page");
    }

    /// <summary>The checkpoint every member's node serves, when they serve the same one (of at least <paramref name="size"/>).</summary>
    private async Task<ServedCheckpoint?> SameCheckpointAsync(long size, CancellationToken cancellationToken)
    {
        var served = new List<ServedCheckpoint>();
        foreach (var member in _members)
        {
            if (await CheckpointAsync(member, size, 1, cancellationToken) is not { } checkpoint)
            {
                return null;
            }
            served.Add(checkpoint);
        }
        return served.All(c => c.Text == served[0].Text) ? served.MinBy(c => c.Signers) : null;
    }

    /// <summary>Each member's node: its address, a dashboard link for it, and the pledged lot's consumer page on it.</summary>
    private async Task PrintMembersAsync(string code, CancellationToken cancellationToken)
    {
        foreach (var member in _members)
        {
            var dashboard = (await CliAsync(_options.Programs.AnchorNodeDll, ["dashboard-link", "--data", member.Folder, "--base-url", member.BaseUrl, "--hours", "24"], cancellationToken)).Field("url");
            await Console.Out.WriteLineAsync($"{member.Name} node: {member.BaseUrl} ({member.Role}; checkpoint: curl {member.BaseUrl}/v1/ledger/checkpoint)");
            await Console.Out.WriteLineAsync($"{member.Name} dashboard: {dashboard}");
            await Console.Out.WriteLineAsync($"{member.Name} consumer page: {member.BaseUrl}{code}");
        }
        await Console.Out.WriteLineAsync($"etcd: {string.Join(", ", _etcd!.Endpoints)} (etcdctl --endpoints {string.Join(',', _etcd.Endpoints)} endpoint status -w table)");
    }
}
