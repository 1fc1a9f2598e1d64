using System.Globalization;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Alarms;

/// <summary>
/// Evaluates zone alarm rules over readings, in the readings' own time. Pure: no clock, no I/O.
/// Each (rule, sensor) pair is tracked on its own; its state can be saved (<see cref="TakeChanges"/>)
/// and restored, so a restart neither repeats a start nor loses an active alarm.
/// What depends on time passing without readings (a "no data" rule, a suppression window that opens
/// or closes) is evaluated by <see cref="Tick"/>, which the daemon calls on its clock.
/// Not thread-safe: one writer owns it.
/// </summary>
public sealed class AlarmEngine
{
    // A flapping sensor produces at most one interval per two readings; this bounds the memory of
    // a cumulative rule even with readings far more often than once a minute. Past it the two
    // oldest intervals merge, which can only overstate the time out of range (the safe side).
    internal const int MaxIntervals = 2048;

    /// <summary>
    /// The sensor key under which an open suppression window's state is saved: not a valid sensor id,
    /// so it cannot meet a sensor's.
    /// </summary>
    public const string WindowKey = "@window";

    // A "no data" rule's last good reading is saved when it moved by at least this much: a restart
    // counts the silence from at most this much later than the last reading, for one write a minute
    // per sensor instead of one per reading.
    private const long NoDataSaveStepMs = 60_000;

    private readonly Dictionary<string, AlarmRule> _rules;
    private readonly Dictionary<(string Zone, string Quantity), AlarmRule[]> _byZone;
    private readonly Dictionary<(string Rule, string Sensor), Track> _tracks = [];
    // Deleted pairs map to null; changed ones to their track, turned into a state only when taken.
    private readonly Dictionary<(string Rule, string Sensor), Track?> _changes = [];
    private readonly List<AlarmTransition> _output = [];
    private readonly Dictionary<string, AlarmRule[]> _noData;
    private readonly Dictionary<string, SuppressionWindow[]> _windowsByZone;
    private readonly Dictionary<string, HashSet<string>> _sensorsByZone = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OpenWindow> _open = new(StringComparer.Ordinal);
    // Windows opened (to save) or closed (null: to delete) since the last TakeChanges.
    private readonly Dictionary<string, OpenWindow?> _windowChanges = new(StringComparer.Ordinal);

    /// <summary>An engine for <paramref name="rules"/> (ids must be unique).</summary>
    public AlarmEngine(IEnumerable<AlarmRule> rules)
        : this(rules, [], [])
    {
    }

    /// <summary>
    /// An engine for <paramref name="rules"/> and suppression <paramref name="windows"/> (ids unique
    /// among both); the "no data" rules of a zone watch its <paramref name="sensors"/> (those the
    /// gateway knows at start) and every other sensor of the zone once it gives a reading or a fault.
    /// </summary>
    public AlarmEngine(IEnumerable<AlarmRule> rules, IEnumerable<SuppressionWindow> windows, IEnumerable<(string Zone, string SensorId)> sensors)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(sensors);
        ArgumentNullException.ThrowIfNull(rules);
        _rules = new Dictionary<string, AlarmRule>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (!_rules.TryAdd(rule.Id, rule))
            {
                throw new ArgumentException($"alarm rule id '{rule.Id}' is used twice", nameof(rules));
            }
        }
        _byZone = _rules.Values.GroupBy(r => (r.Zone, r.Quantity)).ToDictionary(g => g.Key, g => g.ToArray());
        _noData = _rules.Values.Where(r => r.IsNoData).GroupBy(r => r.Zone, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        var windowList = windows.ToList();
        foreach (var window in windowList)
        {
            if (_rules.ContainsKey(window.Id) || windowList.Count(w => w.Id == window.Id) > 1)
            {
                throw new ArgumentException($"suppression window id '{window.Id}' is used twice", nameof(windows));
            }
        }
        _windowsByZone = windowList.GroupBy(w => w.Zone, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        foreach (var (zone, sensor) in sensors)
        {
            Watch(zone, sensor);
        }
    }

    /// <summary>The rules, by id.</summary>
    public IReadOnlyDictionary<string, AlarmRule> Rules => _rules;

    /// <summary>Alarms that have started and not ended.</summary>
    public IEnumerable<ActiveAlarm> Active =>
        _tracks.Values.Where(t => t.Active).Select(t => new ActiveAlarm(t.Rule.Id, t.Rule.Zone, t.SensorId, t.ActiveSinceMs, t.ActiveValue, t.ActiveUnit) { Severity = t.Rule.Severity });

    /// <summary>The suppression windows open now (as of the last <see cref="Tick"/>), by id: zone, reason, start and planned end.</summary>
    public IReadOnlyDictionary<string, OpenWindow> OpenWindows => _open;

    /// <summary>Whether the alarms of <paramref name="zone"/> are suppressed at <paramref name="timeMs"/> (by the configured schedule).</summary>
    public bool IsSuppressed(string zone, long timeMs) =>
        _windowsByZone.TryGetValue(zone, out var windows) && windows.Any(w => w.OpenAt(timeMs) is not null);

    /// <summary>
    /// Replaces the engine's memory with saved states. An active alarm whose rule is no longer
    /// configured ends at <paramref name="nowMs"/> (returned, so that the end is logged too);
    /// states of removed rules are deleted (see <see cref="TakeChanges"/>).
    /// </summary>
    public IReadOnlyList<AlarmTransition> Restore(IEnumerable<AlarmTrackState> saved, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(saved);
        _tracks.Clear();
        _changes.Clear();
        _open.Clear();
        _windowChanges.Clear();
        var ended = new List<AlarmTransition>();
        foreach (var state in saved)
        {
            if (state.SensorId == WindowKey)
            {
                // An open window, closed by the next tick (also when it was removed from the configuration).
                if (state.OutSinceMs is { } start && state.LastTimeMs is { } end)
                {
                    _open[state.RuleId] = new OpenWindow(state.Zone, state.Reason ?? "unknown", start, end);
                }
                continue;
            }
            if (!_rules.TryGetValue(state.RuleId, out var rule))
            {
                if (state.Active)
                {
                    ended.Add(new AlarmTransition(state.RuleId, state.Zone, state.SensorId, false, nowMs, null, null,
                        "rule removed from the configuration while the alarm was active") { Severity = state.Severity ?? AlarmSeverity.Alarm });
                }
                _changes[(state.RuleId, state.SensorId)] = null;
                continue;
            }
            _tracks[(rule.Id, state.SensorId)] = Track.From(rule, state);
            if (rule.IsNoData)
            {
                Watch(rule.Zone, state.SensorId);
            }
        }
        return ended;
    }

    /// <summary>
    /// Evaluates what depends on time alone, at <paramref name="nowMs"/> on the gateway's clock:
    /// suppression windows that open or close (in that order: a window closed before the next opens),
    /// then "no data" alarms that start because a sensor has been silent longer than its rule allows
    /// (not while its zone is suppressed: such an alarm starts at the first tick after the window).
    /// </summary>
    public AlarmTick Tick(long nowMs)
    {
        var windows = new List<SuppressionTransition>();
        foreach (var (id, open) in _open.ToList())
        {
            var window = _windowsByZone.GetValueOrDefault(open.Zone)?.FirstOrDefault(w => w.Id == id);
            if (window?.OpenAt(nowMs) is { } current && current.Start == open.StartMs)
            {
                continue;
            }
            var end = window is null ? Math.Min(nowMs, open.EndMs) : open.EndMs;
            windows.Add(new SuppressionTransition(id, open.Zone, open.Reason, false, Math.Max(end, open.StartMs), open.EndMs,
                window is null
                    ? Invariant($"{id}: suppression of {open.Zone} ended, the window was removed from the configuration")
                    : Invariant($"{id}: alarms of {open.Zone} no longer suppressed ({open.Reason})")));
            _open.Remove(id);
            _windowChanges[id] = null;
        }
        foreach (var window in _windowsByZone.Values.SelectMany(w => w))
        {
            if (_open.ContainsKey(window.Id) || window.OpenAt(nowMs) is not { } occurrence)
            {
                continue;
            }
            var open = new OpenWindow(window.Zone, window.Reason, occurrence.Start, occurrence.End);
            _open[window.Id] = open;
            _windowChanges[window.Id] = open;
            windows.Add(new SuppressionTransition(window.Id, window.Zone, window.Reason, true, occurrence.Start, occurrence.End,
                Invariant($"{window.Id}: alarms of {window.Zone} suppressed until {DateTimeOffset.FromUnixTimeMilliseconds(occurrence.End):yyyy-MM-ddTHH:mm:ssZ} ({window.Reason}); readings logged as always")));
        }

        var alarms = new List<AlarmTransition>();
        foreach (var (zone, rules) in _noData)
        {
            if (!_sensorsByZone.TryGetValue(zone, out var sensors) || IsSuppressed(zone, nowMs))
            {
                continue;
            }
            foreach (var rule in rules)
            {
                foreach (var sensor in sensors)
                {
                    var track = TrackOf(rule, sensor, nowMs);
                    var silent = nowMs - (track.LastTimeMs ?? nowMs);
                    if (!track.Active && silent >= (long)rule.SilentFor.TotalMilliseconds)
                    {
                        track.Start(nowMs, null, null);
                        _changes[(rule.Id, sensor)] = track;
                        alarms.Add(Transition(track, true, nowMs, null, null,
                            Invariant($"no good reading for {Minutes(silent)} min (limit {Minutes(rule.SilentFor)} min)")));
                    }
                }
            }
        }
        return new AlarmTick(windows, alarms);
    }

    /// <summary>
    /// Notes that <paramref name="sensorId"/> of <paramref name="zone"/> exists without giving a good
    /// reading (a fault): the zone's "no data" rules watch it from <paramref name="timeMs"/> on.
    /// </summary>
    public void Seen(string? zone, string sensorId, long timeMs)
    {
        if (zone is null || !_noData.TryGetValue(zone, out var rules))
        {
            return;
        }
        Watch(zone, sensorId);
        foreach (var rule in rules)
        {
            TrackOf(rule, sensorId, timeMs);
        }
    }

    private void Watch(string zone, string sensorId)
    {
        if (!_sensorsByZone.TryGetValue(zone, out var sensors))
        {
            sensors = new HashSet<string>(StringComparer.Ordinal);
            _sensorsByZone[zone] = sensors;
        }
        sensors.Add(sensorId);
    }

    // The track of a "no data" rule for a sensor, created as if its last good reading were at firstMs.
    private Track TrackOf(AlarmRule rule, string sensorId, long firstMs)
    {
        var key = (rule.Id, sensorId);
        if (!_tracks.TryGetValue(key, out var track))
        {
            track = new Track(rule, sensorId) { LastTimeMs = firstMs };
            _tracks[key] = track;
            _changes[key] = track;
        }
        return track;
    }

    private void ObserveNoData(in AlarmReading reading)
    {
        if (reading.Zone is null || !_noData.TryGetValue(reading.Zone, out var rules))
        {
            return;
        }
        Watch(reading.Zone, reading.SensorId);
        foreach (var rule in rules)
        {
            var track = TrackOf(rule, reading.SensorId, reading.TimeMs);
            var before = track.Fingerprint;
            var last = track.LastTimeMs ?? reading.TimeMs;
            track.LastTimeMs = Math.Max(last, reading.TimeMs);
            if (track.Active)
            {
                var since = track.ActiveSinceMs;
                var at = Math.Max(reading.TimeMs, since);
                track.End();
                _output.Add(Transition(track, false, at, null, null,
                    Invariant($"{reading.Quantity} {reading.Value} {reading.Unit} after {Minutes(at - last)} min without a good reading, {Minutes(at - since)} min in alarm")));
            }
            if (track.Fingerprint != before)
            {
                _changes[(rule.Id, reading.SensorId)] = track;
            }
        }
    }

    /// <summary>Feeds one good reading; returns the alarms it starts or ends (valid until the next call).</summary>
    public IReadOnlyList<AlarmTransition> Observe(in AlarmReading reading)
    {
        _output.Clear();
        ObserveNoData(reading);
        if (reading.Zone is null || !_byZone.TryGetValue((reading.Zone, reading.Quantity), out var rules))
        {
            return _output;
        }
        var suppressed = IsSuppressed(reading.Zone, reading.TimeMs);
        foreach (var rule in rules)
        {
            var key = (rule.Id, reading.SensorId);
            if (!_tracks.TryGetValue(key, out var track))
            {
                track = new Track(rule, reading.SensorId);
                _tracks[key] = track;
            }
            var before = track.Fingerprint;
            var transition = rule.IsCumulative ? EvaluateCumulative(track, reading, suppressed) : EvaluateLimit(track, reading, suppressed);
            if (transition is not null)
            {
                _output.Add(transition);
            }
            // Only what a restart needs is saved: the common in-range reading of a quiet sensor
            // changes nothing that matters and costs no write.
            if (track.Fingerprint != before)
            {
                _changes[key] = track;
            }
        }
        return _output;
    }

    /// <summary>
    /// Feeds a door contact's state (every change, and while it is open at least every second or so):
    /// a <see cref="AlarmQuantities.Door"/> rule of the door's zone starts when the door has been open
    /// for its delay and ends when it closes. Returns the transitions (valid until the next call).
    /// </summary>
    public IReadOnlyList<AlarmTransition> ObserveDoor(string? zone, string doorId, bool open, long timeMs)
    {
        _output.Clear();
        if (zone is null || !_byZone.TryGetValue((zone, AlarmQuantities.Door), out var rules))
        {
            return _output;
        }
        var suppressed = IsSuppressed(zone, timeMs);
        foreach (var rule in rules)
        {
            var key = (rule.Id, doorId);
            if (!_tracks.TryGetValue(key, out var track))
            {
                track = new Track(rule, doorId);
                _tracks[key] = track;
            }
            var before = track.Fingerprint;
            if (EvaluateDoor(track, open, timeMs, suppressed) is { } transition)
            {
                _output.Add(transition);
            }
            if (track.Fingerprint != before)
            {
                _changes[key] = track;
            }
        }
        return _output;
    }

    /// <summary>The states changed since the last call, to persist with the leaves they produced.</summary>
    public IReadOnlyList<AlarmStateChange> TakeChanges()
    {
        if (_changes.Count == 0 && _windowChanges.Count == 0)
        {
            return [];
        }
        var list = _changes.Select(c => new AlarmStateChange(c.Key.Rule, c.Key.Sensor, c.Value?.ToState())).ToList();
        list.AddRange(_windowChanges.Select(w => new AlarmStateChange(w.Key, WindowKey, w.Value is { } open
            ? new AlarmTrackState { RuleId = w.Key, Zone = open.Zone, SensorId = WindowKey, OutSinceMs = open.StartMs, LastTimeMs = open.EndMs, Reason = open.Reason }
            : null)));
        _changes.Clear();
        _windowChanges.Clear();
        return list;
    }

    private static AlarmTransition Transition(Track track, bool started, long timeMs, double? value, string? unit, string detail) =>
        new(track.Rule.Id, track.Rule.Zone, track.SensorId, started, timeMs, value, unit, detail) { Severity = track.Rule.Severity };

    // While the zone is suppressed an alarm does not start; its delay still counts from the start of
    // the condition, so a condition that outlasts the window starts the alarm at the first reading after it.
    private static AlarmTransition? EvaluateLimit(Track track, in AlarmReading reading, bool suppressed)
    {
        var rule = track.Rule;
        var t = reading.TimeMs;
        track.LastTimeMs = t;
        track.LastOut = rule.IsOutOfRange(reading.Value);
        if (track.LastOut)
        {
            track.OutSinceMs ??= t;
            if (!track.Active && !suppressed && t - track.OutSinceMs.Value >= (long)rule.Delay.TotalMilliseconds)
            {
                track.Start(t, reading.Value, reading.Unit);
                var since = track.OutSinceMs.Value;
                return Transition(track, true, t, reading.Value, reading.Unit,
                    Invariant($"{rule.Quantity} {reading.Value} {reading.Unit}, {Breach(rule, reading.Value, reading.Unit)} for {Minutes(t - since)} min (delay {Minutes(rule.Delay)} min)"));
            }
            return null;
        }
        track.OutSinceMs = null;
        if (track.Active)
        {
            var since = track.ActiveSinceMs;
            track.End();
            return Transition(track, false, t, reading.Value, reading.Unit,
                Invariant($"{rule.Quantity} {reading.Value} {reading.Unit}, back within {rule.DescribeRange()} {reading.Unit} after {Minutes(t - since)} min in alarm"));
        }
        return null;
    }

    private static AlarmTransition? EvaluateDoor(Track track, bool open, long t, bool suppressed)
    {
        var rule = track.Rule;
        track.LastTimeMs = t;
        track.LastOut = open;
        if (open)
        {
            track.OutSinceMs ??= t;
            if (!track.Active && !suppressed && t - track.OutSinceMs.Value >= (long)rule.Delay.TotalMilliseconds)
            {
                track.Start(t, null, null);
                return Transition(track, true, t, null, null,
                    Invariant($"door open for {Minutes(t - track.OutSinceMs.Value)} min (delay {Minutes(rule.Delay)} min)"));
            }
            return null;
        }
        var openSince = track.OutSinceMs;
        track.OutSinceMs = null;
        if (!track.Active)
        {
            return null;
        }
        var since = track.ActiveSinceMs;
        track.End();
        return Transition(track, false, t, null, null,
            Invariant($"door closed after {Minutes(t - (openSince ?? since))} min open, {Minutes(t - since)} min in alarm"));
    }

    private static AlarmTransition? EvaluateCumulative(Track track, in AlarmReading reading, bool suppressed)
    {
        var rule = track.Rule;
        var t = reading.TimeMs;
        // Sample and hold: the time since the previous reading counts with the previous reading's
        // state, for at most MaxGap (a silent sensor's last state is not held for ever).
        if (track.LastTimeMs is { } last && track.LastOut && t > last)
        {
            track.AddInterval(last, Math.Min(t, last + (long)rule.MaxGap.TotalMilliseconds));
        }
        if (track.LastTimeMs is null || t >= track.LastTimeMs)
        {
            track.LastTimeMs = t;
        }
        track.LastOut = rule.IsOutOfRange(reading.Value);
        var total = track.TotalWithin(t - (long)rule.Window.TotalMilliseconds, t);
        var threshold = (long)rule.Cumulative!.Value.TotalMilliseconds;
        if (!track.Active && !suppressed && total >= threshold)
        {
            track.Start(t, reading.Value, reading.Unit);
            return Transition(track, true, t, reading.Value, reading.Unit,
                Invariant($"{Minutes(total)} min outside {rule.DescribeRange()} {reading.Unit} in the last {Hours(rule.Window)} h (limit {Minutes(rule.Cumulative.Value)} min)"));
        }
        if (track.Active && total < threshold)
        {
            track.End();
            return Transition(track, false, t, reading.Value, reading.Unit,
                Invariant($"{Minutes(total)} min outside {rule.DescribeRange()} {reading.Unit} in the last {Hours(rule.Window)} h, below the limit of {Minutes(rule.Cumulative.Value)} min"));
        }
        return null;
    }

    private static string Breach(AlarmRule rule, double value, string unit) =>
        rule.Above is { } above && value > above ? Invariant($"above {above} {unit}") : Invariant($"below {rule.Below} {unit}");

    private static string Minutes(long ms) => (ms / 60_000.0).ToString("0.#", CultureInfo.InvariantCulture);

    private static string Minutes(TimeSpan span) => span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Hours(TimeSpan span) => span.TotalHours.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed class Track(AlarmRule rule, string sensorId)
    {
        // Flattened [start, end) pairs in time order, oldest first.
        private readonly List<long> _intervals = [];

        public AlarmRule Rule { get; } = rule;

        public string SensorId { get; } = sensorId;

        public long? OutSinceMs { get; set; }

        public bool Active { get; private set; }

        public long ActiveSinceMs { get; private set; }

        public double? ActiveValue { get; private set; }

        public string? ActiveUnit { get; private set; }

        public long? LastTimeMs { get; set; }

        public bool LastOut { get; set; }

        public static Track From(AlarmRule rule, AlarmTrackState state)
        {
            var track = new Track(rule, state.SensorId)
            {
                OutSinceMs = state.OutSinceMs,
                Active = state.Active,
                ActiveSinceMs = state.ActiveSinceMs ?? 0,
                ActiveValue = state.ActiveValue,
                ActiveUnit = state.ActiveUnit,
                LastTimeMs = state.LastTimeMs,
                LastOut = state.LastOut,
            };
            for (var i = 0; i + 1 < state.OutIntervals.Count; i += 2)
            {
                track.AddInterval(state.OutIntervals[i], state.OutIntervals[i + 1]);
            }
            return track;
        }

        public void Start(long timeMs, double? value, string? unit)
        {
            Active = true;
            ActiveSinceMs = timeMs;
            ActiveValue = value;
            ActiveUnit = unit;
        }

        public void End()
        {
            Active = false;
            ActiveValue = null;
            ActiveUnit = null;
        }

        public void AddInterval(long start, long end)
        {
            if (end <= start)
            {
                return;
            }
            if (_intervals.Count > 0 && _intervals[^1] >= start)
            {
                _intervals[^1] = Math.Max(_intervals[^1], end);
                return;
            }
            _intervals.Add(start);
            _intervals.Add(end);
            if (_intervals.Count > 2 * MaxIntervals)
            {
                // Merge the two oldest: the gap between them is counted as out of range.
                _intervals.RemoveRange(1, 2);
            }
        }

        // Time out of range within [from, to]; forgets intervals that ended before the window.
        public long TotalWithin(long from, long to)
        {
            var drop = 0;
            while (drop < _intervals.Count && _intervals[drop + 1] <= from)
            {
                drop += 2;
            }
            if (drop > 0)
            {
                _intervals.RemoveRange(0, drop);
            }
            long total = 0;
            for (var i = 0; i < _intervals.Count; i += 2)
            {
                var start = Math.Max(_intervals[i], from);
                var end = Math.Min(_intervals[i + 1], to);
                if (end > start)
                {
                    total += end - start;
                }
            }
            return total;
        }

        // What a restart needs to continue exactly: the run start, the alarm, the held state of a
        // cumulative rule while it is out of range, and the intervals. A limit rule does not use the
        // last reading's time, and an in-range reading held by a cumulative rule counts nothing; a
        // "no data" rule's last good reading is saved to the minute (NoDataSaveStepMs).
        public (long?, bool, long, bool, long?, int, long) Fingerprint =>
            (OutSinceMs, Active, ActiveSinceMs, LastOut, Rule.IsCumulative && LastOut ? LastTimeMs : Rule.IsNoData ? LastTimeMs / NoDataSaveStepMs : null, _intervals.Count, _intervals.Count > 0 ? _intervals[^1] : 0);

        public AlarmTrackState ToState() => new()
        {
            RuleId = Rule.Id,
            Zone = Rule.Zone,
            SensorId = SensorId,
            OutSinceMs = OutSinceMs,
            Active = Active,
            ActiveSinceMs = Active ? ActiveSinceMs : null,
            ActiveValue = ActiveValue,
            ActiveUnit = ActiveUnit,
            LastTimeMs = LastTimeMs,
            LastOut = LastOut,
            Severity = Rule.Severity == AlarmSeverity.Alarm ? null : Rule.Severity,
            OutIntervals = _intervals.Count == 0 ? [] : _intervals.ToArray(),
        };
    }
}
