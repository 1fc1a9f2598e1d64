using AnchorNode.Ledger;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Devices;

/// <summary>
/// Enrolments, revocations and equivocation clearances: statements signed with this node's member
/// key and appended through the ordering port. The API, the CLI and tests all come through here,
/// so they write the same entries.
/// </summary>
public sealed class DeviceRegistry
{
    private readonly ILedgerSequencer _sequencer;
    private readonly StatementSigner _signer;
    private readonly NodeReaders _readers;

    /// <summary>A registry appending through <paramref name="sequencer"/>.</summary>
    public DeviceRegistry(ILedgerSequencer sequencer, StatementSigner signer, NodeReaders readers)
    {
        _sequencer = sequencer;
        _signer = signer;
        _readers = readers;
    }

    /// <summary>Enrols a device; the entry's index is the enrolment's identity.</summary>
    public async Task<Result<AppendedEntry>> EnrolAsync(EnrolStatement enrolment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(enrolment);
        var check = enrolment.Check();
        if (!check.Succeeded)
        {
            return check.Failure!;
        }
        var entry = _signer.Sign(EntryKinds.Enrol, enrolment.ToBody());
        return await _sequencer.AppendAsync(new LedgerProposal(entry), cancellationToken);
    }

    /// <summary>Revokes the enrolment in force.</summary>
    public Task<Result<AppendedEntry>> RevokeAsync(string deviceId, string? reason, CancellationToken cancellationToken) =>
        WithCurrentAsync(deviceId, device => device.IsActive
                ? new RevokeStatement(deviceId, device.EnrolmentIndex, reason).ToBody()
                : null,
            EntryKinds.Revoke, cancellationToken);

    /// <summary>Clears the device's open equivocation after an operator's review.</summary>
    public Task<Result<AppendedEntry>> ClearEquivocationAsync(string deviceId, string reason, CancellationToken cancellationToken) =>
        WithCurrentAsync(deviceId, device => device.EquivocationIndex is { } open
                ? new ClearStatement(deviceId, open, reason).ToBody()
                : null,
            EntryKinds.Clear, cancellationToken);

    private async Task<Result<AppendedEntry>> WithCurrentAsync(string deviceId, Func<DeviceRecord, IEnumerable<EntryField>?> body, string kind, CancellationToken cancellationToken)
    {
        // The statement names the enrolment or equivocation it acts on; if another entry changed
        // it in the meantime the rules refuse with stale-reference and we read again.
        for (var attempt = 0; ; attempt++)
        {
            DeviceRecord? device;
            using (var lease = _readers.Rent())
            {
                device = lease.Reader.State.Device(deviceId);
            }
            if (device is null)
            {
                return Result<AppendedEntry>.Fail(LedgerFailures.UnknownDevice, $"device '{deviceId}' was never enrolled");
            }
            var lines = body(device);
            if (lines is null)
            {
                return kind == EntryKinds.Revoke
                    ? Result<AppendedEntry>.Fail(LedgerFailures.RevokedDevice, $"the enrolment of '{deviceId}' was already revoked at ledger index {device.RevocationIndex}")
                    : Result<AppendedEntry>.Fail(LedgerFailures.StaleReference, $"device '{deviceId}' is not flagged for equivocation");
            }
            var entry = _signer.Sign(kind, lines);
            var result = await _sequencer.AppendAsync(new LedgerProposal(entry), cancellationToken);
            if (result.Succeeded || result.Failure!.Code != LedgerFailures.StaleReference || attempt == 2)
            {
                return result;
            }
        }
    }
}
