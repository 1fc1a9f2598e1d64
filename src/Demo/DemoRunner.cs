using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Firmware.Contracts.Notes;

namespace Demo;

/// <summary>What <c>./edgetrace demo</c> was asked for.</summary>
/// <param name="Members">1: the warehouse's node only, the bank and the auditor cosign; 3: each member serves its own node, ordered by etcd.</param>
internal sealed record DemoOptions(string Data, bool Fresh, int Port, double Speed, int Gateways, DemoPrograms Programs, string? RepoRoot, int Members = 1);

/// <summary>A sample lot the demo registers from what the dock door saw.</summary>
internal sealed record SampleLot(string Receipt, string Product, string Code, string FirstThirteen, string Zone, string Band, string Specification, int Quantity, string Unit)
{
    public string Gtin => Firmware.Contracts.Epc.Gtin.FromDigitsWithoutCheck(FirstThirteen).Value;
}

/// <summary>
/// The whole system on one machine: a three-member consortium (warehouse operator, bank, auditor),
/// the warehouse node serving on 127.0.0.1, gateways on simulated warehouses, lots registered from
/// RFID arrivals, a pledge with a covenant, a cosigned checkpoint, an evidence bundle and a QR code;
/// then it keeps everything running until Ctrl-C. Every step is the node's, the gateway's or the
/// verifier's own command line (as an operator would type it), a settings file edited as an operator
/// would edit it, or the node's HTTP API: the demo shows how the parts are used, and uses nothing else.
/// </summary>
internal sealed partial class DemoRunner
{
    public const int OkExit = 0;
    public const int FailedExit = 1;
    public const int UsageExit = 2;
    public const string Owner = "acme-foods";
    public const string Buyer = "nordic-trade";
    private const string Consortium = "demo";
    private const string DockZone = "dock-1";
    private const int SensorsPerZone = 2;
    private const int Steps = 12;
    private static readonly string[] SimulatedZones = ["chiller-1", "freezer-1", "ambient-1"];
    private static readonly CompositeFormat SiteFormat = CompositeFormat.Parse("coldstore-{0}");

    /// <summary>The chiller lot is pledged and is the one whose page, QR code and bundle are handed out.</summary>
    private static readonly SampleLot[] Lots =
    [
        new("WR-DEMO-1", "Atlantic salmon fillets, chilled", "SAL", "1061414100734", "chiller-1", "temperature:2:8", "120 × 1 kg, boxed on ice", 120, "carton"),
        new("WR-DEMO-2", "Mixed berries, frozen", "BER", "1061414100735", "freezer-1", "temperature:-25:-18", "200 × 2.5 kg bags", 200, "carton"),
    ];

    private const string Covenant = "temperature above 8 for 30m";

    /// <summary>The gateway whose embedded broker the simulated sensor nodes publish to.</summary>
    private const string SensorNodeGateway = "gw-1";

    /// <summary>How much warehouse history each gateway simulates before it runs in real time.</summary>
    private const string History = "3h";

    private readonly DemoOptions _options;
    private readonly DemoFolder _folder;
    private readonly DemoProgress _progress;
    private readonly Uri _base;
    private HttpClient? _operator;
    private DemoSensorNodes? _sensorNodes;
    private int _sensorNodePort;
    private IReadOnlyDictionary<string, string> _sensorNodePasswords = new Dictionary<string, string>();

    private DemoRunner(DemoOptions options)
    {
        _options = options;
        _folder = new DemoFolder(options.Data);
        _base = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{options.Port}/"));
        _progress = new DemoProgress(IsConsortium ? ConsortiumSteps : Steps);
        _members = [new("warehouse", "operator", _folder.Warehouse, _base), new("bank", "lender", _folder.Bank, Next(_base, 1)), new("auditor", "auditor", _folder.Auditor, Next(_base, 2))];
    }

    private string BaseUrl => _base.AbsoluteUri.TrimEnd('/');

    /// <summary>Runs the demo; returns the exit code (0 stopped by Ctrl-C/SIGTERM, 1 a step or a process failed, 2 unusable port or folder).</summary>
    public static Task<int> RunAsync(DemoOptions options) => new DemoRunner(options).RunAsync();

    private async Task<int> RunAsync()
    {
        if (IsConsortium)
        {
            if (await CheckConsortiumPortsAsync() is { } refused)
            {
                return refused;
            }
        }
        else
        {
            _progress.Begin(1, $"checking port {_options.Port}");
            if (!PortIsFree(_options.Port))
            {
                _progress.Fail("in use");
                await Console.Error.WriteLineAsync($"error: port {_options.Port} is in use; pass --port N (a free port for the node's HTTP API)");
                return UsageExit;
            }
            _progress.Done("free");
        }

        _progress.Begin(2, $"data folder {Display(_folder.Path)}");
        if (_folder.IsForeign)
        {
            _progress.Fail("not a demo folder");
            await Console.Error.WriteLineAsync($"error: {_folder.Path} exists and was not made by the demo; pass --data to choose another folder (--fresh only deletes demo folders)");
            return UsageExit;
        }
        using var held = Directory.Exists(_folder.Path) ? _folder.TryLock() : null;
        if (Directory.Exists(_folder.Path) && held is null)
        {
            _progress.Fail("in use");
            await Console.Error.WriteLineAsync($"error: another demo is running on {_folder.Path}; stop it first or pass --data DIR");
            return UsageExit;
        }
        if (_options.Fresh)
        {
            held?.Dispose();
            _folder.Delete();
        }
        var reused = !_folder.IsNew;
        _folder.Create();
        using var locked = _folder.TryLock();
        _progress.Done(reused ? "reusing it (--fresh starts over)" : "new");

        using var abort = new CancellationTokenSource();
        var signalled = false;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            signalled = true;
            // Not on the signal's own thread: cancelling runs the whole stop, which ends with
            // disposing this very registration.
            ThreadPool.QueueUserWorkItem(_ => abort.Cancel());
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        var processes = new DemoProcesses(_folder.Logs, _folder.PidFile);
        DemoCosigners? cosigners = null;
        DemoChild? died = null;
        _ = processes.Died.ContinueWith(t =>
        {
            died = t.Result;
            abort.Cancel();
        }, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        var exit = OkExit;
        try
        {
            cosigners = await SetUpAsync(processes, abort.Token);
            await Console.Out.WriteLineAsync("running — Ctrl-C stops everything");
            await Task.Delay(Timeout.Infinite, abort.Token);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            _progress.Interrupted();
            if (!signalled && died is { } child)
            {
                await Console.Error.WriteLineAsync($"error: {child.Name} exited unexpectedly ({ExitCode(child)}); its log: {Display(child.LogPath)}");
                exit = FailedExit;
            }
        }
        catch (DemoException e)
        {
            _progress.Fail("failed");
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            exit = FailedExit;
        }
        finally
        {
            await Console.Out.WriteLineAsync("stopping …");
            if (_sensorNodes is not null)
            {
                await _sensorNodes.DisposeAsync();
                await Console.Out.WriteLineAsync($"stopped the sensor nodes ({_sensorNodes.Published} SenML packs published to gw-1's embedded broker)");
            }
            if (cosigners is not null)
            {
                await cosigners.DisposeAsync();
                await Console.Out.WriteLineAsync("stopped the bank's and the auditor's cosigners");
            }
            foreach (var line in await processes.StopAllAsync(TimeSpan.FromSeconds(15)))
            {
                await Console.Out.WriteLineAsync($"stopped: {line}");
            }
            await processes.DisposeAsync();
            _operator?.Dispose();
            _lender?.Dispose();
        }
        return exit;
    }

    private async Task<DemoCosigners?> SetUpAsync(DemoProcesses processes, CancellationToken cancellationToken)
    {
        if (IsInitialised(_folder.Warehouse) && _folder.HasEtcd != IsConsortium)
        {
            var made = _folder.HasEtcd ? 3 : 1;
            throw new DemoException($"{Display(_folder.Path)} was made with --members {made}; run with --members {made}, or pass --fresh to start over");
        }
        if (IsConsortium)
        {
            _progress.Begin(3, "starting etcd (3 members) and founding the consortium (warehouse, bank, auditor)");
            await StartEtcdAsync(processes, cancellationToken);
        }
        else
        {
            _progress.Begin(3, "founding the consortium (warehouse, bank, auditor)");
        }
        var founded = await FoundAsync(cancellationToken);
        _progress.Done(founded ? "done" : "founded already");
        ConfigureNodes();
        await DemoReceivers.StartAsync(_folder.Warehouse, _progress, cancellationToken);

        if (IsConsortium)
        {
            _progress.Begin(4, $"starting the member nodes on {string.Join(", ", _members.Select(m => m.BaseUrl))}");
            foreach (var member in _members)
            {
                _nodes[member.Name] = StartNode(processes, member);
            }
            foreach (var member in _members)
            {
                await WaitListeningAsync(_nodes[member.Name], $"{member.Name}'s node", cancellationToken);
            }
            _lender = new HttpClient { BaseAddress = _members[1].Base, Timeout = TimeSpan.FromSeconds(30) };
            _lender.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(_folder.ApiKey("bank", LenderOrganisation)).Trim());
        }
        else
        {
            _progress.Begin(4, $"starting the node on {BaseUrl}");
            var serve = processes.Start("node", _options.Programs.AnchorNodeDll, ["serve", "--data", _folder.Warehouse, "--urls", BaseUrl]);
            await WaitListeningAsync(serve, "the node", cancellationToken);
        }
        _operator = new HttpClient { BaseAddress = _base, Timeout = TimeSpan.FromSeconds(30) };
        _operator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(_folder.OperatorApiKey).Trim());
        _progress.Done("listening");

        var gateways = Enumerable.Range(1, _options.Gateways).Select(i => (Id: $"gw-{i}", Seed: i, Site: string.Format(CultureInfo.InvariantCulture, SiteFormat, i))).ToList();
        foreach (var gateway in gateways)
        {
            _progress.Begin(5, $"setting up gateway {gateway.Id} (simulated warehouse {gateway.Site}: chiller, freezer, dock door)");
            _progress.Done(await SetUpGatewayAsync(gateway.Id, gateway.Site, cancellationToken));
        }
        foreach (var gateway in gateways)
        {
            _progress.Begin(6, $"starting gateway {gateway.Id}: {History} of warehouse history at {_options.Speed.ToString(CultureInfo.InvariantCulture)}× speed, then real time");
            // A history that ends now: the warehouse starts three hours ago and catches up at --speed,
            // so no reading is ever dated after the node received it; a rerun continues where it stopped.
            var run = processes.Start(gateway.Id, _options.Programs.GatewayDll,
                ["run", "--data", _folder.Gateway(gateway.Id), "--simulate", gateway.Seed.ToString(CultureInfo.InvariantCulture),
                    "--history", History, "--speed", _options.Speed.ToString(CultureInfo.InvariantCulture)]);
            var anchored = await PollAsync(async ct => await CommittedAsync(gateway.Id, ct) is > 0 and var size ? size : (long?)null,
                TimeSpan.FromSeconds(90), $"gateway {gateway.Id} to anchor its first readings (its log: {Display(run.LogPath)})", cancellationToken);
            _progress.Done($"{anchored} readings anchored");
            if (gateway.Id == SensorNodeGateway)
            {
                _sensorNodes = new DemoSensorNodes();
                _sensorNodes.Start(_sensorNodePort, _sensorNodePasswords, TimeSpan.FromSeconds(5), Path.Combine(_folder.Logs, "sensor-nodes.log"));
                await Console.Out.WriteLineAsync($"sensor nodes {string.Join(", ", DemoSensorNodes.Nodes.Select(n => n.Id))} publish SenML to {gateway.Id}'s embedded MQTT broker on 127.0.0.1:{_sensorNodePort}");
            }
        }

        // With three member nodes, every member seals and cosigns through etcd: no cosigning rounds.
        var cosigners = IsConsortium ? null : new DemoCosigners([("bank", _folder.Bank), ("auditor", _folder.Auditor)], _options.Programs.AnchorNodeDll, _base, _folder.CosignerApiKey,
            Path.Combine(_folder.Logs, "cosigners.log"), TimeSpan.FromSeconds(3));
        cosigners?.Start();

        _progress.Begin(7, "waiting for pallets at the dock door (RFID arrivals)");
        var arrivals = new Dictionary<string, List<JsonNode>>(StringComparer.Ordinal);
        foreach (var lot in Lots)
        {
            if (await LotAsync(lot.Receipt, cancellationToken) is not null)
            {
                continue;
            }
            // Pallets arrive every few simulated minutes of the history; allow three times the simulated hour that the first few need.
            var wait = TimeSpan.FromSeconds(Math.Max(90, 3 * 3600 / _options.Speed));
            arrivals[lot.Receipt] = await PollAsync(ct => ArrivalsAsync(lot.Gtin, gateways[0].Id, ct), wait,
                $"a pallet of {lot.Product} at {gateways[0].Id}'s dock door", cancellationToken);
        }
        _progress.Done(arrivals.Count == 0 ? "lots registered already" : string.Join(", ", arrivals.Select(a => $"{a.Value.Count} pallet(s) for {a.Key}")));

        _progress.Begin(8, $"registering lots {string.Join(", ", Lots.Select(l => l.Receipt))} (owner {Owner})");
        await RegisterOwnerAsync(cancellationToken);
        foreach (var lot in Lots.Where(l => arrivals.ContainsKey(l.Receipt)))
        {
            await IssueAsync(lot, gateways[0].Site, arrivals[lot.Receipt], cancellationToken);
        }
        _progress.Done(arrivals.Count == 0 ? "registered already" : $"{arrivals.Count} issued");

        var pledged = Lots[0];
        _progress.Begin(9, $"pledging {pledged.Receipt} to the bank, covenant \"{Covenant}\"");
        var lotView = await LotAsync(pledged.Receipt, cancellationToken) ?? throw new DemoException($"lot {pledged.Receipt} is not on the node");
        if (lotView["activePledge"] is null)
        {
            var now = DateTimeOffset.UtcNow;
            // The pledge covers the goods from their receipt on (a signed term): the chiller failure
            // in the warehouse's history falls inside it.
            var issued = DateTimeOffset.FromUnixTimeMilliseconds((long)lotView["public"]!["issuedMs"]!);
            // With three member nodes the bank submits its pledge to its own node.
            var created = await CliAsync(_options.Programs.AnchorNodeDll, ["pledge", "create", "--data", IsConsortium ? _folder.Bank : _folder.Warehouse, "--receipt", pledged.Receipt, "--lender-data", _folder.Bank,
                "--owner-key", _folder.OwnerKey, "--lender", "bank", "--amount", "500000", "--currency", "CNY", "--start", IsoMs(issued), "--end", Iso(now.AddDays(180)), "--covenant", Covenant], cancellationToken);
            _progress.Done($"pledge at ledger index {created.Field("pledge")}");
        }
        else
        {
            _progress.Done($"pledged already (ledger index {lotView["activePledge"]})");
        }

        await TradeAsync(Lots[1], cancellationToken);

        _progress.Begin(11, IsConsortium ? "waiting for the warehouses' history to reach the present, and for a checkpoint the members cosigned through etcd"
            : "waiting for the warehouses' history to reach the present, and for the bank and the auditor to cosign");
        foreach (var gateway in gateways)
        {
            // Until then the pledge's window (to now) holds hours no reading covers yet.
            var caughtUp = TimeSpan.FromSeconds(TimeSpan.FromHours(3).TotalSeconds / _options.Speed + 120);
            await PollAsync(async ct => await CaughtUpAsync(gateway.Id, ct) ? true : (bool?)null, caughtUp,
                $"gateway {gateway.Id} to replay its {History} of history (its log: {Display(Path.Combine(_folder.Logs, gateway.Id + ".log"))})", cancellationToken);
        }
        var size = long.Parse((await CliAsync(_options.Programs.AnchorNodeDll, ["status", "--data", _folder.Warehouse], cancellationToken)).Field("ledger-size"), CultureInfo.InvariantCulture);
        if (cosigners is null)
        {
            var checkpoint = await PollAsync(ct => CheckpointAsync(_members[0], size, 2, ct), TimeSpan.FromSeconds(90),
                $"checkpoint of ledger size {size} or more with two member signatures (the nodes' logs: {Display(_folder.Logs)})", cancellationToken);
            _progress.Done($"ledger size {checkpoint.Size}, {checkpoint.Signers} member signatures");
        }
        else
        {
            var cosigned = await PollAsync(_ => Task.FromResult(cosigners.CosignedByAll >= size ? cosigners.CosignedByAll : (long?)null),
                TimeSpan.FromSeconds(90), $"the cosigners to reach ledger size {size} (their log: {Display(cosigners.LogPath)})", cancellationToken);
            _progress.Done($"ledger size {cosigned}, three member signatures");
        }

        _progress.Begin(12, "writing the evidence bundle, the PDF report, the QR code and the links");
        var keys = await VerifierKeysAsync(cancellationToken);
        var (bundle, verify) = await ExportBundleAsync(_folder.Warehouse, pledged.Receipt, pledged.Receipt + ".json", keys, cancellationToken);
        var view = await LotAsync(pledged.Receipt, cancellationToken) ?? throw new DemoException($"lot {pledged.Receipt} is not on the node");
        var gtin = (string)view["public"]!["gtin"]!;
        var batch = (string)view["public"]!["batch"]!;
        var code = $"/01/{gtin}/10/{Uri.EscapeDataString(batch)}";
        var qr = Path.Combine(_folder.Qr, pledged.Receipt + ".png");
        await DownloadAsync($"qr{code}.png", qr, cancellationToken);
        var report = (await CliAsync(_options.Programs.AnchorNodeDll, ["lot", "report-link", "--data", _folder.Warehouse, "--receipt", pledged.Receipt, "--base-url", BaseUrl], cancellationToken)).Field("url");
        Directory.CreateDirectory(_folder.Reports);
        var pdf = (await CliAsync(_options.Programs.AnchorNodeDll, ["lot", "report-pdf", "--data", _folder.Warehouse, "--receipt", pledged.Receipt, "--base-url", BaseUrl,
            "--out", Path.Combine(_folder.Reports, pledged.Receipt + ".condition-report.pdf"), "--bundle-out", Path.Combine(_folder.Reports, ReportBundleName(pledged.Receipt))], cancellationToken)).Field("pdf");
        var dashboard = (await CliAsync(_options.Programs.AnchorNodeDll, ["dashboard-link", "--data", _folder.Warehouse, "--base-url", BaseUrl, "--hours", "24"], cancellationToken)).Field("url");
        _progress.Done("done");

        await Console.Out.WriteLineAsync($"operator dashboard: {dashboard}");
        await Console.Out.WriteLineAsync($"lender report: {report}");
        await Console.Out.WriteLineAsync($"pdf report: {Display(pdf)}");
        await Console.Out.WriteLineAsync($"consumer page: {BaseUrl}{code}");
        await Console.Out.WriteLineAsync($"consumer QR: {Display(qr)}");
        await Console.Out.WriteLineAsync($"evidence bundle: {Display(bundle)}");
        await Console.Out.WriteLineAsync($"verify: {verify}");
        if (IsConsortium)
        {
            await MemberGoesDownAsync(processes, pledged.Receipt, code, keys, cancellationToken);
            await PrintMembersAsync(code, cancellationToken);
        }
        await Console.Out.WriteLineAsync($"logs: {Display(_folder.Logs)}");
        return cosigners;
    }

    /// <summary>The name the node's report pages give a lot's bundle (their verify command names it).</summary>
    private static string ReportBundleName(string receipt) => receipt + ".lot-evidence.json";

    /// <summary>
    /// The receipt lifecycle on the unpledged lot: its owner endorses it to a buyer (both sign), then
    /// the warehouse splits it in two for the buyer's onward sale. Skipped where a rerun finds it done.
    /// </summary>
    private async Task TradeAsync(SampleLot lot, CancellationToken cancellationToken)
    {
        var view = await LotAsync(lot.Receipt, cancellationToken) ?? throw new DemoException($"lot {lot.Receipt} is not on the node");
        _progress.Begin(10, $"endorsing {lot.Receipt} from {Owner} to {Buyer}, then splitting it");
        if (!File.Exists(_folder.BuyerKey))
        {
            await CliAsync(_options.Programs.AnchorNodeDll, ["party", "keygen", "--party", Buyer, "--out", _folder.BuyerKey], cancellationToken);
        }
        var parties = await GetJsonAsync("v1/parties", cancellationToken);
        if (!(parties is JsonArray list && list.Any(p => (string?)p?["party"] == Buyer)))
        {
            await CliAsync(_options.Programs.AnchorNodeDll, ["party", "add", "--data", _folder.Warehouse, "--party", Buyer, "--key", PublicKeyOf(_folder.BuyerKey)], cancellationToken);
        }
        var done = new List<string>();
        if ((string?)view["owner"] == Owner && (string?)view["status"] == "issued")
        {
            var endorsed = await CliAsync(_options.Programs.AnchorNodeDll, ["lot", "endorse", "--data", _folder.Warehouse, "--receipt", lot.Receipt, "--to", Buyer,
                "--owner-key", _folder.OwnerKey, "--new-owner-key", _folder.BuyerKey], cancellationToken);
            done.Add($"endorsed at ledger index {endorsed.Field("ledger-index")}");
        }
        view = await LotAsync(lot.Receipt, cancellationToken) ?? throw new DemoException($"lot {lot.Receipt} is not on the node");
        if ((string?)view["status"] == "issued")
        {
            var cargo = view["cargo"]!.AsArray().Select(e => (string)e!).ToList();
            var quantity = (decimal)view["quantity"]!;
            var first = Math.Floor(quantity * 3 / 5);
            List<string> args = ["lot", "split", "--data", _folder.Warehouse, "--receipt", lot.Receipt,
                "--child", string.Create(CultureInfo.InvariantCulture, $"{lot.Receipt}A={first}"), "--child", string.Create(CultureInfo.InvariantCulture, $"{lot.Receipt}B={quantity - first}")];
            for (var i = 0; i < cargo.Count; i++)
            {
                args.AddRange(["--epc", $"{lot.Receipt}{(i % 2 == 0 ? "A" : "B")}={cargo[i]}"]);
            }
            var split = await CliAsync(_options.Programs.AnchorNodeDll, args, cancellationToken);
            done.Add($"split at ledger index {split.Field("split")} into {lot.Receipt}A and {lot.Receipt}B");
        }
        _progress.Done(done.Count == 0 ? "done already" : string.Join("; ", done));
    }

    private async Task<bool> FoundAsync(CancellationToken cancellationToken)
    {
        if (IsInitialised(_folder.Warehouse))
        {
            var members = await CliAsync(_options.Programs.AnchorNodeDll, ["members", "list", "--data", _folder.Warehouse], cancellationToken);
            if (members.Has("quorum") && File.Exists(_folder.OperatorApiKey) && MemberKeyFiles().All(File.Exists))
            {
                return false;
            }
            throw new DemoException($"the consortium in {Display(_folder.Path)} was left half-made by an earlier run; start over with --fresh");
        }
        if (IsInitialised(_folder.Bank) || IsInitialised(_folder.Auditor))
        {
            throw new DemoException($"the consortium in {Display(_folder.Path)} was left half-made by an earlier run; start over with --fresh");
        }
        var bank = await CliAsync(_options.Programs.AnchorNodeDll, ["init", "--data", _folder.Bank, "--consortium", Consortium, "--member", "bank", "--role", "lender"], cancellationToken);
        var auditor = await CliAsync(_options.Programs.AnchorNodeDll, ["init", "--data", _folder.Auditor, "--consortium", Consortium, "--member", "auditor", "--role", "auditor"], cancellationToken);
        await CliAsync(_options.Programs.AnchorNodeDll, ["init", "--data", _folder.Warehouse, "--consortium", Consortium, "--member", "warehouse", "--role", "operator"], cancellationToken);
        await CliAsync(_options.Programs.AnchorNodeDll, ["members", "add", "--data", _folder.Warehouse, "--name", "bank", "--role", "lender", "--key", bank.Field("public-key")], cancellationToken);
        await CliAsync(_options.Programs.AnchorNodeDll, ["members", "add", "--data", _folder.Warehouse, "--name", "auditor", "--role", "auditor", "--key", auditor.Field("public-key")], cancellationToken);
        if (IsConsortium)
        {
            // Before the genesis: it goes into etcd, and the bank's and the auditor's nodes apply it from there.
            ConfigureNodes();
        }
        await CliAsync(_options.Programs.AnchorNodeDll, ["genesis", "--data", _folder.Warehouse], cancellationToken);
        await AddOrganisationAsync(_folder.Warehouse, "warehouse-ops", "operator", _folder.OperatorApiKey, cancellationToken);
        if (IsConsortium)
        {
            await AddMemberKeysAsync(cancellationToken);
        }
        else
        {
            await AddOrganisationAsync(_folder.Warehouse, "member-nodes", "auditor", _folder.CosignerApiKey, cancellationToken);
        }
        return true;
    }

    /// <summary>Has <c>AnchorNode init</c> made this node folder (its settings and its member key)?</summary>
    private static bool IsInitialised(string nodeFolder) =>
        File.Exists(Path.Combine(nodeFolder, "node.json")) && File.Exists(Path.Combine(nodeFolder, "member.key"));

    /// <summary>Adds an API client to a member's node and keeps its key in <paramref name="keyFile"/>.</summary>
    private async Task AddOrganisationAsync(string nodeFolder, string name, string role, string keyFile, CancellationToken cancellationToken)
    {
        var added = await CliAsync(_options.Programs.AnchorNodeDll, ["org", "add", "--data", nodeFolder, "--name", name, "--role", role], cancellationToken);
        DemoFolder.WriteSecret(keyFile, added.Field("api-key") + "\n");
    }

    private void ConfigureNodes()
    {
        foreach (var member in IsConsortium ? _members : _members.Take(1))
        {
            ConfigureNode(member);
        }
    }

    /// <summary>
    /// A member's <c>node.json</c>, as an operator would edit it: addresses and public names for this run
    /// (the port may differ from the last one); with three member nodes, the etcd cluster and the peer
    /// to pull device leaves from. The node checks the file when it starts.
    /// </summary>
    private void ConfigureNode(DemoMember member)
    {
        var file = Path.Combine(member.Folder, "node.json");
        var config = ReadJsonObject(file);
        var places = new JsonObject();
        for (var i = 1; i <= _options.Gateways; i++)
        {
            var site = string.Format(CultureInfo.InvariantCulture, SiteFormat, i);
            places[site] = new JsonObject { ["en"] = $"Riverside Cold Store {i}, Shanghai", ["zh"] = $"滨江冷库 {i} 号（上海）" };
            places[$"{site}/chiller-1"] = new JsonObject { ["en"] = "Chilled room (2–8 °C)", ["zh"] = "冷藏间（2–8 °C）" };
            places[$"{site}/freezer-1"] = new JsonObject { ["en"] = "Freezer room (−18 °C or colder)", ["zh"] = "冷冻间（−18 °C 以下）" };
        }
        config["publicBaseUrl"] = member.BaseUrl;
        config["publicPlaces"] = places;
        config["publicTimeZone"] = "Asia/Shanghai";
        // Covenants are checked every few seconds, so a breach shows up while someone watches.
        config["covenantCheckIntervalMs"] = 5000;
        if (IsConsortium)
        {
            config["etcd"] = new JsonObject { ["endpoints"] = new JsonArray(_etcd!.Endpoints.Select(e => (JsonNode)e).ToArray()) };
            config["peers"] = new JsonArray(PeerOf(member).BaseUrl);
        }
        File.WriteAllText(file, config.ToJsonString(IndentedJson) + "\n");
    }

    internal static readonly System.Text.Json.JsonSerializerOptions IndentedJson = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A settings file (comments and trailing commas allowed, as the programs read them).</summary>
    internal static JsonObject ReadJsonObject(string file) =>
        JsonNode.Parse(File.ReadAllText(file), null,
            new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
        ?? throw new DemoException($"{file} does not hold a JSON object");

    private async Task<string> SetUpGatewayAsync(string deviceId, string site, CancellationToken cancellationToken)
    {
        var folder = _folder.Gateway(deviceId);
        var key = Path.Combine(folder, "device-key.pem");
        var made = false;
        if (!File.Exists(key))
        {
            await CliAsync(_options.Programs.GatewayDll, ["init", "--data", folder, "--device-id", deviceId, "--node", BaseUrl], cancellationToken);
            made = true;
        }
        ConfigureGateway(deviceId, Path.Combine(folder, "gateway.json"));
        using (var status = await _operator!.GetAsync(new Uri($"v1/devices/{deviceId}/log", UriKind.Relative), cancellationToken))
        {
            if (status.StatusCode == HttpStatusCode.OK)
            {
                return made ? "made; enrolled already" : "reusing it, enrolled already";
            }
        }
        List<string> args = ["enroll", "--data", _folder.Warehouse, "--device", deviceId, "--key", PublicKeyOf(key), "--site", site];
        foreach (var zone in SimulatedZones)
        {
            for (var k = 0; k < SensorsPerZone; k++)
            {
                args.AddRange(["--sensor", $"sim/{zone}/t{k}:temperature:{zone}"]);
            }
            args.AddRange(["--sensor", $"sim/{zone}/rfid:epc:{zone}"]);
        }
        args.AddRange(["--sensor", $"sim/{DockZone}/rfid:epc:{DockZone}"]);
        if (deviceId == SensorNodeGateway)
        {
            foreach (var node in DemoSensorNodes.Nodes)
            {
                args.AddRange(["--sensor", $"mqtt/{node.Id}/temperature:temperature:{node.Zone}", "--sensor", $"mqtt/{node.Id}/humidity:humidity:{node.Zone}"]);
            }
        }
        var enrolled = await CliAsync(_options.Programs.AnchorNodeDll, args, cancellationToken);
        // Each chiller probe's calibration (docs/spec-ledger.md §3.6): t0's is current, t1's fell due a month ago,
        // so the dashboard and the lender's report flag it; the freezer and ambient probes have none on record.
        var calibrated = DateTimeOffset.UtcNow.AddDays(-400);
        foreach (var (probe, correction, due) in new[] { ("t0", "--offset=-0.2", DateTimeOffset.UtcNow.AddDays(330)), ("t1", "--offset=0.3", DateTimeOffset.UtcNow.AddDays(-30)) })
        {
            await CliAsync(_options.Programs.AnchorNodeDll, ["calibration", "record", "--data", _folder.Warehouse, "--device", deviceId, "--sensor", $"sim/{SimulatedZones[0]}/{probe}",
                correction, "--certificate", $"CNAS-L0001-{calibrated.Year}-{probe}-{deviceId}", "--laboratory", "Shanghai Institute of Measurement and Testing Technology",
                "--calibrated", Iso(calibrated), "--due", Iso(due)], cancellationToken);
        }
        return $"enrolled at ledger index {enrolled.Field("ledger-index")}; chiller probes calibrated (t1 overdue)";
    }

    /// <summary>The gateway's file, as an operator would edit it: this node, the simulated warehouse and its failure, quick retries.</summary>
    private void ConfigureGateway(string deviceId, string path)
    {
        var config = ReadJsonObject(path);
        // With three member nodes the gateway knows them all, the warehouse's first (preferred).
        config["node"] = IsConsortium ? new JsonObject { ["urls"] = new JsonArray(_members.Select(m => (JsonNode)(m.BaseUrl + "/")).ToArray()) }
            : new JsonObject { ["url"] = BaseUrl + "/" };
        // Uplink waits are real seconds; the node is on this machine, so a retry need not wait long.
        config["uplink"] = new JsonObject { ["retryInitialSeconds"] = 1, ["retryMaxSeconds"] = 10, ["slowRetrySeconds"] = 10 };
        // Sealed every 20 s, so the newest anchored reading is never far behind a checkpoint: a live
        // report's window ends at the checkpoint, and more than two logging intervals without an
        // anchored reading would be a gap it cannot judge.
        config["sealing"] = new JsonObject { ["intervalSeconds"] = 20 };
        config["simulation"] = new JsonObject
        {
            ["sensorsPerZone"] = SensorsPerZone,
            ["loggingIntervalSeconds"] = 60,
            ["palletCount"] = 12,
            ["palletSpacingMinutes"] = 5,
            // The chiller's compressor stops half an hour in, for an hour and a half: alarms, then a covenant breach.
            ["compressorFailure"] = new JsonObject { ["zone"] = "chiller-1", ["startMinutes"] = 30, ["durationMinutes"] = 90, ["peakCelsius"] = 14 },
        };
        AddWarningAndDefrost(config, DateTimeOffset.UtcNow);
        if (deviceId == SensorNodeGateway)
        {
            // Battery sensor nodes publish to a broker inside this gateway: no broker to install. Each run
            // takes a free port and new per-node passwords.
            _sensorNodePort = DemoSensorNodes.FreePort();
            _sensorNodePasswords = DemoSensorNodes.WriteUsers(Path.Combine(Path.GetDirectoryName(path)!, "mqtt-users"));
            config["mqtt"] = new JsonObject
            {
                ["broker"] = "embedded",
                ["embedded"] = new JsonObject { ["bind"] = "127.0.0.1", ["port"] = _sensorNodePort, ["usersFile"] = "mqtt-users" },
                ["nodes"] = new JsonArray(DemoSensorNodes.Nodes.Select(n => (JsonNode)new JsonObject { ["id"] = n.Id, ["zone"] = n.Zone }).ToArray()),
            };
        }
        var text = $"// Written by './edgetrace demo' (each run sets {(IsConsortium ? "node.urls to the member nodes' ports" : "node.url to the node's port")}). Fields: docs/gateway-config.md.\n"
            + config.ToJsonString(IndentedJson) + "\n";
        File.WriteAllText(path, text);
    }

    /// <summary>
    /// A warning rule before the chiller's alarm rule, so that the compressor failure raises a warning
    /// and then an alarm; and a 20-minute defrost of the chiller 45 minutes before now (UTC, inside the
    /// replayed history and after the failure), so that a suppressed span is in the log and the report.
    /// </summary>
    private static void AddWarningAndDefrost(JsonObject config, DateTimeOffset now)
    {
        // Each run rewrites the file it wrote before: the rule is added once.
        if (config["alarms"] is JsonArray alarms && !alarms.Any(r => (string?)r?["id"] == "chiller-warn"))
        {
            var at = alarms.Select((rule, i) => (rule, i)).FirstOrDefault(r => (string?)r.rule?["id"] == "chiller-high").i;
            alarms.Insert(at, new JsonObject { ["id"] = "chiller-warn", ["zone"] = "chiller-1", ["above"] = 8, ["delayMinutes"] = 3, ["severity"] = "warning" });
        }
        config["suppressions"] = new JsonArray(new JsonObject
        {
            ["id"] = "chiller-defrost", ["zone"] = "chiller-1", ["reason"] = "defrost",
            ["daily"] = now.AddMinutes(-45).ToString("HH:mm", CultureInfo.InvariantCulture), ["durationMinutes"] = 20,
        });
    }

    private async Task RegisterOwnerAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_folder.OwnerKey))
        {
            await CliAsync(_options.Programs.AnchorNodeDll, ["party", "keygen", "--party", Owner, "--out", _folder.OwnerKey], cancellationToken);
        }
        var parties = await GetJsonAsync("v1/parties", cancellationToken);
        if (parties is JsonArray list && list.Any(p => (string?)p?["party"] == Owner))
        {
            return;
        }
        await CliAsync(_options.Programs.AnchorNodeDll, ["party", "add", "--data", _folder.Warehouse, "--party", Owner, "--key", PublicKeyOf(_folder.OwnerKey)], cancellationToken);
    }

    private async Task IssueAsync(SampleLot lot, string site, List<JsonNode> arrived, CancellationToken cancellationToken)
    {
        var firstSeen = DateTimeOffset.FromUnixTimeMilliseconds(arrived.Min(a => (long)a["firstSeenMs"]!));
        var batch = $"{lot.Code}-{firstSeen.ToString("yyMMdd", CultureInfo.InvariantCulture)}-01";
        // The receipt is dated when the dock door saw the goods arrive.
        List<string> args = ["lot", "issue", "--data", _folder.Warehouse, "--receipt", lot.Receipt, "--site", site, "--zone", lot.Zone,
            "--product", lot.Product, "--spec", lot.Specification, "--gtin", lot.Gtin, "--batch", batch, "--band", lot.Band,
            "--issued", IsoMs(firstSeen), "--valid-until", Iso(DateTimeOffset.UtcNow.AddDays(365)), "--depositor", Owner,
            "--quantity", lot.Quantity.ToString(CultureInfo.InvariantCulture), "--unit", lot.Unit];
        // Only this site's dock door: other gateways' warehouses receive the same products.
        foreach (var arrival in arrived)
        {
            args.AddRange(["--epc", (string)arrival["epc"]!]);
        }
        await CliAsync(_options.Programs.AnchorNodeDll, args, cancellationToken);
    }

    /// <summary>
    /// Writes the lot's bundle and checks it as the printed command will, with the verifier and the
    /// members' keys alone (the consortium's quorum of signatures); returns it and the node's verify command.
    /// </summary>
    private async Task<(string Bundle, string Verify)> ExportBundleAsync(string nodeFolder, string receipt, string fileName, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_folder.Bundles, fileName);
        string? problem = null;
        try
        {
            // The bundle is proven against the best-signed checkpoint covering the lot; until the members have cosigned it, try again.
            var verify = await PollAsync(async ct =>
            {
                var exported = await CliAsync(_options.Programs.AnchorNodeDll, ["lot", "export-bundle", "--data", nodeFolder, "--receipt", receipt, "--out", path], ct);
                var verified = await DemoPrograms.RunAsync(_options.Programs.VerifierDll, ["report", path, .. keys.SelectMany(k => new[] { "--key", k })], SetupLog, ct);
                problem = verified.ExitCode == 0 ? null : $"{verified.Command} exited {verified.ExitCode}: {(verified.Output + verified.Error).Trim()}";
                return verified.ExitCode == 0 ? exported.Field("check") : null;
            }, TimeSpan.FromSeconds(60), $"evidence bundle of {receipt} that the consortium's quorum of member signatures proves", cancellationToken);
            return (path, verify);
        }
        catch (DemoException e) when (problem is not null)
        {
            throw new DemoException($"{e.Message}; the last one failed: {problem}");
        }
    }

    private async Task<IReadOnlyList<string>> VerifierKeysAsync(CancellationToken cancellationToken)
    {
        var members = await GetJsonAsync("v1/members", cancellationToken) ?? throw new DemoException("the node did not list its members");
        return members["members"]!.AsArray().Select(m => $"{(string)m!["name"]!}={(string)m["publicKey"]!}").ToList();
    }

    private Task<long?> CommittedAsync(string deviceId, CancellationToken cancellationToken) => CommittedAsync(_operator!, deviceId, cancellationToken);

    private static async Task<long?> CommittedAsync(HttpClient node, string deviceId, CancellationToken cancellationToken)
    {
        var status = await GetJsonAsync(node, $"v1/devices/{deviceId}/log", cancellationToken);
        return status?["committedSize"] is { } size ? (long)size : null;
    }

    // A gateway has caught up when its newest anchored device checkpoint is sealed within two minutes of now.
    private async Task<bool> CaughtUpAsync(string deviceId, CancellationToken cancellationToken)
    {
        var status = await GetJsonAsync($"v1/devices/{deviceId}/log", cancellationToken);
        if (status?["checkpoint"] is not { } note || SignedNote.Parse((string)note!) is not { Succeeded: true } signed
            || Firmware.Contracts.Checkpoints.Checkpoint.ParseText(signed.Value.Text) is not { Succeeded: true } checkpoint || checkpoint.Value.TimeMs is not { } sealedMs)
        {
            return false;
        }
        return sealedMs >= DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeMilliseconds();
    }

    private async Task<List<JsonNode>?> ArrivalsAsync(string gtin, string deviceId, CancellationToken cancellationToken)
    {
        var list = await GetJsonAsync($"v1/cargo/arrivals?gtin={gtin}&zone={DockZone}", cancellationToken) as JsonArray;
        var mine = (list ?? []).Where(a => (string?)a?["device"] == deviceId).Select(a => a!).ToList();
        return mine.Count > 0 ? mine : null;
    }

    private Task<JsonNode?> LotAsync(string receipt, CancellationToken cancellationToken) =>
        GetJsonAsync($"v1/lots/{Uri.EscapeDataString(receipt)}", cancellationToken);

    /// <summary>GET with the operator's key: the JSON, or null for 404.</summary>
    private Task<JsonNode?> GetJsonAsync(string path, CancellationToken cancellationToken) => GetJsonAsync(_operator!, path, cancellationToken);

    /// <summary>GET with <paramref name="client"/>'s key: the JSON, or null for 404.</summary>
    private static async Task<JsonNode?> GetJsonAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        var baseUrl = client.BaseAddress!.AbsoluteUri.TrimEnd('/');
        try
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new DemoException($"GET {baseUrl}/{path}: {(int)response.StatusCode} {body}");
            }
            return JsonNode.Parse(body);
        }
        catch (HttpRequestException e)
        {
            throw new DemoException($"GET {baseUrl}/{path}: {e.Message}");
        }
    }

    private async Task DownloadAsync(string path, string file, CancellationToken cancellationToken)
    {
        using var response = await _operator!.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new DemoException($"GET {BaseUrl}/{path}: {(int)response.StatusCode}");
        }
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync(cancellationToken), cancellationToken);
    }

    /// <summary>Polls until <paramref name="probe"/> gives a value, printing a dot every few seconds.</summary>
    private async Task<T> PollAsync<T>(Func<CancellationToken, Task<T?>> probe, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var dots = 0;
        while (true)
        {
            if (await probe(cancellationToken) is { } value)
            {
                return value;
            }
            if (clock.Elapsed > timeout)
            {
                throw new DemoException($"no {what} within {timeout.TotalSeconds:0} s");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            if (clock.Elapsed.TotalSeconds / 3 > dots)
            {
                dots++;
                _progress.Tick();
            }
        }
    }

    private string SetupLog => Path.Combine(_folder.Logs, "setup.log");

    /// <summary>Runs one of the programs' commands to completion (it must succeed); its output goes to logs/setup.log.</summary>
    private async Task<CliOutput> CliAsync(string dll, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var run = await DemoPrograms.RunAsync(dll, args, SetupLog, cancellationToken);
        if (run.ExitCode != 0)
        {
            throw new DemoException($"{run.Command} exited {run.ExitCode}: {run.Error.Trim()} (see {Display(SetupLog)})");
        }
        return run;
    }

    private static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string PublicKeyOf(string pemFile)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(pemFile));
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    private static string ExitCode(DemoChild child)
    {
        try
        {
            return $"exit code {child.Process.ExitCode}";
        }
        catch (InvalidOperationException)
        {
            return "still running";
        }
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string IsoMs(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>A path as the user can type it from the repository root: relative when inside it.</summary>
    private string Display(string path)
    {
        var full = Path.GetFullPath(path);
        if (_options.RepoRoot is { } root)
        {
            var relative = Path.GetRelativePath(Path.GetFullPath(root), full);
            if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
            {
                return relative;
            }
        }
        return full;
    }
}
