"""Builds evidence bundles from scratch with keys generated on the spot, following
docs/spec-ledger.md (the producer side), so that failures needing a fresh signature can be tested:
the published test keys' private halves are not in the documents (FINDINGS.md F-05).

build(**options) returns (bundle bytes, trusted keys); each option changes one thing a
producer could get wrong or a forger could try.
"""
import base64
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import edgetrace_verify as ev

_KEYS = {}


def key(name):
    if name not in _KEYS:
        _KEYS[name] = ec.generate_private_key(ec.SECP256R1())
    return _KEYS[name]


def spki(name):
    return key(name).public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)


def spki64(name):
    return ev.b64(spki(name))


def sign_note(text, signers):
    """signers: [(key name in the line, key)]"""
    lines = []
    for line_name, k in signers:
        sig = key(k).sign(text.encode(), ec.ECDSA(hashes.SHA256()))
        lines.append(f'\u2014 {line_name} {ev.b64(ev.key_id(spki(k)) + sig)}\n')
    return text + '\n' + ''.join(lines)


class Ledger:
    def __init__(self, consortium='synth'):
        self.c = consortium
        self.entries = []
        self.nonce = 0

    def statement(self, kind, body, time=1767225600000):
        self.nonce += 1
        lines = [f'edgetrace/statement/v1 {kind}', f'consortium {self.c}', f'time {time}',
                 f'nonce {self.nonce:032x}'] + body
        return ''.join(x + '\n' for x in lines)

    def add(self, kind, note, header=()):
        data = f'edgetrace/entry/v1 {kind}\n' + ''.join(h + '\n' for h in header) + '\n' + note
        self.entries.append(data.encode())
        return len(self.entries) - 1


T0 = 1767225600000          # 2026-01-01T00:00:00Z
MIN = 60000
GTIN_EPC = 'urn:epc:id:sgtin:0614141.100734.2001'


def leaf(dev, seq, kind, ms, sensor=None, zone=None, quantity=None, value=None, vs=None):
    parts = [f'"ver":1', f'"dev":"{dev}"', f'"seq":{seq}', f'"kind":"{kind}"']
    if sensor:
        parts.append(f'"sensor":"{sensor}"')
    if zone:
        parts.append(f'"zone":"{zone}"')
    parts.append(f'"n":"{dev}/{sensor}/{quantity}"')
    if value is not None:
        parts.append(f'"u":"{ev.UNITS[quantity]}"')
    parts.append(f'"t":{ms // 1000}.{ms % 1000:03d}')
    if value is not None:
        parts.append(f'"v":{value}')
    if vs is not None:
        parts.append(f'"vs":"{vs}"')
    parts.append(f'"salt":"{seq:032x}"')
    return ('{' + ','.join(parts) + '}').encode()


def build(late_anchor=False, title_mismatch=False, pledge_signers=('bank', 'owner'), pledge_lender='bank',
          move_at=None, party_replacement=None, checkpoint_ext=None, release_at=None, second_device=False,
          drop_second_device=False, report=None, checkpoint_signers=('warehouse', 'bank'), suppression=False,
          calibrations=(), drop_calibration_entry=False, drop_calibration_key=False, extra_calibration=False):
    L = Ledger()
    members = [('warehouse', 'operator', 'm-warehouse'), ('bank', 'lender', 'm-bank'), ('bank2', 'lender', 'm-bank2')]
    g = L.statement('genesis', ['quorum 2'] + [f'member {n} {r} {spki64(k)}' for n, r, k in members])
    L.add('genesis', sign_note(g, [('warehouse', 'm-warehouse')]))
    op = [('warehouse', 'm-warehouse')]
    party = L.add('party', sign_note(L.statement('party', ['party acme', f'key {spki64("p-acme")}']), op))
    parties = [party]
    party_key = 'p-acme'
    if party_replacement:
        signers = {'none': op, 'old-key': op + [('edgetrace/party/acme', 'p-acme')],
                   'quorum': op + [('bank', 'm-bank')]}[party_replacement]
        rep = L.add('party', sign_note(L.statement('party', ['party acme', f'key {spki64("p-acme2")}',
                                                            f'replaces {party}']), signers))
        parties.append(rep)
        party_key = 'p-acme2'
    enrol = L.add('enrol', sign_note(L.statement('enrol', ['device gw-9', f'key {spki64("d-gw9")}', 'site s1',
                                                          'sensor t1 temperature chiller-1', 'sensor r1 epc chiller-1']), op))
    # calibrations of gw-9's probe t1 (spec-ledger.md §3.6): (offset, calibrated, due), by ledger index
    def calibrate(offset, calibrated, due):
        return L.add('calibrate', sign_note(L.statement('calibrate', [
            'device gw-9', 'sensor t1', 'unit Cel', f'offset {offset}', 'certificate C-1', 'laboratory Lab One',
            f'calibrated {calibrated}', f'due {due}']), op))
    cals = [calibrate(*c) for c in calibrations]
    extra_cal = calibrate('0.1', 1, 2) if extra_calibration else None  # an entry no state key lists
    # the device log: an RFID read after the issue, then a reading a minute for an hour
    issued = T0 + 10 * MIN
    leaves = [leaf('gw-9', 0, 'observation', issued + 1000, 'r1', 'chiller-1', 'epc', vs=GTIN_EPC)]
    for i in range(60):
        leaves.append(leaf('gw-9', i + 1, 'measurement', issued + 2000 + i * MIN, 't1', 'chiller-1', 'temperature',
                           value=9.5 if 20 <= i < 40 else 5))
    if suppression:  # a defrost of chiller-1 from minute 25 to 35 (spec.md §2.8), and one of another zone
        for code, at in (('suppression-start', 25), ('suppression-end', 35)):
            for zone in ('chiller-1', 'freezer-1'):
                seq = len(leaves)
                leaves.append((f'{{"ver":1,"dev":"gw-9","seq":{seq},"kind":"event","zone":"{zone}","reason":"defrost",'
                               f'"n":"gw-9/event/{code}","t":{(issued + at * MIN) // 1000}.{(issued + at * MIN) % 1000:03d},'
                               f'"vs":"{code}","salt":"{seq:032x}"}}').encode())
    hashes = [ev.leaf_hash(x) for x in leaves]
    cp_time = issued + 2 * 3600 * 1000
    dev_cp = f'edgetrace/device/gw-9\n{len(leaves)}\n{ev.b64(ev.mth(hashes))}\ntime {issued + 61 * MIN}\n'
    received = cp_time + 5 * MIN + 1 if late_anchor else issued + 62 * MIN
    anchor = L.add('anchor', sign_note(dev_cp, [('edgetrace/device/gw-9', 'd-gw9')]),
                   [f'received {received}', f'enrolment {enrol}'])
    devices = [('gw-9', enrol, anchor, leaves, hashes)]
    if second_device:  # a probe without a site, in the same zone: zone/*/chiller-1 lists it
        e2 = L.add('enrol', sign_note(L.statement('enrol', ['device gw-z', f'key {spki64("d-gwz")}',
                                                           'sensor p1 temperature chiller-1']), op))
        lz = [leaf('gw-z', i, 'measurement', issued + 3000 + i * MIN, 'p1', 'chiller-1', 'temperature', value=4)
              for i in range(60)]
        hz = [ev.leaf_hash(x) for x in lz]
        cpz = f'edgetrace/device/gw-z\n{len(lz)}\n{ev.b64(ev.mth(hz))}\ntime {issued + 61 * MIN}\n'
        az = L.add('anchor', sign_note(cpz, [('edgetrace/device/gw-z', 'd-gwz')]),
                   [f'received {issued + 62 * MIN}', f'enrolment {e2}'])
        devices.append(('gw-z', e2, az, lz, hz))
    title_text = L.statement('title', ['receipt WR-9', 'depositor acme', 'owner acme', 'quantity 10', 'unit carton'])
    committed = title_text if not title_mismatch else L.statement('title', ['receipt WR-9', 'depositor acme',
                                                                            'owner acme', 'quantity 11', 'unit carton'])
    title = L.add('title', sign_note(title_text, op))
    lot = L.add('lot', sign_note(L.statement('lot', [
        'receipt WR-9', f'title {ev.b64(ev.H(committed.encode()))}', 'site s1', 'zone chiller-1',
        'product Chilled salmon', 'gtin 10614141007346', 'batch B-9', 'band temperature 2 8',
        f'issued {issued}', f'valid-until {issued + 365 * 86400000}', f'epc {GTIN_EPC}']), op))
    moves = []
    location = lot
    if move_at is not None:
        mv = L.add('move', sign_note(L.statement('move', ['receipt WR-9', f'lot {lot}', f'after {lot}', 'site s1',
                                                          'zone chiller-1', f'at {move_at}']), op))
        moves.append(mv)
        location = mv
    line_names = {'bank': ('bank', 'm-bank'), 'bank2': ('bank2', 'm-bank2'), 'owner': ('edgetrace/party/acme', party_key)}
    pledge = L.add('pledge', sign_note(L.statement('pledge', [
        'receipt WR-9', f'lot {lot}', f'after {lot}', f'lender {pledge_lender}', 'owner acme', 'amount 1000',
        'currency CNY', f'start {issued}', f'end {issued + 30 * 86400000}', 'covenant temperature above 8 for 15m']),
        [line_names[s] for s in pledge_signers]))
    events = [pledge]
    head, status, active = pledge, 'pledged', f'pledge {pledge}\n'
    if release_at is not None:
        rel = L.add('release', sign_note(L.statement('release', ['receipt WR-9', f'lot {lot}', f'after {pledge}',
                                                                f'pledge {pledge}', f'at {release_at}']),
                                         [('bank', 'm-bank')]))
        events.append(rel)
        head, status, active = rel, 'issued', ''
    size = len(L.entries)
    ledger_hashes = [ev.leaf_hash(x) for x in L.entries]
    # the state map after all entries (spec-ledger.md §5.1)
    state = {
        'consortium': 'quorum 2\n' + ''.join(f'member {n} {r} {spki64(k)} 0\n' for n, r, k in members),
        'device/gw-9': f'enrolment {enrol}\nanchor {anchor}\nsize {len(leaves)}\nroot {ev.b64(ev.mth(hashes))}\n',
        'zone/s1/chiller-1': 'device gw-9\n',
        'readers/s1': 'device gw-9\n',
        'party/acme': f'registration {parties[-1]}\nkey {ev.b64(ev.H(spki(party_key)))}\n',
        'lot/WR-9': f'entry {lot}\nlocation {location}\n',
        'lot-status/WR-9': f'salt {title_text.split("nonce ")[1][:32]}\nhead {head}\n'
                           f'status {status}\nowner acme\nquantity 10\n{active}',
    }
    if cals:
        state['calibration/gw-9/t1'] = ''.join(f'entry {i}\n' for i in cals)
    if second_device:
        _, e2, az, lz, hz = devices[1]
        state['device/gw-z'] = f'enrolment {e2}\nanchor {az}\nsize {len(lz)}\nroot {ev.b64(ev.mth(hz))}\n'
        state['zone/*/chiller-1'] = 'device gw-z\n'
    smap = ev.StateMap(state)
    ext = checkpoint_ext if checkpoint_ext is not None else [f'time {cp_time}', f'state {ev.b64(smap.root())}']
    cp_text = f'edgetrace/ledger/synth\n{size}\n{ev.b64(ev.mth(ledger_hashes))}\n' + ''.join(x + '\n' for x in ext)
    names = {'warehouse': ('warehouse', 'm-warehouse'), 'bank': ('bank', 'm-bank'), 'bank2': ('bank2', 'm-bank2')}
    checkpoint = sign_note(cp_text, [names[n] for n in checkpoint_signers])
    named = {enrol, anchor, lot, title} | set(moves) | set(events) | set(parties) | set(cals[1:] if drop_calibration_entry else cals)
    if extra_cal is not None:
        named.add(extra_cal)
    if second_device and not drop_second_device:
        named |= {devices[1][1], devices[1][2]}
    needed = ['consortium', 'device/gw-9', 'lot/WR-9', 'lot-status/WR-9', 'party/acme', 'readers/*', 'readers/s1',
              'zone/*/chiller-1', 'zone/s1/chiller-1']
    if not drop_calibration_key:
        needed.append('calibration/gw-9/t1')  # step 11a: present or proven absent
    if second_device and not drop_second_device:
        needed += ['device/gw-z', 'calibration/gw-z/p1']
    st = []
    for k in sorted(needed, key=lambda x: x.encode()):
        p = smap.proof(k)
        item = {'key': k}
        if p.get('present'):
            item['value'] = state[k]
        elif 'other' in p:
            item['other'] = {'keyHash': ev.b64(p['other'][0]), 'valueHash': ev.b64(p['other'][1])}
        item['proof'] = [ev.b64(x) for x in p['proof']]
        st.append(item)
    bundle = {
        'format': 'edgetrace-evidence/v2',
        'ledger': {'origin': 'edgetrace/ledger/synth', 'checkpoint': checkpoint},
        'entries': [{'index': i, 'entry': ev.b64(L.entries[i]),
                     'proof': [ev.b64(x) for x in ev.inclusion_path(i, ledger_hashes)]} for i in sorted(named)],
        'state': st,
        'devices': [{'device': d, 'enrolment': e, 'anchor': a, 'first': 0, 'leaves': [ev.b64(x) for x in lv],
                     'proof': []} for d, e, a, lv, _ in devices[:1 if drop_second_device else None]],
        'lot': {'receipt': 'WR-9', 'entry': lot, 'moves': moves, 'title': title, 'events': events, 'parties': parties},
        'report': report if report is not None else {'pledge': pledge},
    }
    trusted = [('warehouse', spki('m-warehouse')), ('bank', spki('m-bank'))]
    return json.dumps(bundle).encode(), trusted, {'issued': issued, 'cp_time': cp_time, 'pledge': pledge, 'calibrations': cals}
