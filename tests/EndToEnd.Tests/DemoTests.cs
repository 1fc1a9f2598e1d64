using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests;

/// <summary>
/// <c>./edgetrace demo</c> as a newcomer runs it (on the programs test.sh built): every page it
/// prints answers, its QR code scans to the consumer page, its verify command passes as printed,
/// Ctrl-C leaves no process behind, a second run reuses the folder, <c>--fresh</c> starts over, and
/// a busy port is refused before anything starts.
/// </summary>
[Trait("Category", "EndToEnd")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DemoTests : IDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromMinutes(3);
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("edgetrace-demo-");

    private string Data => Path.Combine(_root.FullName, "demo");

    [Fact]
    public async Task Demo_PrintsPagesThatAnswer_AVerifiableBundle_StopsEverythingOnCtrlC_ReusesItsFolder()
    {
        var port = Programs.FreePort();
        Dictionary<string, string> first;
        await using (var demo = DemoProcess.Start(Data, port))
        {
            first = await demo.WaitUntilRunningAsync(StartLimit);

            // The node's notifications reach the receivers the demo started: the pledged lot's covenant
            // breach to the bank by webhook (the receiver checked its signature) and by email.
            Assert.StartsWith("http://127.0.0.1:", first["webhook receiver"], StringComparison.Ordinal);
            Assert.StartsWith("127.0.0.1:", first["smtp receiver"], StringComparison.Ordinal);
            await demo.WaitForLineAsync(l => l.StartsWith("notification: webhook covenant.breach to bank: Covenant breached", StringComparison.Ordinal)
                && l.EndsWith("(signature ok)", StringComparison.Ordinal), StartLimit);
            await demo.WaitForLineAsync(l => l.StartsWith("notification: email covenant.breach to ", StringComparison.Ordinal)
                && l.Contains("credit-risk@bank.example", StringComparison.Ordinal), StartLimit);
            Assert.DoesNotContain(demo.Lines, l => l.Contains("REFUSED", StringComparison.Ordinal));

            var dashboard = first["operator dashboard"];
            Assert.StartsWith($"http://127.0.0.1:{port}/dashboard?access=", dashboard, StringComparison.Ordinal);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            // The link sets the access cookie and redirects to the page, which carries its first data.
            var operatorPage = await http.GetStringAsync(new Uri(dashboard));
            Assert.Contains("EdgeTrace operator dashboard", operatorPage, StringComparison.Ordinal);
            Assert.Contains("\"gw-1\"", operatorPage, StringComparison.Ordinal);
            Assert.Contains("WR-DEMO-1", operatorPage, StringComparison.Ordinal);
            var report = await http.GetStringAsync(new Uri(first["lender report"]));
            Assert.Contains("WR-DEMO-1", report, StringComparison.Ordinal);
            Assert.Contains("temperature above 8 for 30m", report, StringComparison.Ordinal);
            var consumer = first["consumer page"];
            Assert.StartsWith($"http://127.0.0.1:{port}/01/10614141007346/10/SAL-", consumer, StringComparison.Ordinal);
            Assert.Contains("Atlantic salmon fillets", await http.GetStringAsync(new Uri(consumer)), StringComparison.Ordinal);

            var qr = InRepository(first["consumer QR"]);
            Assert.True(File.Exists(qr), $"no QR code at {qr}");
            var scanned = await RunAsync("zbarimg", ["--raw", "-q", qr], Repository);
            Assert.Equal(0, scanned.ExitCode);
            Assert.Equal(consumer, scanned.Output.Trim());

            Assert.True(File.Exists(InRepository(first["evidence bundle"])));
            // The verify line runs as printed from any folder, and asks for the consortium's quorum.
            var verify = ShellWords(first["verify"]);
            Assert.Equal([Path.Combine(Repository, "edgetrace"), "verify", "report"], verify.Take(3));
            Assert.DoesNotContain("--threshold", first["verify"], StringComparison.Ordinal);
            var verified = await RunAsync(verify[0], verify.Skip(1), _root.FullName);
            Assert.True(verified.ExitCode == 0, $"{first["verify"]}\n{verified.Output}{verified.Error}");
            Assert.Contains("lot: WR-DEMO-1 ", verified.Output, StringComparison.Ordinal);
            // The chiller failed during the pledge (the demo's history): the covenant is breached, on the pledge's signed terms.
            Assert.Contains("covenant: 'temperature above 8 for 30m' breached", verified.Output, StringComparison.Ordinal);
            Assert.Contains("terms: pledge ", verified.Output, StringComparison.Ordinal);
            // The chiller probes' calibrations (recorded by the demo): t0's current and applied, t1's overdue and flagged.
            Assert.Contains("  calibration current: ledger entry ", verified.Output, StringComparison.Ordinal);
            Assert.Contains("  calibration overdue: ledger entry ", verified.Output, StringComparison.Ordinal);
            Assert.Contains(verified.Output.Split('\n'), l => l.StartsWith("calibration flag: ", StringComparison.Ordinal) && l.Contains(" sim/chiller-1/t1 temperature: calibration overdue from ", StringComparison.Ordinal));
            Assert.DoesNotContain(verified.Output.Split('\n'), l => l.StartsWith("calibration flag: ", StringComparison.Ordinal) && l.Contains(" sim/chiller-1/t0 temperature: calibration overdue", StringComparison.Ordinal));
            Assert.Contains("(OVERDUE)", report, StringComparison.Ordinal);

            // After the pledge: WR-DEMO-2 endorsed to a buyer and split in two; the PDF report says the breach and the verdict.
            Assert.Contains(demo.Lines, l => l.StartsWith("[10/12] ", StringComparison.Ordinal) && l.Contains("endorsed at ledger index", StringComparison.Ordinal)
                && l.Contains("into WR-DEMO-2A and WR-DEMO-2B", StringComparison.Ordinal));
            var pdf = InRepository(first["pdf report"]);
            var pdfText = await RunAsync("pdftotext", [pdf, "-"], Repository);
            Assert.Equal(0, pdfText.ExitCode);
            var pdfWords = string.Join(' ', pdfText.Output.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("Covenant breached", pdfWords, StringComparison.Ordinal);
            Assert.Contains("Verdict as of ", pdfWords, StringComparison.Ordinal);
            Assert.Contains("Breached: temperature above 8 °C for more than 30 min at a time", pdfWords, StringComparison.Ordinal);

            // Simulated battery sensor nodes publish SenML to gw-1's embedded broker: their readings are leaves of
            // gw-1's signed log, anchored on the node (which serves them back as the gateway wrote them).
            Assert.Contains(demo.Lines, l => l.StartsWith("sensor nodes demo-node-1, demo-node-2, demo-node-3 publish SenML to gw-1's embedded MQTT broker", StringComparison.Ordinal));
            using (var api = new HttpClient { Timeout = TimeSpan.FromSeconds(60) })
            {
                api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
                    (await File.ReadAllTextAsync(Path.Combine(Data, "keys", "warehouse-ops.api-key"))).Trim());
                var anchored = System.Text.Json.Nodes.JsonNode.Parse(await api.GetStringAsync(new Uri($"http://127.0.0.1:{port}/v1/devices/gw-1/readings?limit=10000")))!;
                var leaves = anchored["readings"]!.AsArray().Select(r => Encoding.UTF8.GetString(Convert.FromBase64String((string)r!["leaf"]!))).ToList();
                foreach (var node in new[] { "demo-node-1", "demo-node-2", "demo-node-3" })
                {
                    Assert.Contains(leaves, l => l.Contains($"mqtt/{node}/temperature", StringComparison.Ordinal));
                }
            }

            Assert.Equal(0, await demo.InterruptAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains(demo.Lines, l => l.StartsWith("stopped the sensor nodes (", StringComparison.Ordinal) && !l.StartsWith("stopped the sensor nodes (0 ", StringComparison.Ordinal));
            var gatewayStatus = EdgeGateway.Storage.GatewayStatusReader.Read(EdgeGateway.Storage.GatewayDatabase.PathIn(Path.Combine(Data, "gateways", "gw-1")));
            Assert.True(gatewayStatus.MqttCounters?.NodeReadingsIngested > 0, $"gw-1 ingested no sensor-node readings: {gatewayStatus.MqttState} {gatewayStatus.MqttDetail}");
            Assert.Contains(demo.Lines, l => l == "stopped the bank's and the auditor's cosigners");
            Assert.Contains(demo.Lines, l => l.StartsWith("stopped: gw-1 ", StringComparison.Ordinal));
            Assert.Contains(demo.Lines, l => l.StartsWith("stopped: node ", StringComparison.Ordinal));
            AssertNoChildLeft("node", "gw-1");

            // A fresh replay of the warehouse's whole ledger reproduces every state root it signed,
            // and the bank's replica (which cosigned only after recomputing them) holds the same.
            foreach (var member in new[] { "warehouse", "bank" })
            {
                var audit = await RunAsync(Path.Combine(Repository, "edgetrace"), ["node", "verify", "--data", Path.Combine(Data, "nodes", member)], _root.FullName);
                Assert.True(audit.ExitCode == 0, $"{member}: {audit.Output}{audit.Error}");
                Assert.Contains("result: ok", audit.Output, StringComparison.Ordinal);
                Assert.True(System.Text.RegularExpressions.Regex.IsMatch(audit.Output, @"checkpoints: [1-9]\d* \([1-9]\d* with a state root, each recomputed\)"), $"{member}: {audit.Output}");
            }
        }

        await using (var again = DemoProcess.Start(Data, port))
        {
            var second = await again.WaitUntilRunningAsync(StartLimit);
            Assert.Contains(again.Lines, l => l.StartsWith("[2/12] ", StringComparison.Ordinal) && l.Contains("reusing it", StringComparison.Ordinal));
            Assert.Contains(again.Lines, l => l.StartsWith("[3/12] ", StringComparison.Ordinal) && l.Contains("founded already", StringComparison.Ordinal));
            Assert.Contains(again.Lines, l => l.StartsWith("[8/12] ", StringComparison.Ordinal) && l.Contains("registered already", StringComparison.Ordinal));
            Assert.Contains(again.Lines, l => l.StartsWith("[9/12] ", StringComparison.Ordinal) && l.Contains("pledged already", StringComparison.Ordinal));
            Assert.Equal(first["consumer page"], second["consumer page"]);
            Assert.Equal(first["verify"].Split(" --key ")[1..], second["verify"].Split(" --key ")[1..]);
            Assert.Equal(0, await again.InterruptAsync(TimeSpan.FromSeconds(60)));
            AssertNoChildLeft("node", "gw-1");
        }

        await using (var fresh = DemoProcess.Start(Data, port, "--fresh"))
        {
            // A new consortium (new member keys): interrupted as soon as it is founded, which also stops a demo mid-way.
            await fresh.WaitForLineAsync(l => l.StartsWith("[4/12] ", StringComparison.Ordinal), StartLimit);
            Assert.Contains(fresh.Lines, l => l.StartsWith("[2/12] ", StringComparison.Ordinal) && l.Contains(" new ", StringComparison.Ordinal));
            Assert.Contains(fresh.Lines, l => l.StartsWith("[3/12] ", StringComparison.Ordinal) && l.Contains(" done ", StringComparison.Ordinal));
            Assert.Equal(0, await fresh.InterruptAsync(TimeSpan.FromSeconds(60)));
            AssertNoChildLeft("node");
        }
    }

    /// <summary>
    /// <c>--members 3</c>: three member nodes over a three-member etcd cluster. The demo kills the
    /// warehouse's node; the gateway keeps anchoring through another member; the bank's node exports a
    /// bundle that verifies with the consortium's quorum; the restarted warehouse node catches up; every
    /// member's node serves the consumer page and a checkpoint the members signed; Ctrl-C stops etcd too.
    /// </summary>
    [Fact]
    public async Task Demo_ThreeMembers_KeepsAnchoringWhenANodeIsKilled_SurvivorsBundleVerifies_RestartedNodeCatchesUp()
    {
        var port = FreePortBlock();
        await using var demo = DemoProcess.Start(Data, port, "--members", "3");
        var fields = await demo.WaitUntilRunningAsync(TimeSpan.FromMinutes(6));
        var lines = demo.Lines;
        Assert.Contains(lines, l => l.StartsWith("[3/16] starting etcd (3 members) and founding the consortium", StringComparison.Ordinal) && l.Contains(" done ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("[13/16] killing the warehouse's node with SIGKILL (pid ", StringComparison.Ordinal) && l.Contains(" killed; gw-1 had ", StringComparison.Ordinal));

        // The gateway anchored more after the kill, through the bank's or the auditor's node (it says which).
        var anchoring = lines.Last(l => l.StartsWith("[14/16] ", StringComparison.Ordinal));
        var moved = System.Text.RegularExpressions.Regex.Match(anchoring, @"committed size (\d+) → (\d+) on the bank's node; gw-1 uploads to http://127\.0\.0\.1:(\d+)/");
        Assert.True(moved.Success, anchoring);
        Assert.True(long.Parse(moved.Groups[2].Value, CultureInfo.InvariantCulture) > long.Parse(moved.Groups[1].Value, CultureInfo.InvariantCulture), anchoring);
        Assert.Contains(int.Parse(moved.Groups[3].Value, CultureInfo.InvariantCulture), new[] { port + 1, port + 2 });

        // The bundle the bank's node exported while the warehouse's was down verifies as printed, with the quorum.
        Assert.Contains(lines, l => l.StartsWith("[15/16] exporting WR-DEMO-1's evidence bundle from the bank's node", StringComparison.Ordinal) && l.Contains("verified with the quorum", StringComparison.Ordinal));
        var verify = ShellWords(fields["verify bank's bundle"]);
        Assert.Equal([Path.Combine(Repository, "edgetrace"), "verify", "report"], verify.Take(3));
        Assert.Contains("from-bank", verify[3], StringComparison.Ordinal);
        Assert.DoesNotContain("--threshold", fields["verify bank's bundle"], StringComparison.Ordinal);
        var verified = await RunAsync(verify[0], verify.Skip(1), _root.FullName);
        Assert.True(verified.ExitCode == 0, $"{fields["verify bank's bundle"]}\n{verified.Output}{verified.Error}");
        Assert.Contains("lot: WR-DEMO-1 ", verified.Output, StringComparison.Ordinal);
        Assert.Contains("2 needed, the consortium's quorum is 2", verified.Output, StringComparison.Ordinal);

        var caughtUp = lines.Last(l => l.StartsWith("[16/16] ", StringComparison.Ordinal));
        var size = System.Text.RegularExpressions.Regex.Match(caughtUp, @"caught up: ledger size (\d+) on the warehouse's, the bank's and the auditor's nodes .*, one root");
        Assert.True(size.Success, caughtUp);

        // Every member's node answers: the consumer page, and a checkpoint at least that size with the quorum's signatures.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        foreach (var (member, memberPort) in new[] { ("warehouse", port), ("bank", port + 1), ("auditor", port + 2) })
        {
            Assert.StartsWith($"http://127.0.0.1:{memberPort} ", fields[$"{member} node"], StringComparison.Ordinal);
            Assert.StartsWith($"http://127.0.0.1:{memberPort}/dashboard?access=", fields[$"{member} dashboard"], StringComparison.Ordinal);
            Assert.Contains("Atlantic salmon fillets", await http.GetStringAsync(new Uri(fields[$"{member} consumer page"])), StringComparison.Ordinal);
            var note = Firmware.Contracts.Notes.SignedNote.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{memberPort}/v1/ledger/checkpoint"))).Value;
            Assert.True(Firmware.Contracts.Checkpoints.Checkpoint.ParseText(note.Text).Value.Size >= long.Parse(size.Groups[1].Value, CultureInfo.InvariantCulture), $"{member}: {note.Text}");
            Assert.True(note.Signatures.Select(x => x.KeyName).Distinct().Count() >= 2, $"{member}: {note.Signatures.Count} signatures");
        }

        Assert.Equal(0, await demo.InterruptAsync(TimeSpan.FromSeconds(90)));
        Assert.Contains(demo.Lines, l => l == "stopped: node-warehouse had been killed by the demo");
        foreach (var name in new[] { "gw-1", "node-warehouse", "node-bank", "node-auditor", "etcd-1", "etcd-2", "etcd-3" })
        {
            Assert.Contains(demo.Lines, l => l.StartsWith($"stopped: {name} stopped ", StringComparison.Ordinal));
        }
        AssertNoChildLeft("node-warehouse", "node-bank", "node-auditor", "etcd-1", "etcd-2", "etcd-3", "gw-1");
    }

    [Fact]
    public async Task Demo_ThreeMembers_BusyPortOfTheBanksNode_ExitsTwoNamingIt_BeforeStartingAnything()
    {
        var port = FreePortBlock();
        using var busy = new TcpListener(IPAddress.Loopback, port + 1);
        busy.Start();

        await using var demo = DemoProcess.Start(Data, port, "--members", "3");
        var exit = await demo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exit);
        Assert.Contains($"port {port + 1} (the bank's node) is in use; pass --port N", demo.Errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Data), "the data folder was made although nothing may start");
    }

    /// <summary>A port whose block for <c>--members 3</c> is free: it and the next two (the nodes), +10 to +12 and +20 to +22 (etcd).</summary>
    private static int FreePortBlock()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20_000, 40_000);
            if (new[] { 0, 1, 2, 10, 11, 12, 20, 21, 22 }.All(offset => PortIsFree(port + offset)))
            {
                return port;
            }
        }
        throw new InvalidOperationException("no free block of ports for three member nodes and etcd");
    }

    private static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Demo_BusyPort_ExitsTwoWithTheFix_BeforeStartingAnything()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;

        await using var demo = DemoProcess.Start(Data, port);
        var exit = await demo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exit);
        Assert.Contains($"port {port} is in use; pass --port N", demo.Errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Data), "the data folder was made although nothing may start");
    }

    private void AssertNoChildLeft(params string[] started)
    {
        var pids = File.ReadAllLines(Path.Combine(Data, "demo.pids")).Select(l => l.Split(' ')).ToList();
        foreach (var name in started)
        {
            Assert.Contains(pids, p => p[0] == name);
        }
        foreach (var p in pids)
        {
            var cmdline = $"/proc/{p[1]}/cmdline";
            // A pid may have been reused by an unrelated process; one of ours names the data folder.
            Assert.False(File.Exists(cmdline) && File.ReadAllText(cmdline).Contains(Data, StringComparison.Ordinal), $"{p[0]} (pid {p[1]}) is still running");
        }
    }

    private static string Repository
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException($"no EdgeTrace.sln above {AppContext.BaseDirectory}");
        }
    }

    private static string InRepository(string path) => Path.GetFullPath(path, Repository);

    /// <summary>Splits a command line as a POSIX shell would (words, single quotes, backslashes outside them).</summary>
    private static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\'')
            {
                var end = line.IndexOf('\'', i + 1);
                Assert.True(end > i, $"unterminated quote in: {line}");
                word.Append(line, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                word.Append(line[++i]);
                inWord = true;
            }
            else if (c == ' ')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                Assert.False("\"$`;&|<>*?".Contains(c, StringComparison.Ordinal), $"a shell would treat '{c}' specially in: {line}");
                word.Append(c);
                inWord = true;
            }
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, IEnumerable<string> args, string directory)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    public void Dispose()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A process may still be closing a file; temp is cleaned eventually.
        }
    }

    /// <summary><c>./edgetrace demo --no-build</c> from the repository root, its lines as they come.</summary>
    private sealed class DemoProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly ConcurrentQueue<string> _errors = new();

        private DemoProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null) _lines.Enqueue(e.Data);
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null) _errors.Enqueue(e.Data);
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public IReadOnlyList<string> Lines => _lines.ToList();

        public string Errors => string.Join('\n', _errors);

        public static DemoProcess Start(string data, int port, params string[] extra)
        {
            var info = new ProcessStartInfo(Path.Combine(Repository, "edgetrace"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Repository,
                StandardOutputEncoding = Encoding.UTF8,
            };
            foreach (var arg in new[] { "demo", "--no-build", "--data", data, "--port", port.ToString(CultureInfo.InvariantCulture), "--speed", "600" }.Concat(extra))
            {
                info.ArgumentList.Add(arg);
            }
            return new DemoProcess(Process.Start(info)!);
        }

        /// <summary>The labelled lines printed before "running — Ctrl-C stops everything".</summary>
        public async Task<Dictionary<string, string>> WaitUntilRunningAsync(TimeSpan timeout)
        {
            await WaitForLineAsync(l => l.StartsWith("running", StringComparison.Ordinal), timeout);
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in Lines.Where(l => !l.StartsWith('[')))
            {
                var colon = line.IndexOf(": ", StringComparison.Ordinal);
                if (colon > 0)
                {
                    fields.TryAdd(line[..colon], line[(colon + 2)..]);
                }
            }
            foreach (var label in new[] { "operator dashboard", "lender report", "consumer page", "consumer QR", "evidence bundle", "verify", "pdf report" })
            {
                Assert.True(fields.ContainsKey(label), $"no '{label}:' line in:\n{Tail()}");
            }
            return fields;
        }

        public async Task WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (!_lines.Any(match))
            {
                Assert.False(_process.HasExited && !_lines.Any(match), $"the demo exited ({(_process.HasExited ? _process.ExitCode : 0)}):\n{Tail()}");
                Assert.True(clock.Elapsed < timeout, $"the demo printed no such line within {timeout}:\n{Tail()}");
                await Task.Delay(50);
            }
        }

        /// <summary>SIGINT, as Ctrl-C sends it; the exit code.</summary>
        public async Task<int> InterruptAsync(TimeSpan timeout)
        {
            using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
            var exit = await WaitForExitAsync(timeout);
            Assert.True(exit == 0, $"the demo exited {exit} on SIGINT:\n{Tail()}");
            return exit;
        }

        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the demo did not exit within {timeout}:\n{Tail()}");
            }
            return _process.ExitCode;
        }

        private string Tail() => string.Join('\n', _lines.TakeLast(40).Concat(_errors.TakeLast(20)));

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
