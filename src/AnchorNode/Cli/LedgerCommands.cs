using AnchorNode.Hosting;
using AnchorNode.Runtime;
using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using AnchorNode.Ledger;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Notes;

namespace AnchorNode.Cli;

/// <summary><c>checkpoint</c>, <c>cosign</c>, <c>export-bundle</c>, <c>status</c>.</summary>
internal static class LedgerCommands
{
    public static void AddTo(RootCommand root)
    {
        root.Subcommands.Add(Checkpoint());
        root.Subcommands.Add(Cosign());
        root.Subcommands.Add(ExportBundle());
        root.Subcommands.Add(Status());
        root.Subcommands.Add(Verify());
    }

    private static Command Verify()
    {
        var data = NodeCli.DataOption();
        var command = new Command("verify", "Check this node's stored data as a fresh replica would: SQLite's integrity check, every ledger entry replayed through the rules, "
            + "every stored checkpoint's root, tiles, signatures and state root, and every device leaf against its anchors. Exit 0 when all holds, 1 naming the first problem.")
        {
            data,
        };
        command.SetAction(parse =>
        {
            var cancellationToken = CancellationToken.None;
            var folder = new Configuration.DataFolder(parse.GetValue(data)!);
            if (!folder.IsInitialised || !File.Exists(folder.DatabaseFile))
            {
                throw new UsageException($"--data {folder.Path}: not a node's data folder (no node.json, member.key and node.db)");
            }
            var config = folder.ReadConfig();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Storage.AuditReport report;
            try
            {
                report = new Storage.NodeAudit(folder.DatabaseFile, config.Consortium).Run(line => Console.Error.WriteLine($"progress: {line}"), cancellationToken);
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                throw new IOException(Storage.NodeAudit.IsAccessError(e) ? CannotRead(folder, e) : $"--data {folder.Path}: SQLite could not read {folder.DatabaseFile}: {e.Message}", e);
            }
            NodeCli.Print("entries", report.Entries);
            NodeCli.Print("checkpoints", $"{report.Checkpoints} ({report.StateRoots} with a state root, each recomputed)");
            NodeCli.Print("devices", report.Devices);
            NodeCli.Print("leaves", report.Leaves);
            NodeCli.Print("seconds", clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
            if (report.Problem is { } problem)
            {
                NodeCli.Print("problem", problem);
                return NodeCli.Refused;
            }
            NodeCli.Print("result", "ok: everything stored follows from the entries and the rules");
            return NodeCli.Ok;
        });
        return command;
    }

    // A database in WAL mode is read through its index, node.db-shm, which SQLite creates (or rebuilds)
    // beside it when missing; node.db alone lacks the commits still in node.db-wal, so a copy of the
    // whole folder is the only way round a folder this user cannot write.
    private static string CannotRead(Configuration.DataFolder folder, Microsoft.Data.Sqlite.SqliteException e)
    {
        var db = Path.GetFileName(folder.DatabaseFile);
        var wal = new FileInfo(folder.DatabaseFile + "-wal");
        var pending = wal.Exists && wal.Length > 0
            ? $"{wal.Name} holds {wal.Length} bytes of commits not yet copied into {db}, so {db} alone is not the ledger"
            : $"there is no {wal.Name} holding commits";
        return $"--data {folder.Path}: SQLite cannot open {folder.DatabaseFile} here ({e.Message.TrimEnd('.')}). "
            + $"It reads a node's database through {db}-shm, the index of the write-ahead log, and when that index is missing it creates it beside the database, "
            + $"which needs write access to the folder (and read access to {db}); {pending}. "
            + $"Run verify as the user the node runs as, or copy the whole folder (with the node stopped, {wal.Name} included) and verify the copy: "
            + $"cp -a {folder.Path} COPY && {EdgeTrace.CommandLine.Programs.Node} verify --data COPY";
    }

    private static Command Checkpoint()
    {
        var data = NodeCli.DataOption();
        var command = new Command("checkpoint", "Sign a ledger checkpoint now if the ledger grew (the running node does this every interval).") { data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var signed = await SignAsync(node, cancellationToken);
            using var lease = node.Readers.Rent();
            var latest = lease.Reader.LatestCheckpoint();
            NodeCli.Print("signed", signed?.Size is null ? "no (the ledger did not grow)" : "yes");
            NodeCli.Print("size", latest?.Size);
            NodeCli.Print("signatures", latest?.Signatures);
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command Cosign()
    {
        var data = NodeCli.DataOption();
        var url = new Option<string>("--node") { Description = "The node whose checkpoint to cosign, e.g. http://127.0.0.1:8080", Required = true };
        var apiKeyFile = new Option<string?>("--api-key-file") { Description = "A file holding an API key of the node (any role) to read its entries; or set EDGETRACE_API_KEY" };
        var command = new Command("cosign", "As this data folder's member: replay the node's ledger into this folder's replica through the rules, and cosign the node's latest checkpoint if the roots agree.")
        {
            data, url, apiKeyFile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Uri.TryCreate(parse.GetValue(url)!.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            {
                throw new UsageException($"--node {parse.GetValue(url)}: expected http(s)://HOST:PORT");
            }
            var key = parse.GetValue(apiKeyFile) is { } file
                ? (File.Exists(file) ? File.ReadAllText(file).Trim() : throw new UsageException($"--api-key-file {file}: no such file"))
                : Environment.GetEnvironmentVariable("EDGETRACE_API_KEY");
            if (string.IsNullOrEmpty(key))
            {
                throw new UsageException("give the node's API key with --api-key-file FILE or EDGETRACE_API_KEY");
            }
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            Firmware.Contracts.Result<CosignReport> result;
            try
            {
                result = await new Cosigner(node, http).CosignLatestAsync(cancellationToken);
            }
            catch (HttpRequestException e)
            {
                await Console.Error.WriteLineAsync($"error: cannot reach {baseUri}: {e.Message}");
                return NodeCli.Refused;
            }
            if (!result.Succeeded)
            {
                return NodeCli.Fail(result.Failure!);
            }
            NodeCli.Print("cosigned-size", result.Value.Size);
            NodeCli.Print("replayed", result.Value.Replayed);
            NodeCli.Print("signers", string.Join(", ", result.Value.Signers));
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command ExportBundle()
    {
        var data = NodeCli.DataOption();
        var device = new Option<string>("--device") { Description = "The device id", Required = true };
        var from = new Option<string?>("--from") { Description = "Earliest reading time, ISO 8601 (e.g. 2026-03-01T00:00:00Z)" };
        var to = new Option<string?>("--to") { Description = "Latest reading time, ISO 8601" };
        var output = new Option<string>("--out") { Description = "The bundle file to write", Required = true };
        var command = new Command("export-bundle", "Write an evidence bundle for a device and time window (safe while the node runs); check it with 'Verifier bundle'.")
        {
            data, device, from, to, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var fromTime = Time(parse.GetValue(from), "--from");
            var toTime = Time(parse.GetValue(to), "--to");
            if (fromTime > toTime)
            {
                throw new UsageException($"--from {parse.GetValue(from)} is after --to {parse.GetValue(to)}");
            }
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            // The bundle needs a checkpoint that covers the newest anchor; this member may sign one.
            await SignAsync(node, cancellationToken);
            var exported = node.Exporter.Export(parse.GetValue(device)!, fromTime, toTime);
            if (!exported.Succeeded)
            {
                return NodeCli.Fail(exported.Failure!);
            }
            foreach (var warning in exported.Value.Warnings)
            {
                await Console.Error.WriteLineAsync($"warning: {warning}");
            }
            var bundle = exported.Value.Bundle;
            var path = parse.GetValue(output)!;
            await using (var file = File.Create(path))
            {
                bundle.WriteTo(file);
            }
            var device0 = bundle.Devices[0];
            NodeCli.Print("out", Path.GetFullPath(path));
            NodeCli.Print("device", device0.Device);
            NodeCli.Print("readings", device0.Leaves.Count == 0 ? "0" : $"{device0.Leaves.Count} (seq {device0.First}..{device0.First + device0.Leaves.Count - 1})");
            NodeCli.Print("ledger-size", Firmware.Contracts.Checkpoints.Checkpoint.ParseText(SignedNote.Parse(bundle.Ledger.Checkpoint).Value.Text).Value.Size);
            NodeCli.Print("ledger-signatures", string.Join(", ", SignedNote.Parse(bundle.Ledger.Checkpoint).Value.Signatures.Select(s => s.KeyName)));
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command Status()
    {
        var data = NodeCli.DataOption();
        var command = new Command("status", "The ledger's size, latest checkpoint and members.") { data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            using var lease = node.Readers.Rent();
            var reader = lease.Reader;
            NodeCli.Print("origin", node.Config.Origin);
            NodeCli.Print("member", node.Config.Member);
            NodeCli.Print("ledger-size", reader.LedgerSize);
            var latest = reader.LatestCheckpoint();
            NodeCli.Print("checkpoint", latest is null ? "none" : $"size {latest.Size}, {latest.Signatures} signature(s), {EvidenceVerifier.Iso(latest.TimeMs)}");
            NodeCli.Print("members", string.Join(", ", reader.State.Members().Select(m => m.Name)));
            NodeCli.Print("devices", reader.State.Devices().Count());
            return NodeCli.Ok;
        });
        return command;
    }

    private static async Task<Storage.StoredCheckpoint?> SignAsync(Runtime.NodeRuntime node, CancellationToken cancellationToken)
    {
        try
        {
            return await node.Checkpointer.SignIfGrownAsync(cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync($"warning: not signing a checkpoint: {e.Message}");
            return null;
        }
    }

    private static DateTimeOffset? Time(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new UsageException($"{option} {text}: expected an ISO 8601 time such as 2026-03-01T00:00:00Z");
    }
}
