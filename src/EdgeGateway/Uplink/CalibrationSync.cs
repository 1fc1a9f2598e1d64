using EdgeGateway.Alarms;
using EdgeGateway.Storage;
using Firmware.Contracts.Calibration;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Uplink;

/// <summary>Where a gateway reads its sensors' calibrations: the node (<c>GET /v1/devices/{id}/calibrations</c>).</summary>
public interface ICalibrationSource
{
    /// <summary>The node's list of the device's sensors and their calibrations.</summary>
    Task<AnchorResult<DeviceCalibrations>> GetCalibrationsAsync(string deviceId, CancellationToken cancellationToken);
}

/// <summary>
/// Keeps <see cref="CalibratedReadings"/> up to date: starts from the answer saved in the gateway database,
/// then asks the node after upload cycles (at most once per <see cref="MinInterval"/>), saving each new
/// answer before using it. A node that cannot be reached changes nothing: the last answer stays in use,
/// for weeks if need be.
/// </summary>
public sealed partial class CalibrationSync
{
    /// <summary>The shortest time between two requests.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMinutes(1);

    private readonly string _deviceId;
    private readonly ICalibrationSource _source;
    private readonly SqliteCalibrationStore _store;
    private readonly CalibratedReadings _readings;
    private readonly TimeProvider _waitClock;
    private readonly ILogger<CalibrationSync> _logger;
    private readonly AsyncSignal _cycle = new();
    private bool _failing;

    /// <summary>A sync of <paramref name="deviceId"/>'s calibrations into <paramref name="readings"/>, saved in <paramref name="store"/>.</summary>
    public CalibrationSync(string deviceId, ICalibrationSource source, SqliteCalibrationStore store, CalibratedReadings readings, TimeProvider waitClock, ILogger<CalibrationSync> logger)
    {
        _deviceId = deviceId;
        _source = source;
        _store = store;
        _readings = readings;
        _waitClock = waitClock;
        _logger = logger;
    }

    /// <summary>Uses the answer saved by an earlier run, if any (before the first reading: the node may be out of reach); true when there was one.</summary>
    public static bool LoadSaved(SqliteCalibrationStore store, CalibratedReadings readings)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(readings);
        if (store.Load() is not { } saved)
        {
            return false;
        }
        readings.Use(saved);
        return true;
    }

    /// <summary>An upload cycle ended: ask the node (when the last request is old enough).</summary>
    public void Notify() => _cycle.Set();

    /// <summary>Asks the node once; true when it answered and the answer is in use.</summary>
    public async Task<bool> FetchOnceAsync(CancellationToken cancellationToken)
    {
        var answer = await _source.GetCalibrationsAsync(_deviceId, cancellationToken);
        if (answer.Problem is { } problem)
        {
            if (!_failing)
            {
                LogFailed(problem.ToString());
            }
            _failing = true;
            return false;
        }
        _failing = false;
        var calibrations = answer.Value!;
        if (calibrations.DeviceId != _deviceId)
        {
            LogFailed($"the node answered for device '{calibrations.DeviceId}'");
            return false;
        }
        _store.Save(calibrations);
        var skipped = _readings.Use(calibrations);
        LogFetched(calibrations.Sensors.Sum(s => s.Calibrations.Count), skipped);
        return true;
    }

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await FetchOnceAsync(cancellationToken);
                await Task.Delay(MinInterval, _waitClock, cancellationToken);
                await _cycle.WaitAsync(TimeSpan.FromHours(1), _waitClock, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "calibrations: {Count} from the node in use ({Skipped} unreadable left out)")]
    private partial void LogFetched(int count, int skipped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "calibrations: cannot fetch them ({Problem}); the last ones known stay in use")]
    private partial void LogFailed(string problem);
}
