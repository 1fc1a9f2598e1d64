using System.Text;
using AnchorNode.Consumer.Pages;
using AnchorNode.Devices;
using Firmware.Contracts.Calibration;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Dashboard;

/// <summary>A sensor whose calibration needs the operator: overdue, missing or due soon.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="SensorId">The sensor.</param>
/// <param name="Quantity">What it measures.</param>
/// <param name="Status"><c>overdue</c>, <c>missing</c> or <c>due-soon</c>.</param>
/// <param name="Certificate">The certificate of the calibration in force, or null.</param>
/// <param name="Laboratory">Its laboratory, or null.</param>
/// <param name="DueMs">Its due date, or null.</param>
public sealed record DashboardCalibration(string DeviceId, string SensorId, string Quantity, string Status, string? Certificate, string? Laboratory, long? DueMs)
{
    /// <summary>The sensors of active devices whose calibration is overdue, missing or due soon at <paramref name="nowMs"/>: overdue first, then missing, then due soon; by device and sensor.</summary>
    public static IReadOnlyList<DashboardCalibration> Flags(ILedgerState state, IReadOnlyDictionary<string, StoredStatusReport> reports, long nowMs, int dueSoonDays)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(reports);
        var flags = new List<DashboardCalibration>();
        foreach (var device in state.Devices().Where(d => d.IsActive))
        {
            reports.TryGetValue(device.DeviceId, out var report);
            foreach (var sensor in CalibrationRegistry.Sensors(state, device, report?.Report, nowMs, dueSoonDays).Where(s => s.Status != CalibrationStatus.Current))
            {
                var inForce = sensor.Calibrations.FirstOrDefault(c => c.LedgerIndex == sensor.InForce);
                flags.Add(new DashboardCalibration(device.DeviceId, sensor.SensorId, sensor.Quantity, sensor.Status, inForce?.Certificate, inForce?.Laboratory, inForce?.DueMs));
            }
        }
        return flags.OrderBy(f => Array.IndexOf(Order, f.Status)).ThenBy(f => f.DeviceId, StringComparer.Ordinal).ThenBy(f => f.SensorId, StringComparer.Ordinal).ToList();
    }

    private static readonly string[] Order = [CalibrationStatus.Overdue, CalibrationStatus.Missing, CalibrationStatus.DueSoon];

    /// <summary>The dashboard's calibration card (<see cref="CalibrationsSection"/>).</summary>
    internal static void Render(IReadOnlyList<DashboardCalibration> flags, DashboardClock clock, StringBuilder html)
    {
        html.Append("<h2>Calibration</h2>");
        if (flags.Count == 0)
        {
            html.Append("<p class=\"muted\">Every sensor has a current calibration.</p>");
            return;
        }
        html.Append("<table><thead><tr><th>Sensor</th><th>Calibration</th><th>Certificate</th><th>Due</th></tr></thead><tbody>");
        foreach (var f in flags)
        {
            var (kind, text) = f.Status switch
            {
                CalibrationStatus.Overdue => ("bad", "overdue"),
                CalibrationStatus.Missing => ("bad", "no calibration on record"),
                _ => ("warn", "due soon"),
            };
            html.Append("<tr data-device=\"").Append(PageLayout.Encode(f.DeviceId)).Append("\" data-sensor=\"").Append(PageLayout.Encode(f.SensorId))
                .Append("\" data-status=\"").Append(f.Status).Append("\"><td><strong>").Append(PageLayout.Encode(f.DeviceId)).Append(' ').Append(PageLayout.Encode(f.SensorId))
                .Append("</strong> <span class=\"muted\">").Append(PageLayout.Encode(f.Quantity)).Append("</span></td><td><span class=\"badge ").Append(kind).Append("\">")
                .Append(text).Append("</span></td><td>")
                .Append(f.Certificate is null ? "–" : PageLayout.Encode($"{f.Certificate}, {f.Laboratory}"))
                .Append("</td><td>");
            if (f.DueMs is { } due)
            {
                html.Append(f.Status == CalibrationStatus.Overdue ? "since " : "");
                clock.Append(html, due);
            }
            else
            {
                html.Append('–');
            }
            html.Append("</td></tr>");
        }
        html.Append("</tbody></table>");
    }
}

/// <summary>The card of sensors whose calibration is overdue, missing or due soon.</summary>
internal sealed class CalibrationsSection : IDashboardSection
{
    /// <inheritdoc/>
    public string Id => "calibrations";

    /// <inheritdoc/>
    public void Render(DashboardView view, DashboardClock clock, StringBuilder html) => DashboardCalibration.Render(view.Calibrations, clock, html);
}
