#!/usr/bin/env python3
"""Writes docs/vectors/notes/ and docs/vectors/proofs/: signed notes and tlog-proofs that a reader
MUST accept or refuse (docs/spec.md §4-§6), each listed with its expected result in cases.txt.

Provenance: signatures are made by `openssl dgst -sha256 -sign` with the test key alpha or beta
(their PKCS#8 PEMs are key-alpha.pkcs8.pem and key-beta.pkcs8.pem here; test use only); every other
byte is written here by hand, following the spec. ECDSA signatures are randomised, so a rerun writes
different signature bytes with the same verdicts. tests/Firmware.Contracts.Tests/Spec/NoteVectorTests.cs
checks every case against the reference code.

Run from the repository root: python3 docs/vectors/make-note-vectors.py
"""
import base64
import hashlib
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS = os.path.join(ROOT, 'docs', 'vectors')
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # order of the P-256 base point


def pem(name):
    return open(os.path.join(VECTORS, f'key-{name.lower()}.pkcs8.pem'), encoding='ascii').read()


def spki(name):
    return base64.b64decode(open(os.path.join(VECTORS, f'key-{name}.spki.b64')).read().strip())


def key_id(name):
    return hashlib.sha256(spki(name)).digest()[:4]


def der_sign(name, text):
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, 'key.pem')
        with open(key, 'w') as f:
            f.write(pem(name.capitalize()))
        return subprocess.run(['openssl', 'dgst', '-sha256', '-sign', key], input=text, capture_output=True, check=True).stdout


def der_decode(sig):
    assert sig[0] == 0x30 and sig[1] == len(sig) - 2
    r_len = sig[3]
    r = int.from_bytes(sig[4:4 + r_len], 'big')
    s = int.from_bytes(sig[6 + r_len:], 'big')
    return r, s


def integer(value, content=None):
    if content is None:
        content = value.to_bytes(max(1, (value.bit_length() + 8) // 8), 'big')  # minimal, with a 0x00 before a high bit
    return bytes([0x02, len(content)]) + content


def sequence(content):
    return bytes([0x30, len(content)]) + content


def der(r, s):
    return sequence(integer(r) + integer(s))


def line(key_name, kid, signature, b64=None):
    payload = base64.b64encode(kid + signature).decode() if b64 is None else b64
    return f'\u2014 {key_name} {payload}\n'


def sign_until(name, text, accept):
    while True:
        sig = der_sign(name, text)
        if accept(sig):
            return sig


def write(directory, file, content):
    with open(os.path.join(directory, file), 'wb') as f:
        f.write(content.encode('utf-8') if isinstance(content, str) else content)


def notes():
    out = os.path.join(VECTORS, 'notes')
    os.makedirs(out, exist_ok=True)
    cases = []
    text = 'edgetrace/vector/note\nhello\n'
    raw = text.encode()
    alpha, beta = key_id('alpha'), key_id('beta')

    def note(body, *lines):
        return body + '\n' + ''.join(lines)

    def case(file, threshold, result, why, content):
        write(out, file, content)
        cases.append(f'{file} | {threshold} | {result} | {why}')

    good = der_sign('alpha', raw)
    r, s = der_decode(good)
    low, high = min(s, N - s), max(s, N - s)
    case('plain.note', 1, 'accept', 'one signature by alpha', note(text, line('alpha', alpha, der(r, low))))
    case('high-s.note', 1, 'accept', 'the same signature with s replaced by n - s (> n/2): still valid, accepted', note(text, line('alpha', alpha, der(r, high))))
    two = 'first\n\nthird\n'
    case('empty-line-in-text.note', 1, 'accept', 'the text holds an empty line: the last blank line separates the signatures',
         note(two, line('alpha', alpha, der_sign('alpha', two.encode()))))
    uni = 'edgetrace/vector/note\ncaf\u00e9 \u00a0 \u2028 \u200b \u202e \U0001F600\n'
    case('unicode-text.note', 1, 'accept', 'non-ASCII text that holds no control character (U+00A0, U+2028, U+200B, U+202E, an emoji)',
         note(uni, line('alpha', alpha, der_sign('alpha', uni.encode()))))
    gamma_id = hashlib.sha256(spki('gamma')).digest()[:4]
    case('unknown-signer.note', 1, 'accept', 'a signature by a key the policy does not know (gamma) is ignored',
         note(text, line('gamma', gamma_id, der_sign('gamma', raw)), line('alpha', alpha, good)))
    case('same-name-other-id.note', 1, 'accept', 'a line with alpha\'s name and another key ID is an unknown key, ignored even though its signature is garbage',
         note(text, line('alpha', b'\x00\x00\x00\x01', b'\x01'), line('alpha', alpha, good)))
    case('two-signers.note', 2, 'accept', 'alpha and beta: meets a 2-of-2 policy', note(text, line('alpha', alpha, good), line('beta', beta, der_sign('beta', raw))))
    case('same-key-twice.note', 2, 'refuse', 'two valid signatures by alpha count once: fails a 2-of-2 policy',
         note(text, line('alpha', alpha, good), line('alpha', alpha, der_sign('alpha', raw))))
    bad = bytearray(good)
    bad[-1] ^= 1
    case('bad-beside-good.note', 1, 'refuse', 'a signature by a trusted key that does not verify rejects the whole note, even beside a good one',
         note(text, line('alpha', alpha, good), line('alpha', alpha, bytes(bad))))
    case('altered-text.note', 1, 'refuse', 'the text changed after signing', note(text.replace('hello', 'hallo'), line('alpha', alpha, good)))
    case('untrusted-only.note', 1, 'refuse', 'signed only by a key the policy does not know', note(text, line('gamma', gamma_id, der_sign('gamma', raw))))
    for file, why, body in [
        ('del.note', 'the text holds DEL (U+007F)', 'edgetrace/vector/note\nhel\x7flo\n'),
        ('c1-nel.note', 'the text holds the C1 control NEL (U+0085)', 'edgetrace/vector/note\nhel\u0085lo\n'),
        ('c1-csi.note', 'the text holds the C1 control CSI (U+009B)', 'edgetrace/vector/note\nhel\u009blo\n'),
        ('tab.note', 'the text holds a tab (U+0009)', 'edgetrace/vector/note\nhel\tlo\n'),
        ('crlf.note', 'a line of the text ends in CR LF', 'edgetrace/vector/note\r\nhello\n'),
    ]:
        case(file, 1, 'refuse', why + ', correctly signed', note(body, line('alpha', alpha, der_sign('alpha', body.encode()))))
    padded = sign_until('alpha', raw, lambda sig: (4 + len(sig)) % 3 != 0)
    b64 = base64.b64encode(alpha + padded).decode()
    pad = b64.index('=')
    alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    twisted = b64[:pad - 1] + alphabet[alphabet.index(b64[pad - 1]) | 1] + b64[pad:]
    assert base64.b64decode(twisted) == alpha + padded and twisted != b64
    case('base64-unused-bits.note', 1, 'refuse', 'the signature\'s base64 has a non-zero unused bit (it decodes to the same valid signature)', note(text, line('alpha', None, None, twisted)))
    case('base64-unpadded.note', 1, 'refuse', 'the signature\'s base64 without its = padding', note(text, line('alpha', None, None, b64.rstrip('='))))
    case('base64-url-safe.note', 1, 'refuse', 'the signature in the URL-safe base64 alphabet',
         note(text, line('alpha', None, None, base64.urlsafe_b64encode(alpha + sign_until('alpha', raw, lambda sig: b'+' in base64.b64encode(alpha + sig) or b'/' in base64.b64encode(alpha + sig))).decode())))
    negative = sign_until('alpha', raw, lambda sig: der_decode(sig)[0] >> 255 == 1)
    nr, ns = der_decode(negative)
    positive = sign_until('alpha', raw, lambda sig: der_decode(sig)[0] >> 248 in range(1, 0x80))
    pr, ps = der_decode(positive)
    for file, why, sig in [
        ('der-long-length.note', 'the DER SEQUENCE length in long form (0x81, then the length)', bytes([0x30, 0x81]) + good[1:]),
        ('der-extra-zero.note', 'r with a leading 0x00 it does not need (its high bit is clear)', sequence(integer(0, b'\x00' + pr.to_bytes(32, 'big')) + integer(ps))),
        ('der-negative-r.note', 'r without the 0x00 its high bit needs (a negative INTEGER in DER)', sequence(integer(0, nr.to_bytes(32, 'big')) + integer(ns))),
        ('der-trailing-byte.note', 'a byte after the SEQUENCE', good + b'\x00'),
        ('p1363.note', 'r and s as 64 fixed-width bytes instead of DER', r.to_bytes(32, 'big') + s.to_bytes(32, 'big')),
        ('s-equals-n.note', 's = n', der(r, N)),
        ('s-plus-n.note', 's + n in place of s (the same value mod n)', der(r, s + N)),
        ('r-zero.note', 'r = 0', der(0, s)),
    ]:
        case(file, 1, 'refuse', why, note(text, line('alpha', alpha, sig)))
    case('no-blank-line.note', 1, 'refuse', 'no blank line before the signature', text + line('alpha', alpha, good))
    case('no-final-newline.note', 1, 'refuse', 'the last signature line does not end in a line feed', note(text, line('alpha', alpha, good))[:-1])
    case('empty-text.note', 1, 'refuse', 'no text and no blank line: the note has no \\n\\n to split at', '\n' + line('alpha', alpha, good))
    case('empty-line-text.note', 1, 'refuse', 'the text is one empty line (\\n), which counts as empty, correctly signed',
         '\n\n' + line('alpha', alpha, der_sign('alpha', b'\n')))
    case('two-spaces.note', 1, 'refuse', 'two spaces between the key name and the signature', note(text, line('alpha', alpha, good).replace(' ', '  ', 2).replace('\u2014  ', '\u2014 ')))
    case('hyphen.note', 1, 'refuse', 'a hyphen-minus instead of the em dash', note(text, '-' + line('alpha', alpha, good)[1:]))
    write(out, 'cases.txt', '\n'.join([
        '# Signed notes (docs/spec.md §4) and the verdict every reader MUST reach on them.',
        '# Policy: the keys alpha (key name "alpha", key-alpha.spki.b64) and beta (key name "beta",',
        '# key-beta.spki.b64), of which THRESHOLD must have signed. Made by ../make-note-vectors.py.',
        '# FILE | THRESHOLD | RESULT | WHY',
    ] + cases) + '\n')


def proofs():
    out = os.path.join(VECTORS, 'proofs')
    os.makedirs(out, exist_ok=True)
    cases = []
    proof = open(os.path.join(VECTORS, 'reading-2.tlog-proof'), encoding='utf-8').read()
    head, checkpoint = proof.split('\n\n', 1)
    lines = head.split('\n')
    origin = 'edgetrace/device/gw-demo'
    alpha = key_id('alpha')

    def case(file, leaf, result, why, content=None):
        if content is not None:
            write(out, file, content)
        cases.append(f'{file} | {leaf} | {result} | {why}')

    def signed(text):
        return text + '\n' + line(origin, alpha, der_sign('alpha', text.encode()))

    case('extra.tlog-proof', 2, 'accept', 'reading-2.tlog-proof with an extra line (unauthenticated data; it changes nothing)',
         '\n'.join(lines[:1] + ['extra ' + base64.b64encode(b'any bytes').decode()] + lines[1:]) + '\n\n' + checkpoint)
    case('extra.tlog-proof', 3, 'refuse', 'the same proof does not prove leaf 3')
    text, signature = checkpoint.split('\n\n', 1)
    sig_b64 = signature.split(' ')[-1].strip()
    raw = base64.b64decode(sig_b64)
    r, s = der_decode(raw[4:])
    case('checkpoint-high-s.tlog-proof', 2, 'accept', 'the checkpoint\'s signature with s replaced by n - s',
         head + '\n\n' + text + '\n\n' + line(origin, alpha, der(r, N - s)))
    twisted = lines[2][:42] + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[
        'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.index(lines[2][42]) ^ 1] + '='
    assert base64.b64decode(twisted) == base64.b64decode(lines[2]) and twisted != lines[2]
    case('path-base64-unused-bits.tlog-proof', 2, 'refuse', 'a path hash whose base64 has a non-zero unused bit (same 32 bytes)',
         '\n'.join(lines[:2] + [twisted] + lines[3:]) + '\n\n' + checkpoint)
    case('index-leading-zero.tlog-proof', 2, 'refuse', 'index 02', proof.replace('index 2\n', 'index 02\n', 1))
    case('extra-empty.tlog-proof', 2, 'refuse', 'an extra line without data', '\n'.join(lines[:1] + ['extra '] + lines[1:]) + '\n\n' + checkpoint)
    case('path-too-long.tlog-proof', 2, 'refuse', 'one hash more than leaf 2 of 5 needs', head + '\n' + lines[2] + '\n\n' + checkpoint)
    case('path-too-short.tlog-proof', 2, 'refuse', 'the last path hash left out', '\n'.join(lines[:-1]) + '\n\n' + checkpoint)
    root = text.split('\n')[2]
    root_twisted = root[:42] + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[
        'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.index(root[42]) ^ 1] + '='
    assert base64.b64decode(root_twisted) == base64.b64decode(root) and root_twisted != root
    case('checkpoint-root-unused-bits.tlog-proof', 2, 'refuse', 'a checkpoint, correctly signed, whose root is spelled with a non-zero unused bit',
         head + '\n\n' + signed(text.replace(root, root_twisted) + '\n'))
    case('checkpoint-size-leading-zero.tlog-proof', 2, 'refuse', 'a checkpoint, correctly signed, whose size is written 05',
         head + '\n\n' + signed(text.replace('\n5\n', '\n05\n', 1) + '\n'))
    write(out, 'cases.txt', '\n'.join([
        '# tlog-proofs (docs/spec.md §6) and the verdict every reader MUST reach on them for leaf LEAF',
        '# of vectors/device-log-leaves.hex (0-based line), with key alpha (key-alpha.spki.b64) trusted',
        '# under the key name edgetrace/device/gw-demo, threshold 1, expected origin',
        '# edgetrace/device/gw-demo. Made by ../make-note-vectors.py.',
        '# FILE | LEAF | RESULT | WHY',
    ] + cases) + '\n')


notes()
proofs()
