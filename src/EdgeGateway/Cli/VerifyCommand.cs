using System.CommandLine;
using EdgeGateway.Daemon;
using EdgeGateway.Keys;
using EdgeGateway.Storage;
using EdgeGateway.Verification;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Cli;

/// <summary>
/// <c>verify --data DIR</c>: checks the stored data (<see cref="StoredLogVerifier"/>) and prints one
/// <c>name: value</c> line per fact checked, ending with <c>result: ok</c>, or with
/// <c>problem: …</c> and <c>result: problem</c> (exit 3). Progress goes to standard error.
/// </summary>
internal static class VerifyCommand
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);

    public static Command Create(TextWriter output, TextWriter error)
    {
        var data = GatewayCommandLine.DataOption();
        var command = new Command("verify",
            "Check the stored data: SQLite integrity, every leaf, the Merkle tree and every checkpoint signature against the device key, and the bookkeeping.") { data };
        command.SetAction(parse =>
        {
            var directory = GatewayCommandLine.ExistingDataDirectory(parse.GetValue(data)!);
            var keyPath = Path.Combine(directory, DeviceKeyFile.FileName);
            var verifier = new StoredLogVerifier(GatewayDatabase.PathIn(directory),
                deviceId =>
                {
                    using var signer = DeviceKeyFile.Load(keyPath, deviceId);
                    return NoteVerifierKey.FromSpki(DeviceLogs.Origin(deviceId), signer.PublicKey.Span);
                },
                TimeProvider.System, ProgressInterval, line => error.WriteLine(line));
            VerificationReport report;
            try
            {
                report = verifier.Run();
            }
            catch (SqliteException e)
            {
                error.WriteLine($"error: the database could not be read to the end ({e.Message}); nothing was judged. Try again, or copy the data folder and verify the copy");
                return ExitCodes.Failure;
            }
            foreach (var (name, value) in report.Facts.Where(f => f.Key != "result"))
            {
                output.WriteLine($"{name}: {value}");
            }
            if (report.Problem is { } problem)
            {
                output.WriteLine($"problem: {problem}");
                output.WriteLine("result: problem");
                error.WriteLine($"error: {problem}");
                return ExitCodes.Integrity;
            }
            output.WriteLine("result: ok");
            return ExitCodes.Ok;
        });
        return command;
    }
}
