#!/usr/bin/env bash
# The default test run: installs what the tests need when it is missing, builds,
# runs every test except the long soaks, and ends with the runner's summary.
# Soaks: ./test.sh --soak     Benchmarks: ./bench.sh
set -euo pipefail
cd "$(dirname "$0")"

filter="Category!=Soak"
if [[ "${1:-}" == "--soak" ]]; then filter="Category=Soak"; shift; fi

missing=()
command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] || missing+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v dpkg-deb >/dev/null 2>&1 || missing+=(dpkg)
# The arm64 stage (tests/Packaging.Tests) runs the packaged gateway as an ARM program: under qemu-user
# with Debian's arm64 libraries (multiarch), unless this machine is arm64 itself.
arm64=()
if [[ "$(uname -m)" != aarch64 ]]; then
  command -v qemu-aarch64-static >/dev/null 2>&1 || missing+=(qemu-user-static)
  [[ -e /usr/lib/aarch64-linux-gnu/libc.so.6 ]] || arm64+=(libc6:arm64)
  [[ -e /usr/lib/aarch64-linux-gnu/libstdc++.so.6 ]] || arm64+=(libstdc++6:arm64)
  [[ -e /usr/lib/aarch64-linux-gnu/libssl.so.3 ]] || arm64+=(libssl3:arm64)
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
dotnet test EdgeTrace.sln -c Release --no-build --nologo --filter "$filter" \
  --logger "console;verbosity=normal" --results-directory artifacts/test-results "$@"
