#!/usr/bin/env python3
"""An independent EdgeTrace verifier, written from docs/spec.md and docs/spec-ledger.md alone.

It implements the base formats (reading leaves, RFC 9162 Merkle trees, C2SP signed notes,
checkpoints and tlog-proofs), the ledger's state map, evidence bundles (edgetrace-evidence/v2) and
condition reports. Where the text left a choice open, the code says so with a reference to
FINDINGS.md (F-numbers).

Only the standard library and `cryptography` (ECDSA P-256) are used.

Command line:
  edgetrace_verify.py bundle FILE --key NAME=BASE64_SPKI [...] [--threshold K] [--not-before MS]
  edgetrace_verify.py report FILE --key NAME=BASE64_SPKI [...] [--threshold K] [--not-before MS]
Exit status: 0 verified, 1 refused (prints "failed: <code>: <what>"), 2 bad arguments.
"""
import base64
import hashlib
import json
import math
import re
import sys
from datetime import datetime, timezone
from decimal import Decimal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


class Refused(Exception):
    """A verdict of refusal, with the code the spec names (or our guess, see FINDINGS.md)."""

    def __init__(self, code, what=''):
        super().__init__(f'{code}: {what}' if what else code)
        self.code = code
        self.what = what


def H(data):
    return hashlib.sha256(data).digest()


def b64(data):
    return base64.b64encode(data).decode('ascii')


MAX_INT63 = 2 ** 63 - 1
DECIMAL_DIGITS = re.compile(r'0|[1-9][0-9]*')
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

# ---------------------------------------------------------------------------------------------
# spec.md §1: conventions

_B64_RE = re.compile(r'(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?')


def b64decode_canonical(text, code='base64', what='base64'):
    """Canonical base64 (spec.md §1): standard alphabet, padded, no white space, unused bits zero."""
    if not isinstance(text, str) or not _B64_RE.fullmatch(text):
        raise Refused(code, f'{what}: not canonical base64')
    data = base64.b64decode(text, validate=True)
    if b64(data) != text:
        raise Refused(code, f'{what}: non-zero unused bits in base64')
    return data


def b64hash(text, code, what='hash'):
    data = b64decode_canonical(text, code, what)
    if len(data) != 32:
        raise Refused(code, f'{what}: not 32 bytes')
    return data


def is_control(ch):
    o = ord(ch)
    return o < 0x20 or 0x7F <= o <= 0x9F


WHITE_SPACE = set(chr(c) for c in list(range(0x09, 0x0E)) + [0x20, 0x85, 0xA0, 0x1680] +
                  list(range(0x2000, 0x200B)) + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000])


def utf16_len(text):
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def decimal_int(text, maximum=MAX_INT63):
    """Decimal digits without sign or leading zeros, at most `maximum`; None if not so."""
    if not isinstance(text, str) or not DECIMAL_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= maximum else None


# ---------------------------------------------------------------------------------------------
# spec.md §2: reading leaves

ID_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9._-]{0,63}')
SENSOR_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}')
CODE_RE = re.compile(r'[a-z0-9][a-z0-9-]{0,63}')
SALT_RE = re.compile(r'[0-9a-f]{32}')
T_RE = re.compile(r'(0|[1-9][0-9]{0,11})\.[0-9]{3}')
VS_RE = re.compile(r'[\x21\x23-\x5b\x5d-\x7e]{1,256}')
RAW_EPC_RE = re.compile(r'raw:[0-9A-F]{1,252}')
SGTIN_RE = re.compile(r'urn:epc:id:sgtin:([0-9]{6,12})\.([0-9]{1,7})\.'
                      r"((?:[A-Za-z0-9!'()*+,\-.:;=_]|%22|%25|%26|%2F|%3C|%3E|%3F)+)")
JSON_NUMBER_RE = re.compile(r'-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?')
UNITS = {'temperature': 'Cel', 'humidity': '%RH', 'pressure': 'Pa'}
KINDS = ('measurement', 'observation', 'fault', 'alarm', 'event')
STRING_FIELDS = {'dev', 'kind', 'sensor', 'zone', 'rule', 'severity', 'reason', 'n', 'u', 'vs', 'detail', 'salt'}
SEVERITIES = ('warning', 'alarm')  # spec.md §2.1: absent means alarm
NUMBER_FIELDS = {'ver', 'seq', 't', 'v'}
T_MAX_MS = 253402300799999


def sgtin_parts(text):
    """(company, item, serial) of a canonical SGTIN pure-identity URI (spec.md §2.6), else None."""
    m = SGTIN_RE.fullmatch(text)
    if not m:
        return None
    company, item, serial = m.groups()
    if len(company) + len(item) != 13:
        return None
    if not 1 <= len(re.sub(r'%[0-9A-F]{2}', '_', serial)) <= 20:
        return None
    return company, item, serial


def gs1_check_digit(digits):
    total = 0
    for i, d in enumerate(reversed(digits)):
        total += int(d) * (3 if i % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def sgtin_gtin(text):
    company, item, _ = sgtin_parts(text)
    body = item[0] + company + item[1:]
    return body + gs1_check_digit(body)


class _LeafJson:
    """A strict reader for one flat JSON object (spec.md §2.4) that keeps number spellings."""

    WS = ' \t\n\r'

    def __init__(self, text):
        self.s = text
        self.i = 0

    def fail(self, what):
        raise Refused('leaf', what)

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in self.WS:
            self.i += 1

    def string(self):
        s = self.s
        if self.i >= len(s) or s[self.i] != '"':
            self.fail('expected a string')
        self.i += 1
        out = []
        while True:
            if self.i >= len(s):
                self.fail('unterminated string')
            c = s[self.i]
            if c == '"':
                self.i += 1
                return ''.join(out)
            if ord(c) < 0x20:
                self.fail('raw control character in a string')
            if c != '\\':
                out.append(c)
                self.i += 1
                continue
            if self.i + 1 >= len(s):
                self.fail('bad escape')
            e = s[self.i + 1]
            simple = {'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}
            if e in simple:
                out.append(simple[e])
                self.i += 2
                continue
            if e != 'u':
                self.fail('bad escape')
            cu = self._hex4(self.i + 2)
            self.i += 6
            if 0xD800 <= cu <= 0xDBFF:
                if s[self.i:self.i + 2] == '\\u':
                    lo = self._hex4(self.i + 2)
                    if 0xDC00 <= lo <= 0xDFFF:
                        out.append(chr(0x10000 + ((cu - 0xD800) << 10) + (lo - 0xDC00)))
                        self.i += 6
                        continue
                self.fail('lone surrogate escape')
            if 0xDC00 <= cu <= 0xDFFF:
                self.fail('lone surrogate escape')
            out.append(chr(cu))

    def _hex4(self, at):
        h = self.s[at:at + 4]
        if len(h) != 4 or not re.fullmatch(r'[0-9A-Fa-f]{4}', h):
            self.fail('bad \\u escape')
        return int(h, 16)

    def value(self):
        if self.i < len(self.s) and self.s[self.i] == '"':
            return 'string', self.string()
        m = JSON_NUMBER_RE.match(self.s, self.i)
        if not m or m.end() == self.i:
            self.fail('a value that is neither a string nor a number')
        self.i = m.end()
        return 'number', m.group(0)

    def object(self):
        members = []
        if self.s[:1] != '{':
            self.fail('not an object')
        self.i = 1
        self.ws()
        if self.s[self.i:self.i + 1] == '}':
            self.i += 1
        else:
            while True:
                self.ws()
                name = self.string()
                self.ws()
                if self.s[self.i:self.i + 1] != ':':
                    self.fail('expected :')
                self.i += 1
                self.ws()
                members.append((name,) + self.value())
                self.ws()
                c = self.s[self.i:self.i + 1]
                self.i += 1
                if c == '}':
                    break
                if c != ',':
                    self.fail('expected , or }')
        if self.i != len(self.s):
            self.fail('bytes after the object')
        return members


def parse_leaf(data):
    """Parse and check one reading leaf (spec.md §2). Returns a dict of its fields plus
    'ms' (time in ms), 'value' (float or None) and 'quantity' (or None). Raises Refused('leaf')."""
    if not 1 <= len(data) <= 2048:
        raise Refused('leaf', 'a leaf is 1 to 2048 bytes')
    if data[:1] != b'{' or data[-1:] != b'}':
        raise Refused('leaf', 'the first byte must be { and the last }')
    try:
        text = data.decode('utf-8', errors='strict')
    except UnicodeDecodeError:
        raise Refused('leaf', 'not well-formed UTF-8')
    members = _LeafJson(text).object()
    f = {}
    raw = {}
    for name, typ, val in members:
        if name in f:
            raise Refused('leaf', f'field {name!r} twice')
        if name in STRING_FIELDS:
            if typ != 'string':
                raise Refused('leaf', f'{name} must be a string')
        elif name in NUMBER_FIELDS:
            if typ != 'number':
                raise Refused('leaf', f'{name} must be a number')
        else:
            raise Refused('leaf', f'unknown field {name!r}')
        f[name] = val
        raw[name] = val
    for req in ('ver', 'dev', 'seq', 'kind', 'n', 't', 'salt'):
        if req not in f:
            raise Refused('leaf', f'{req} missing')
    if f['ver'] != '1':
        raise Refused('leaf', 'ver must be 1, written 1')
    seq = decimal_int(f['seq'])
    if seq is None:
        raise Refused('leaf', 'seq must be decimal digits, at most 2^63-1')
    if not T_RE.fullmatch(f['t']):
        raise Refused('leaf', 't must have exactly three decimals')
    ms = int(f['t'].replace('.', ''))
    if ms > T_MAX_MS:
        raise Refused('leaf', 't after 9999-12-31')
    value = None
    if 'v' in f:
        value = float(f['v'])
        if math.isinf(value):
            raise Refused('leaf', 'v is infinite')
        value = value + 0.0  # -0 is zero
    if not ID_RE.fullmatch(f['dev']):
        raise Refused('leaf', 'bad dev')
    kind = f['kind']
    if kind not in KINDS:
        raise Refused('leaf', 'bad kind')
    if not SALT_RE.fullmatch(f['salt']):
        raise Refused('leaf', 'bad salt')
    if 'zone' in f and not ID_RE.fullmatch(f['zone']):
        raise Refused('leaf', 'bad zone')
    if 'rule' in f and not ID_RE.fullmatch(f['rule']):
        raise Refused('leaf', 'bad rule')
    if 'sensor' in f and not SENSOR_RE.fullmatch(f['sensor']):
        raise Refused('leaf', 'bad sensor')
    if 'vs' in f and not VS_RE.fullmatch(f['vs']):
        raise Refused('leaf', 'bad vs')
    if 'detail' in f:
        if any(is_control(c) for c in f['detail']) or utf16_len(f['detail']) > 512:
            raise Refused('leaf', 'bad detail')
    if 'severity' in f and (kind != 'alarm' or f['severity'] not in SEVERITIES):
        raise Refused('leaf', 'severity is warning or alarm, on alarm leaves only')
    if 'reason' in f and (kind != 'event' or not CODE_RE.fullmatch(f['reason'])):
        raise Refused('leaf', 'reason is a code, on event leaves only')
    if ('u' in f) != ('v' in f):
        raise Refused('leaf', 'u and v go together')
    if 'u' in f and f['u'] not in UNITS.values():
        raise Refused('leaf', 'bad unit')

    def need(*names):
        for x in names:
            if x not in f:
                raise Refused('leaf', f'{x} required on {kind}')

    def absent(*names):
        for x in names:
            if x in f:
                raise Refused('leaf', f'{x} not allowed on {kind}')

    quantity = None
    dev, n = f['dev'], f['n']
    if kind in ('measurement', 'observation', 'fault'):
        need('sensor')
        absent('rule')
        prefix = f"{dev}/{f['sensor']}/"
        if not n.startswith(prefix) or '/' in n[len(prefix):]:
            raise Refused('leaf', 'n is not dev/sensor/quantity')
        quantity = n[len(prefix):]
        if kind == 'measurement':
            need('u', 'v')
            absent('vs')
            if quantity not in UNITS or UNITS[quantity] != f['u']:
                raise Refused('leaf', 'quantity/unit')
        elif kind == 'observation':
            need('vs')
            absent('u', 'v')
            if quantity != 'epc':
                raise Refused('leaf', 'an observation is of quantity epc')
            if not (RAW_EPC_RE.fullmatch(f['vs']) or sgtin_parts(f['vs'])):
                raise Refused('leaf', 'bad EPC value')
        else:
            need('vs')
            absent('u', 'v')
            if quantity not in ('temperature', 'humidity', 'pressure', 'epc'):
                raise Refused('leaf', 'bad fault quantity')
            if not CODE_RE.fullmatch(f['vs']):
                raise Refused('leaf', 'bad fault code')
    elif kind == 'alarm':
        need('zone', 'rule', 'vs')
        if f['vs'] not in ('start', 'end'):
            raise Refused('leaf', 'alarm vs is start or end')
        if n != f"{dev}/alarm/{f['zone']}/{f['rule']}":
            raise Refused('leaf', 'n is not dev/alarm/zone/rule')
    else:  # event
        need('vs')
        absent('sensor', 'rule', 'u', 'v')
        if not CODE_RE.fullmatch(f['vs']):
            raise Refused('leaf', 'bad event code')
        if n != f"{dev}/event/{f['vs']}":
            raise Refused('leaf', 'n is not dev/event/vs')
    f['seq'] = seq
    f['ms'] = ms
    f['value'] = value
    f['quantity'] = quantity
    f['raw'] = raw
    return f


# ---------------------------------------------------------------------------------------------
# spec.md §3: RFC 9162 Merkle trees

def leaf_hash(data):
    return H(b'\x00' + data)


def node_hash(left, right):
    return H(b'\x01' + left + right)


def split_point(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(hashes):
    """MTH over leaf hashes."""
    n = len(hashes)
    if n == 0:
        return H(b'')
    if n == 1:
        return hashes[0]
    k = split_point(n)
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def inclusion_path(m, hashes):
    n = len(hashes)
    if n <= 1:
        return []
    k = split_point(n)
    if m < k:
        return inclusion_path(m, hashes[:k]) + [mth(hashes[k:])]
    return inclusion_path(m - k, hashes[k:]) + [mth(hashes[:k])]


def consistency_proof(m, hashes):
    def sub(m, d, b):
        n = len(d)
        if m == n:
            return [] if b else [mth(d)]
        k = split_point(n)
        if m <= k:
            return sub(m, d[:k], b) + [mth(d[k:])]
        return sub(m - k, d[k:], False) + [mth(d[:k])]
    return sub(m, hashes, True)


def verify_inclusion(index, size, leaf, path, root):
    """spec.md §3.2, verbatim."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m, n, old_root, new_root, path):
    """spec.md §3.3, verbatim."""
    if m == 0 or m > n:
        return False
    if m == n:
        return len(path) == 0 and old_root == new_root
    if not path:
        return False
    if m & (m - 1) == 0:
        path = [old_root] + list(path)
    fn, sn = m - 1, n - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def range_proof(f, e, hashes):
    """The range proof (spec-ledger.md §7) for leaves [f, e) of the tree over `hashes` (producer side)."""
    out = []

    def rng(b, t):
        if max(b, f) >= min(t, e):
            out.append(mth(hashes[b:t]))
            return
        if f <= b and t <= e:
            return
        k = split_point(t - b)
        rng(b, b + k)
        rng(b + k, t)
    rng(0, len(hashes))
    return out


def range_root(f, e, n, leaf_hashes, proof):
    """Recompute the root from leaves [f, e) (their leaf hashes) and a range proof. Raises
    Refused('path-too-short' / 'path-too-long'). Empty ranges overlap nothing (FINDINGS F-21)."""
    pos = [0]

    def rng(b, t):
        if max(b, f) >= min(t, e):  # no overlap
            if pos[0] >= len(proof):
                raise Refused('path-too-short', 'the range proof ran out')
            h = proof[pos[0]]
            pos[0] += 1
            return h
        if f <= b and t <= e:
            return mth(leaf_hashes[b - f:t - f])
        k = split_point(t - b)
        return node_hash(rng(b, b + k), rng(b + k, t))
    root = rng(0, n)
    if pos[0] != len(proof):
        raise Refused('path-too-long', 'hashes left over in the range proof')
    return root


# ---------------------------------------------------------------------------------------------
# spec.md §4: signed notes

SPKI_PREFIX = bytes.fromhex('3059301306072a8648ce3d020106082a8648ce3d030107034200')


def parse_spki(data):
    """A P-256 SubjectPublicKeyInfo in its one DER form (spec.md §4.2); returns the public key."""
    if len(data) != 91 or data[:26] != SPKI_PREFIX or data[26] != 4:
        raise Refused('key', 'not the 91-byte DER SPKI of an uncompressed P-256 point')
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data[26:])
    except ValueError:
        raise Refused('key', 'the point is not on the curve')


def key_id(spki):
    return H(spki)[:4]


def parse_der_signature(sig):
    """Strict DER ECDSA-Sig-Value (spec.md §4.2); returns (r, s) or None."""
    if not 8 <= len(sig) <= 72 or sig[0] != 0x30 or sig[1] != len(sig) - 2 or sig[1] > 0x7F:
        return None
    pos = 2
    ints = []
    for _ in range(2):
        if pos + 2 > len(sig) or sig[pos] != 0x02:
            return None
        ln = sig[pos + 1]
        if not 1 <= ln <= 33 or pos + 2 + ln > len(sig):
            return None
        c = sig[pos + 2:pos + 2 + ln]
        if c[0] & 0x80:
            return None  # negative
        if c[0] == 0 and ln > 1 and not c[1] & 0x80:
            return None  # superfluous 00
        ints.append(int.from_bytes(c, 'big'))
        pos += 2 + ln
    if pos != len(sig):
        return None
    r, s = ints
    if not (1 <= r < P256_N and 1 <= s < P256_N):
        return None
    return r, s


def verify_signature(spki, message, sig):
    rs = parse_der_signature(sig)
    if rs is None:
        return False
    try:
        parse_spki(spki).verify(encode_dss_signature(*rs), message, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def valid_key_name(name):
    return (1 <= utf16_len(name) <= 256 and '+' not in name and
            not any(c in WHITE_SPACE or is_control(c) for c in name))


class Note:
    def __init__(self, text, sigs):
        self.text = text          # str, ends with \n
        self.sigs = sigs          # [(name, key_id bytes, signature bytes)]

    @property
    def message(self):
        return self.text.encode('utf-8')


def parse_note(data, code='note'):
    """spec.md §4.1. `data` is bytes or str."""
    if isinstance(data, str):
        try:
            data = data.encode('utf-8')
        except UnicodeEncodeError:
            raise Refused(code, 'not UTF-8')
    if len(data) > 65536:
        raise Refused(code, 'more than 65536 bytes')
    try:
        s = data.decode('utf-8')
    except UnicodeDecodeError:
        raise Refused(code, 'not well-formed UTF-8')
    if any(is_control(c) and c != '\n' for c in s):
        raise Refused(code, 'a control character other than line feed')
    if not s.endswith('\n'):
        raise Refused(code, 'does not end in a line feed')
    idx = s.rfind('\n\n')
    if idx < 0:
        raise Refused(code, 'no blank line')
    text = s[:idx + 1]
    if text == '\n':
        raise Refused(code, 'empty text: one empty line')  # spec.md §4.1 rule 2 (F-02)
    lines = s[idx + 2:].split('\n')[:-1]
    if not 1 <= len(lines) <= 100:
        raise Refused(code, '1 to 100 signature lines')
    sigs = []
    for line in lines:
        if not line.startswith('\u2014 '):
            raise Refused(code, 'a signature line must start with an em dash and a space')
        parts = line[2:].split(' ')
        if len(parts) != 2 or not valid_key_name(parts[0]):
            raise Refused(code, 'bad signature line')
        blob = b64decode_canonical(parts[1], code, 'signature')
        if len(blob) < 5:
            raise Refused(code, 'signature shorter than 5 bytes')
        sigs.append((parts[0], blob[:4], blob[4:]))
    return Note(text, sigs)


def verify_note_signatures(note, trusted, code_bad='bad-signature'):
    """spec.md §4.4 steps 2-3. `trusted`: [(name, spki bytes)]. Returns the ordered list of
    (name, spki) of trusted keys with a valid signature, each SPKI once."""
    valid = []
    seen = set()
    for name, kid, sig in note.sigs:
        for tname, spki in trusted:
            if tname == name and key_id(spki) == kid:
                if not verify_signature(spki, note.message, sig):
                    raise Refused(code_bad, f'signature by {name} does not verify')
                if spki not in seen:
                    seen.add(spki)
                    valid.append((name, spki))
    return valid


def verify_note(data, trusted, threshold):
    note = parse_note(data)
    valid = verify_note_signatures(note, trusted)
    if len(valid) < threshold or not valid:
        raise Refused('threshold', f'{len(valid)} trusted signatures, {threshold} required')
    return note


# ---------------------------------------------------------------------------------------------
# spec.md §5: checkpoints; §6: tlog-proofs

class Checkpoint:
    def __init__(self, origin, size, root, extensions):
        self.origin, self.size, self.root, self.extensions = origin, size, root, extensions


def parse_checkpoint(text, code='checkpoint'):
    lines = text.split('\n')
    if lines[-1] != '' or len(lines) < 4:
        raise Refused(code, 'a checkpoint has an origin, a size and a root')
    lines = lines[:-1]
    origin, size_text, root_text = lines[:3]
    if not valid_key_name(origin):
        raise Refused(code, 'bad origin')
    size = decimal_int(size_text)
    if size is None:
        raise Refused(code, 'bad size')
    root = b64hash(root_text, code, 'root')
    ext = lines[3:]
    if any(x == '' for x in ext):
        raise Refused(code, 'empty extension line')
    return Checkpoint(origin, size, root, ext)


def parse_tlog_proof(data):
    idx = data.find(b'\n\n')
    if idx < 0:
        raise Refused('proof', 'no blank line')
    try:
        head = data[:idx].decode('ascii').split('\n')
    except UnicodeDecodeError:
        raise Refused('proof', 'head not ASCII')
    if head[0] != 'c2sp.org/tlog-proof@v1':
        raise Refused('proof', 'bad first line')
    i = 1
    extra = None
    if i < len(head) and head[i].startswith('extra '):
        extra = b64decode_canonical(head[i][6:], 'proof', 'extra')
        if not extra:
            raise Refused('proof', 'extra without data')
        i += 1
    if i >= len(head) or not head[i].startswith('index '):
        raise Refused('proof', 'no index line')
    index = decimal_int(head[i][6:])
    if index is None:
        raise Refused('proof', 'bad index')
    path = [b64hash(x, 'proof', 'path') for x in head[i + 1:]]
    if len(path) > 64:
        raise Refused('proof', 'path longer than 64')
    return index, path, extra, data[idx + 2:]


def verify_tlog_proof(data, leaf_bytes, trusted, threshold, origin=None):
    index, path, _, note_bytes = parse_tlog_proof(data)
    note = verify_note(note_bytes, trusted, threshold)
    cp = parse_checkpoint(note.text)
    if origin is not None and cp.origin != origin:
        raise Refused('origin', 'wrong origin')
    if not verify_inclusion(index, cp.size, leaf_hash(leaf_bytes), path, cp.root):
        raise Refused('inclusion', 'the leaf is not included')
    return True


# ---------------------------------------------------------------------------------------------
# spec-ledger.md §5.1: the state map

ZERO32 = bytes(32)


def smt_leaf(key_hash, value_hash):
    return H(b'\x02' + key_hash + value_hash)


def smt_node(left, right):
    return H(b'\x03' + left + right)


def bit(h, i):
    return (h[i // 8] >> (7 - i % 8)) & 1


class StateMap:
    """The compact sparse Merkle tree (producer side: used to check the vectors both ways)."""

    def __init__(self, items):
        self.items = {H(k.encode()): (k, H(v.encode())) for k, v in items.items()}

    def _node(self, khs, depth):
        if not khs:
            return ZERO32
        if len(khs) == 1:
            return smt_leaf(khs[0], self.items[khs[0]][1])
        left = [k for k in khs if bit(k, depth) == 0]
        right = [k for k in khs if bit(k, depth) == 1]
        return smt_node(self._node(left, depth + 1), self._node(right, depth + 1))

    def root(self):
        return self._node(sorted(self.items), 0)

    def proof(self, key):
        kh = H(key.encode())
        khs = sorted(self.items)
        sibs = []
        depth = 0
        while len(khs) >= 2:
            mine = [k for k in khs if bit(k, depth) == bit(kh, depth)]
            other = [k for k in khs if bit(k, depth) != bit(kh, depth)]
            sibs.append(self._node(other, depth + 1))
            khs = mine
            depth += 1
        sibs.reverse()
        if not khs:
            return {'proof': sibs}
        if khs[0] == kh:
            return {'proof': sibs, 'present': True}
        return {'proof': sibs, 'other': (khs[0], self.items[khs[0]][1])}


def state_proof_root(key, value, other, proof):
    """Recompute the state root from a proof (spec-ledger.md §5.1). value: str or None; other:
    (key hash, value hash) or None; proof: list of 32-byte hashes, deepest first."""
    kh = H(key.encode('utf-8'))
    d = len(proof)
    if d > 256:
        raise Refused('state-proof', f'{key}: more than 256 siblings')
    if value is not None:
        h = smt_leaf(kh, H(value.encode('utf-8')))
    elif other is not None:
        okh, ovh = other
        if okh == kh:
            raise Refused('state-proof', f'{key}: the other leaf is the key itself')
        if any(bit(okh, i) != bit(kh, i) for i in range(d)):
            raise Refused('state-proof', f'{key}: the other leaf does not share the path')
        h = smt_leaf(okh, ovh)
    else:
        h = ZERO32
    for i in range(d):
        if bit(kh, d - 1 - i) == 0:
            h = smt_node(h, proof[i])
        else:
            h = smt_node(proof[i], h)
    return h


# ---------------------------------------------------------------------------------------------
# spec-ledger.md §1-§3: fields, statements and entries

FIELD_KEY_RE = re.compile(r'[a-z][a-z0-9-]{0,31}')
CONSORTIUM_RE = re.compile(r'[a-z0-9][a-z0-9._-]{0,63}')
NONCE_RE = re.compile(r'[0-9a-f]{32}')
ROLES = ('operator', 'lender', 'auditor', 'regulator')
DECIMAL_RE = re.compile(r'-?(0|[1-9][0-9]{0,17})(\.[0-9]{0,5}[1-9])?')
DURATION_RE = re.compile(r'(0|[1-9][0-9]{0,15})(h|m|s|ms)')
UNIT_RE = re.compile(r'[A-Za-z][A-Za-z0-9._-]{0,31}')
GS1_82_RE = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
BIDI = set('\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069')
DURATION_MS = {'h': 3600000, 'm': 60000, 's': 1000, 'ms': 1}
SKEW_MS = 5 * 60 * 1000


def parse_decimal(text):
    if not DECIMAL_RE.fullmatch(text) or text == '-0':
        return None
    return Decimal(text)


def format_decimal(d):
    s = format(d.normalize(), 'f')
    if '.' in s:
        s = s.rstrip('0').rstrip('.')
    return '0' if s in ('-0', '') else s


def duration_text(ms):
    if ms == 0:
        return '0s'
    for unit in ('h', 'm', 's'):
        if ms % DURATION_MS[unit] == 0:
            return f'{ms // DURATION_MS[unit]}{unit}'
    return f'{ms}ms'


def parse_duration(text):
    m = DURATION_RE.fullmatch(text)
    if not m:
        return None
    ms = int(m.group(1)) * DURATION_MS[m.group(2)]
    return ms if duration_text(ms) == text else None


def free_text_ok(text, limit=256):
    if not 1 <= utf16_len(text) <= limit:
        return False
    if any(is_control(c) or c in BIDI or c in '\u2028\u2029' for c in text):
        return False
    return text[0] not in WHITE_SPACE and text[-1] not in WHITE_SPACE


def _field_value_ok(key, value, lot_gtin=None):
    """Per-field value rules of spec-ledger.md §3.1 (values); True when well-formed."""
    ints = {'quorum', 'enrolment', 'equivocation', 'replaces', 'lot', 'after', 'pledge', 'at',
            'start', 'end', 'issued', 'valid-until', 'time', 'freeze', 'alarm'}
    ids = {'device', 'site', 'zone', 'party', 'depositor', 'owner', 'lender', 'from', 'to', 'receipt',
           'into', 'split-from', 'merged-from', 'rule'}
    texts = {'reason': 256, 'insurance': 128, 'product': 200, 'spec': 200, 'by': 80, 'comment': 500}
    if key in ints:
        return decimal_int(value) is not None
    if key in ids:
        return bool(ID_RE.fullmatch(value))
    if key in texts:
        return free_text_ok(value, texts[key])
    if key == 'consortium':
        return bool(CONSORTIUM_RE.fullmatch(value))
    if key == 'nonce':
        return bool(NONCE_RE.fullmatch(value))
    if key == 'key':
        try:
            parse_spki(b64decode_canonical(value))
            return True
        except Refused:
            return False
    if key == 'title':
        try:
            b64hash(value, 'x')
            return True
        except Refused:
            return False
    if key == 'member':
        parts = value.split(' ')
        if len(parts) != 3 or not ID_RE.fullmatch(parts[0]) or parse_roles(parts[1]) is None:
            return False
        return _field_value_ok('key', parts[2])
    if key == 'sensor':
        parts = value.split(' ')
        if len(parts) not in (2, 3) or not SENSOR_RE.fullmatch(parts[0]):
            return False
        if not re.fullmatch(r'[a-z][a-z0-9_-]{0,31}', parts[1]):  # spec-ledger.md §3.1 (F-08): an open set
            return False
        return len(parts) == 2 or bool(ID_RE.fullmatch(parts[2]))
    if key in ('quantity', 'amount'):
        d = parse_decimal(value)
        return d is not None and d > 0
    if key == 'unit':
        return bool(UNIT_RE.fullmatch(value))
    if key == 'currency':
        return bool(re.fullmatch(r'[A-Z]{3}', value))
    if key == 'gtin':
        return bool(re.fullmatch(r'[0-9]{14}', value))
    if key == 'batch':
        return bool(GS1_82_RE.fullmatch(value))
    if key in ('logging', 'excursion-delay', 'allowance'):
        return parse_duration(value) is not None
    if key == 'activation-energy':
        d = parse_decimal(value)
        return d is not None and 0 < d <= 1000000
    if key == 'band':
        parts = value.split(' ')
        if len(parts) != 3 or parts[0] not in ('temperature', 'humidity'):
            return False
        lo, hi = parse_decimal(parts[1]), parse_decimal(parts[2])
        return lo is not None and hi is not None and lo < hi
    if key == 'child':  # split: <receipt> <quantity>
        parts = value.split(' ')
        return len(parts) == 2 and bool(ID_RE.fullmatch(parts[0])) and _field_value_ok('quantity', parts[1])
    if key == 'split-epc':  # split: <child receipt> <SGTIN URI>
        parts = value.split(' ')
        return len(parts) == 2 and bool(ID_RE.fullmatch(parts[0])) and bool(sgtin_parts(parts[1]))
    if key == 'epc':
        if not sgtin_parts(value):
            return False
        return lot_gtin is None or sgtin_gtin(value) == lot_gtin
    if key == 'covenant':
        return parse_covenant(value) is not None
    return False


def parse_roles(text):
    if text == 'none':
        return ()
    parts = text.split(',')
    if not parts or any(p not in ROLES for p in parts) or len(set(parts)) != len(parts):
        return None
    if sorted(parts, key=ROLES.index) != parts:
        return None
    return tuple(parts)


def parse_covenant(text):
    m = re.fullmatch(r'(temperature|humidity) (above|below) (\S+) (for|total) (\S+)', text)
    if not m:
        return None
    limit = parse_decimal(m.group(3))
    dur = parse_duration(m.group(5))
    if limit is None or dur is None:
        return None
    return {'text': text, 'quantity': m.group(1), 'side': m.group(2), 'limit': float(limit),
            'mode': m.group(4), 'durationMs': dur}


BODIES = {
    'genesis': [('quorum', '1'), ('member', '+')],
    'admit': [('member', '1')],
    'enrol': [('device', '1'), ('key', '1'), ('site', '?'), ('zone', '?'), ('sensor', '*')],
    'revoke': [('device', '1'), ('enrolment', '1'), ('reason', '?')],
    'clear': [('device', '1'), ('equivocation', '1'), ('reason', '1')],
    'party': [('party', '1'), ('key', '1'), ('replaces', '?')],
    'title': [('receipt', '1'), ('depositor', '1'), ('owner', '1'), ('quantity', '1'), ('unit', '1'),
              ('insurance', '?')],
    'lot': [('receipt', '1'), ('title', '1'), ('site', '1'), ('zone', '1'), ('product', '1'), ('gtin', '1'),
            ('batch', '1'), ('spec', '?'), ('band', '+'), ('logging', '?'), ('excursion-delay', '?'),
            ('allowance', '?'), ('activation-energy', '?'), ('issued', '1'), ('valid-until', '1'),
            ('split-from', '?'), ('merged-from', '*'), ('epc', '*')],
    'move': [('receipt', '1'), ('lot', '1'), ('after', '1'), ('site', '1'), ('zone', '1'), ('at', '1')],
    'deliver': [('receipt', '1'), ('lot', '1'), ('after', '1'), ('quantity', '1'), ('at', '1'), ('epc', '*')],
    'cancel': [('receipt', '1'), ('lot', '1'), ('after', '1'), ('reason', '1')],
    'pledge': [('receipt', '1'), ('lot', '1'), ('after', '1'), ('lender', '1'), ('owner', '1'), ('amount', '1'),
               ('currency', '1'), ('start', '1'), ('end', '1'), ('covenant', '*')],
    'release': [('receipt', '1'), ('lot', '1'), ('after', '1'), ('pledge', '1'), ('at', '1'), ('reason', '?')],
    'transfer': [('receipt', '1'), ('lot', '1'), ('after', '1'), ('pledge', '1'), ('from', '1'), ('to', '1'),
                 ('at', '1')],
    'enforce': [('receipt', '1'), ('lot', '1'), ('after', '1'), ('pledge', '1'), ('at', '1'), ('reason', '1')],
    # spec-ledger.md §3.1, the receipt lifecycle
    'endorse': [('receipt', '1'), ('lot', '1'), ('after', '1'), ('from', '1'), ('to', '1'), ('at', '1')],
    'split': [('receipt', '1'), ('lot', '1'), ('after', '1'), ('at', '1'), ('child', '+'), ('epc', '*')],
    'merge': [('receipt', '1'), ('lot', '1'), ('after', '1'), ('at', '1'), ('into', '1')],
    'freeze': [('receipt', '1'), ('lot', '1'), ('after', '1'), ('at', '1'), ('reason', '1')],
    'unfreeze': [('receipt', '1'), ('lot', '1'), ('after', '1'), ('freeze', '1'), ('at', '1'), ('reason', '1')],
    'dispose': [('receipt', '1'), ('lot', '1'), ('after', '1'), ('at', '1'), ('reason', '1')],
    # spec-ledger.md §3.5, alarm acknowledgements
    'acknowledge': [('device', '1'), ('alarm', '1'), ('zone', '1'), ('rule', '1'), ('by', '1'), ('comment', '1')],
    # spec-ledger.md §3.6: a sensor's calibration (values checked by check_calibrate, not per key)
    'calibrate': [('device', '1'), ('sensor', '1'), ('unit', '1'), ('offset', '?'), ('point', '*'),
                  ('certificate', '1'), ('laboratory', '1'), ('calibrated', '1'), ('due', '1')],
}
ENTRY_KINDS = set(BODIES) | {'anchor', 'equivocation'}


def split_field(line):
    if len(line) > 2048 or ' ' not in line:
        return None
    key, value = line.split(' ', 1)
    if not FIELD_KEY_RE.fullmatch(key) or value == '' or value[0] == ' ' or value[-1] == ' ':
        return None
    if any(is_control(c) for c in value):
        return None
    return key, value


def parse_fields(lines, spec, what, validate=True, lot_gtin=None):
    """Fields in the given order; '1' once, '?' optional, '*' repeated, '+' at least once."""
    out = {}
    pos = 0
    for key, mult in spec:
        values = []
        while pos < len(lines):
            kv = split_field(lines[pos])
            if kv is None:
                raise ValueError(f'{what}: malformed line {lines[pos]!r}')
            if kv[0] != key:
                break
            values.append(kv[1])
            pos += 1
            if mult in '1?':
                break
        if mult in '1+' and not values:
            raise ValueError(f'{what}: {key} missing')
        if validate:
            for v in values:
                if key == 'epc' and lot_gtin is None and 'gtin' in out:
                    lot_gtin = out['gtin']
                if not _field_value_ok('split-epc' if key == 'epc' and what.startswith('split ') else key, v, lot_gtin):
                    raise ValueError(f'{what}: bad {key} {v!r}')
        if mult in '1?':
            if values:
                out[key] = values[0]
        else:
            out[key] = values
    if pos != len(lines):
        raise ValueError(f'{what}: unexpected line {lines[pos]!r}')
    return out


class Statement:
    def __init__(self, kind, text, fields):
        self.kind = kind
        self.text = text
        self.f = fields
        self.hash = H(text.encode('utf-8'))


def parse_statement(text):
    lines = text.split('\n')[:-1]
    m = re.fullmatch(r'edgetrace/statement/v1 ([a-z]+)', lines[0]) if lines else None
    if not m or m.group(1) not in BODIES:
        raise ValueError('not a member statement')
    kind = m.group(1)
    spec = [('consortium', '1'), ('time', '1'), ('nonce', '1')] + BODIES[kind]
    if kind == 'calibrate':
        fields = parse_fields(lines[1:3], spec[:2], 'calibrate statement')
        fields.update(parse_fields(lines[3:4], spec[2:3], 'calibrate statement'))
        fields.update(check_calibrate(lines[4:]))
        return Statement(kind, text, fields)
    fields = parse_fields(lines[1:], spec, f'{kind} statement')
    if kind == 'genesis':
        members = [v.split(' ')[0] for v in fields['member']]
        if len(set(members)) != len(members) or not 1 <= int(fields['quorum']) <= len(members):
            raise ValueError('genesis members/quorum')
    if kind == 'enrol':
        ids = [v.split(' ')[0] for v in fields['sensor']]
        if len(ids) > 256 or len(set(ids)) != len(ids):
            raise ValueError('enrol sensors')
    if kind == 'lot':
        qs = [v.split(' ')[0] for v in fields['band']]
        if qs not in (['temperature'], ['humidity'], ['temperature', 'humidity']):
            raise ValueError('bands: temperature, then humidity')
        if len(fields['epc']) > 900:
            raise ValueError('too many EPCs')
    if kind == 'pledge' and len(fields['covenant']) > 16:
        raise ValueError('too many covenants')
    if kind == 'lot':
        merged = fields['merged-from']
        if 'split-from' in fields and merged:
            raise ValueError('split-from or merged-from, not both')
        if merged and (not 2 <= len(merged) <= 16 or len(set(merged)) != len(merged) or fields['receipt'] in merged):
            raise ValueError('merged-from: 2..16 distinct receipts, never the lot\'s own')
    if kind == 'split':
        children = [v.split(' ')[0] for v in fields['child']]
        epcs = [v.split(' ')[1] for v in fields['epc']]
        if not 2 <= len(children) <= 16 or len(set(children)) != len(children):
            raise ValueError('split: 2..16 distinct children')
        if len(set(epcs)) != len(epcs) or any(v.split(' ')[0] not in children for v in fields['epc']):
            raise ValueError('split: each EPC once, to a child the split names')
    if kind == 'merge' and fields['into'] == fields['receipt']:
        raise ValueError('merge: into another receipt')
    if kind == 'endorse' and fields['to'] == fields['from']:
        raise ValueError('endorse: to another party')
    return Statement(kind, text, fields)


def check_acknowledged_leaf(statement, leaf):
    """spec-ledger.md §3.5: the leaf an acknowledge statement names must be that alarm's start leaf.
    Raises Refused('bad-acknowledgement') when it is not; returns the parsed leaf."""
    if statement.kind != 'acknowledge':
        raise ValueError('not an acknowledge statement')
    f = parse_leaf(leaf)
    st = statement.f
    want = (st['device'], int(st['alarm']), 'alarm', 'start', st['zone'], st['rule'])
    got = (f.get('dev'), f.get('seq'), f.get('kind'), f.get('vs'), f.get('zone'), f.get('rule'))
    if got != want:
        raise Refused('bad-acknowledgement', f'the leaf is {got}, the statement names {want}')
    return f


class Entry:
    def __init__(self, index, data):
        self.index = index
        self.data = data
        self.kind = None
        self.header = {}
        self.note = None
        self.statement = None
        self.checkpoint = None


def parse_entry(index, data):
    """spec-ledger.md §3: raises ValueError with a reason."""
    e = Entry(index, data)
    try:
        s = data.decode('utf-8')
    except UnicodeDecodeError:
        raise ValueError('not UTF-8')
    m = re.match(r'edgetrace/entry/v1 ([a-z]+)\n', s)
    if not m:
        raise ValueError('bad first line')
    e.kind = m.group(1)
    if e.kind not in ENTRY_KINDS:
        raise ValueError(f'unknown entry kind {e.kind}')
    rest = s[m.end():]
    cut = rest.find('\n\n') if not rest.startswith('\n') else -1
    if rest.startswith('\n'):
        header_lines, note_text = [], rest[1:]
    elif cut < 0:
        raise ValueError('no blank line after the header')
    else:
        header_lines, note_text = rest[:cut].split('\n'), rest[cut + 2:]
    e.note = parse_note(note_text.encode('utf-8'), code='entry')
    if e.kind == 'anchor':
        e.header = parse_fields(header_lines, [('received', '1'), ('enrolment', '1'), ('previous', '?'),
                                               ('consistency', '*')], 'anchor header', validate=False)
    elif e.kind == 'equivocation':
        e.header = parse_fields(header_lines, [('received', '1'), ('anchor', '1'), ('alternate-root', '?'),
                                               ('consistency', '*')], 'equivocation header', validate=False)
    elif header_lines:
        raise ValueError('a statement entry has no header')
    if e.kind in ('anchor', 'equivocation'):
        for k in ('received', 'enrolment', 'previous', 'anchor'):
            if k in e.header and decimal_int(e.header[k]) is None:
                raise ValueError(f'bad {k}')
        for h in e.header.get('consistency', []) + ([e.header['alternate-root']] if 'alternate-root' in e.header else []):
            b64hash(h, 'entry', 'hash')
        try:
            e.checkpoint = parse_checkpoint(e.note.text)
        except Refused as r:
            raise ValueError(r.what)
    else:
        e.statement = parse_statement(e.note.text)
        if e.statement.kind != e.kind:
            raise ValueError('the statement kind is not the entry kind')
    return e


# ---------------------------------------------------------------------------------------------
# spec-ledger.md §5.1: state values

STATE_VALUES = {
    'device': [('enrolment', '1'), ('revocation', '?'), ('anchor', '?'), ('size', '1'), ('root', '1'),
               ('equivocation', '?')],
    'lot': [('entry', '1'), ('location', '1'), ('delivered', '?')],
    'lot-status': [('salt', '1'), ('head', '1'), ('status', '1'), ('owner', '1'), ('quantity', '1'), ('pledge', '?'),
                   ('controller', '?'), ('frozen', '?')],
    'party': [('registration', '1'), ('key', '1')],
    'list': [('device', '*')],
}


def parse_state_value(kind, value):
    if not value.endswith('\n'):
        raise Refused('state-mismatch', f'state value of kind {kind} does not end with a line feed')
    try:
        return parse_fields(value.split('\n')[:-1], STATE_VALUES[kind], f'{kind} state', validate=False)
    except ValueError as ex:
        raise Refused('state-mismatch', str(ex))


def parse_consortium(value):
    lines = value.split('\n')
    if not value.endswith('\n') or not lines[0].startswith('quorum '):
        raise Refused('state-mismatch', 'bad consortium value')
    quorum = decimal_int(lines[0][7:])
    members = {}
    for line in lines[1:-1]:
        parts = line.split(' ')
        if len(parts) != 5 or parts[0] != 'member':
            raise Refused('state-mismatch', 'bad member line')
        roles = parse_roles(parts[2])
        admitted = decimal_int(parts[4])
        if roles is None or admitted is None or not ID_RE.fullmatch(parts[1]):
            raise Refused('state-mismatch', 'bad member line')
        spki = b64decode_canonical(parts[3], 'state-mismatch', 'member key')
        members[parts[1]] = {'roles': roles, 'spki': spki, 'admitted': admitted}
    if quorum is None or quorum < 1 or not members:
        raise Refused('state-mismatch', 'bad consortium value')
    return quorum, members


# ---------------------------------------------------------------------------------------------
# spec-ledger.md §7: evidence bundles

class _Dup(Exception):
    pass


def _strict_json(data):
    def pairs(ps):
        d = {}
        for k, v in ps:
            if k in d:
                raise _Dup(k)
            d[k] = v
        return d

    def const(name):
        raise ValueError(name)
    try:
        text = data.decode('utf-8')
        obj = json.loads(text, object_pairs_hook=pairs, parse_constant=const)
    except _Dup as d:
        raise Refused('bundle-format', f'duplicate member {d}')
    except (ValueError, UnicodeDecodeError) as ex:
        raise Refused('bundle-format', f'not JSON: {ex}')

    def walk(o):
        if isinstance(o, str):
            try:
                o.encode('utf-8')
            except UnicodeEncodeError:
                raise Refused('bundle-format', 'a lone surrogate in a string')
        elif isinstance(o, dict):
            for k, v in o.items():
                walk(k)
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(obj)
    return obj


def _obj(o, required, optional, what):
    if not isinstance(o, dict):
        raise Refused('bundle-format', f'{what} is not an object')
    for k in o:
        if k not in required and k not in optional:
            raise Refused('bundle-format', f'unknown member {k!r} in {what}')
    for k in required:
        if k not in o:
            raise Refused('bundle-format', f'{what} lacks {k!r}')
    return o


def _int(v, what):
    if not isinstance(v, int) or isinstance(v, bool) or v < 0 or v > MAX_INT63:
        raise Refused('bundle-format', f'{what} is not an index')
    return v


def _list(v, what):
    if not isinstance(v, list):
        raise Refused('bundle-format', f'{what} is not an array')
    return v


def _str(v, what):
    if not isinstance(v, str):
        raise Refused('bundle-format', f'{what} is not a string')
    return v


def _b64_bytes(v, what):
    """Entries and leaves: canonical base64, like every other base64 (spec-ledger.md §7, F-12)."""
    _str(v, what)
    if not _B64_RE.fullmatch(v):
        raise Refused('bundle-format', f'{what}: not standard base64')
    data = base64.b64decode(v)
    if base64.b64encode(data).decode() != v:
        raise Refused('bundle-format', f'{what}: not canonical base64')
    return data


def _hashes(v, what, limit):
    _list(v, what)
    if len(v) > limit:
        raise Refused('bundle-format', f'{what}: more than {limit} hashes')
    return [b64hash(_str(h, what), 'bundle-format', what) for h in v]


def iso_ms(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.') + f'{ms % 1000:03d}Z'


def iso_s(ms):
    return datetime.fromtimestamp(ms // 1000, tz=timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


class Device:
    pass


class BundleVerifier:
    """Checks a bundle in the order of spec-ledger.md §7 and §7.1; raises Refused on the first failure."""

    def __init__(self, data, trusted, threshold=None, not_before=None):
        self.data = data
        self.trusted = trusted            # [(name, spki bytes)]
        self.threshold = threshold
        self.not_before = not_before
        self.warnings = []
        self.lines = []

    # -- step 0: the form ------------------------------------------------------------------
    def structure(self):
        b = _strict_json(self.data)
        self.b = _obj(b, ['format', 'ledger', 'entries', 'state', 'devices'], ['lot', 'report'], 'the bundle')
        if b['format'] != 'edgetrace-evidence/v2':
            raise Refused('bundle-format', 'format is not edgetrace-evidence/v2')
        led = _obj(b['ledger'], ['origin', 'checkpoint'], [], 'ledger')
        self.origin = _str(led['origin'], 'origin')
        m = re.fullmatch(r'edgetrace/ledger/(.*)', self.origin)
        if not m or not CONSORTIUM_RE.fullmatch(m.group(1)):
            raise Refused('bundle-format', 'ledger origin is not edgetrace/ledger/<consortium>')
        self.consortium_id = m.group(1)
        _str(led['checkpoint'], 'checkpoint')
        self.entries = {}
        last = -1
        for i, e in enumerate(_list(b['entries'], 'entries')):
            _obj(e, ['index', 'entry', 'proof'], [], f'entries[{i}]')
            idx = _int(e['index'], 'entry index')
            if idx <= last:
                raise Refused('bundle-format', 'entries not in strictly ascending index order')
            last = idx
            self.entries[idx] = {'bytes': _b64_bytes(e['entry'], f'entry {idx}'),
                                 'proof': _hashes(e['proof'], f'entry {idx} proof', 64)}
        self.state = {}
        prev = None
        for i, s in enumerate(_list(b['state'], 'state')):
            _obj(s, ['key', 'proof'], ['value', 'other'], f'state[{i}]')
            key = _str(s['key'], 'state key')
            if not 1 <= len(key) <= 512:
                raise Refused('bundle-format', 'state key length')
            kb = key.encode('utf-8')
            if prev is not None and kb <= prev:
                raise Refused('bundle-format', 'state keys not in ordinal order, or a key twice')
            prev = kb
            if 'value' in s and 'other' in s:
                raise Refused('bundle-format', f'state {key}: value and other')
            other = None
            if 'other' in s:
                o = _obj(s['other'], ['keyHash', 'valueHash'], [], 'other')
                other = (b64hash(_str(o['keyHash'], 'keyHash'), 'bundle-format', 'keyHash'),
                         b64hash(_str(o['valueHash'], 'valueHash'), 'bundle-format', 'valueHash'))
            value = _str(s['value'], 'state value') if 'value' in s else None
            self.state[key] = {'value': value, 'other': other, 'proof': _hashes(s['proof'], f'state {key}', 256)}
        self.devices = []
        seen = set()
        for i, d in enumerate(_list(b['devices'], 'devices')):
            _obj(d, ['device', 'enrolment', 'first', 'leaves', 'proof'], ['anchor'], f'devices[{i}]')
            dev = Device()
            dev.id = _str(d['device'], 'device')
            if not ID_RE.fullmatch(dev.id) or dev.id in seen:
                raise Refused('bundle-format', f'device {dev.id!r} malformed or twice')
            seen.add(dev.id)
            dev.enrolment = _int(d['enrolment'], 'enrolment')
            dev.anchor = _int(d['anchor'], 'anchor') if 'anchor' in d else None
            dev.first = _int(d['first'], 'first')
            dev.leaf_bytes = [_b64_bytes(x, 'leaf') for x in _list(d['leaves'], 'leaves')]
            dev.proof = _hashes(d['proof'], f'{dev.id} proof', 128)
            self.devices.append(dev)
        self.lot = None
        if 'lot' in b:
            lot = _obj(b['lot'], ['receipt', 'entry', 'moves'], ['title', 'events', 'parties'], 'lot')
            _str(lot['receipt'], 'receipt')
            if not ID_RE.fullmatch(lot['receipt']):
                raise Refused('bundle-format', 'bad receipt')
            _int(lot['entry'], 'lot entry')
            for x in _list(lot['moves'], 'moves'):
                _int(x, 'move')
            have = [k in lot for k in ('title', 'events', 'parties')]
            if any(have) and not all(have):
                raise Refused('bundle-format', 'a lender bundle has title, events and parties; a public one none')
            if all(have):
                _int(lot['title'], 'title')
                for x in _list(lot['events'], 'events') + _list(lot['parties'], 'parties'):
                    _int(x, 'index')
                if lot['parties'] != sorted(set(lot['parties'])):
                    raise Refused('bundle-format', 'parties not by ascending index')
            self.lot = lot
        self.report_terms = None
        if 'report' in b:
            rep = _obj(b['report'], [], ['pledge', 'custom'], 'report')
            if 'pledge' in rep:
                _int(rep['pledge'], 'pledge')  # in a public bundle: not a pledge of the chain, bad-report (step 10)
            if 'custom' in rep:
                c = _obj(rep['custom'], ['from', 'to', 'activationEnergyK', 'intervalMs', 'delayMs'],
                         ['cumulativeMs'], 'custom')
                for k in ('from', 'to', 'intervalMs', 'delayMs', 'cumulativeMs'):
                    if k in c and (not isinstance(c[k], int) or isinstance(c[k], bool)):
                        raise Refused('bundle-format', f'custom {k} is not an integer')
                if not isinstance(c['activationEnergyK'], (int, float)) or isinstance(c['activationEnergyK'], bool):
                    raise Refused('bundle-format', 'custom activationEnergyK is not a number')
            self.report_terms = rep
    def unnamed_entries(self):
        """Step 12 (spec-ledger.md §7, F-14): every entry is one a part of the bundle named."""
        named = set()
        for dev in self.devices:
            named.add(dev.enrolment)
            if dev.anchor is not None:
                named.add(dev.anchor)
        named |= getattr(self, 'calibration_named', set())  # step 11a
        if self.lot:
            named |= {self.lot['entry']} | set(self.lot['moves'])
            if 'title' in self.lot:
                named |= {self.lot['title']} | set(self.lot['events']) | set(self.lot['parties'])
        for idx in self.entries:
            if idx not in named:
                raise Refused('bundle-format', f'ledger entry {idx} is named by no part of the bundle')

    # -- step 1: the checkpoint ---------------------------------------------------------------
    def checkpoint(self):
        note = parse_note(self.b['ledger']['checkpoint'], code='checkpoint-format')
        self.cp_note = note
        self.valid_sigs = verify_note_signatures(note, self.trusted, 'bad-signature')
        if not self.valid_sigs:
            raise Refused('no-trusted-signature', 'no trusted key signed the checkpoint')
        cp = parse_checkpoint(note.text, code='checkpoint-format')
        if cp.origin != self.origin:
            raise Refused('origin-mismatch', f'checkpoint origin {cp.origin} is not {self.origin}')
        ext = cp.extensions
        if (len(ext) != 2 or not ext[0].startswith('time ') or not ext[1].startswith('state ')
                or decimal_int(ext[0][5:]) is None):
            raise Refused('checkpoint-format', 'extension lines must be exactly time, state')
        self.cp_time = decimal_int(ext[0][5:])
        self.state_root = b64hash(ext[1][6:], 'checkpoint-format', 'state root')
        self.cp = cp
        if self.not_before is not None and self.cp_time < self.not_before:
            raise Refused('stale-evidence', f'checkpoint time {self.cp_time} is before {self.not_before}')

    # -- step 2: entries ---------------------------------------------------------------------
    def entries_included(self):
        self.parsed = {}
        for idx, e in self.entries.items():
            kind = '?'
            m = re.match(rb'edgetrace/entry/v1 ([a-z]+)\n', e['bytes'])
            if m:
                kind = m.group(1).decode()
            try:
                entry = parse_entry(idx, e['bytes'])
            except (ValueError, Refused) as ex:
                raise Refused('entry-format', f'ledger entry {idx} ({kind}): {ex}')  # step 2 (F-16)
            if idx >= self.cp.size:
                raise Refused('index-out-of-range', f'ledger entry {idx} ({kind}): not in a ledger of size {self.cp.size}')
            if not verify_inclusion(idx, self.cp.size, leaf_hash(e['bytes']), e['proof'], self.cp.root):
                raise Refused('root-mismatch', f'ledger entry {idx} ({kind}): not included in the checkpoint')
            self.wrong_consortium = getattr(self, 'wrong_consortium', set())
            if entry.statement and entry.statement.f['consortium'] != self.consortium_id:
                self.wrong_consortium.add(idx)
            self.parsed[idx] = entry

    # -- step 3: state proofs ------------------------------------------------------------------
    def state_proofs(self):
        for key, s in self.state.items():
            root = state_proof_root(key, s['value'], s['other'], s['proof'])
            if root != self.state_root:
                raise Refused('state-root-mismatch', f'state proof for {key} does not give the state root')
        self.needed = set()

    def sv(self, key):
        """The proven value of a state key (None when proven absent); incomplete-bundle when the
        bundle does not carry the key."""
        self.needed.add(key)
        if key not in self.state:
            raise Refused('incomplete-bundle', f'state key {key} is needed but not in the bundle')
        return self.state[key]['value']

    # -- step 4: members and quorum -----------------------------------------------------------
    def members_and_quorum(self):
        value = self.sv('consortium')
        if value is None:
            raise Refused('incomplete-bundle', 'the state has no consortium')
        self.quorum, self.members = parse_consortium(value)
        trusted_members = []
        for name, spki in self.trusted:
            m = self.members.get(name)
            if m and m['spki'] == spki:
                if spki not in trusted_members:
                    trusted_members.append(spki)
            else:
                self.warnings.append(f'trusted key {name} is not a member under that name and key; it counts for nothing')
        mcount = len(trusted_members)
        self.required = self.threshold if self.threshold is not None else max(self.quorum, mcount // 2 + 1)
        counted = [(n, k) for n, k in self.valid_sigs if n in self.members and self.members[n]['spki'] == k]
        self.signers = [n for n, _ in counted]
        if len(counted) < self.required:
            raise Refused('quorum-not-met', f'{len(counted)} member signatures of trusted keys, {self.required} required')

    # -- statement signatures ---------------------------------------------------------------
    def signers_of(self, entry, party_keys=None, code_role=None):
        """Every signature line of a statement must be by a member admitted before the entry (or by
        an allowed party key) and verify. Returns (member names, party names)."""
        members, parties = [], []
        for name, kid, sig in entry.note.sigs:
            m = self.members.get(name)
            if m is not None:
                if key_id(m['spki']) != kid or m['admitted'] >= entry.index:
                    raise Refused('not-a-member', f'entry {entry.index}: line by {name} is not a current member key')
                if not verify_signature(m['spki'], entry.note.message, sig):
                    raise Refused('bad-signature', f'entry {entry.index}: signature by {name} does not verify')
                members.append(name)
                continue
            if party_keys and name in party_keys and key_id(party_keys[name]) == kid:
                if not verify_signature(party_keys[name], entry.note.message, sig):
                    raise Refused('bad-signature', f'entry {entry.index}: signature by {name} does not verify')
                parties.append(name)
                continue
            raise Refused('not-a-member', f'entry {entry.index}: signature line by {name}, not a member')
        return members, parties

    def require_operator(self, entry):
        members, _ = self.signers_of(entry)
        if not any('operator' in self.members[n]['roles'] for n in members):
            raise Refused('role-required', f'entry {entry.index} is not signed by an operator member')  # FINDINGS F-16
        return members

    def entry_of(self, idx, kind, code, missing='missing-entry'):
        e = self.parsed.get(idx)
        if e is None:
            raise Refused(missing, f'entry {idx} missing')  # spec-ledger.md §7.1 (F-15)
        if e.kind != kind or idx in getattr(self, 'wrong_consortium', ()):
            raise Refused(code, f'entry {idx} is a {e.kind} entry, not {kind} of this consortium')
        return e

    # -- steps 5-6: devices -------------------------------------------------------------------
    def device(self, dev):
        value = self.sv(f'device/{dev.id}')
        if value is None:
            raise Refused('incomplete-bundle', f'device {dev.id} is not enrolled in the state')
        st = parse_state_value('device', value)
        dev.state = st
        st_anchor = decimal_int(st['anchor']) if 'anchor' in st else None
        if dev.enrolment != decimal_int(st['enrolment']) or dev.anchor != st_anchor:
            raise Refused('incomplete-bundle', f'device {dev.id}: enrolment/anchor are not the state\'s (an older anchor leaves readings out)')
        dev.size = decimal_int(st['size'])
        dev.root = b64hash(st['root'], 'state-mismatch', 'root')
        dev.equivocation = 'equivocation' in st
        dev.equivocation_index = decimal_int(st['equivocation']) if dev.equivocation else None
        dev.revoked = 'revocation' in st
        enr = self.entry_of(dev.enrolment, 'enrol', 'missing-enrolment', 'missing-enrolment')
        if dev.enrolment in self.wrong_consortium:
            raise Refused('bad-enrolment', f'entry {dev.enrolment} is of another consortium')
        if enr.statement.f['device'] != dev.id:
            raise Refused('bad-enrolment', f'entry {dev.enrolment} does not enrol {dev.id}')
        self.require_operator(enr)
        f = enr.statement.f
        dev.key = b64decode_canonical(f['key'])
        dev.site = f.get('site')
        dev.zone = f.get('zone')
        dev.sensors = []
        for line in f['sensor']:
            parts = line.split(' ')
            dev.sensors.append({'id': parts[0], 'quantity': parts[1], 'zone': parts[2] if len(parts) > 2 else None})
        dev.received = None
        if dev.anchor is None:
            if dev.first != 0 or dev.leaf_bytes or dev.proof:
                raise Refused('bundle-format', f'device {dev.id} has no anchor: no leaves, first 0, empty proof')
            dev.leaves = []
            return
        anc = self.entry_of(dev.anchor, 'anchor', 'bad-anchor', 'missing-anchor')
        origin = f'edgetrace/device/{dev.id}'
        if anc.checkpoint.origin != origin:
            raise Refused('bad-anchor', f'anchor {dev.anchor} does not anchor {dev.id}')
        if decimal_int(anc.header['enrolment']) != dev.enrolment or dev.anchor <= dev.enrolment:
            raise Refused('bad-anchor', f'anchor {dev.anchor} does not name enrolment {dev.enrolment}')
        if not verify_note_signatures(anc.note, [(origin, dev.key)], 'bad-signature'):
            raise Refused('bad-signature', f'anchor {dev.anchor} is not signed with the enrolled key')
        if anc.checkpoint.size != dev.size or anc.checkpoint.root != dev.root:
            raise Refused('state-mismatch', f'anchor {dev.anchor}: size and root are not the state\'s')
        dev.received = decimal_int(anc.header['received'])
        if dev.received > self.cp_time + SKEW_MS:
            raise Refused('anchor-after-checkpoint', f'anchor {dev.anchor} received after the checkpoint')
        # step 6
        dev.leaves = []
        for i, data in enumerate(dev.leaf_bytes):
            try:
                leaf = parse_leaf(data)
            except Refused as r:
                raise Refused(r.code, f'{dev.id} leaf {dev.first + i}: {r.what}')  # the leaf's own code (F-16)
            if leaf['dev'] != dev.id:
                raise Refused('reading-device', f'{dev.id} leaf {dev.first + i} is of device {leaf["dev"]}')
            if leaf['seq'] != dev.first + i:
                raise Refused('reading-sequence', f'{dev.id} leaf {dev.first + i} has seq {leaf["seq"]}')
            if leaf['ms'] > dev.received + SKEW_MS:
                raise Refused('reading-after-anchor', f'{dev.id} leaf {leaf["seq"]} dated after its anchor arrived')
            dev.leaves.append(leaf)
        end = dev.first + len(dev.leaves)
        if not dev.leaves:
            if dev.first != 0 or dev.proof:
                raise Refused('bundle-format', f'{dev.id}: an empty run starts at 0 with an empty proof')  # F-21
            return
        if end > dev.size:
            raise Refused('range-out-of-tree', f'{dev.id}: leaves beyond the anchored size')  # F-17
        root = range_root(dev.first, end, dev.size, [leaf_hash(x) for x in dev.leaf_bytes], dev.proof)
        if root != dev.root:
            raise Refused('root-mismatch', f'{dev.id}: the range proof does not give the anchored root')

    def run_covers(self, dev, t1, t2):
        """Does the device's run hold every reading dated in [t1, t2)? (§7, 'What a device run proves')"""
        n = len(dev.leaves)
        start_ok = dev.first == 0 or (n > 0 and dev.leaves[0]['ms'] < t1)
        end_ok = dev.first + n == dev.size or (n > 0 and dev.leaves[-1]['ms'] >= t2)
        return start_ok and end_ok

    # -- steps 7-9: lot ------------------------------------------------------------------------
    def lot_checks(self):
        lot = self.lot
        le = self.entry_of(lot['entry'], 'lot', 'state-mismatch')
        f = le.statement.f
        if f['receipt'] != lot['receipt']:
            raise Refused('state-mismatch', 'the lot entry is for another receipt')
        self.require_operator(le)
        lv = self.sv(f'lot/{lot["receipt"]}')
        if lv is None:
            raise Refused('state-mismatch', 'the state has no such lot')
        self.lot_state = parse_state_value('lot', lv)
        if decimal_int(self.lot_state['entry']) != lot['entry']:
            raise Refused('state-mismatch', 'the state names another lot entry')
        self.lot_stmt = f
        self.issued = int(f['issued'])
        self.location = [(self.issued, 0, f['site'], f['zone'], lot['entry'])]
        # step 8: the location chain
        prev, prev_time = lot['entry'], self.issued
        for idx in lot['moves']:
            mv = self.parsed.get(idx)
            if mv is None:
                raise Refused('incomplete-bundle', f'move {idx} missing')
            if mv.kind != 'move':
                raise Refused('broken-chain', f'entry {idx} is not a move')
            mf = mv.statement.f
            if mf['receipt'] != lot['receipt'] or int(mf['lot']) != lot['entry'] or int(mf['after']) != prev:
                raise Refused('broken-chain', f'move {idx} does not follow entry {prev} of this lot')
            if int(mf['at']) < prev_time:
                raise Refused('broken-chain', f'move {idx} is dated before the entry it follows')
            self.require_operator(mv)
            prev, prev_time = idx, int(mf['at'])
            self.location.append((prev_time, 1, mf['site'], mf['zone'], idx))
        if decimal_int(self.lot_state['location']) != prev:
            raise Refused('incomplete-bundle', f'the location chain ends at {prev}, the state at {self.lot_state["location"]}')
        self.delivered = decimal_int(self.lot_state['delivered']) if 'delivered' in self.lot_state else None
        self.status_chain = []
        self.deliveries = []
        if 'title' in lot:
            self.lender_checks()

    def lender_checks(self):
        lot = self.lot
        te = self.entry_of(lot['title'], 'title', 'title-mismatch')
        self.require_operator(te)
        if te.statement.f['receipt'] != lot['receipt'] or b64(te.statement.hash) != self.lot_stmt['title']:
            raise Refused('title-mismatch', 'the title statement is not the lot\'s title commitment')
        title = te.statement.f
        # parties: registrations chained through replaces
        regs = {}
        for idx in lot['parties']:
            pe = self.entry_of(idx, 'party', 'bundle-format')
            regs.setdefault(pe.statement.f['party'], []).append(pe)
        party_history = {}
        for pid, chain in regs.items():
            hist = []
            prev = None
            for pe in chain:
                pf = pe.statement.f
                if prev is None:
                    if 'replaces' in pf:
                        raise Refused('incomplete-bundle', f'party {pid}: first registration left out')
                    self.require_operator(pe)
                else:
                    if pf.get('replaces') != str(prev.index):
                        raise Refused('incomplete-bundle', f'party {pid}: a replacement left out')
                    old_key = b64decode_canonical(prev.statement.f['key'])
                    members, parties = self.signers_of(pe, {f'edgetrace/party/{pid}': old_key})
                    if not parties and len(set(members)) < self.quorum:
                        raise Refused('party-consent-required', f'party {pid}: replacement {pe.index} not signed by the replaced key nor a quorum')
                    if not any('operator' in self.members[n]['roles'] for n in members):
                        raise Refused('role-required', f'party entry {pe.index} is not signed by an operator')
                hist.append((pe.index, b64decode_canonical(pf['key'])))
                prev = pe
            pv = self.sv(f'party/{pid}')
            if pv is None:
                raise Refused('state-mismatch', f'party {pid} is not registered in the state')
            ps = parse_state_value('party', pv)
            if decimal_int(ps['registration']) != prev.index:
                raise Refused('incomplete-bundle', f'party {pid}: the registration in force is left out')
            if ps['key'] != b64(H(hist[-1][1])):
                raise Refused('state-mismatch', f'party {pid}: key differs from the state')
            party_history[pid] = hist
        # the status chain
        status, quantity, head = 'issued', Decimal(title['quantity']), lot['entry']
        pledge = lender = controller = frozen = None
        owner_now = title['owner']
        pledge_owners = set()
        self.pledges = {}
        for idx in lot['events']:
            ev = self.parsed.get(idx)
            if ev is None:
                raise Refused('missing-entry', f'status entry {idx} missing')
            if ev.kind not in ('pledge', 'release', 'transfer', 'enforce', 'deliver', 'cancel',
                               'endorse', 'split', 'merge', 'freeze', 'unfreeze', 'dispose'):
                raise Refused('bad-lot', f'entry {idx} is not a status entry')
            ef = ev.statement.f
            if status in ('delivered', 'cancelled', 'split', 'merged', 'disposed'):
                raise Refused('bad-lot', f'status entry {idx} follows a closing entry')
            if frozen is not None and ev.kind != 'unfreeze':
                raise Refused('lot-frozen', f'{ev.kind} {idx} while frozen by {frozen}')
            if ev.kind == 'pledge':
                owner = ef['owner']
                if owner != owner_now:
                    raise Refused('not-the-owner', f'pledge {idx}: owner is not the owner at this point of the chain')
                hist = [k for i, k in party_history.get(owner, []) if i < idx]
                if not hist:
                    raise Refused('missing-entry', f'pledge {idx}: the bundle lacks the owner\'s registration')
                pk = {f'edgetrace/party/{owner}': hist[-1]}
                members, parties = self.signers_of(ev, pk)
                if ef['lender'] not in members or 'lender' not in self.members[ef['lender']]['roles']:
                    raise Refused('not-the-lender', f'pledge {idx} is not signed by its lender (role lender)')
                if not parties:
                    raise Refused('owner-consent-required', f'pledge {idx} is not signed by the owner')
                if status != 'issued':
                    raise Refused('lot-pledged', f'pledge {idx} of a lot that is {status}')
                pledge_owners.add(owner)
                status, pledge, lender = 'pledged', idx, ef['lender']
                self.pledges[idx] = {'f': ef, 'ended': None}
            elif ev.kind in ('release', 'enforce', 'transfer'):
                members, _ = self.signers_of(ev)
                if pledge is None or int(ef['pledge']) != pledge or lender not in members:
                    raise Refused('not-the-lender', f'{ev.kind} {idx} is not signed by the pledge\'s lender')
                if ev.kind == 'transfer':
                    if ef['from'] != lender or ef['to'] not in members or 'lender' not in self.members.get(ef['to'], {'roles': ()})['roles']:
                        raise Refused('not-the-lender', f'transfer {idx} not signed by both lenders')
                    lender = ef['to']
                else:
                    self.pledges[pledge]['ended'] = int(ef['at'])
                    if ev.kind == 'enforce':
                        status, controller = 'enforced', lender
                    else:
                        status = 'issued'
                    pledge = None
            elif ev.kind == 'deliver':
                members = self.require_operator(ev)
                if controller is not None and controller not in members:
                    raise Refused('not-the-lender', f'delivery {idx} after enforcement not signed by {controller}')
                quantity -= Decimal(ef['quantity'])
                self.deliveries.append((int(ef['at']), ef['epc']))
                if quantity <= 0:
                    status = 'delivered'
            elif ev.kind == 'cancel':
                self.require_operator(ev)
                status = 'cancelled'
            elif ev.kind == 'endorse':
                if ef['from'] != owner_now:
                    raise Refused('owner-consent-required', f'endorsement {idx} is not from the owner {owner_now}')
                keys = {}
                for who in (ef['from'], ef['to']):
                    hist = [k for i, k in party_history.get(who, []) if i < idx]
                    if hist:
                        keys[f'edgetrace/party/{who}'] = hist[-1]
                members, parties = self.signers_of(ev, keys)
                if not any('operator' in self.members[n]['roles'] for n in members):
                    raise Refused('role-required', f'endorsement {idx} is not signed by an operator member')
                if f'edgetrace/party/{ef["from"]}' not in parties:
                    raise Refused('owner-consent-required', f'endorsement {idx} is not signed by the owner')
                if f'edgetrace/party/{ef["to"]}' not in parties:
                    raise Refused('party-consent-required', f'endorsement {idx} is not signed by the new owner')
                if status != 'issued':
                    raise Refused('lot-pledged' if status == 'pledged' else 'lot-enforced', f'endorsement {idx} of a lot that is {status}')
                pledge_owners.update((ef['from'], ef['to']))
                owner_now = ef['to']
            elif ev.kind in ('split', 'merge'):
                self.require_operator(ev)
                if status != 'issued':
                    raise Refused('lot-pledged' if status == 'pledged' else 'lot-enforced', f'{ev.kind} {idx} of a lot that is {status}')
                if ev.kind == 'split' and sum(Decimal(c.split(' ')[1]) for c in ef['child']) != quantity:
                    raise Refused('quantity-mismatch', f'split {idx}: the children do not take what remains')
                status, quantity = ('split' if ev.kind == 'split' else 'merged'), Decimal(0)
            elif ev.kind in ('freeze', 'unfreeze'):
                members, _ = self.signers_of(ev)
                if not any('regulator' in self.members[n]['roles'] for n in members):
                    raise Refused('role-required', f'{ev.kind} {idx} is not signed by a regulator member')
                if ev.kind == 'freeze':
                    frozen = idx
                elif frozen is None or int(ef['freeze']) != frozen:
                    raise Refused('not-frozen', f'unfreeze {idx} does not name the freeze in force')
                else:
                    frozen = None
            else:  # dispose
                members, _ = self.signers_of(ev)
                if status != 'enforced':
                    raise Refused('not-enforced', f'disposal {idx} of a lot that is {status}')
                if controller not in members:
                    raise Refused('not-the-lender', f'disposal {idx} not signed by {controller}')
                status, quantity = 'disposed', Decimal(0)
            if ef['receipt'] != lot['receipt'] or int(ef['lot']) != lot['entry'] or int(ef['after']) != head:
                raise Refused('broken-chain', f'status entry {idx} does not follow entry {head}')
            head = idx
            self.status_chain.append(ev)
        if set(regs) != pledge_owners:
            raise Refused('bundle-format', 'parties must be exactly the registrations of the pledges\' owners and the endorsements\' parties')
        sv = self.sv(f'lot-status/{lot["receipt"]}')
        if sv is None:
            raise Refused('state-mismatch', 'the state has no lot status')
        st = parse_state_value('lot-status', sv)
        if decimal_int(st['head']) != head:
            raise Refused('incomplete-bundle', f'the status chain ends at {head}, the state at {st["head"]}: status entries left out')
        nonce = self.parsed[lot['title']].statement.f['nonce']
        mine = f'salt {nonce}\nhead {head}\nstatus {status}\nowner {owner_now}\nquantity {format_decimal(quantity)}\n'
        if pledge is not None:
            mine += f'pledge {pledge}\n'
        if controller is not None and status == 'enforced':  # §7.1 step 9 (F-33)
            mine += f'controller {controller}\n'
        if frozen is not None:
            mine += f'frozen {frozen}\n'
        if mine != sv:
            raise Refused('state-mismatch', f'replaying the status chain gives {mine!r}, the state {sv!r}')

    # -- step 10: report terms ----------------------------------------------------------------
    def terms(self):
        rep = self.report_terms or {}
        f = self.lot_stmt
        self.params = {
            'activationEnergyK': float(Decimal(f.get('activation-energy', '10000'))),
            'intervalMs': parse_duration(f.get('logging', '1m')),
            'delayMs': parse_duration(f.get('excursion-delay', '0s')),
            'cumulativeMs': parse_duration(f['allowance']) if 'allowance' in f else None,
        }
        self.pledge = rep.get('pledge')
        self.covenants = []
        if self.pledge is not None:
            if self.pledge not in getattr(self, 'pledges', {}):
                raise Refused('bad-report', f'report pledge {self.pledge} is not a pledge of the status chain')
            p = self.pledges[self.pledge]
            self.covenants = [parse_covenant(c) for c in p['f']['covenant']]
        if 'custom' in rep:
            c = rep['custom']
            self.terms_kind = 'custom'
            frm, to = c['from'], c['to']
            ae = c['activationEnergyK']
            if not (frm < to <= self.cp_time and isinstance(ae, (int, float)) and math.isfinite(ae) and ae > 0
                    and c['intervalMs'] > 0 and c['delayMs'] >= 0 and c.get('cumulativeMs', 0) >= 0):
                raise Refused('bad-report', 'custom terms are not usable')
            self.params = {'activationEnergyK': float(ae), 'intervalMs': c['intervalMs'], 'delayMs': c['delayMs'],
                           'cumulativeMs': c.get('cumulativeMs')}
        elif self.pledge is not None:
            self.terms_kind = 'pledge'
            pf = self.pledges[self.pledge]['f']
            frm = int(pf['start'])
            to = min(int(pf['end']), self.cp_time)
            if self.pledges[self.pledge]['ended'] is not None:
                to = min(to, self.pledges[self.pledge]['ended'])
        else:
            self.terms_kind = 'lot'
            frm = self.issued
            to = self.cp_time if self.delivered is None else min(self.delivered, self.cp_time)
        if not frm < to:
            raise Refused('bad-report', 'the report window is empty')
        self.window = (frm, to)

    # -- step 11: which devices ----------------------------------------------------------------
    def which_devices(self):
        by_id = {d.id: d for d in self.devices}
        listed = set()
        frm, to = self.window
        sites = []
        for _, _, site, _, _ in self.location:
            if site not in sites:
                sites.append(site)
        readers = []
        for site in sites + ['*']:
            v = self.sv(f'readers/{site}')
            ids = parse_state_value('list', v)['device'] if v is not None else []
            for dev_id in ids:
                listed.add(dev_id)
                if dev_id not in by_id:
                    raise Refused('incomplete-bundle', f'reader {dev_id} (readers/{site}) left out')
                if not self.run_covers(by_id[dev_id], self.issued, to):
                    raise Refused('incomplete-bundle', f'reader {dev_id}: readings cut (needed from the issue to the window\'s end)')
                if by_id[dev_id] not in readers:
                    readers.append(by_id[dev_id])
        self.storage = storage_history(self, readers)
        for site, zone in sorted({(s, z) for s, z, _, _ in self.storage}, key=lambda x: (x[0] or '', x[1])):
            keys = [f'zone/{site if site is not None else "*"}/{zone}', f'zone/*/{zone}']
            for key in dict.fromkeys(keys):
                v = self.sv(key)
                ids = parse_state_value('list', v)['device'] if v is not None else []
                for dev_id in ids:
                    listed.add(dev_id)
                    if dev_id not in by_id:
                        raise Refused('incomplete-bundle', f'device {dev_id} ({key}) left out')
                    if not self.run_covers(by_id[dev_id], frm, to):
                        raise Refused('incomplete-bundle', f'device {dev_id}: readings cut (needed over the window)')
        for d in self.devices:
            if d.id not in listed:
                raise Refused('bundle-format', f'device {d.id} is named by no state key the lot needs')

    # -- step 11a: calibrations (spec-ledger.md §7.1) ------------------------------------------
    def calibrations(self):
        """Per device (bundle order) and measuring sensor (enrolment order, once each): the key
        calibration/<device>/<sensor> proven present or absent, and every calibrate entry it lists."""
        self.calibration_named = set()
        self.cal = {}
        for dev in self.devices:
            for s in dev.sensors:
                if s['quantity'] == 'epc' or (dev.id, s['id']) in self.cal:
                    continue
                key = f'calibration/{dev.id}/{s["id"]}'
                value = self.sv(key)
                hist = []
                if value is not None:
                    lines = value.split('\n')
                    idxs = [decimal_int(line[6:]) if line.startswith('entry ') else None for line in lines[:-1]]
                    if lines[-1] != '' or not idxs or None in idxs or idxs != sorted(set(idxs)):
                        raise Refused('state-format', f'{key}: not entry <index> lines by ascending index')
                    for idx in idxs:
                        self.calibration_named.add(idx)
                        e = self.entry_of(idx, 'calibrate', 'bad-lot')
                        self.require_operator(e)
                        f = e.statement.f
                        if f['device'] != dev.id or f['sensor'] != s['id']:
                            raise Refused('bad-lot', f'entry {idx} calibrates {f["device"]} {f["sensor"]}, not {dev.id} {s["id"]}')
                        hist.append({'index': idx, 'unit': f['unit'], 'correction': f['correction'], 'certificate': f['certificate'],
                                     'laboratory': f['laboratory'], 'calibrated': f['calibrated'], 'due': f['due']})
                self.cal[(dev.id, s['id'])] = hist

    def run(self):
        self.structure()
        self.checkpoint()
        self.entries_included()
        self.state_proofs()
        self.members_and_quorum()
        for dev in self.devices:
            self.device(dev)
        if self.lot is not None:
            self.lot_checks()
            self.terms()
            self.which_devices()
            self.calibrations()
        elif self.report_terms is not None:
            raise Refused('bundle-format', 'a report without a lot')
        self.unnamed_entries()  # step 12
        for key in self.state:  # step 13
            if key not in self.needed:
                raise Refused('bundle-format', f'state key {key} is needed by no part of the bundle')
        return self

    def summary(self):
        out = [f'consortium {self.consortium_id}, ledger size {self.cp.size}, as of {iso_ms(self.cp_time)}',
               f'signed by {", ".join(self.signers)} ({self.required} required, quorum {self.quorum})']
        out += [f'warning: {w}' for w in self.warnings]
        for d in self.devices:
            n = len(d.leaves)
            if n:
                reach = 'up to the last anchored' if d.first + n == d.size else f'not up to the last anchored ({d.size})'
                out.append(f'device {d.id}: readings: {n} (seq {d.first}..{d.first + n - 1}, none missing; {reach}) '
                           f'from {iso_ms(d.leaves[0]["ms"])} to {iso_ms(d.leaves[-1]["ms"])}')
            else:
                out.append(f'device {d.id}: no readings')
        return out


# ---------------------------------------------------------------------------------------------
# spec-ledger.md §7.2: condition reports

def _merge(intervals):
    out = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [tuple(x) for x in out]


def _site_ok(a, b):
    return a is None or b is None or a == b


def storage_history(v, readers):
    """Where the lot was during the report window: [(site, zone, from, to)] (spec-ledger.md §7.2)."""
    frm, to = v.window
    epcs = list(v.lot_stmt['epc'])
    events = []
    for t, order, site, zone, _ in v.location:
        events.append((t, order, '', 0, site, zone, None))
    for dev in readers:
        epc_sensors = {s['id']: s for s in dev.sensors if s['quantity'] == 'epc'}
        for leaf in dev.leaves:
            if leaf['kind'] != 'observation' or leaf['sensor'] not in epc_sensors or leaf['vs'] not in epcs:
                continue
            zone = epc_sensors[leaf['sensor']]['zone'] or dev.zone
            if zone is None or leaf['ms'] < v.issued:
                continue
            events.append((leaf['ms'], 2, dev.id, leaf['seq'], dev.site, zone, leaf['vs']))
    events.sort(key=lambda e: (e[0], e[1], e[2].encode('utf-8'), e[3]))
    end_all = to if v.delivered is None else min(to, v.delivered)
    leave = {}
    for at, named in sorted(v.deliveries):
        for epc in named:
            leave.setdefault(epc, at)
    tracks = epcs if epcs else [None]
    place = {}     # epc -> (site, zone, since)
    spans = {}     # (site, zone) -> [(a, b)]
    lot_site = None

    def close(epc, t):
        if epc in place:
            site, zone, since = place.pop(epc)
            a, b = max(since, frm), min(t, end_all, leave.get(epc, end_all))
            if a < b:
                spans.setdefault((site, zone), []).append((a, b))

    for t, order, dev_id, seq, site, zone, epc in events:
        if order < 2:
            lot_site = site
            for x in tracks:
                if leave.get(x) is not None and leave[x] <= t:
                    continue
                close(x, t)
                place[x] = (site, zone, t)
        else:
            if site is not None and site != lot_site:
                continue  # a read counts only at the site the lot is at
            if leave.get(epc) is not None and leave[epc] <= t:
                continue
            close(epc, t)
            place[epc] = (site if site is not None else lot_site, zone, t)  # FINDINGS F-25
    for x in list(place):
        close(x, end_all)
    out = []
    for (site, zone), iv in spans.items():
        for a, b in _merge(iv):
            out.append((site, zone, a, b))
    out.sort(key=lambda s: (s[2], s[0] or '', s[1]))
    return out


def _mkt(values, dhr):
    xs = [-dhr / (x + 273.15) for x in values]
    m = max(xs)
    total = 0.0
    for x in xs:  # left to right (spec-ledger.md §7.2, F-32)
        total += math.exp(x - m)
    return dhr / -(m + math.log(total / len(xs))) - 273.15


def _periods(rs, holds, beyond):
    """Maximal runs of readings beyond a limit: (start, end, peak, count, ongoing)."""
    out = []
    i = 0
    while i < len(rs):
        if not beyond(rs[i][1]):
            i += 1
            continue
        j = i
        while j + 1 < len(rs) and beyond(rs[j + 1][1]):
            j += 1
        vals = [rs[k][1] for k in range(i, j + 1)]
        out.append({'start': rs[i][0], 'end': holds[j], 'values': vals, 'count': j - i + 1,
                    'ongoing': j == len(rs) - 1})
        i = j + 1
    return out


def channel_report(dev, sensor, quantity, covered, params, band, readings, faults):
    interval = params['intervalMs']
    count_values = []
    periods_above, periods_below, gaps = [], [], []
    expected = 0
    cov_periods = {}
    parts = []
    for site, zone, a, b in covered:
        rs = sorted([(r['ms'], r['value']) for r in readings if a <= r['ms'] < b], key=lambda x: x[0])
        holds = []
        for i, (t, _) in enumerate(rs):
            if i + 1 < len(rs) and rs[i + 1][0] - t <= 2 * interval:
                holds.append(rs[i + 1][0])
            else:
                holds.append(min(t + interval, b))
        points = [a] + [t for t, _ in rs] + [b]
        for x, y in zip(points, points[1:]):
            if y - x > 2 * interval:
                gaps.append({'from': x, 'to': y, 'durationMs': y - x})
        expected += -(-(b - a) // interval)
        count_values += [v for _, v in rs]
        parts.append((rs, holds))
        if band:
            periods_above += _periods(rs, holds, lambda v: v > band['max'])
            periods_below += _periods(rs, holds, lambda v: v < band['min'])
    rep = {'device': dev.id, 'sensor': sensor['id'], 'quantity': quantity, 'unit': UNITS[quantity],
           'site': dev.site, 'zone': sensor['zone'] or dev.zone,
           'covered': [{'site': s, 'zone': z, 'from': a, 'to': b} for s, z, a, b in covered],
           'count': len(count_values)}
    if count_values:
        rep['min'] = min(count_values)
        rep['max'] = max(count_values)
        rep['mean'] = sum(count_values) / len(count_values)
        rep['mkt'] = _mkt(count_values, params['activationEnergyK']) if quantity == 'temperature' else None
    else:
        rep['min'] = rep['max'] = rep['mean'] = rep['mkt'] = None
    all_periods = [(p, 'above') for p in periods_above] + [(p, 'below') for p in periods_below]
    all_periods.sort(key=lambda x: x[0]['start'])
    rep['timeOutOfRangeMs'] = sum(p['end'] - p['start'] for p, _ in all_periods)
    rep['cumulativeExceeded'] = params['cumulativeMs'] is not None and rep['timeOutOfRangeMs'] > params['cumulativeMs']
    rep['excursions'] = [
        {'side': side, 'limit': band['max'] if side == 'above' else band['min'], 'start': p['start'], 'end': p['end'],
         'durationMs': p['end'] - p['start'], 'peak': max(p['values']) if side == 'above' else min(p['values']),
         'readings': p['count'], 'ongoing': p['ongoing']}
        for p, side in all_periods if p['end'] - p['start'] > params['delayMs']]
    rep['expected'] = expected
    rep['received'] = len(count_values)
    rep['completeness'] = 1 if expected == 0 else min(1, len(count_values) / expected)
    rep['gaps'] = gaps
    rep['faults'] = [{'time': f['ms'], 'code': f['vs']} for f in faults
                     if any(a <= f['ms'] < b for _, _, a, b in covered)]
    rep['_parts'] = parts
    return rep


def covenant_breaches(cov, channels):
    breaches = []
    for ch in channels:
        periods = []
        for rs, holds in ch['_parts']:
            if cov['side'] == 'above':
                periods += _periods(rs, holds, lambda v: v > cov['limit'])
            else:
                periods += _periods(rs, holds, lambda v: v < cov['limit'])
        periods.sort(key=lambda p: p['start'])
        total = 0
        for p in periods:
            dur = p['end'] - p['start']
            peak = max(p['values']) if cov['side'] == 'above' else min(p['values'])
            b = {'device': ch['device'], 'sensor': ch['sensor'], 'start': p['start'], 'end': p['end'],
                 'durationMs': dur, 'peak': peak, 'ongoing': p['ongoing']}
            if cov['mode'] == 'for':
                if dur > cov['durationMs']:
                    b['exceededAt'] = p['start'] + cov['durationMs']
                    breaches.append(b)
            else:  # total: once per channel, when the allowance ran out (FINDINGS F-31)
                if total + dur > cov['durationMs']:
                    b['exceededAt'] = p['start'] + (cov['durationMs'] - total)
                    breaches.append(b)
                    break
                total += dur
    order = ['device', 'sensor', 'start', 'end', 'durationMs', 'exceededAt', 'peak', 'ongoing']
    return [{k: b[k] for k in order} for b in breaches]


def uncovered_total(stretches):
    """The union of the stretches per quantity, the longest over the quantities."""
    per = {}
    for u in stretches:
        per.setdefault(u['quantity'], []).append((u['from'], u['to']))
    return max([sum(b - a for a, b in _merge(x)) for x in per.values()] or [0])


def _duration_text(ms):
    """h from 1 h, else min from 1 min, else s: one decimal, halves away from zero, no trailing .0 (§7.2)."""
    unit, name = (3_600_000, 'h') if ms >= 3_600_000 else (60_000, 'min') if ms >= 60_000 else (1000, 's')
    tenths = (ms * 10 * 2 + unit) // (2 * unit)  # round half up on the exact quotient (ms >= 0)
    whole, frac = divmod(tenths, 10)
    return f'{whole} {name}' if frac == 0 else f'{whole}.{frac} {name}'


def uncovered_reason(stretches):
    """'<total> uncovered: <up to three stretches, longest first>[ and k more]' (spec-ledger.md §7.2, F-03)."""
    named = sorted(stretches, key=lambda u: -(u['to'] - u['from']))[:3]
    parts = [f"{u['site'] + ' ' if u['site'] is not None else ''}{u['zone']} {u['quantity']} {iso_s(u['from'])} to {iso_s(u['to'])} "
             f"({'no sensor' if u['reason'] == 'no-sensor' else 'no readings'})" for u in named]
    more = f' and {len(stretches) - 3} more' if len(stretches) > 3 else ''
    return f"{_duration_text(uncovered_total(stretches))} uncovered: {'; '.join(parts)}{more}"


def suppressed_spans(v, storage):
    """The suppressed spans of spec-ledger.md §7.2 (from spec.md §2.8): per device, suppression-start and
    -end event leaves with zone and reason paired in seq order; listed when they overlap the window and a
    storage interval of their zone (at the device's site when both are known)."""
    frm, to = v.window
    spans = []
    for dev in v.devices:
        open_ = {}
        for leaf in sorted(dev.leaves, key=lambda x: x['seq']):
            if leaf['kind'] != 'event' or 'zone' not in leaf or 'reason' not in leaf:
                continue
            key = (leaf['zone'], leaf['reason'])
            if leaf['vs'] == 'suppression-start' and key not in open_:
                open_[key] = leaf
            elif leaf['vs'] == 'suppression-end' and key in open_:
                start = open_.pop(key)
                spans.append((dev, key, start, leaf))
        for key, start in open_.items():
            spans.append((dev, key, start, None))
    out = []
    for dev, (zone, reason), start, end in spans:
        a = start['ms']
        b = end['ms'] if end is not None else None
        if not (a < to and (b is None or b > frm)):
            continue
        if not any(z == zone and _site_ok(site, dev.site) and a < sb and (b is None or b > sa) for site, z, sa, sb in storage):
            continue
        out.append({'device': dev.id, 'zone': zone, 'reason': reason, 'from': a, 'to': b,
                    'startSeq': start['seq'], 'endSeq': end['seq'] if end is not None else None})
    out.sort(key=lambda x: (x['from'], x['device'].encode(), x['zone'].encode(), x['reason'].encode()))
    return out


def _corrected(hist, reading):
    cal = calibration_in_force(hist, reading['ms'])
    return float(calibration_corrected_text(cal['correction'], reading['value'])) if cal else reading['value']


def channel_calibration(hist, frm, to):
    """§7.2 Calibrations: the calibrations whose span meets [frm, to), overdueFrom and the status."""
    applied, overdue = [], None
    for i, c in enumerate(hist):
        a = max(c['calibrated'], frm)
        b = min(hist[i + 1]['calibrated'], to) if i + 1 < len(hist) else to
        if a >= b:
            continue
        applied.append({'entry': c['index'], 'certificate': c['certificate'], 'laboratory': c['laboratory'],
                        'calibrated': c['calibrated'], 'due': c['due']})
        if overdue is None and c['due'] < b:
            overdue = max(c['due'], a)
    status = 'none' if not hist or hist[0]['calibrated'] > frm else ('overdue' if overdue is not None else 'current')
    return {'status': status, 'overdueFrom': overdue, 'applied': applied}


def calibration_flags(channels):
    out = []
    for c in channels:
        cal, name = c['calibration'], f"{c['device']} {c['sensor']} {c['quantity']}"
        if cal['status'] == 'none':
            out.append(f'{name}: no calibration on record; its readings are not corrected' if not cal['applied'] else
                       f"{name}: no calibration on record before {iso_s(cal['applied'][0]['calibrated'])}; readings before it are not corrected")
        if cal['overdueFrom'] is not None:
            late = [a for a in cal['applied'] if a['calibrated'] <= cal['overdueFrom']][-1]  # in force at overdueFrom
            out.append(f"{name}: calibration overdue from {iso_s(cal['overdueFrom'])} (ledger entry {late['entry']}, "
                       f"certificate {late['certificate']}, due {iso_s(late['due'])})")
    return out


def condition_report(v):
    """The report of spec-ledger.md §7.2 for a verified lot bundle (a BundleVerifier after run())."""
    frm, to = v.window
    params = v.params
    bands = []
    for line in v.lot_stmt['band']:
        q, lo, hi = line.split(' ')
        bands.append({'quantity': q, 'unit': UNITS[q], 'min': float(Decimal(lo)), 'max': float(Decimal(hi))})
    band_of = {b['quantity']: b for b in bands}
    storage = v.storage
    channels = []
    channel_times = {}
    for dev in v.devices:
        for s in dev.sensors:
            zone = s['zone'] or dev.zone
            if s['quantity'] == 'epc' or zone is None:
                continue
            qs = [s['quantity']]
            for leaf in dev.leaves:
                if (leaf['kind'] in ('measurement', 'fault') and leaf['sensor'] == s['id'] and leaf['quantity'] in ('temperature', 'humidity')
                        and leaf['quantity'] not in qs):
                    qs.append(leaf['quantity'])
            for q in qs:
                if q not in ('temperature', 'humidity'):
                    continue  # the report's channels are of banded quantities (FINDINGS F-26)
                covered = [(site, z, a, b) for site, z, a, b in storage if z == zone and _site_ok(site, dev.site)]
                if not covered:
                    continue  # FINDINGS F-26
                # §7.2 Calibrations: each reading corrected by the calibration in force at its time (§3.6).
                hist = [c for c in getattr(v, 'cal', {}).get((dev.id, s['id']), []) if c['unit'] == UNITS[q]]
                readings = [dict(x, value=_corrected(hist, x)) for x in dev.leaves
                            if x['kind'] == 'measurement' and x['sensor'] == s['id'] and x['quantity'] == q]
                faults = [x for x in dev.leaves if x['kind'] == 'fault' and x['sensor'] == s['id'] and x['quantity'] == q]
                channels.append(channel_report(dev, s, q, covered, params, band_of.get(q), readings, faults))
                channels[-1]['calibration'] = channel_calibration(hist, frm, to)
                channel_times[id(channels[-1])] = sorted(x['ms'] for x in readings)
    channels.sort(key=lambda c: (c['device'].encode(), c['sensor'].encode(), c['quantity'].encode()))  # F-26
    judged = [b['quantity'] for b in bands] + [c['quantity'] for c in v.covenants if c['quantity'] not in band_of]
    judged = list(dict.fromkeys(judged))
    uncovered = {}
    for q in judged:
        out = []
        for site, zone, a, b in storage:
            desc = [c for c in channels if c['quantity'] == q and c['zone'] == zone and _site_ok(site, c['site'])]
            if not desc:
                out.append({'quantity': q, 'site': site, 'zone': zone, 'from': a, 'to': b, 'reason': 'no-sensor'})
                continue
            common = [(a, b)]
            for c in desc:
                points = [a] + [t for t in channel_times[id(c)] if a <= t < b] + [b]
                gaps = [(x, y) for x, y in zip(points, points[1:]) if y - x > 2 * params['intervalMs']]
                nxt = []
                for x, y in common:
                    for g1, g2 in gaps:
                        lo, hi = max(x, g1), min(y, g2)
                        if lo < hi:
                            nxt.append((lo, hi))
                common = _merge(nxt)
            for x, y in common:
                out.append({'quantity': q, 'site': site, 'zone': zone, 'from': x, 'to': y, 'reason': 'no-readings'})
        uncovered[q] = out  # by storage interval, then time (F-30)
    equivocated = [d.id for d in v.devices if d.equivocation]
    banded_channels = [c for c in channels if c['quantity'] in band_of]
    excursions = sum(len(c['excursions']) for c in banded_channels)
    exceeded = any(c['cumulativeExceeded'] for c in banded_channels)
    if excursions or exceeded:
        rng = 'out-of-range'
    elif any(uncovered[q] for q in band_of) or equivocated:
        rng = 'cannot-be-evaluated'
    else:
        rng = 'within-range'
    covenants = []
    for cov in v.covenants:
        chs = [c for c in channels if c['quantity'] == cov['quantity']]
        br = covenant_breaches(cov, chs)
        unc = uncovered.get(cov['quantity'], [])
        status = 'breached' if br else ('cannot-be-evaluated' if unc or equivocated else 'held')
        covenants.append({'covenant': cov['text'], 'breached': bool(br), 'breaches': br, 'status': status,
                          'uncovered': unc})
    if not covenants:
        cov_verdict = 'none'
    elif any(c['status'] == 'breached' for c in covenants):
        cov_verdict = 'breached'
    elif any(c['status'] == 'cannot-be-evaluated' for c in covenants):
        cov_verdict = 'cannot-be-evaluated'
    else:
        cov_verdict = 'held'
    all_uncovered = [u for q in judged for u in uncovered[q]]
    reasons = [f'device {d.id} signed two histories (equivocation at ledger index {d.equivocation_index}), so its readings cannot be relied on'
               for d in v.devices if d.equivocation]
    band_unc = [u for q in judged if q in band_of for u in uncovered[q]]
    if band_unc:
        reasons.append(uncovered_reason(band_unc))
    for c in covenants:
        if c['status'] == 'cannot-be-evaluated' and c['uncovered']:
            r = f"covenant '{c['covenant']}': {uncovered_reason(c['uncovered'])}"
            if r not in reasons:
                reasons.append(r)
    uncovered_ms = uncovered_total(all_uncovered)
    for c in channels:
        del c['_parts']
    suppressed = suppressed_spans(v, storage)
    report = {
        'terms': v.terms_kind,
        'pledge': v.pledge,
        'asOf': {'time': v.cp_time, 'ledgerSize': v.cp.size, 'signers': v.signers, 'required': v.required,
                 'quorum': v.quorum},
        'parameters': {'from': frm, 'to': to, 'activationEnergyK': params['activationEnergyK'],
                       'intervalMs': params['intervalMs'], 'delayMs': params['delayMs'],
                       'cumulativeMs': params['cumulativeMs']},
        'bands': bands,
        'storage': [{'site': s, 'zone': z, 'from': a, 'to': b} for s, z, a, b in storage],
        'sensors': channels,
        'uncovered': all_uncovered,
        'covenants': covenants,
        'excursionCount': excursions,
        'withinRange': not excursions and not exceeded,
        'covenantBreached': any(c['breached'] for c in covenants),
        'complete': not all_uncovered and not any(c['gaps'] for c in channels),
        'verdict': {'range': rng, 'covenants': cov_verdict, 'uncoveredMs': uncovered_ms, 'reasons': reasons,
                    'calibration': calibration_flags(channels)},
    }
    if suppressed:  # left out when empty (§7.2)
        report['suppressed'] = suppressed
    return report


# ---------------------------------------------------------------------------------------------
# command line

def parse_key_arg(text):
    name, _, value = text.partition('=')
    spki = b64decode_canonical(value, 'key', 'key')
    parse_spki(spki)
    return name, spki


def verify_bundle(data, trusted, threshold=None, not_before=None):
    return BundleVerifier(data, trusted, threshold, not_before).run()


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog='edgetrace_verify.py')
    ap.add_argument('command', choices=['bundle', 'report'])
    ap.add_argument('file')
    ap.add_argument('--key', action='append', default=[])
    ap.add_argument('--threshold', type=int)
    ap.add_argument('--not-before', type=int)
    ap.add_argument('--json', action='store_true')
    try:
        args = ap.parse_args(argv)
        trusted = [parse_key_arg(k) for k in args.key]
        if not trusted or (args.threshold is not None and args.threshold < 1):
            raise ValueError('need --key and a positive threshold')
    except (SystemExit, ValueError, Refused) as ex:
        print(f'bad arguments: {ex}', file=sys.stderr)
        return 2
    try:
        v = verify_bundle(open(args.file, 'rb').read(), trusted, args.threshold, args.not_before)
    except Refused as r:
        print(f'failed: {r.code}: {r.what}')
        return 1
    if args.command == 'bundle':
        print('\n'.join(v.summary()))
        return 0
    if v.lot is None:
        print('failed: bundle-format: not a lot bundle')
        return 1
    rep = condition_report(v)
    if args.json:
        print(json.dumps(rep, indent=2))
    else:
        print('\n'.join(v.summary()))
        print(json.dumps(rep['verdict'], indent=2))
    return 3 if 'cannot-be-evaluated' in (rep['verdict']['range'], rep['verdict']['covenants']) else 0



# ---------------------------------------------------------------------------------------------
# spec-ledger.md §3.6: calibrations

CALIBRATION_UNITS = ('Cel', '%RH', 'Pa')


def check_calibrate(lines):
    """The body of a calibrate statement (§3.1 table, §3.6); returns its fields with 'correction' parsed."""
    f = parse_fields(lines, BODIES['calibrate'], 'calibrate statement', validate=False)
    if not ID_RE.fullmatch(f['device']) or not SENSOR_RE.fullmatch(f['sensor']):
        raise ValueError('calibrate statement: device or sensor id')
    if f['unit'] not in CALIBRATION_UNITS:
        raise ValueError('calibrate statement: unit is Cel, %RH or Pa')
    if ('offset' in f) == (len(f['point']) == 2) or len(f['point']) not in (0, 2):
        raise ValueError("calibrate statement: either one 'offset' line or two 'point' lines")
    if 'offset' in f:
        o = parse_decimal(f['offset'])
        if o is None:
            raise ValueError('calibrate statement: offset is not a decimal')
        f['correction'] = ('offset', o)
    else:
        points = []
        for v in f['point']:
            parts = v.split(' ')
            if len(parts) != 2 or parse_decimal(parts[0]) is None or parse_decimal(parts[1]) is None:
                raise ValueError('calibrate statement: a point is <raw decimal> <reference decimal>')
            points.append((parse_decimal(parts[0]), parse_decimal(parts[1])))
        if points[0][0] == points[1][0]:
            raise ValueError('calibrate statement: the two points have the same raw value')
        f['correction'] = ('points', points)
    if not free_text_ok(f['certificate'], 128) or not free_text_ok(f['laboratory'], 200):
        raise ValueError('calibrate statement: certificate or laboratory text')
    cal, due = decimal_int(f['calibrated']), decimal_int(f['due'])
    if cal is None or due is None or not due > cal:
        raise ValueError('calibrate statement: due must come after calibrated')
    f['calibrated'], f['due'] = cal, due
    return f


def calibration_corrected_text(correction, raw):
    """§3.6 steps 1-3: the shortest round-trip decimal of the double, the exact correction, six places, halves away from zero."""
    from fractions import Fraction
    r = Fraction(repr(float(raw)))  # repr gives the shortest decimal that reads back as the same double
    kind, value = correction
    if kind == 'offset':
        c = r + Fraction(value)
    else:
        (x1, y1), (x2, y2) = [(Fraction(a), Fraction(b)) for a, b in value]
        c = y1 + (r - x1) * (y2 - y1) / (x2 - x1)
    q, rem = divmod(abs(c) * 10 ** 6, 1)
    q = int(q) + (1 if rem * 2 >= 1 else 0)
    digits = str(q).rjust(7, '0')
    whole, frac = digits[:-6], digits[-6:].rstrip('0')
    text = whole + ('.' + frac if frac else '')
    return '-' + text if c < 0 and q != 0 else text


def calibration_in_force(history, t):
    """§3.6: the last calibration (by ledger index) with calibrated <= t, or None."""
    found = None
    for cal in sorted(history, key=lambda h: h['index']):
        if cal['calibrated'] <= t:
            found = cal
    return found


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
