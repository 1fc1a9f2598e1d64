using System.Text.Json;
using AnchorNode.Configuration;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Devices;

/// <summary>The answer to a status report: a receipt, or why it was refused (nothing was stored).</summary>
public sealed record StatusOutcome(StatusReceipt? Receipt, Failure? Failure)
{
    internal static StatusOutcome Fail(string code, string detail) => new(null, new Failure(code, detail));
}

/// <summary>The latest status report of a device, as stored.</summary>
/// <param name="Report">The report (its signature was checked when it arrived).</param>
/// <param name="ReceivedMs">When this node received it, node time, Unix ms.</param>
public sealed record StoredStatusReport(GatewayStatusReport Report, long ReceivedMs);

/// <summary>
/// Gateway status reports (<see cref="UplinkRoutes.Status"/>): checks that a report comes from the
/// enrolled, unrevoked device (the note's signature with the enrolled key, as for checkpoints) and
/// is newer than the last one accepted, then keeps it as the device's latest. Operational data: it
/// is written beside the ledger, not through the sequencer, and never becomes evidence.
/// </summary>
public sealed class GatewayStatusService
{
    private readonly NodeDatabase _database;
    private readonly NodeReaders _readers;
    private readonly SignatureChecker _signatures;
    private readonly TimeProvider _time;

    /// <summary>A service storing in <paramref name="database"/>.</summary>
    public GatewayStatusService(NodeDatabase database, NodeReaders readers, SignatureChecker signatures, TimeProvider time)
    {
        _database = database;
        _readers = readers;
        _signatures = signatures;
        _time = time;
    }

    /// <summary>Checks and stores a status note posted for <paramref name="deviceId"/>.</summary>
    public StatusOutcome Accept(string deviceId, ReadOnlySpan<byte> body) => Accept(deviceId, SignedNote.Parse(body));

    /// <summary>Checks and stores a status note (its UTF-8 text) posted for <paramref name="deviceId"/>.</summary>
    public StatusOutcome Accept(string deviceId, string body) => Accept(deviceId, SignedNote.Parse(body ?? ""));

    private StatusOutcome Accept(string deviceId, Firmware.Contracts.Result<SignedNote> note)
    {
        if (!LedgerNames.IsValidDeviceId(deviceId))
        {
            return StatusOutcome.Fail(ProblemTypes.UnknownDevice, $"'{deviceId}' is not a device id");
        }
        if (!note.Succeeded)
        {
            return StatusOutcome.Fail(ProblemTypes.MalformedRequest, $"the body is not a signed note: {note.Failure!.Message}");
        }
        var read = GatewayStatusNote.Read(note.Value);
        if (!read.Succeeded)
        {
            return StatusOutcome.Fail(read.Failure!.Code, read.Failure.Message);
        }
        var report = read.Value;
        if (report.DeviceId != deviceId)
        {
            return StatusOutcome.Fail(ProblemTypes.WrongOrigin, $"the report is by '{report.DeviceId}', this request is for '{deviceId}'");
        }
        long committed;
        using (var lease = _readers.Rent())
        {
            if (lease.Reader.DeviceStanding(deviceId) is not var (device, log, _))
            {
                return StatusOutcome.Fail(ProblemTypes.UnknownDevice, $"device '{deviceId}' is not enrolled; an operator enrols it first");
            }
            if (!device.IsActive)
            {
                return StatusOutcome.Fail(ProblemTypes.RevokedDevice, $"the enrolment of '{deviceId}' was revoked at ledger index {device.RevocationIndex}; its reports are refused");
            }
            var signed = _signatures.VerifyDevice(note.Value, deviceId, device.PublicKey);
            if (!signed.Succeeded)
            {
                return StatusOutcome.Fail(ProblemTypes.BadSignature, $"the status report is not signed by the enrolled key of '{deviceId}': {signed.Failure!.Message}");
            }
            committed = log?.Size ?? 0;
        }
        var received = _time.GetUtcNow().ToUnixTimeMilliseconds();
        // Later reports must be newer than this one, so a time far ahead would make the device's
        // reports stale until then: refused, and never stored.
        var latest = ClientTime.LatestAcceptedMs(_time);
        if (report.GatewayTimeMs > latest)
        {
            return new StatusOutcome(null, ClientTime.Ahead("gatewayTimeMs", report.GatewayTimeMs, latest));
        }
        var last = Store(deviceId, report, note.Value.ToString(), received, latest);
        if (last is { } newer)
        {
            return new StatusOutcome(null, new Failure(ProblemTypes.StaleReport,
                $"the node already accepted a report of '{deviceId}' made at {newer} ms; this one is from {report.GatewayTimeMs} ms. Send a newer report (a replay, or the gateway's clock went back)")
            {
                Facts = new Dictionary<string, object?> { ["lastGatewayTimeMs"] = newer },
            });
        }
        return new StatusOutcome(new StatusReceipt(deviceId, report.GatewayTimeMs, received, committed), null);
    }

    /// <summary>The latest report of every device that sent one.</summary>
    public IReadOnlyDictionary<string, StoredStatusReport> Latest()
    {
        using var lease = _readers.Rent();
        var command = lease.Reader.Command("SELECT device, received_ms, report FROM gateway_status", 0);
        using var rows = command.ExecuteReader();
        var reports = new Dictionary<string, StoredStatusReport>(StringComparer.Ordinal);
        while (rows.Read())
        {
            // Stored only after it was read and verified; a row that does not parse now is skipped, not fatal.
            if (JsonSerializer.Deserialize(rows.GetString(2), UplinkJsonContext.Default.GatewayStatusReport) is { } report)
            {
                reports[rows.GetString(0)] = new StoredStatusReport(report, rows.GetInt64(1));
            }
        }
        return reports;
    }

    // Null when stored; else the gateway time of the newer report already there. One statement, so
    // two reports racing cannot both win. A stored time beyond the skew (kept before times were
    // bounded) is replaced by any report, so it cannot keep the device's reports stale.
    private long? Store(string deviceId, GatewayStatusReport report, string note, long receivedMs, long latestMs)
    {
        using var connection = _database.OpenWriter();
        using var upsert = connection.CreateCommand();
        upsert.CommandText = """
            INSERT INTO gateway_status (device, gateway_ms, received_ms, report, note) VALUES ($device, $gateway, $received, $report, $note)
            ON CONFLICT (device) DO UPDATE SET gateway_ms = excluded.gateway_ms, received_ms = excluded.received_ms, report = excluded.report, note = excluded.note
            WHERE excluded.gateway_ms > gateway_status.gateway_ms OR gateway_status.gateway_ms > $latest
            """;
        upsert.Parameters.AddWithValue("$device", deviceId);
        upsert.Parameters.AddWithValue("$gateway", report.GatewayTimeMs);
        upsert.Parameters.AddWithValue("$received", receivedMs);
        upsert.Parameters.AddWithValue("$report", JsonSerializer.Serialize(report, UplinkJsonContext.Default.GatewayStatusReport));
        upsert.Parameters.AddWithValue("$note", note);
        upsert.Parameters.AddWithValue("$latest", latestMs);
        if (upsert.ExecuteNonQuery() > 0)
        {
            return null;
        }
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT gateway_ms FROM gateway_status WHERE device = $device";
        read.Parameters.AddWithValue("$device", deviceId);
        return read.ExecuteScalar() is long ms ? ms : report.GatewayTimeMs;
    }
}
