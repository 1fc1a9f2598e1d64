#!/usr/bin/env bash
# Builds the Debian package of the gateway: edgetrace-gateway_<version>_<arch>.deb, with the gateway
# published self-contained for the board (no .NET runtime to install) under /opt/edgetrace, the
# command edgetrace-gateway on the PATH, the systemd unit from hardware/systemd (installed, not
# enabled), the udev rules from hardware/udev (as a file to edit and copy, not active), and
# maintainer scripts that create the edgetrace user and /var/lib/edgetrace. Needs the .NET SDK and
# dpkg-deb; nothing is fetched at install time, and the build fetches nothing the NuGet restore
# has not already cached (the runtime pack Microsoft.NETCore.App.Runtime.<rid> comes from it).
#
#   packaging/build-deb.sh                       arm64 (64-bit Raspberry Pi OS) into artifacts/deb
#   packaging/build-deb.sh --arch amd64          the same for x86-64 Debian/Ubuntu
#   packaging/build-deb.sh --out DIR             other output folder
#   packaging/build-deb.sh --version 0.2.0       other version (default: packaging/VERSION)
#   packaging/build-deb.sh --keep-tree DIR       also leave the package's file tree in DIR
#   packaging/build-deb.sh --xz                  xz instead of gzip: 24 MB instead of 35 MB, but
#                                                about 100 s instead of 7 s of compression on 2 cores
#
# Prints the path of the .deb on its last line. Exit status: 0 built, 1 failed, 2 usage errors.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=arm64
out=artifacts/deb
version=""
keep_tree=""
compression=(-Zgzip -z6)
while (( $# > 0 )); do
  case "$1" in
    --arch) arch="${2:?$1 needs a value}"; shift 2 ;;
    --out) out="${2:?$1 needs a value}"; shift 2 ;;
    --version) version="${2:?$1 needs a value}"; shift 2 ;;
    --keep-tree) keep_tree="${2:?$1 needs a value}"; shift 2 ;;
    --xz) compression=(-Zxz -z6); shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "build-deb: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$arch" in
  arm64) rid=linux-arm64 ;;
  amd64) rid=linux-x64 ;;
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

work=$(mktemp -d "${TMPDIR:-/tmp}/edgetrace-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree="$work/tree"
# Timestamps in the package are those of the last commit, so that two builds of one commit match.
if [[ -z "${SOURCE_DATE_EPOCH:-}" ]] && epoch=$(git log -1 --format=%ct 2>/dev/null); then
  export SOURCE_DATE_EPOCH="$epoch"
fi

# Self-contained for the board: the runtime comes in the package, so the board needs none installed.
# --artifacts-path keeps this build's obj/ and bin/ out of src/, where a test run may be reading.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet publish src/EdgeGateway -c Release -r "$rid" --self-contained \
  -p:Version="$version" -p:DebugType=none -p:GenerateDocumentationFile=false \
  --artifacts-path "$work/build" -o "$tree/opt/edgetrace" --nologo -v quiet >&2

# Only the two programs are executable; the publish leaves libraries and assemblies executable too.
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
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_KB@/$installed_kb/" \
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
