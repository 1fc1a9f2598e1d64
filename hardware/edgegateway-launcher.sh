#!/bin/sh
# Installed as /opt/edgetrace/EdgeGateway (hardware/check-publish.sh puts it in the publish folder).
# The gateway is published portable and framework-dependent, so it has no native launcher: one
# built on a PC would be an x86-64 binary that cannot run on the Pi. This starts EdgeGateway.dll
# on the shared .NET runtime instead, on any architecture.
set -e
here=$(dirname "$(readlink -f "$0")")
dotnet_root=${DOTNET_ROOT:-/opt/dotnet}
if [ -x "$dotnet_root/dotnet" ]; then
  dotnet="$dotnet_root/dotnet"
elif command -v dotnet >/dev/null 2>&1; then
  dotnet=$(command -v dotnet)
else
  echo "EdgeGateway: no .NET runtime in $dotnet_root or on PATH; install it as hardware/README.md shows, or set DOTNET_ROOT." >&2
  exit 127
fi
exec "$dotnet" "$here/EdgeGateway.dll" "$@"
