#!/usr/bin/env bash
# Builds the Debian package of the gateway: edgetrace-gateway_<version>_<arch>.deb, with the gateway
# compiled ahead of time for the board (Native AOT: one native program, no .NET runtime to install,
# about half the memory of the JIT build, see docs/benchmarks.md gateway-rss) under /opt/edgetrace, the
# command edgetrace-gateway on the PATH, the systemd unit from hardware/systemd (installed, not
# enabled), the udev rules from hardware/udev (as a file to edit and copy, not active), and
# maintainer scripts that create the edgetrace user and /var/lib/edgetrace. Needs the .NET SDK and
# dpkg-deb, and for the native build clang and lld with the board's C library and zlib: on Debian,
#   apt-get install clang lld llvm zlib1g-dev                                      (amd64)
#   dpkg --add-architecture arm64 && apt-get update &&
#   apt-get install clang lld llvm gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu zlib1g-dev:arm64
# Nothing is fetched at install time; the build fetches only NuGet packages (the ILCompiler and the
# runtime pack for the architecture).
#
#   packaging/build-deb.sh                       arm64 (64-bit Raspberry Pi OS) into artifacts/deb
#   packaging/build-deb.sh --arch amd64          the same for x86-64 Debian/Ubuntu
#   packaging/build-deb.sh --out DIR             other output folder
#   packaging/build-deb.sh --version 0.2.0       other version (default: packaging/VERSION)
#   packaging/build-deb.sh --keep-tree DIR       also leave the package's file tree in DIR
#   packaging/build-deb.sh --jit                 the self-contained JIT build instead (the .NET runtime
#                                                in the package, 66 MB of memory instead of 33 MB; needs
#                                                no C toolchain)
#   packaging/build-deb.sh --xz                  xz instead of gzip (smaller, much slower to compress)
#
# Prints the path of the .deb on its last line. Exit status: 0 built, 1 failed, 2 usage errors.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=arm64
out=artifacts/deb
version=""
keep_tree=""
compression=(-Zgzip -z6)
native=1
while (( $# > 0 )); do
  case "$1" in
    --arch) arch="${2:?$1 needs a value}"; shift 2 ;;
    --out) out="${2:?$1 needs a value}"; shift 2 ;;
    --version) version="${2:?$1 needs a value}"; shift 2 ;;
    --keep-tree) keep_tree="${2:?$1 needs a value}"; shift 2 ;;
    --xz) compression=(-Zxz -z6); shift ;;
    --jit) native=0; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "build-deb: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$arch" in
  arm64) rid=linux-arm64; triple=aarch64-linux-gnu ;;
  amd64) rid=linux-x64; triple=x86_64-linux-gnu ;;
  *) echo "build-deb: --arch must be arm64 or amd64, got '$arch'" >&2; exit 2 ;;
esac
version="${version:-$(tr -d '[:space:]' < packaging/VERSION)}"
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "build-deb: version must be MAJOR.MINOR.PATCH, got '$version'" >&2
  exit 2
fi
for tool in dotnet dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-deb: $tool is needed (apt-get install dpkg; the .NET 10 SDK)" >&2; exit 1; }
done
if (( native )); then
  # What the native link needs, checked first so that a missing part is named, not a linker error.
  needs=()
  command -v clang >/dev/null 2>&1 || needs+=(clang)
  command -v ld.lld >/dev/null 2>&1 || needs+=(lld)
  [[ -e /usr/lib/$triple/libz.a || -e /usr/lib/$triple/libz.so ]] || needs+=("zlib1g-dev:$arch")
  if [[ "$arch" == arm64 && "$(uname -m)" != aarch64 ]]; then
    command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || needs+=(gcc-aarch64-linux-gnu)
    command -v aarch64-linux-gnu-objcopy >/dev/null 2>&1 || needs+=(binutils-aarch64-linux-gnu)
  fi
  if (( ${#needs[@]} > 0 )); then
    echo "build-deb: the native build needs ${needs[*]} (apt-get install them; for arm64 first dpkg --add-architecture arm64), or build with --jit" >&2
    exit 1
  fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/edgetrace-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree="$work/tree"
# Timestamps in the package are those of the last commit, so that two builds of one commit match.
if [[ -z "${SOURCE_DATE_EPOCH:-}" ]] && epoch=$(git log -1 --format=%ct 2>/dev/null); then
  export SOURCE_DATE_EPOCH="$epoch"
fi

# Either build carries everything it runs on, so the board needs no .NET installed: the native build
# is one program compiled ahead of time (with the two native libraries it loads: SQLite and the
# serial-port shim); the JIT build carries the .NET runtime and the assemblies.
# --artifacts-path keeps this build's obj/ and bin/ out of src/, where a test run may be reading.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if (( native )); then
  build=(-p:PublishAot=true)
  echo "build-deb: compiling the gateway ahead of time for $rid (a few minutes)" >&2
else
  build=(--self-contained)
fi
dotnet publish src/EdgeGateway -c Release -r "$rid" "${build[@]}" \
  -p:Version="$version" -p:DebugType=none -p:GenerateDocumentationFile=false \
  --artifacts-path "$work/build" -o "$tree/opt/edgetrace" --nologo -v quiet >&2

# Only the programs are executable (the JIT build also has createdump); the publish leaves libraries
# and assemblies executable too.
find "$tree/opt/edgetrace" -type f ! -name EdgeGateway ! -name createdump -exec chmod 644 {} +
install -d "$tree/usr/bin" "$tree/lib/systemd/system" "$tree/usr/share/edgetrace-gateway/udev" \
  "$tree/usr/share/doc/edgetrace-gateway" "$tree/usr/share/lintian/overrides" "$tree/DEBIAN"
ln -s /opt/edgetrace/EdgeGateway "$tree/usr/bin/edgetrace-gateway"
install -m 644 hardware/systemd/edgetrace-gateway.service "$tree/lib/systemd/system/"
install -m 644 hardware/udev/99-edgetrace-rfid.rules "$tree/usr/share/edgetrace-gateway/udev/"
install -m 644 packaging/debian/copyright packaging/debian/README.Debian "$tree/usr/share/doc/edgetrace-gateway/"
install -m 644 packaging/debian/lintian-overrides "$tree/usr/share/lintian/overrides/edgetrace-gateway"
{
  echo "edgetrace-gateway ($version) unstable; urgency=medium"
  echo
  echo "  * Built from the EdgeTrace repository; see its history for changes."
  echo
  echo " -- EdgeTrace maintainers <maintainers@edgetrace.invalid>  $(date -u -R -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}")"
} | gzip -9n > "$tree/usr/share/doc/edgetrace-gateway/changelog.gz"
for script in postinst prerm postrm; do
  install -m 755 "packaging/debian/$script" "$tree/DEBIAN/$script"
done
installed_kb=$(du -sk --exclude=DEBIAN "$tree" | cut -f1)
# The native program links only the C library (OpenSSL is loaded when the device key signs); the
# JIT runtime also needs the C++ runtime and libgcc.
if (( native )); then
  depends="passwd, libc6, libssl3 | libssl3t64"
  built="The gateway is compiled ahead of time (Native AOT): no .NET runtime is needed."
else
  depends="passwd, libc6, libgcc-s1, libstdc++6, libssl3 | libssl3t64"
  built="The gateway carries its own .NET runtime."
fi
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_KB@/$installed_kb/" \
  -e "s/@DEPENDS@/$depends/" -e "s/@BUILT@/$built/" \
  packaging/debian/control > "$tree/DEBIAN/control"
chmod -R u+rwX,go+rX,go-w "$tree"

mkdir -p "$out"
deb="$out/edgetrace-gateway_${version}_${arch}.deb"
dpkg-deb --root-owner-group "${compression[@]}" --build "$tree" "$deb" >&2
if [[ -n "$keep_tree" ]]; then
  rm -rf "$keep_tree"
  mv "$tree" "$keep_tree"
fi
echo "$deb"
