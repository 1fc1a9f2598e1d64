#!/usr/bin/env python3
"""Checks the independent Python verifier (edgetrace_verify.py) against every published vector and
against the numbers quoted in docs/spec.md and docs/spec-ledger.md, and checks that mutated copies
of the evidence bundles are refused with the failure code the spec names.

Prints one line per failing check (all with -v), a summary, and exits 1 on any unexpected result.
A check marked XFAIL is one where this verifier, following the text, disagrees with a vector; it
points to the finding in FINDINGS.md. An XFAIL that starts to pass is reported (XPASS) and fails
the run, so the marking never goes stale.
"""
import base64
import copy
import json
import os
import re
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import edgetrace_verify as ev  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
DOCS = os.path.join(ROOT, 'docs')
VEC = os.path.join(DOCS, 'vectors')
VERBOSE = '-v' in sys.argv


def read(*path, mode='r'):
    with open(os.path.join(*path), mode + ('' if mode == 'rb' else ''), **({} if mode == 'rb' else {'encoding': 'utf-8'})) as f:
        return f.read()


SPEC = read(DOCS, 'spec.md')
LEDGER = read(DOCS, 'spec-ledger.md')
KEYS = {n: base64.b64decode(read(VEC, f'key-{n}.spki.b64').strip()) for n in ('alpha', 'beta', 'gamma')}


class Suite:
    def __init__(self):
        self.results = []   # (status, section, name, detail)

    def check(self, section, name, fn, xfail=None):
        try:
            fn()
            ok, detail = True, ''
        except AssertionError as ex:
            ok, detail = False, str(ex) or 'assertion failed'
        except Exception as ex:  # an unexpected crash is a failure too
            ok, detail = False, f'{type(ex).__name__}: {ex}\n{traceback.format_exc()}'
        if xfail:
            status = 'XFAIL' if not ok else 'XPASS'
            detail = f'expected to fail, see {xfail}' + (f': {detail}' if detail else '')
        else:
            status = 'PASS' if ok else 'FAIL'
        self.results.append((status, section, name, detail))

    def report(self):
        counts = {}
        for status, section, name, detail in self.results:
            counts[status] = counts.get(status, 0) + 1
            if VERBOSE or status != 'PASS':
                print(f'{status:5} [{section}] {name}' + (f' -- {detail}' if detail else ''))
        by_section = {}
        for status, section, _, _ in self.results:
            s = by_section.setdefault(section, [0, 0])
            s[0 if status in ('PASS', 'XFAIL') else 1] += 1
        print()
        for section, (good, bad) in by_section.items():
            print(f'  {section:32} {good:4} ok  {bad:3} failed')
        passed = counts.get('PASS', 0)
        failed = counts.get('FAIL', 0) + counts.get('XPASS', 0)
        print(f'\nspec-python: {len(self.results)} checks: {passed} passed, {failed} failed, '
              f'{counts.get("XFAIL", 0)} expected failures (see FINDINGS.md)')
        return failed == 0


S = Suite()


def eq(a, b, what=''):
    assert a == b, f'{what}: {a!r} != {b!r}'


def refused(fn, code=None):
    try:
        fn()
    except ev.Refused as r:
        if code is not None:
            assert r.code == code, f'refused with {r.code} ({r.what}), expected {code}'
        if os.environ.get('SPEC_PY_WHY'):
            print(f'    refused: {r.code}: {r.what}')
        return r
    raise AssertionError('accepted, expected a refusal' + (f' ({code})' if code else ''))


# ---------------------------------------------------------------------------------------------
# spec.md §2: leaves

def leaf_field(text):
    return bytes.fromhex(text[4:]) if text.startswith('hex:') else text.encode('utf-8')


def leaf_cases():
    for line in read(VEC, 'leaves-accept.txt').split('\n'):
        if not line or line.startswith('#'):
            continue
        why, expect, leaf = line.split(' | ', 2)

        def accept(expect=expect, leaf=leaf):
            f = ev.parse_leaf(leaf_field(leaf))
            want = dict(x.split('=', 1) for x in expect.split())
            eq(f['ms'], int(want['ms']), 'ms')
            if 'v' in want:
                eq(f['value'], float(want['v']), 'v')
            else:
                assert f['value'] is None, 'a value where none is expected'
        S.check('leaves (spec.md §2)', f'accept: {why}', accept)
    for line in read(VEC, 'leaves-refuse.txt').split('\n'):
        if not line or line.startswith('#'):
            continue
        why, leaf = line.split(' | ', 1)
        S.check('leaves (spec.md §2)', f'refuse: {why}', lambda leaf=leaf: refused(lambda: ev.parse_leaf(leaf_field(leaf)), 'leaf'))

    def t_table():
        # the table of §2.2, read from the text
        for spelling in ('1795428060.000', '1795428061.250', '0.000', '253402300799.999', '1.000'):
            f = ev.parse_leaf(base_leaf(t=spelling))
            eq(f['ms'], int(spelling.replace('.', '')), spelling)
        for spelling in ('1795428060', '1795428060.0', '1795428060.00', '1795428060.0000', '1795428060.1230',
                         '1795428060.1234', '1.795428060e9', '1795428060000e-3', '-0.000', '-1.000',
                         '"1795428060.000"', '253402300800.000'):
            refused(lambda: ev.parse_leaf(base_leaf(t=spelling)), 'leaf')
        for spelling, value in (('4.25', 4.25), ('1.0', 1.0), ('1e3', 1000.0), ('1E-07', 1e-07), ('-0', 0.0),
                                ('-18.5', -18.5), ('4.250000000000000001', 4.25), ('1e-400', 0.0), ('1E+21', 1e21)):
            eq(ev.parse_leaf(base_leaf(v=spelling))['value'], value, spelling)
        for spelling in ('1e400', 'NaN', 'Infinity', '+1', '.5', '04.25'):
            refused(lambda: ev.parse_leaf(base_leaf(v=spelling)), 'leaf')
    S.check('leaves (spec.md §2)', 'the spellings of t and v listed in §2.2', t_table)

    def example_hash():
        lines = read(VEC, 'device-log-leaves.jsonl').split('\n')
        h = ev.leaf_hash(lines[1].encode()).hex()
        m = re.search(r'Its leaf hash \(§3\.1\) is `([0-9a-f]{64})`', SPEC)
        eq(h, m.group(1), '§2.7 leaf hash')
    S.check('leaves (spec.md §2)', '§2.7: the example leaf hash', example_hash)

    def log_leaves():
        jl = read(VEC, 'device-log-leaves.jsonl').split('\n')
        hx = read(VEC, 'device-log-leaves.hex').split()
        eq(len(jl), 6, 'five lines and a final line feed')
        eq([x.encode().hex() for x in jl[:5]], hx, 'the hex file is the jsonl file')
        for i, x in enumerate(jl[:5]):
            f = ev.parse_leaf(x.encode())
            eq(f['seq'], i, 'seq')
    S.check('leaves (spec.md §2)', 'device-log-leaves: valid leaves, .hex = .jsonl', log_leaves)


BASE = ('{"ver":1,"dev":"gw-demo","seq":1,"kind":"measurement","sensor":"hwmon/sht3x/1-0044","zone":"chiller-1",'
        '"n":"gw-demo/hwmon/sht3x/1-0044/temperature","u":"Cel","t":%s,"v":%s,"salt":"101112131415161718191a1b1c1d1e1f"}')


def base_leaf(t='1795428060.000', v='4.25'):
    return (BASE % (t, v)).encode()


# ---------------------------------------------------------------------------------------------
# spec.md §3: Merkle trees

def merkle_cases():
    sec = 'merkle (spec.md §3)'
    ct = [bytes.fromhex(x) for x in read(VEC, 'merkle-ct-leaves.hex').split('\n')[:-1]]
    hashes = [ev.leaf_hash(x) for x in ct]
    table = SPEC[SPEC.index('### 3.4 Test vectors'):SPEC.index('## 4. Signed notes')]
    roots = dict((int(a), b) for a, b in re.findall(r'^\| (\d+) \| `([0-9a-f]{64})` \|$', table, re.M))

    def ct_roots():
        eq(len(ct), 8, 'eight CT leaves')
        eq(sorted(roots), list(range(9)), 'table sizes')
        for n, r in roots.items():
            eq(ev.mth(hashes[:n]).hex(), r, f'root {n}')
    S.check(sec, '§3.4 CT tree roots 0..8', ct_roots)
    for kind, a, b, path in re.findall(r'^\| (inclusion of leaf|consistency) (\d+) (?:in|→) (\d+) \| (.*) \|$', table, re.M):
        a, b = int(a), int(b)
        path = [bytes.fromhex(x) for x in re.findall(r'`([0-9a-f]{64})`', path)]
        if kind == 'consistency':
            def cons(a=a, b=b, path=path):
                eq(ev.consistency_proof(a, hashes[:b]), path, 'computed proof')
                assert ev.verify_consistency(a, b, ev.mth(hashes[:a]), ev.mth(hashes[:b]), path)
                assert not ev.verify_consistency(a, b, ev.mth(hashes[:a]), ev.mth(hashes[:b]), path[:-1])
                assert not ev.verify_consistency(a, b, ev.mth(hashes[:b]), ev.mth(hashes[:b]), path)
            S.check(sec, f'§3.4 consistency {a} -> {b}', cons)
        else:
            def incl(a=a, b=b, path=path):
                eq(ev.inclusion_path(a, hashes[:b]), path, 'computed path')
                root = ev.mth(hashes[:b])
                assert ev.verify_inclusion(a, b, hashes[a], path, root)
                assert not ev.verify_inclusion(a, b, hashes[a], path[:-1], root)
                assert not ev.verify_inclusion(a, b, hashes[a], path + [root], root)
                assert not ev.verify_inclusion(b, b, hashes[a], path, root)
                assert not ev.verify_inclusion(a ^ 1, b, hashes[a], path, root) or a ^ 1 >= b
            S.check(sec, f'§3.4 inclusion of leaf {a} in {b}', incl)

    def all_proofs():
        for n in range(1, 9):
            root = ev.mth(hashes[:n])
            for m in range(n):
                p = ev.inclusion_path(m, hashes[:n])
                assert ev.verify_inclusion(m, n, hashes[m], p, root), (m, n)
                for other in range(n):
                    if other != m:
                        assert not ev.verify_inclusion(other, n, hashes[m], p, root) or hashes[other] == hashes[m]
            for m in range(1, n + 1):
                p = ev.consistency_proof(m, hashes[:n])
                assert ev.verify_consistency(m, n, ev.mth(hashes[:m]), root, p), (m, n)
        assert not ev.verify_consistency(0, 3, ev.mth([]), ev.mth(hashes[:3]), [])
    S.check(sec, 'every inclusion and consistency proof of the CT tree (produced, verified, misused)', all_proofs)

    dl = [ev.leaf_hash(bytes.fromhex(x)) for x in read(VEC, 'device-log-leaves.hex').split()]

    def device_log():
        for line in read(VEC, 'device-log-hashes.txt').split('\n'):
            parts = line.split()
            if not parts:
                continue
            if parts[0] == 'leaf':
                eq(dl[int(parts[1])].hex(), parts[3], line)
            elif parts[0] == 'root':
                eq(ev.mth(dl[:int(parts[1])]).hex(), parts[2], line)
            elif parts[0] == 'inclusion':
                m, n = int(parts[1]), int(parts[2])
                path = [bytes.fromhex(x) for x in parts[3].split(',')]
                eq(ev.inclusion_path(m, dl[:n]), path, line)
                assert ev.verify_inclusion(m, n, dl[m], path, ev.mth(dl[:n]))
            elif parts[0] == 'consistency':
                m, n = int(parts[1]), int(parts[2])
                path = [bytes.fromhex(x) for x in parts[3].split(',')]
                eq(ev.consistency_proof(m, dl[:n]), path, line)
                assert ev.verify_consistency(m, n, ev.mth(dl[:m]), ev.mth(dl[:n]), path)
            else:
                raise AssertionError(f'unknown line {line}')
        r5 = re.search(r'its root at size\n5 is `([0-9a-f]{64})`', SPEC).group(1)
        eq(ev.mth(dl).hex(), r5, 'root quoted in §3.4')
    S.check(sec, 'device-log-hashes.txt: leaf hashes, roots, proofs', device_log)

    def ranges():
        for n in range(1, 9):
            for f in range(n + 1):
                for e in range(f, n + 1):
                    proof = ev.range_proof(f, e, hashes[:n])
                    eq(ev.range_root(f, e, n, hashes[f:e], proof), ev.mth(hashes[:n]), (f, e, n))
                    if proof:
                        refused(lambda: ev.range_root(f, e, n, hashes[f:e], proof[:-1]), 'path-too-short')
                    refused(lambda: ev.range_root(f, e, n, hashes[f:e], proof + [bytes(32)]), 'path-too-long')
        eq(ev.range_proof(0, 8, hashes), [], 'whole tree')
    S.check(sec, 'range proofs (spec-ledger.md §7) over every range of the CT tree', ranges)


# ---------------------------------------------------------------------------------------------
# spec.md §4-§6: notes, checkpoints, proofs

def note_cases():
    sec = 'notes (spec.md §4)'

    def keys():
        for n, k in KEYS.items():
            ev.parse_spki(k)
            eq(ev.b64(k), read(VEC, f'key-{n}.spki.b64').strip(), 'canonical one line')
        eq(ev.key_id(KEYS['alpha']).hex(), re.search(r'and key ID `([0-9a-f]{8})`', SPEC).group(1), '§4.5 key ID')
        x = KEYS['alpha']
        refused(lambda: ev.parse_spki(x + b'\x00'))
        refused(lambda: ev.parse_spki(x[:26] + bytes([2 + (x[-1] & 1)]) + x[27:59]))   # compressed
        refused(lambda: ev.parse_spki(x[:-1] + bytes([x[-1] ^ 1])))                    # off the curve
    S.check(sec, 'test keys: SPKI form, key ID of §4.5, other encodings refused', keys)

    def device_checkpoint():
        data = read(VEC, 'device-checkpoint.note', mode='rb')
        note = ev.parse_note(data)
        eq(note.message, read(VEC, 'device-checkpoint.text', mode='rb'), 'text')
        eq(note.sigs[0][2], read(VEC, 'device-checkpoint.sig.der', mode='rb'), 'DER signature')
        eq(note.sigs[0][1].hex(), '149d5d84', 'key ID')
        ev.verify_note(data, [('edgetrace/device/gw-demo', KEYS['alpha'])], 1)
        refused(lambda: ev.verify_note(data, [('edgetrace/device/gw-demo', KEYS['beta'])], 1))
        cp = ev.parse_checkpoint(note.text)
        eq((cp.origin, cp.size, cp.extensions), ('edgetrace/device/gw-demo', 5, ['time 1795428720500']), 'checkpoint')
        dl = [ev.leaf_hash(bytes.fromhex(x)) for x in read(VEC, 'device-log-leaves.hex').split()]
        eq(cp.root, ev.mth(dl), 'the root is the device log root')
    S.check(sec, 'device-checkpoint.note/.text/.sig.der (§4.5)', device_checkpoint)

    def two_signers():
        data = read(VEC, 'ledger-checkpoint-2-signers.note', mode='rb')
        pol = [('warehouse-op', KEYS['alpha']), ('bank-a', KEYS['beta']), ('gamma', KEYS['gamma'])]
        ev.verify_note(data, pol, 2)
        refused(lambda: ev.verify_note(data, pol, 3))
        for name, _, _ in ev.parse_note(data).sigs:
            assert name in ('warehouse-op', 'bank-a')
    S.check(sec, 'ledger-checkpoint-2-signers.note: 2-of-3 holds, 3-of-3 fails (§4.5)', two_signers)

    def high_s_twins():
        plain = ev.parse_note(read(VEC, 'notes', 'plain.note', mode='rb'))
        high = ev.parse_note(read(VEC, 'notes', 'high-s.note', mode='rb'))
        r1, s1 = ev.parse_der_signature(plain.sigs[0][2])
        r2, s2 = ev.parse_der_signature(high.sigs[0][2])
        eq((r1, s1 + s2), (r2, ev.P256_N), 'high-s.note is plain.note with s -> n - s')
        eq(plain.text, high.text, 'same text')
        for name in ('ledger-checkpoint-2-signers.note',):
            for _, _, sig in ev.parse_note(read(VEC, name, mode='rb')).sigs:
                assert ev.parse_der_signature(sig)[1] > ev.P256_N // 2, f'{name}: the text says both signatures are high-S'
    S.check(sec, 'high-S: high-s.note is the twin of plain.note; the 2-signers note is high-S (§4.2)', high_s_twins)

    policy = [('alpha', KEYS['alpha']), ('beta', KEYS['beta'])]
    for line in read(VEC, 'notes', 'cases.txt').split('\n'):
        if not line or line.startswith('#'):
            continue
        fname, k, result, why = [x.strip() for x in line.split('|', 3)]

        def case(fname=fname, k=int(k), result=result):
            data = read(VEC, 'notes', fname, mode='rb')
            if result == 'accept':
                ev.verify_note(data, policy, k)
            else:
                refused(lambda: ev.verify_note(data, policy, k))
        S.check(sec, f'{fname} ({result}): {why}', case)

    def every_note_listed():
        listed = {l.split('|')[0].strip() for l in read(VEC, 'notes', 'cases.txt').split('\n') if l and not l.startswith('#')}
        eq(sorted(f for f in os.listdir(os.path.join(VEC, 'notes')) if f.endswith('.note')), sorted(listed), 'notes/*.note = cases.txt')
    S.check(sec, 'every notes/*.note has a verdict in cases.txt', every_note_listed)

    sec = 'proofs (spec.md §5-§6)'
    leaves = [bytes.fromhex(x) for x in read(VEC, 'device-log-leaves.hex').split()]
    ppol = [('edgetrace/device/gw-demo', KEYS['alpha'])]

    def reading2():
        data = read(VEC, 'reading-2.tlog-proof', mode='rb')
        for i, leaf in enumerate(leaves):
            if i == 2:
                ev.verify_tlog_proof(data, leaf, ppol, 1, 'edgetrace/device/gw-demo')
            else:
                refused(lambda: ev.verify_tlog_proof(data, leaf, ppol, 1, 'edgetrace/device/gw-demo'))
        refused(lambda: ev.verify_tlog_proof(data, leaves[2], ppol, 1, 'edgetrace/device/gw-other'))
        eq(data.split(b'\n\n', 1)[1], read(VEC, 'device-checkpoint.note', mode='rb'), 'holds device-checkpoint.note')
    S.check(sec, 'reading-2.tlog-proof proves leaf 2 only (§6)', reading2)
    for line in read(VEC, 'proofs', 'cases.txt').split('\n'):
        if not line or line.startswith('#'):
            continue
        fname, leaf, result, why = [x.strip() for x in line.split('|', 3)]

        def case(fname=fname, leaf=int(leaf), result=result):
            data = read(VEC, 'proofs', fname, mode='rb')
            if result == 'accept':
                ev.verify_tlog_proof(data, leaves[leaf], ppol, 1, 'edgetrace/device/gw-demo')
            else:
                refused(lambda: ev.verify_tlog_proof(data, leaves[leaf], ppol, 1, 'edgetrace/device/gw-demo'))
        S.check(sec, f'{fname} leaf {leaf} ({result}): {why}', case)

    def checkpoint_rules():
        ok = 'edgetrace/device/gw-demo\n5\nm/7xU+p5qbXq/tQDGoiINXujuSkJxvFAOhbjTrxZeHE=\ntime 1795428720500\n'
        ev.parse_checkpoint(ok)
        for bad in (ok.replace('\n5\n', '\n05\n'), ok.replace('\n5\n', '\n+5\n'),
                    ok.replace('\n5\n', '\n9223372036854775808\n'), ok + '\n',
                    ok.replace('gw-demo\n', 'gw demo\n'), ok.replace('gw-demo\n', 'gw+demo\n'),
                    ok.replace('eHE=', 'eHF=')):
            refused(lambda: ev.parse_checkpoint(bad))
        ev.parse_checkpoint('edgetrace/device/x\n0\n' + ev.b64(ev.mth([])) + '\n')
    S.check(sec, 'checkpoint text rules (§5)', checkpoint_rules)


# ---------------------------------------------------------------------------------------------
# spec-ledger.md §5.1: the state map

def state_map_cases():
    sec = 'state map (ledger §5.1)'
    sm = json.loads(read(VEC, 'state-map.json'))

    def entries():
        for e in sm['entries']:
            kh, vh = ev.H(e['key'].encode()), ev.H(e['value'].encode())
            eq(ev.b64(kh), e['keyHash'], e['key'])
            eq(ev.b64(vh), e['valueHash'], e['key'])
            eq(ev.b64(ev.smt_leaf(kh, vh)), e['leaf'], e['key'])
        m = ev.StateMap({e['key']: e['value'] for e in sm['entries']})
        eq(ev.b64(m.root()), sm['root'], 'root')
        eq(ev.b64(ev.StateMap({}).root()), sm['emptyRoot'], 'empty root')
    S.check(sec, 'state-map.json: key/value/leaf hashes and the root', entries)
    m = ev.StateMap({e['key']: e['value'] for e in sm['entries']})
    root = ev.b64decode_canonical(sm['root'])
    for p in sm['proofs']:
        def proof(p=p):
            sibs = [ev.b64hash(x, 'x') for x in p['proof']]
            other = (ev.b64hash(p['other']['keyHash'], 'x'), ev.b64hash(p['other']['valueHash'], 'x')) if 'other' in p else None
            eq(ev.b64(ev.H(p['key'].encode())), p['keyHash'], 'keyHash')
            eq(ev.state_proof_root(p['key'], p.get('value'), other, sibs), root, 'proof gives the root')
            mine = m.proof(p['key'])
            eq(mine['proof'], sibs, 'the proof this map produces')
            eq({'present': 'present', 'other': 'absent-at-other-leaf'}.get(
                'present' if mine.get('present') else ('other' if 'other' in mine else ''), 'absent-at-empty'), p['kind'], 'kind')
            if p.get('value') is not None:
                assert ev.state_proof_root(p['key'], p['value'] + 'x', None, sibs) != root
                assert ev.state_proof_root(p['key'], None, None, sibs) != root
            else:
                assert ev.state_proof_root(p['key'], 'device x\n', None, sibs) != root
                if other is None:
                    assert ev.state_proof_root(p['key'], None, None, sibs[:-1]) != root
            if other is not None:
                refused(lambda: ev.state_proof_root(p['key'], None, (ev.H(p['key'].encode()), other[1]), sibs), 'state-proof')
        S.check(sec, f'{p["kind"]} proof for {p["key"]}', proof)

    def every_key():
        for e in sm['entries']:
            pr = m.proof(e['key'])
            assert pr.get('present')
            eq(ev.state_proof_root(e['key'], e['value'], None, pr['proof']), root, e['key'])
    S.check(sec, 'membership proofs of every key produced and verified', every_key)


# ---------------------------------------------------------------------------------------------
# spec-ledger.md §9: the worked example, and the device bundle

def calibration_cases():
    sec = 'calibrations (ledger §3.6)'
    vec = json.loads(read(VEC, 'calibration.json'))

    def correction_of(c):
        if 'offset' in c:
            return ('offset', ev.parse_decimal(c['offset']))
        return ('points', [(ev.parse_decimal(a), ev.parse_decimal(b)) for a, b in c['points']])

    for v in vec['corrections']:
        S.check(sec, f'{v["correction"]} of {v["raw"]!r} is {v["corrected"]}',
                lambda v=v: eq(ev.calibration_corrected_text(correction_of(v['correction']), v['raw']), v['corrected'], 'corrected'))

    def history():
        cals = [dict(c, correction=correction_of(c['correction'])) for c in vec['history']['calibrations']]
        for r in vec['history']['readings']:
            cal = ev.calibration_in_force(cals, r['time'])
            eq(cal and cal['index'], r['calibration'], f'in force at {r["time"]}')
            if cal:
                eq(ev.calibration_corrected_text(cal['correction'], r['raw']), r['corrected'], f'corrected at {r["time"]}')
                eq(r['time'] >= cal['due'], r['overdue'], f'overdue at {r["time"]}')
    S.check(sec, 'calibration.json: the calibration in force at each reading, its value, overdue', history)

    head = 'edgetrace/statement/v1 calibrate\nconsortium demo\ntime 1\nnonce 000102030405060708090a0b0c0d0e0f\n'
    tail = 'certificate DKD-K-12345-2026-07\nlaboratory Shanghai Institute of Measurement\ncalibrated 1788000000000\ndue 1819536000000\n'
    good = head + 'device gw-01\nsensor t1\nunit Cel\npoint 0 0.1\npoint 40 39.8\n' + tail

    def parses():
        st = ev.parse_statement(good)
        eq(st.f['correction'], ('points', [(ev.Decimal('0'), ev.Decimal('0.1')), (ev.Decimal('40'), ev.Decimal('39.8'))]), 'points')
        eq(ev.calibration_corrected_text(st.f['correction'], 4.25), '4.318125', 'example')
    S.check(sec, 'the §3.6 example statement parses', parses)
    bad = {
        'offset and points': good.replace('unit Cel\n', 'unit Cel\noffset 1\n'),
        'one point': good.replace('point 40 39.8\n', ''),
        'equal raw points': good.replace('point 40 39.8', 'point 0 39.8'),
        'offset 1.0': good.replace('point 0 0.1\npoint 40 39.8\n', 'offset 1.0\n'),
        'unit K': good.replace('unit Cel', 'unit K'),
        'due = calibrated': good.replace('due 1819536000000', 'due 1788000000000'),
        'fields out of order': good.replace('certificate DKD-K-12345-2026-07\nlaboratory Shanghai Institute of Measurement\n',
                                            'laboratory Shanghai Institute of Measurement\ncertificate DKD-K-12345-2026-07\n'),
    }
    def refused_statement(text):
        try:
            ev.parse_statement(text)
        except ValueError:
            return
        raise AssertionError('accepted, expected entry-field')
    for name, text in bad.items():
        S.check(sec, f'refused (entry-field): {name}', lambda text=text: refused_statement(text))


def code_blocks(text):
    return re.findall(r'```[a-z]*\n(.*?)```', text, re.S)


def worked_example():
    sec = 'ledger §3.4/§9 example'
    ex = LEDGER[LEDGER.index('## 9. Worked example'):]
    blocks = code_blocks(ex)
    bundle = json.loads(read(VEC, 'ledger-example-bundle.json'))
    entry_bytes = {0: blocks[1].encode()}
    for e in bundle['entries']:
        entry_bytes[e['index']] = base64.b64decode(e['entry'])

    def entries():
        hashes = re.findall(r'\*\*Entry (\d)\*\*.*?leaf hash `([0-9a-f]{64})`', ex)
        eq(len(hashes), 3, 'three entries quoted')
        for i, h in hashes:
            eq(ev.leaf_hash(entry_bytes[int(i)]).hex(), h, f'entry {i} leaf hash')
        eq(entry_bytes[1].decode(), blocks[2], 'entry 1 in the bundle is the text of §9')
        eq(entry_bytes[2].decode(), blocks[3], 'entry 2 in the bundle is the text of §9')
        lh = [ev.leaf_hash(entry_bytes[i]) for i in range(3)]
        eq(ev.mth(lh).hex(), re.search(r'Ledger root at size 3: `([0-9a-f]{64})`', ex).group(1), 'ledger root')
        for i, path in re.findall(r'^\| (\d) \| (`.*`) \|$', ex, re.M):
            want = [ev.b64hash(x, 'x') for x in re.findall(r'`([^`]+)`', path)]
            eq(ev.inclusion_path(int(i), lh), want, f'path of entry {i}')
            if int(i) in (1, 2):
                eq([ev.b64hash(x, 'x') for x in bundle['entries'][int(i) - 1]['proof']], want, 'the bundle carries the path')
        for i in range(3):
            e = ev.parse_entry(i, entry_bytes[i])
            eq(e.kind, ('genesis', 'enrol', 'anchor')[i], 'kind')
        ledger_cp = blocks[6]
        eq(ledger_cp, bundle['ledger']['checkpoint'], 'the checkpoint in the text is the bundle\'s')
        cp = ev.parse_checkpoint(ev.parse_note(ledger_cp).text)
        eq(cp.root, ev.mth(lh), 'checkpoint root')
    S.check(sec, 'entries 0-2: leaf hashes, ledger root, inclusion paths, checkpoint', entries)

    def device_leaves():
        pairs = re.findall(r'^(\{"ver".*\})\n    ([0-9a-f]{64})$', blocks[4], re.M)
        eq(len(pairs), 4, 'four leaves quoted')
        hs = []
        for i, (leaf, h) in enumerate(pairs):
            eq(ev.leaf_hash(leaf.encode()).hex(), h, f'leaf {i}')
            eq(base64.b64decode(bundle['devices'][0]['leaves'][i]), leaf.encode(), 'the bundle carries the leaf')
            ev.parse_leaf(leaf.encode())
            hs.append(ev.leaf_hash(leaf.encode()))
        root = re.search(r'Device log root at size 4: `([0-9a-f]{64})`', ex).group(1)
        eq(ev.mth(hs).hex(), root, 'device root')
        anchor = ev.parse_entry(2, entry_bytes[2])
        eq(anchor.checkpoint.root.hex(), root, 'the root in entry 2\'s checkpoint')
    S.check(sec, 'gw-01 leaves, leaf hashes and device root', device_leaves)

    def state():
        values = {s['key']: s['value'] for s in bundle['state']}
        values['zone/shanghai-1/cold-a'] = 'device gw-01\n'
        m = ev.StateMap(values)
        eq(m.root().hex(), re.search(r'State root: `([0-9a-f]{64})`', ex).group(1), 'state root')
        cp = ev.parse_checkpoint(ev.parse_note(bundle['ledger']['checkpoint']).text)
        eq(cp.extensions[1], 'state ' + ev.b64(m.root()), 'state line')
        for s in bundle['state']:
            eq([ev.b64(x) for x in m.proof(s['key'])['proof']], s['proof'], f'proof of {s["key"]}')
        # the table of the text, member keys elided
        table = blocks[5]
        assert 'quorum 2' in table and 'enrolment 1' in table and 'root NidRbIOslH7BPlK3Q5WbNi/zj0LhiNww7EYAmEeDzxY=' in table
    S.check(sec, 'state map of 3 keys: root and proofs', state)

    def title_example():
        sec_text = LEDGER[LEDGER.index('### 3.4 Warehouse receipts'):LEDGER.index('**Who sees what.**')]
        text = code_blocks(sec_text)[0]
        st = ev.parse_statement(text)
        eq(st.hash.hex(), re.search(r'statement hash\n`([0-9a-f]{64})`', sec_text).group(1), 'statement hash')
        eq('title ' + ev.b64(st.hash), re.search(r'`(title [A-Za-z0-9+/=]+)`', sec_text).group(1), 'title line')
    S.check(sec, '§3.4 title statement hash', title_example)


# ---------------------------------------------------------------------------------------------
# evidence bundles

A, B, G = ('warehouse', KEYS['alpha']), ('bank', KEYS['beta']), ('gamma', KEYS['gamma'])
DEVICE_BUNDLE = read(VEC, 'ledger-example-bundle.json', mode='rb')
LOT_BUNDLE = read(VEC, 'report', 'lot-bundle.json', mode='rb')


def dump(b):
    return json.dumps(b, ensure_ascii=False).encode('utf-8')


def verify(data, trusted=(A, B), **kw):
    return ev.verify_bundle(data, list(trusted), **kw)


def mutate(data, fn):
    b = json.loads(data)
    fn(b)
    return dump(b)


def expect(section, name, data, code, trusted=(A, B), xfail=None, **kw):
    S.check(section, f'refused ({code}): {name}', lambda: refused(lambda: verify(data, trusted, **kw), code), xfail=xfail)


def device_bundle_cases():
    sec = 'device bundle (ledger §7)'
    ex = LEDGER[LEDGER.index('## 9. Worked example'):]

    def accept():
        v = verify(DEVICE_BUNDLE)
        quoted = re.search(r'prints\n  `(readings: .*?)`', ex).group(1)
        line = [x for x in v.summary() if 'readings:' in x][0]
        eq(line.split(': ', 1)[1], quoted, 'the readings line of §9')
        eq((v.required, v.quorum, v.signers), (2, 2, ['warehouse', 'bank']), 'policy')
    S.check(sec, 'accepted with warehouse and bank; prints the readings line of §9', accept)

    def by_choice():
        v = verify(DEVICE_BUNDLE, (A,), threshold=1)
        eq(v.required, 1, 'required')
    S.check(sec, 'one trusted member and --threshold 1: accepted by choice', by_choice)

    def warn():
        v = verify(DEVICE_BUNDLE, (A, B, G))
        assert any('gamma' in w for w in v.warnings), 'a trusted key that is not a member is reported'
        eq(v.required, 2, 'required')
    S.check(sec, 'a trusted non-member key counts for nothing and is reported', warn)

    expect(sec, 'threshold not met: only warehouse trusted (quorum 2)', DEVICE_BUNDLE, 'quorum-not-met', (A,))
    expect(sec, 'threshold not met: only bank trusted', DEVICE_BUNDLE, 'quorum-not-met', (B,))
    expect(sec, 'threshold not met: --threshold 3', DEVICE_BUNDLE, 'quorum-not-met', threshold=3)

    def strip_bank(b):
        cp = b['ledger']['checkpoint']
        b['ledger']['checkpoint'] = '\n'.join(l for l in cp.split('\n') if not l.startswith('\u2014 bank'))
    expect(sec, 'threshold not met: the bank\'s cosignature line removed', mutate(DEVICE_BUNDLE, strip_bank), 'quorum-not-met')

    two = read(VEC, 'ledger-checkpoint-2-signers.note')
    expect(sec, 'a checkpoint without its state line (ledger-checkpoint-2-signers.note, signed)',
           mutate(DEVICE_BUNDLE, lambda b: b['ledger'].__setitem__('checkpoint', two)), 'checkpoint-format',
           (('warehouse-op', KEYS['alpha']), ('bank-a', KEYS['beta'])))

    def drop_state_line(b):
        b['ledger']['checkpoint'] = re.sub(r'state [^\n]*\n', '', b['ledger']['checkpoint'])
    expect(sec, 'the state line cut from the signed checkpoint (signatures no longer verify)',
           mutate(DEVICE_BUNDLE, drop_state_line), 'bad-signature')

    def swap_time_state(b):
        cp = b['ledger']['checkpoint']
        t = re.search(r'time [^\n]*\n', cp).group(0)
        s = re.search(r'state [^\n]*\n', cp).group(0)
        b['ledger']['checkpoint'] = cp.replace(t + s, s + t)
    expect(sec, 'time and state lines swapped', mutate(DEVICE_BUNDLE, swap_time_state), 'bad-signature')
    expect(sec, 'no trusted key signed (gamma trusted as warehouse)', DEVICE_BUNDLE, 'no-trusted-signature',
           (('warehouse', KEYS['gamma']),))

    def wrong_sig(b):
        lot = json.loads(LOT_BUNDLE)['ledger']['checkpoint']
        other = [l for l in lot.split('\n') if l.startswith('\u2014 warehouse')][0]
        cp = b['ledger']['checkpoint']
        b['ledger']['checkpoint'] = re.sub(r'\u2014 warehouse [^\n]*', other, cp)
    expect(sec, 'a trusted key\'s line that does not verify', mutate(DEVICE_BUNDLE, wrong_sig), 'bad-signature')
    expect(sec, 'bundle origin differs from the checkpoint\'s',
           mutate(DEVICE_BUNDLE, lambda b: b['ledger'].__setitem__('origin', 'edgetrace/ledger/other')), 'origin-mismatch')
    expect(sec, '--not-before after the checkpoint time', DEVICE_BUNDLE, 'stale-evidence', not_before=1767225962001)
    S.check(sec, '--not-before at the checkpoint time: accepted', lambda: verify(DEVICE_BUNDLE, not_before=1767225962000))

    # an extra entry: the genesis, with its path from §9
    genesis = code_blocks(ex)[1].encode()
    path0 = re.findall(r'`([^`]+)`', re.search(r'^\| 0 \| (.*) \|$', ex, re.M).group(1))

    def add_genesis(b):
        b['entries'].insert(0, {'index': 0, 'entry': ev.b64(genesis), 'proof': path0})
    expect(sec, 'an extra entry (the genesis, correctly included)', mutate(DEVICE_BUNDLE, add_genesis), 'bundle-format')

    def add_state_key(b):
        values = {s['key']: s['value'] for s in b['state']}
        values['zone/shanghai-1/cold-a'] = 'device gw-01\n'
        m = ev.StateMap(values)
        b['state'].append({'key': 'zone/shanghai-1/cold-a', 'value': 'device gw-01\n',
                           'proof': [ev.b64(x) for x in m.proof('zone/shanghai-1/cold-a')['proof']]})
    S.check(sec, 'the extra state key is correctly proven (sanity)',
            lambda: ev.BundleVerifier(mutate(DEVICE_BUNDLE, add_state_key), [A, B]).structure())
    expect(sec, 'an extra state key no part needs (zone/shanghai-1/cold-a, correctly proven)',
           mutate(DEVICE_BUNDLE, add_state_key), 'bundle-format')

    def drop_anchor_entry(b):
        del b['entries'][1]
    expect(sec, 'a missing entry: the anchor the device names', mutate(DEVICE_BUNDLE, drop_anchor_entry), 'missing-anchor')

    def older_anchor(b):
        del b['entries'][1]
        d = b['devices'][0]
        del d['anchor']
        d['leaves'] = []
    expect(sec, 'no anchor claimed while the state names one (readings left out)', mutate(DEVICE_BUNDLE, older_anchor), 'incomplete-bundle')

    def alter_reading(b):
        leaf = base64.b64decode(b['devices'][0]['leaves'][2]).replace(b'"v":4.5', b'"v":4.4')
        b['devices'][0]['leaves'][2] = ev.b64(leaf)
    expect(sec, 'an altered reading (4.5 -> 4.4)', mutate(DEVICE_BUNDLE, alter_reading), 'root-mismatch')

    def other_device(b):
        leaf = base64.b64decode(b['devices'][0]['leaves'][1]).replace(b'gw-01', b'gw-02')
        b['devices'][0]['leaves'][1] = ev.b64(leaf)
    expect(sec, 'a reading of another device', mutate(DEVICE_BUNDLE, other_device), 'reading-device')

    def late_reading(b):
        leaf = base64.b64decode(b['devices'][0]['leaves'][3]).replace(b'1767225900.000', b'1767226261.001')
        b['devices'][0]['leaves'][3] = ev.b64(leaf)
    expect(sec, 'a reading dated more than 5 minutes after its anchor was received', mutate(DEVICE_BUNDLE, late_reading), 'reading-after-anchor')

    def five_min(b):
        leaf = base64.b64decode(b['devices'][0]['leaves'][3]).replace(b'1767225900.000', b'1767226261.000')
        b['devices'][0]['leaves'][3] = ev.b64(leaf)
    expect(sec, 'a reading dated exactly 5 minutes after its anchor: passes the time rule, fails the root',
           mutate(DEVICE_BUNDLE, five_min), 'root-mismatch')
    expect(sec, 'first off by one', mutate(DEVICE_BUNDLE, lambda b: b['devices'][0].__setitem__('first', 1)), 'reading-sequence')

    def cut_last_no_proof(b):
        b['devices'][0]['leaves'].pop()
    expect(sec, 'last reading cut, proof not extended', mutate(DEVICE_BUNDLE, cut_last_no_proof), 'path-too-short')
    expect(sec, 'one proof hash too many',
           mutate(DEVICE_BUNDLE, lambda b: b['devices'][0]['proof'].append(ev.b64(bytes(32)))), 'path-too-long')

    def cut_last(b):
        leaves = [base64.b64decode(x) for x in b['devices'][0]['leaves']]
        b['devices'][0]['leaves'].pop()
        b['devices'][0]['proof'] = [ev.b64(x) for x in ev.range_proof(0, 3, [ev.leaf_hash(x) for x in leaves])]

    def partial_run():
        v = verify(mutate(DEVICE_BUNDLE, cut_last))
        assert 'not up to the last anchored' in [x for x in v.summary() if 'readings' in x][0]
    S.check(sec, 'a device bundle may hold part of a run (range proof [0,3) of 4); it says so', partial_run)

    def cut_first(b):
        leaves = [base64.b64decode(x) for x in b['devices'][0]['leaves']]
        d = b['devices'][0]
        d['leaves'], d['first'] = d['leaves'][1:], 1
        d['proof'] = [ev.b64(x) for x in ev.range_proof(1, 4, [ev.leaf_hash(x) for x in leaves])]
    S.check(sec, 'a run from seq 1 with its range proof verifies', lambda: verify(mutate(DEVICE_BUNDLE, cut_first)))

    def alter_state(b):
        b['state'][1]['value'] = b['state'][1]['value'].replace('size 4', 'size 3')
    expect(sec, 'a state value altered', mutate(DEVICE_BUNDLE, alter_state), 'state-root-mismatch')
    expect(sec, 'a state proof with a sibling more',
           mutate(DEVICE_BUNDLE, lambda b: b['state'][1]['proof'].append(ev.b64(bytes(32)))), 'state-root-mismatch')
    expect(sec, 'state keys out of ordinal order', mutate(DEVICE_BUNDLE, lambda b: b['state'].reverse()), 'bundle-format')

    def dup_state(b):
        b['state'].insert(1, b['state'][0])
    expect(sec, 'a state key twice', mutate(DEVICE_BUNDLE, dup_state), 'bundle-format')
    expect(sec, 'entries not in ascending order', mutate(DEVICE_BUNDLE, lambda b: b['entries'].reverse()), 'bundle-format')
    expect(sec, 'an unknown member', mutate(DEVICE_BUNDLE, lambda b: b.__setitem__('extra', 1)), 'bundle-format')
    expect(sec, 'a member in another letter case', mutate(DEVICE_BUNDLE, lambda b: b.__setitem__('Devices', b.pop('devices'))), 'bundle-format')
    expect(sec, 'a duplicate member', DEVICE_BUNDLE.replace(b'"format":', b'"format": "edgetrace-evidence/v2", "format":', 1)
           if b'"format":' in DEVICE_BUNDLE else DEVICE_BUNDLE.replace(b'"format": ', b'"format": "x", "format": ', 1), 'bundle-format')
    expect(sec, 'format v1', mutate(DEVICE_BUNDLE, lambda b: b.__setitem__('format', 'edgetrace-evidence/v1')), 'bundle-format')
    expect(sec, 'a device twice', mutate(DEVICE_BUNDLE, lambda b: b['devices'].append(b['devices'][0])), 'bundle-format')
    expect(sec, 'a non-canonical hash in an entry proof',
           mutate(DEVICE_BUNDLE, lambda b: b['entries'][1]['proof'].__setitem__(0, b['entries'][1]['proof'][0][:-2] + 'N=')), 'bundle-format')
    expect(sec, 'an index written 1.0', DEVICE_BUNDLE.replace(b'"index": 1,', b'"index": 1.0,').replace(b'"index":1,', b'"index":1.0,'), 'bundle-format')
    expect(sec, 'a report without a lot', mutate(DEVICE_BUNDLE, lambda b: b.__setitem__('report', {})), 'bundle-format')
    expect(sec, 'a lone surrogate escape in a member name (F-13)', DEVICE_BUNDLE.replace(b'"format"', b'"\\ud800format"', 1), 'bundle-format')
    expect(sec, 'a lone surrogate escape in a string (F-13)',
           DEVICE_BUNDLE.replace(b'"edgetrace/ledger/demo"', b'"edgetrace/ledger/\\udc00demo"', 1), 'bundle-format')


# ---------------------------------------------------------------------------------------------
# the lot bundle and its report

LOT_LEAVES = [base64.b64decode(x) for x in json.loads(LOT_BUNDLE)['devices'][0]['leaves']]
LOT_HASHES = [ev.leaf_hash(x) for x in LOT_LEAVES]


def set_run(b, f, e):
    d = b['devices'][0]
    d['first'] = f
    d['leaves'] = [ev.b64(x) for x in LOT_LEAVES[f:e]]
    d['proof'] = [ev.b64(x) for x in ev.range_proof(f, e, LOT_HASHES)]


def drop_entries(b, *idx):
    b['entries'] = [e for e in b['entries'] if e['index'] not in idx]


def drop_state(b, *keys):
    b['state'] = [s for s in b['state'] if s['key'] not in keys]


def public(b):
    for k in ('title', 'events', 'parties'):
        del b['lot'][k]
    drop_entries(b, 1, 6, 9)
    drop_state(b, 'lot-status/WR-1', 'party/acme-foods')
    b['report'] = {}


def lot_bundle_cases():
    sec = 'lot bundle (ledger §7.1)'
    S.check(sec, 'accepted with warehouse and bank', lambda: verify(LOT_BUNDLE))

    def device_checkpoints_have_time():
        # spec.md §5: device checkpoints "carry one extension line, time <unix-ms>"
        for name, data in (('ledger-example-bundle.json', DEVICE_BUNDLE), ('report/lot-bundle.json', LOT_BUNDLE)):
            for e in json.loads(data)['entries']:
                entry = ev.parse_entry(e['index'], base64.b64decode(e['entry']))
                if entry.kind == 'anchor':
                    ext = entry.checkpoint.extensions
                    assert len(ext) == 1 and re.fullmatch(r'time (0|[1-9][0-9]*)', ext[0]), \
                        f'{name}: the device checkpoint of anchor {e["index"]} has extension lines {ext}'
    S.check('text vs vectors', 'every anchored device checkpoint carries exactly one time line (spec.md §5)',
            device_checkpoints_have_time)

    S.check(sec, 'its run [0,122) is the whole anchored log: an empty range proof',
            lambda: eq(json.loads(LOT_BUNDLE)['devices'][0]['proof'], [], 'empty proof'))
    expect(sec, 'readings cut at the start (run [1,122) with a valid range proof; the reader needs the lot\'s issue on)',
           mutate(LOT_BUNDLE, lambda b: set_run(b, 1, 122)), 'incomplete-bundle')
    expect(sec, 'readings cut at the end (run [0,121) with a valid range proof)',
           mutate(LOT_BUNDLE, lambda b: set_run(b, 0, 121)), 'incomplete-bundle')
    expect(sec, 'readings cut at both ends (run [2,120))', mutate(LOT_BUNDLE, lambda b: set_run(b, 2, 120)), 'incomplete-bundle')

    def drop_device(b):
        b['devices'] = []
        drop_entries(b, 2, 4)
        drop_state(b, 'device/gw-1')
    expect(sec, 'a dropped device (with its entries and state key)', mutate(LOT_BUNDLE, drop_device), 'incomplete-bundle')
    expect(sec, 'a dropped device (its entries left in: step 11 comes before step 12)',
           mutate(LOT_BUNDLE, lambda b: b.__setitem__('devices', [])), 'incomplete-bundle')

    def alter(b):
        i = 70
        leaf = LOT_LEAVES[i].replace(b'"v":9.5', b'"v":5')
        assert leaf != LOT_LEAVES[i]
        b['devices'][0]['leaves'][i] = ev.b64(leaf)
    expect(sec, 'an altered reading (9.5 -> 5 inside the excursion)', mutate(LOT_BUNDLE, alter), 'root-mismatch')

    def drop_move(b):
        b['lot']['moves'] = []
        drop_entries(b, 8)
    expect(sec, 'a missing chain entry: the move', mutate(LOT_BUNDLE, drop_move), 'incomplete-bundle')

    def drop_pledge(b):
        b['lot']['events'] = []
        b['lot']['parties'] = []
        drop_entries(b, 1, 9)
        drop_state(b, 'party/acme-foods')
        b['report'] = {}
    expect(sec, 'a missing chain entry: the pledge (status chain ends early)', mutate(LOT_BUNDLE, drop_pledge), 'incomplete-bundle')
    expect(sec, 'a move listed twice (its after no longer links)',
           mutate(LOT_BUNDLE, lambda b: b['lot']['moves'].append(8)), 'broken-chain')

    def extra_entry(b):
        public(b)
        b['entries'].append([e for e in json.loads(LOT_BUNDLE)['entries'] if e['index'] == 6][0])
        b['entries'].sort(key=lambda e: e['index'])
    expect(sec, 'an extra entry (the title, in a public bundle)', mutate(LOT_BUNDLE, extra_entry), 'bundle-format')
    expect(sec, 'the party registration no longer listed in parties: the pledge cannot be checked',
           mutate(LOT_BUNDLE, lambda b: b['lot'].__setitem__('parties', [])), 'missing-entry')

    def two_signers(b):
        b['ledger']['checkpoint'] = read(VEC, 'ledger-checkpoint-2-signers.note')
    expect(sec, 'a checkpoint without its state line (ledger-checkpoint-2-signers.note, signed)',
           mutate(LOT_BUNDLE, two_signers), 'checkpoint-format', (('warehouse-op', KEYS['alpha']), ('bank-a', KEYS['beta'])))

    def drop_state_line(b):
        b['ledger']['checkpoint'] = re.sub(r'state [^\n]*\n', '', b['ledger']['checkpoint'])
    expect(sec, 'the state line cut from the signed checkpoint', mutate(LOT_BUNDLE, drop_state_line), 'bad-signature')
    expect(sec, 'threshold not met: only warehouse trusted', LOT_BUNDLE, 'quorum-not-met', (A,))
    expect(sec, 'threshold not met: --threshold 3 (the auditor did not sign)', LOT_BUNDLE, 'quorum-not-met', threshold=3)

    def strip_bank(b):
        cp = b['ledger']['checkpoint']
        b['ledger']['checkpoint'] = '\n'.join(l for l in cp.split('\n') if not l.startswith('\u2014 bank'))
    expect(sec, 'threshold not met: the bank\'s cosignature removed', mutate(LOT_BUNDLE, strip_bank), 'quorum-not-met')
    expect(sec, 'a state key left out: readers/*', mutate(LOT_BUNDLE, lambda b: drop_state(b, 'readers/*')), 'incomplete-bundle')
    expect(sec, 'a state key left out: zone/*/chiller-1', mutate(LOT_BUNDLE, lambda b: drop_state(b, 'zone/*/chiller-1')), 'incomplete-bundle')
    expect(sec, 'a state key left out: lot-status/WR-1', mutate(LOT_BUNDLE, lambda b: drop_state(b, 'lot-status/WR-1')), 'incomplete-bundle')
    expect(sec, 'a state key left out: party/acme-foods', mutate(LOT_BUNDLE, lambda b: drop_state(b, 'party/acme-foods')), 'incomplete-bundle')

    def no_anchor(b):
        d = b['devices'][0]
        del d['anchor']
        d['leaves'], d['proof'] = [], []
        drop_entries(b, 4)
    expect(sec, 'the device without its anchor', mutate(LOT_BUNDLE, no_anchor), 'incomplete-bundle')
    expect(sec, 'a lender bundle without events', mutate(LOT_BUNDLE, lambda b: b['lot'].pop('events')), 'bundle-format')
    expect(sec, 'a report without a lot', mutate(LOT_BUNDLE, lambda b: b.pop('lot')), 'bundle-format')

    def public_with_pledge(b):
        public(b)
        b['report'] = {'pledge': 9}
    expect(sec, 'a public bundle with a pledge (not a pledge of its chain)', mutate(LOT_BUNDLE, public_with_pledge), 'bad-report')
    expect(sec, 'report pledge names the move, not a pledge',
           mutate(LOT_BUNDLE, lambda b: b['report'].__setitem__('pledge', 8)), 'bad-report')
    custom = {'from': 1767247800000, 'to': 1767259200000, 'activationEnergyK': 10000, 'intervalMs': 60000, 'delayMs': 0}
    expect(sec, 'custom window empty (from = to)',
           mutate(LOT_BUNDLE, lambda b: b['report'].__setitem__('custom', dict(custom, to=custom['from']))), 'bad-report')
    expect(sec, 'custom window after the checkpoint',
           mutate(LOT_BUNDLE, lambda b: b['report'].__setitem__('custom', dict(custom, to=custom['to'] + 1))), 'bad-report')
    expect(sec, 'custom without intervalMs',
           mutate(LOT_BUNDLE, lambda b: b['report'].__setitem__('custom', {k: v for k, v in custom.items() if k != 'intervalMs'})), 'bundle-format')

    def reading_other_device(b):
        b['devices'][0]['leaves'][5] = ev.b64(LOT_LEAVES[5].replace(b'"gw-1"', b'"gw-2"').replace(b'gw-1/', b'gw-2/'))
    expect(sec, 'a reading of another device', mutate(LOT_BUNDLE, reading_other_device), 'reading-device')

    def public_ok():
        v = verify(mutate(LOT_BUNDLE, public))
        rep = ev.condition_report(v)
        eq((rep['terms'], rep['pledge'], rep['parameters']['from'], rep['verdict']['covenants']),
           ('lot', None, 1767247200000, 'none'), 'terms')
    S.check(sec, 'the public bundle made from it (no title, chain, parties) verifies; report on the lot\'s terms', public_ok)

    def custom_ok():
        v = verify(mutate(LOT_BUNDLE, lambda b: b['report'].__setitem__('custom', dict(custom, cumulativeMs=900000))))
        rep = ev.condition_report(v)
        eq((rep['terms'], rep['sensors'][0]['cumulativeExceeded'], rep['covenants'][0]['status']),
           ('custom', True, 'breached'), 'custom analysis with the pledge\'s covenants')
    S.check(sec, 'a custom analysis (allowance 15 min) uses the pledge\'s covenants', custom_ok)


def compare(mine, want, path, diffs, tolerant):
    if isinstance(want, dict):
        if not isinstance(mine, dict):
            diffs.append(f'{path}: {mine!r} is not an object')
            return
        for k in sorted(set(want) | set(mine)):
            if k not in mine or k not in want:
                diffs.append(f'{path}/{k}: only in {"the vector" if k in want else "ours"}')
            else:
                compare(mine[k], want[k], f'{path}/{k}', diffs, tolerant)
    elif isinstance(want, list):
        if not isinstance(mine, list) or len(mine) != len(want):
            diffs.append(f'{path}: {mine!r} != {want!r}')
            return
        for i, (a, b) in enumerate(zip(mine, want)):
            compare(a, b, f'{path}[{i}]', diffs, tolerant)
    elif isinstance(want, bool) or want is None or isinstance(want, str):
        if mine != want or type(mine) != type(want):
            diffs.append(f'{path}: {mine!r} != {want!r}')
    else:  # numbers: JSON numbers compare by value (8 and 8.0 are one number)
        if isinstance(mine, bool) or not isinstance(mine, (int, float)):
            diffs.append(f'{path}: {mine!r} is not a number')
        elif mine != want:
            key = path.rsplit('/', 1)[-1]
            if key in tolerant and abs(mine - want) <= 1e-9 * max(1.0, abs(want)):
                diffs.append(f'~{path}: {mine!r} vs {want!r} (within tolerance)')
            else:
                diffs.append(f'{path}: {mine!r} != {want!r}')


# floating-point results whose last bits depend on the order of operations (FINDINGS.md F-32); all
# other numbers are compared exactly.
TOLERANT = {'mean', 'mkt', 'completeness'}


def report_cases():
    sec = 'condition report (ledger §7.2)'
    want = json.loads(read(VEC, 'report', 'report.json'))
    state = {}

    def compute():
        state['rep'] = ev.condition_report(verify(LOT_BUNDLE))
    S.check(sec, 'computed from the lot bundle', compute)

    def field(path):
        def run():
            mine = state['rep']
            w = want
            for p in path:
                mine, w = mine[p], w[p]
            diffs = []
            compare(mine, w, '/' + '/'.join(map(str, path)), diffs, TOLERANT)
            hard = [d for d in diffs if not d.startswith('~')]
            assert not hard, '; '.join(hard)
        return run
    for k in want:
        if k == 'sensors':
            for sk in want['sensors'][0]:
                S.check(sec, f'report.json sensors[0].{sk}', field(['sensors', 0, sk]))
        elif k == 'verdict':
            for vk in want['verdict']:
                S.check(sec, f'report.json verdict.{vk}', field(['verdict', vk]))
        else:
            S.check(sec, f'report.json {k}', field([k]))

    def exact():
        diffs = []
        compare(state['rep'], want, '', diffs, set())
        assert not diffs, '; '.join(diffs)
    S.check(sec, 'report.json: every number bit-exact (mean, MKT, completeness included)', exact)

    def hand_numbers():
        s = state['rep']['sensors'][0]
        # every reading corrected by the probe's calibration, offset -0.2 (§7.2 Calibrations)
        # left to right in time order: minutes 10-59 at 4.8, 60-75 at 9.3, 76-119 at 4.8
        eq(s['mean'], sum([4.8] * 50 + [9.3] * 16 + [4.8] * 44) / 110, 'mean')
        eq(s['completeness'], 110 / 190, 'completeness')
        eq(s['calibration']['status'], 'overdue', 'calibration status')
    S.check(sec, 'mean and completeness recomputed by hand (600/110 after the offset -0.2, 110/190)', hand_numbers)


# ---------------------------------------------------------------------------------------------
# docs/schemas: a small JSON Schema (2020-12) checker for the keywords the two schemas use

def schema_errors(inst, schema, root, path='$'):
    errs = []
    if '$ref' in schema:
        ref = schema['$ref']
        target = root
        for part in ref.lstrip('#/').split('/'):
            target = target[part]
        errs += schema_errors(inst, target, root, path)
    t = schema.get('type')
    if t is not None:
        types = t if isinstance(t, list) else [t]

        def is_type(x, name):
            return {'object': isinstance(x, dict), 'array': isinstance(x, list), 'string': isinstance(x, str),
                    'null': x is None, 'boolean': isinstance(x, bool),
                    'integer': (isinstance(x, int) and not isinstance(x, bool)) or (isinstance(x, float) and x.is_integer()),
                    'number': isinstance(x, (int, float)) and not isinstance(x, bool)}[name]
        if not any(is_type(inst, n) for n in types):
            return errs + [f'{path}: not of type {t}']
    if 'const' in schema and inst != schema['const']:
        errs.append(f'{path}: not {schema["const"]!r}')
    if 'enum' in schema and inst not in schema['enum']:
        errs.append(f'{path}: {inst!r} not in {schema["enum"]}')
    if isinstance(inst, str):
        if 'pattern' in schema and not re.search(schema['pattern'], inst):
            errs.append(f'{path}: does not match {schema["pattern"]}')
        if len(inst) < schema.get('minLength', 0) or len(inst) > schema.get('maxLength', 1 << 60):
            errs.append(f'{path}: length')
    if isinstance(inst, (int, float)) and not isinstance(inst, bool):
        if 'minimum' in schema and inst < schema['minimum']:
            errs.append(f'{path}: below minimum')
        if 'maximum' in schema and inst > schema['maximum']:
            errs.append(f'{path}: above maximum')
        if 'exclusiveMinimum' in schema and inst <= schema['exclusiveMinimum']:
            errs.append(f'{path}: not above exclusiveMinimum')
    if isinstance(inst, list):
        if len(inst) > schema.get('maxItems', 1 << 60):
            errs.append(f'{path}: too many items')
        if 'items' in schema:
            for i, x in enumerate(inst):
                errs += schema_errors(x, schema['items'], root, f'{path}[{i}]')
    if isinstance(inst, dict):
        for k in schema.get('required', []):
            if k not in inst:
                errs.append(f'{path}: lacks {k}')
        props = schema.get('properties', {})
        for k, x in inst.items():
            if k in props:
                errs += schema_errors(x, props[k], root, f'{path}.{k}')
            elif schema.get('additionalProperties') is False:
                errs.append(f'{path}: unexpected {k}')
        for k, deps in schema.get('dependentRequired', {}).items():
            if k in inst and any(d not in inst for d in deps):
                errs.append(f'{path}: {k} requires {deps}')
        if 'not' in schema and not schema_errors(inst, schema['not'], root, path):
            errs.append(f'{path}: matches a "not" schema')
    known = {'$schema', '$id', '$ref', '$defs', 'title', 'description', 'type', 'const', 'enum', 'pattern', 'minLength',
             'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'maxItems', 'items', 'required', 'properties',
             'additionalProperties', 'dependentRequired', 'not'}
    unknown = set(schema) - known
    if unknown:
        errs.append(f'{path}: schema keyword(s) this checker does not know: {sorted(unknown)}')
    return errs


def schema_cases():
    sec = 'schemas (docs/schemas)'
    bs = json.loads(read(DOCS, 'schemas', 'evidence-bundle.schema.json'))
    rs = json.loads(read(DOCS, 'schemas', 'condition-report.schema.json'))
    for name, data in (('ledger-example-bundle.json', DEVICE_BUNDLE), ('report/lot-bundle.json', LOT_BUNDLE)):
        S.check(sec, f'{name} matches evidence-bundle.schema.json',
                lambda data=data: eq(schema_errors(json.loads(data), bs, bs), [], 'errors'))
    S.check(sec, 'report/report.json matches condition-report.schema.json',
            lambda: eq(schema_errors(json.loads(read(VEC, 'report', 'report.json')), rs, rs), [], 'errors'))
    S.check(sec, 'our report matches condition-report.schema.json',
            lambda: eq(schema_errors(json.loads(json.dumps(ev.condition_report(verify(LOT_BUNDLE)))), rs, rs), [], 'errors'))

    def mutated():
        b = json.loads(LOT_BUNDLE)
        b['lot'].pop('events')
        assert schema_errors(b, bs, bs), 'a lot with title but no events breaks dependentRequired'
        b = json.loads(DEVICE_BUNDLE)
        b['report'] = {}
        assert schema_errors(b, bs, bs), 'a report without a lot'
    S.check(sec, 'the schema refuses what the verifier refuses as bundle-format (two cases)', mutated)


# ---------------------------------------------------------------------------------------------
# bundles built here with freshly generated keys (synth.py): the failures that need a new
# signature, which the published vectors cannot give (FINDINGS.md F-05)

def synthetic_cases():
    sec = 'own-key bundles (ledger §7)'
    import synth
    state = {}

    def baseline():
        data, trusted, info = synth.build()
        state['info'] = info
        v = verify(data, trusted)
        rep = ev.condition_report(v)
        eq((rep['terms'], rep['verdict']['range'], rep['verdict']['covenants']), ('pledge', 'out-of-range', 'breached'), 'verdict')
        bs = json.loads(read(DOCS, 'schemas', 'evidence-bundle.schema.json'))
        eq(schema_errors(json.loads(data), bs, bs), [], 'schema')
    S.check(sec, 'a lender bundle built from spec-ledger.md verifies (and matches the schema)', baseline)
    info = state.get('info') or synth.build()[2]

    def case(name, code, **kw):
        def run():
            data, trusted, _ = synth.build(**kw)
            if code is None:
                verify(data, trusted)
            else:
                refused(lambda: verify(data, trusted), code)
        S.check(sec, f'{"refused (" + code + ")" if code else "accepted"}: {name}', run)
    case('the anchor received more than 5 minutes after the ledger checkpoint', 'anchor-after-checkpoint', late_anchor=True)
    case('the title statement is not the one the lot commits to', 'title-mismatch', title_mismatch=True)
    case('a pledge without the owner\'s signature', 'owner-consent-required', pledge_signers=('bank',))
    case('a pledge signed by another lender than the one it names', 'not-the-lender', pledge_signers=('bank2', 'owner'))
    case('a move dated before the lot\'s issue', 'broken-chain', move_at=info['issued'] - 1)
    case('a move dated after the issue', None, move_at=info['issued'] + 5)
    case('a party key replaced with only the operator\'s signature (quorum 2)', 'party-consent-required', party_replacement='none')
    case('a party key replaced, signed by the replaced key', None, party_replacement='old-key')
    case('a party key replaced, signed by a quorum of members', None, party_replacement='quorum')
    case('a correctly signed ledger checkpoint without its state line', 'checkpoint-format', checkpoint_ext=[f'time {info["cp_time"]}'])
    case('a correctly signed ledger checkpoint with state before time', 'checkpoint-format',
         checkpoint_ext=['state ' + ev.b64(bytes(32)), f'time {info["cp_time"]}'])
    case('a correctly signed ledger checkpoint with a third extension line', 'checkpoint-format',
         checkpoint_ext=[f'time {info["cp_time"]}', 'state ' + ev.b64(bytes(32)), 'extra 1'])
    case('a correctly signed ledger checkpoint whose time has a leading zero', 'checkpoint-format',
         checkpoint_ext=[f'time 0{info["cp_time"]}', 'state ' + ev.b64(bytes(32))])
    case('a second device listed by zone/*/chiller-1 (no site), included', None, second_device=True)
    case('that second device dropped', 'incomplete-bundle', second_device=True, drop_second_device=True)
    case('signed by warehouse and an untrusted member (bank2)', 'quorum-not-met', checkpoint_signers=('warehouse', 'bank2'))

    def released():
        data, trusted, info2 = synth.build(release_at=info['issued'] + 3600000)
        rep = ev.condition_report(verify(data, trusted, threshold=None))
        eq(rep['parameters']['to'], info['issued'] + 3600000, 'a released pledge\'s window ends at the release')
    S.check(sec, 'a released pledge: the window ends at the release\'s at (§7.2)', released)

    def two_channels():
        data, trusted, _ = synth.build(second_device=True)
        rep = ev.condition_report(verify(data, trusted))
        eq([(c['device'], c['site']) for c in rep['sensors']], [('gw-9', 's1'), ('gw-z', None)], 'channels')
        eq(rep['sensors'][1]['excursions'], [], 'the probe without a site stayed in range')
    S.check(sec, 'a channel without a site describes the lot at any site (§7.2)', two_channels)

    def suppressed():
        data, trusted, info2 = synth.build(suppression=True)
        rep = ev.condition_report(verify(data, trusted))
        eq(rep['suppressed'], [{'device': 'gw-9', 'zone': 'chiller-1', 'reason': 'defrost', 'from': info2['issued'] + 25 * 60000,
                                'to': info2['issued'] + 35 * 60000, 'startSeq': 61, 'endSeq': 63}], 'suppressed')
        eq((rep['verdict']['range'], rep['verdict']['covenants']), ('out-of-range', 'breached'), 'the verdict is not changed')
        rs = json.loads(read(DOCS, 'schemas', 'condition-report.schema.json'))
        eq(schema_errors(json.loads(json.dumps(rep)), rs, rs), [], 'schema')
        eq('suppressed' in ev.condition_report(verify(*synth.build()[:2])), False, 'left out when empty')
    S.check(sec, 'suppressed spans of the lot\'s zone are listed from the signed leaves; the verdict is unchanged (§7.2)', suppressed)

    # §7.1 step 11a and §7.2 Calibrations
    issued = info['issued']
    day = 86400000
    case('the calibration key of a measuring sensor left out', 'incomplete-bundle', drop_calibration_key=True)
    case('a calibrate entry the key lists left out', 'missing-entry', calibrations=[('-0.3', 1, issued + day), ('0.1', 2, issued + day)],
         drop_calibration_entry=True)
    case('a calibrate entry no key lists', 'bundle-format', extra_calibration=True)

    def report_of(**kw):
        data, trusted, info2 = synth.build(**kw)
        rep = ev.condition_report(verify(data, trusted))
        rs = json.loads(read(DOCS, 'schemas', 'condition-report.schema.json'))
        eq(schema_errors(json.loads(json.dumps(rep)), rs, rs), [], 'schema')
        return rep, info2

    def uncalibrated():
        rep, _ = report_of()
        eq(rep['sensors'][0]['calibration'], {'status': 'none', 'overdueFrom': None, 'applied': []}, 'calibration')
        eq(rep['verdict']['calibration'], ['gw-9 t1 temperature: no calibration on record; its readings are not corrected'], 'flag')
        eq(rep['sensors'][0]['max'], 9.5, 'raw values')
    S.check(sec, 'no calibration on record: raw values, flagged, verdict unchanged', uncalibrated)

    def flips():
        rep, _ = report_of(calibrations=[('-1.6', 1, issued + day)])
        s = rep['sensors'][0]
        eq((s['max'], s['min'], s['excursions']), (7.9, 3.4, []), '9.5 - 1.6 = 7.9, within the band')
        eq((rep['covenantBreached'], rep['verdict']['calibration']), (False, []), 'no breach, nothing flagged')
        eq(s['calibration']['status'], 'current', 'status')
    S.check(sec, 'an offset moves readings near the limit back within it: no excursion, no breach', flips)

    def overdue_and_supersession():
        rep, info2 = report_of(calibrations=[('-0.3', 1, issued + 10 * 60000), ('0.5', issued + 30 * 60000, issued + day)])
        s = rep['sensors'][0]
        a, b = info2['calibrations']
        eq([x['entry'] for x in s['calibration']['applied']], [a, b], 'both applied')
        eq((s['calibration']['status'], s['calibration']['overdueFrom']), ('overdue', issued + 10 * 60000), 'overdue')
        eq((s['min'], s['max']), (4.7, 10.0), '5 - 0.3 before minute 30, 9.5 + 0.5 after')
        eq(rep['verdict']['calibration'], [f'gw-9 t1 temperature: calibration overdue from {ev.iso_s(issued + 10 * 60000)} '
                                           f'(ledger entry {a}, certificate C-1, due {ev.iso_s(issued + 10 * 60000)})'], 'flag')
        eq(rep['verdict']['covenants'], 'breached', 'an overdue calibration changes no verdict')
    S.check(sec, 'overdue, then superseded inside the window: each reading corrected by the calibration in force at its time', overdue_and_supersession)


def cli_cases():
    sec = 'command line'
    import subprocess
    tool = os.path.join(HERE, 'edgetrace_verify.py')
    keys = ['--key', 'warehouse=' + ev.b64(KEYS['alpha']), '--key', 'bank=' + ev.b64(KEYS['beta'])]

    def run(*args):
        p = subprocess.run([sys.executable, tool] + list(args), capture_output=True, text=True)
        return p.returncode, p.stdout

    def codes():
        eq(run('bundle', os.path.join(VEC, 'ledger-example-bundle.json'), *keys)[0], 0, 'verified')
        rc, out = run('bundle', os.path.join(VEC, 'ledger-example-bundle.json'), keys[0], keys[1])
        eq((rc, out.split(':')[0:2]), (1, ['failed', ' quorum-not-met']), 'failed: <code>')
        eq(run('bundle', os.path.join(VEC, 'ledger-example-bundle.json'))[0], 2, 'bad arguments')
        rc, out = run('report', os.path.join(VEC, 'report', 'lot-bundle.json'), *keys, '--json')
        eq(rc, 0, 'out of range and breached: judged, exit 0')
        eq(json.loads(out)['verdict']['range'], 'out-of-range', 'verdict')
    S.check(sec, 'exit status 0 / 1 with "failed: <code>" / 2, and report --json', codes)


def acknowledge_cases():
    """spec-ledger.md §3.5: the example acknowledge statement, its field rules, and the leaf it names."""
    sec = 'ledger §3.5 acknowledge'
    text = code_blocks(LEDGER[LEDGER.index('### 3.5 Alarm acknowledgements'):LEDGER.index('## 4. Ledger rules')])[0]
    leaves = [line.encode() for line in read(VEC, 'device-log-leaves.jsonl').split('\n') if line]

    def example():
        st = ev.parse_statement(text)
        eq((st.kind, st.f['device'], st.f['alarm'], st.f['zone'], st.f['rule'], st.f['by']),
           ('acknowledge', 'gw-demo', '4', 'chiller-1', 'high-8c-10m', 'dashboard:Li Wei'), 'fields')
        leaf = ev.check_acknowledged_leaf(st, leaves[4])
        eq((leaf['kind'], leaf['vs']), ('alarm', 'start'), 'the named leaf is an alarm start')
    S.check(sec, 'the example parses and names the alarm start leaf of the vectors', example)

    def wrong_leaf():
        st = ev.parse_statement(text)
        for other in (leaves[3], leaves[2]):
            try:
                ev.check_acknowledged_leaf(st, other)
            except ev.Refused as ex:
                eq(ex.code, 'bad-acknowledgement', 'code')
            else:
                raise AssertionError('a leaf that is not the alarm start was accepted')
        renamed = ev.parse_statement(text.replace('rule high-8c-10m', 'rule high-10c'))
        try:
            ev.check_acknowledged_leaf(renamed, leaves[4])
        except ev.Refused:
            pass
        else:
            raise AssertionError('another rule was accepted')
    S.check(sec, 'a leaf other than the alarm start, or another rule, is refused', wrong_leaf)

    def field_rules():
        comment = 'comment Door left open during loading; closed at 10:20, back to 4 °C.'
        good = [text.replace(comment, 'comment ' + 'x' * 500), text.replace('by dashboard:Li Wei', 'by ' + 'b' * 80),
                text.replace('alarm 4', 'alarm 0')]
        for t in good:
            ev.parse_statement(t)
        bad = [text.replace(comment, 'comment ' + 'x' * 501), text.replace('by dashboard:Li Wei', 'by ' + 'b' * 81),
               text.replace('alarm 4', 'alarm 04'), text.replace('rule high-8c-10m', 'rule high 8c'),
               text.replace(comment, 'comment closed \u202e4 °C'), text.replace(comment + '\n', ''),
               text.replace('zone chiller-1\nrule high-8c-10m', 'rule high-8c-10m\nzone chiller-1'),
               text.replace('by dashboard:Li Wei', 'by dashboard:Li Wei\u00a0')]
        for t in bad:
            try:
                ev.parse_statement(t)
            except ValueError:
                continue
            raise AssertionError(f'accepted: {t!r}')
    S.check(sec, 'free-text limits (by 80, comment 500), numbers, ids and field order', field_rules)


def main():
    for part in (leaf_cases, merkle_cases, note_cases, state_map_cases, worked_example, device_bundle_cases,
                 lot_bundle_cases, report_cases, schema_cases, synthetic_cases, cli_cases, acknowledge_cases, calibration_cases):
        try:
            part()
        except Exception as ex:
            S.results.append(('FAIL', part.__name__, 'setting up the checks', f'{type(ex).__name__}: {ex}\n{traceback.format_exc()}'))
    return 0 if S.report() else 1


if __name__ == '__main__':
    sys.exit(main())
