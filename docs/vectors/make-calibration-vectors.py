# Expected values computed with exact fractions (Python's fractions.Fraction), independent of the C# code.
from fractions import Fraction as F
import json
def rnd(x):
    q, r = divmod(abs(x) * 10**6, 1)
    if r * 2 >= 1: q += 1
    q = int(q)
    s = str(q).rjust(7, '0'); w, f = s[:-6], s[-6:].rstrip('0')
    t = w + ('.' + f if f else '')
    return ('-' + t) if x < 0 and q != 0 else t
def corr(c, raw):
    r = F(repr(float(raw)))
    if 'offset' in c: return rnd(r + F(c['offset']))
    (x1, y1), (x2, y2) = [(F(a), F(b)) for a, b in c['points']]
    return rnd(y1 + (r - x1) * (y2 - y1) / (x2 - x1))
cases = [
 ({'offset': '-0.3'}, '4.25'), ({'offset': '0.15'}, '20.1'), ({'offset': '0'}, '-0'),
 ({'points': [['0', '0.1'], ['40', '39.8']]}, '20'), ({'points': [['0', '0.1'], ['40', '39.8']]}, '4.25'),
 ({'points': [['40', '39.8'], ['0', '0.1']]}, '4.25'),
 ({'points': [['0', '0'], ['3', '1']]}, '1'), ({'points': [['0', '0'], ['3', '1']]}, '2'), ({'points': [['0', '0'], ['3', '1']]}, '-2'),
 ({'offset': '0'}, '0.0000005'), ({'offset': '0'}, '-0.0000015'), ({'offset': '0'}, '-0.0000004'), ({'offset': '0'}, '1E-07'),
 ({'offset': '0.5'}, '1E+21'), ({'points': [['2', '3'], ['-2', '-1']]}, '0.1'), ({'offset': '-18.000001'}, '-18.4999995'),
 ({'points': [['-20', '-19.5'], ['25', '25.25']]}, '-18.7'),
]
out = []
for c, raw in cases:
    out.append({'correction': c, 'raw': raw, 'corrected': corr(c, raw)})
import os

def line(c, raw):
    cj = json.dumps(c, separators=(', ', ': '))
    return '    { "correction": %s, "raw": %s, "corrected": "%s" }' % (cj, raw, corr(c, raw))
hist = [{'index': 5, 'calibrated': 1000, 'due': 9000, 'correction': {'offset': '-0.5'}},
        {'index': 9, 'calibrated': 5000, 'due': 20000, 'correction': {'points': [['0', '0.2'], ['10', '10.4']]}}]
reads = [(999, '10'), (1000, '10'), (4999, '10'), (5000, '10'), (25000, '-3.25')]
def inforce(t):
    f = None
    for h in hist:
        if h['calibrated'] <= t: f = h
    return f
rl = []
for t, raw in reads:
    h = inforce(t)
    if h is None:
        rl.append('      { "time": %d, "raw": %s, "calibration": null, "corrected": null }' % (t, raw))
    else:
        rl.append('      { "time": %d, "raw": %s, "calibration": %d, "corrected": "%s", "overdue": %s }' % (t, raw, h['index'], corr(h['correction'], raw), 'true' if t >= h['due'] else 'false'))
text = '''{
  "provenance": "docs/spec-ledger.md §3.6; written by python3 docs/vectors/make-calibration-vectors.py (run from any folder), which computes the expected values with exact fractions (fractions.Fraction, repr(float) for the raw decimal), independently of the C# code",
  "corrections": [
%s
  ],
  "history": {
    "calibrations": [
%s
    ],
    "readings": [
%s
    ]
  }
}
''' % (',\n'.join(line(c, raw) for c, raw in cases),
       ',\n'.join('      ' + json.dumps(h, separators=(', ', ': ')) for h in hist),
       ',\n'.join(rl))
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'calibration.json'), 'w').write(text)
