#!/usr/bin/env bash
# The default test run: installs what the tests need when it is missing, builds,
# runs every test except the long soaks, with the independent Python
# verifier of the published formats (tests/spec-python, written from docs/spec*.md alone), and
# ends with the runner's summary.
# Soaks: ./test.sh --soak     Benchmarks: ./bench.sh
set -euo pipefail
cd "$(dirname "$0")"

filter="Category!=Soak"
soak=0
if [[ "${1:-}" == "--soak" ]]; then filter="Category=Soak"; soak=1; shift; fi

missing=()
command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] || missing+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
# The Chinese PDF report embeds a font with CJK glyphs (src/AnchorNode/Inventory/ReportFonts.cs)
[[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]] || missing+=(fonts-wqy-zenhei)
# tests/spec-python: Debian's python3 with python3-cryptography (ECDSA P-256)
/usr/bin/python3 -c 'import cryptography' >/dev/null 2>&1 || missing+=(python3 python3-cryptography)
command -v dpkg-deb >/dev/null 2>&1 || missing+=(dpkg)
# tests/Consortium.Tests: a real etcd cluster orders the member nodes' ledger (Debian's etcd 3.4: the
# server, and etcdctl from the client package)
[[ -x /usr/bin/etcd ]] || missing+=(etcd-server)
[[ -x /usr/bin/etcdctl ]] || missing+=(etcd-client)
# The arm64 stage (tests/Packaging.Tests) runs the packaged gateway as an ARM program: under qemu-user
# with Debian's arm64 libraries (multiarch), unless this machine is arm64 itself.
arm64=()
# The packages carry the gateway compiled ahead of time (Native AOT), which links with clang and lld
# against the C library and zlib of the package's architecture: this machine's, and arm64's through a
# cross toolchain (packaging/build-deb.sh).
command -v clang >/dev/null 2>&1 || missing+=(clang)
command -v ld.lld >/dev/null 2>&1 || missing+=(lld)
command -v llvm-objcopy >/dev/null 2>&1 || missing+=(llvm)
[[ -e /usr/include/zlib.h ]] || missing+=(zlib1g-dev)
if [[ "$(uname -m)" != aarch64 ]]; then
  command -v qemu-aarch64-static >/dev/null 2>&1 || missing+=(qemu-user-static)
  command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=(gcc-aarch64-linux-gnu)
  command -v aarch64-linux-gnu-objcopy >/dev/null 2>&1 || missing+=(binutils-aarch64-linux-gnu)
  [[ -e /usr/lib/aarch64-linux-gnu/libc.so.6 ]] || arm64+=(libc6:arm64)
  [[ -e /usr/lib/aarch64-linux-gnu/libstdc++.so.6 ]] || arm64+=(libstdc++6:arm64)
  [[ -e /usr/lib/aarch64-linux-gnu/libssl.so.3 ]] || arm64+=(libssl3:arm64)
  [[ -e /usr/lib/aarch64-linux-gnu/libz.a ]] || arm64+=(zlib1g-dev:arm64)
  missing+=("${arm64[@]}")
fi
if (( ${#missing[@]} > 0 )); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "test.sh: missing packages: ${missing[*]}; run as root or install them with apt-get${arm64:+ (after dpkg --add-architecture arm64)}." >&2
    exit 2
  fi
  echo "test.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if (( ${#arm64[@]} > 0 )) && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build EdgeTrace.sln -c Release -nologo -v quiet

spec_python=0
if (( soak == 0 )); then
  echo "test.sh: spec-python: an independent verifier against docs/vectors"
  tests/spec-python/run.sh || spec_python=$?
fi

mkdir -p artifacts
set +e
dotnet test EdgeTrace.sln -c Release --no-build --nologo --filter "$filter" \
  --logger "console;verbosity=normal" --results-directory artifacts/test-results "$@" \
  2>&1 | tee artifacts/test-output.log
dotnet_test=${PIPESTATUS[0]}
set -e

# The projects run in parallel, so a failure scrolls far up: repeat each failed test with its
# message, then every project's summary, so the end of the output says what happened.
if (( dotnet_test != 0 )); then
  echo
  echo "test.sh: failed tests (the whole output is in artifacts/test-output.log):"
  grep -E -A12 '^[[:space:]]+Failed [A-Za-z]' artifacts/test-output.log | head -300 || true
fi
if (( spec_python != 0 )); then
  echo "test.sh: spec-python failed (exit $spec_python); tests/spec-python/run.sh -v lists every check"
fi
echo
echo "test.sh: summary (one block per test project)"
grep -E '^(Test Run (Successful|Failed|Aborted)|Total tests:|[[:space:]]+(Passed|Failed|Skipped):|[[:space:]]*Total time:)' \
  artifacts/test-output.log || true
awk '/^Total tests:/ {t+=$3} /^[[:space:]]+Passed:/ {p+=$2} /^[[:space:]]+Failed:/ {f+=$2}
     END {printf "test.sh: %d tests in all, %d passed, %d failed\n", t, p, f}' artifacts/test-output.log
(( dotnet_test == 0 && spec_python == 0 ))
