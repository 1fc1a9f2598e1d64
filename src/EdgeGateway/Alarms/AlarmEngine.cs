using System.Globalization;

namespace EdgeGateway.Alarms;

/// <summary>
/// Evaluates zone alarm rules over readings, in the readings' own time. Pure: no clock, no I/O.
/// Each (rule, sensor) pair is tracked on its own; its state can be saved (<see cref="TakeChanges"/>)
/// and restored, so a restart neither repeats a start nor loses an active alarm.
/// Not thread-safe: one writer owns it.
/// </summary>
public sealed class AlarmEngine
{
    // A flapping sensor produces at most one interval per two readings; this bounds the memory of
    // a cumulative rule even with readings far more often than once a minute. Past it the two
    // oldest intervals merge, which can only overstate the time out of range (the safe side).
    internal const int MaxIntervals = 2048;

    private readonly Dictionary<string, AlarmRule> _rules;
    private readonly Dictionary<(string Zone, string Quantity), AlarmRule[]> _byZone;
    private readonly Dictionary<(string Rule, string Sensor), Track> _tracks = [];
    // Deleted pairs map to null; changed ones to their track, turned into a state only when taken.
    private readonly Dictionary<(string Rule, string Sensor), Track?> _changes = [];
    private readonly List<AlarmTransition> _output = [];

    /// <summary>An engine for <paramref name="rules"/> (ids must be unique).</summary>
    public AlarmEngine(IEnumerable<AlarmRule> rules)
    {
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
    }

    /// <summary>The rules, by id.</summary>
    public IReadOnlyDictionary<string, AlarmRule> Rules => _rules;

    /// <summary>Alarms that have started and not ended.</summary>
    public IEnumerable<ActiveAlarm> Active =>
        _tracks.Values.Where(t => t.Active).Select(t => new ActiveAlarm(t.Rule.Id, t.Rule.Zone, t.SensorId, t.ActiveSinceMs, t.ActiveValue, t.ActiveUnit));

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
        var ended = new List<AlarmTransition>();
        foreach (var state in saved)
        {
            if (!_rules.TryGetValue(state.RuleId, out var rule))
            {
                if (state.Active)
                {
                    ended.Add(new AlarmTransition(state.RuleId, state.Zone, state.SensorId, false, nowMs, null, null,
                        "rule removed from the configuration while the alarm was active"));
                }
                _changes[(state.RuleId, state.SensorId)] = null;
                continue;
            }
            _tracks[(rule.Id, state.SensorId)] = Track.From(rule, state);
        }
        return ended;
    }

    /// <summary>Feeds one good reading; returns the alarms it starts or ends (valid until the next call).</summary>
    public IReadOnlyList<AlarmTransition> Observe(in AlarmReading reading)
    {
        _output.Clear();
        if (reading.Zone is null || !_byZone.TryGetValue((reading.Zone, reading.Quantity), out var rules))
        {
            return _output;
        }
        foreach (var rule in rules)
        {
            var key = (rule.Id, reading.SensorId);
            if (!_tracks.TryGetValue(key, out var track))
            {
                track = new Track(rule, reading.SensorId);
                _tracks[key] = track;
            }
            var before = track.Fingerprint;
            var transition = rule.IsCumulative ? EvaluateCumulative(track, reading) : EvaluateLimit(track, reading);
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
        foreach (var rule in rules)
        {
            var key = (rule.Id, doorId);
            if (!_tracks.TryGetValue(key, out var track))
            {
                track = new Track(rule, doorId);
                _tracks[key] = track;
            }
            var before = track.Fingerprint;
            if (EvaluateDoor(track, open, timeMs) is { } transition)
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
        if (_changes.Count == 0)
        {
            return [];
        }
        var list = _changes.Select(c => new AlarmStateChange(c.Key.Rule, c.Key.Sensor, c.Value?.ToState())).ToList();
        _changes.Clear();
        return list;
    }

    private static AlarmTransition? EvaluateLimit(Track track, in AlarmReading reading)
    {
        var rule = track.Rule;
        var t = reading.TimeMs;
        track.LastTimeMs = t;
        track.LastOut = rule.IsOutOfRange(reading.Value);
        if (track.LastOut)
        {
            track.OutSinceMs ??= t;
            if (!track.Active && t - track.OutSinceMs.Value >= (long)rule.Delay.TotalMilliseconds)
            {
                track.Start(t, reading.Value, reading.Unit);
                var since = track.OutSinceMs.Value;
                return new AlarmTransition(rule.Id, rule.Zone, track.SensorId, true, t, reading.Value, reading.Unit,
                    Invariant($"{rule.Quantity} {reading.Value} {reading.Unit}, {Breach(rule, reading.Value, reading.Unit)} for {Minutes(t - since)} min (delay {Minutes(rule.Delay)} min)"));
            }
            return null;
        }
        track.OutSinceMs = null;
        if (track.Active)
        {
            var since = track.ActiveSinceMs;
            track.End();
            return new AlarmTransition(rule.Id, rule.Zone, track.SensorId, false, t, reading.Value, reading.Unit,
                Invariant($"{rule.Quantity} {reading.Value} {reading.Unit}, back within {rule.DescribeRange()} {reading.Unit} after {Minutes(t - since)} min in alarm"));
        }
        return null;
    }

    private static AlarmTransition? EvaluateDoor(Track track, bool open, long t)
    {
        var rule = track.Rule;
        track.LastTimeMs = t;
        track.LastOut = open;
        if (open)
        {
            track.OutSinceMs ??= t;
            if (!track.Active && t - track.OutSinceMs.Value >= (long)rule.Delay.TotalMilliseconds)
            {
                track.Start(t, null, null);
                return new AlarmTransition(rule.Id, rule.Zone, track.SensorId, true, t, null, null,
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
        return new AlarmTransition(rule.Id, rule.Zone, track.SensorId, false, t, null, null,
            Invariant($"door closed after {Minutes(t - (openSince ?? since))} min open, {Minutes(t - since)} min in alarm"));
    }

    private static AlarmTransition? EvaluateCumulative(Track track, in AlarmReading reading)
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
        if (!track.Active && total >= threshold)
        {
            track.Start(t, reading.Value, reading.Unit);
            return new AlarmTransition(rule.Id, rule.Zone, track.SensorId, true, t, reading.Value, reading.Unit,
                Invariant($"{Minutes(total)} min outside {rule.DescribeRange()} {reading.Unit} in the last {Hours(rule.Window)} h (limit {Minutes(rule.Cumulative.Value)} min)"));
        }
        if (track.Active && total < threshold)
        {
            track.End();
            return new AlarmTransition(rule.Id, rule.Zone, track.SensorId, false, t, reading.Value, reading.Unit,
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
        // last reading's time, and an in-range reading held by a cumulative rule counts nothing.
        public (long?, bool, long, bool, long?, int, long) Fingerprint =>
            (OutSinceMs, Active, ActiveSinceMs, LastOut, Rule.IsCumulative && LastOut ? LastTimeMs : null, _intervals.Count, _intervals.Count > 0 ? _intervals[^1] : 0);

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
            OutIntervals = _intervals.Count == 0 ? [] : _intervals.ToArray(),
        };
    }
}
