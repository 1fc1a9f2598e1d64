#!/usr/bin/env bash
# Runs the independent Python verifier (written from docs/spec.md and docs/spec-ledger.md only)
# against every published vector and the mutated bundles; prints a summary and exits non-zero on
# any failure. Needs python3 and the python3-cryptography package. -v lists every check.
set -euo pipefail
cd "$(dirname "$0")"
export PYTHONDONTWRITEBYTECODE=1
py=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import cryptography' 2>/dev/null; then
    py=$candidate; break
  fi
done
if [[ -z "$py" ]]; then
  echo "spec-python: needs python3 with the cryptography package (apt-get install python3 python3-cryptography)" >&2
  exit 2
fi
exec "$py" test_spec.py "$@"
