#!/usr/bin/env bash
# Publishes the gateway the way it ships to Raspberry Pi boards -- portable and framework-dependent
# (no runtime identifier, so one output runs on 64-bit and 32-bit Raspberry Pi OS) -- and checks
# that the output carries the native libraries for both, runtimes/linux-arm64 and linux-arm: SQLite's
# and System.IO.Ports' (serial RFID readers). libgpiod, which GPIO uses, comes from the board's OS.
# The output is what goes to /opt/edgetrace: the native launcher a PC would build (x86-64) is left
# out and hardware/edgegateway-launcher.sh is installed as EdgeGateway in its place.
#
#   hardware/check-publish.sh                       publish Release to artifacts/publish/EdgeGateway and check
#   hardware/check-publish.sh -o DIR -c Debug       other output folder / configuration
#   hardware/check-publish.sh --no-build            reuse the last build of that configuration (fast)
#   hardware/check-publish.sh --check-only DIR      only check an existing publish folder
#
# Exit status: 0 when everything is there, 1 naming what is missing, 2 for usage errors.
set -euo pipefail
cd "$(dirname "$0")/.."

config=Release
out=artifacts/publish/EdgeGateway
build_flag=()
check_only=""
while (( $# > 0 )); do
  case "$1" in
    -c|--configuration) config="${2:?$1 needs a value}"; shift 2 ;;
    -o|--output) out="${2:?$1 needs a value}"; shift 2 ;;
    --no-build) build_flag=(--no-build); shift ;;
    --check-only) check_only="${2:?$1 needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "check-publish: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -n "$check_only" ]]; then
  dir="$check_only"
else
  dir="$out"
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  # No -r/--runtime: a RID would make the publish pick one native and drop the others.
  dotnet publish src/EdgeGateway -c "$config" -o "$dir" -p:UseAppHost=false --nologo -v quiet "${build_flag[@]}"
  install -m 755 hardware/edgegateway-launcher.sh "$dir/EdgeGateway"
fi

required=(
  EdgeGateway
  EdgeGateway.dll
  EdgeGateway.runtimeconfig.json
  runtimes/linux-arm64/native/libe_sqlite3.so
  runtimes/linux-arm/native/libe_sqlite3.so
  runtimes/linux-arm64/native/libSystem.IO.Ports.Native.so
  runtimes/linux-arm/native/libSystem.IO.Ports.Native.so
)
missing=()
for f in "${required[@]}"; do
  [[ -f "$dir/$f" ]] || missing+=("$f")
done
# A self-contained publish would carry the runtime itself, and only for the build machine's RID.
if [[ -f "$dir/libcoreclr.so" ]]; then
  echo "check-publish: $dir is self-contained (libcoreclr.so present); the gateway ships framework-dependent" >&2
  exit 1
fi
# EdgeGateway must be the launcher script; an ELF here is a native apphost for the build machine.
if [[ -f "$dir/EdgeGateway" && "$(head -c 4 "$dir/EdgeGateway" | od -An -c | tr -d ' ')" == '177ELF' ]]; then
  echo "check-publish: $dir/EdgeGateway is a native launcher built for this machine, not the Pi; publish with -p:UseAppHost=false and install hardware/edgegateway-launcher.sh as EdgeGateway" >&2
  exit 1
fi
if (( ${#missing[@]} > 0 )); then
  echo "check-publish: missing in $dir:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  echo "check-publish: the SQLite natives come from SQLitePCLRaw.bundle_e_sqlite3, the serial-port natives from System.IO.Ports (runtime.native.System.IO.Ports); check both are referenced by src/EdgeGateway/EdgeGateway.csproj and that the publish has no runtime identifier" >&2
  exit 1
fi
echo "check-publish: OK: $dir has the linux-arm64 and linux-arm SQLite and serial-port natives"
