#!/usr/bin/env bash
# Runs the benchmark suites and writes docs/benchmarks.md.
#   ./bench.sh                 every suite, results in docs/benchmarks.md
#   ./bench.sh merkle gateway  only those suites (printed, and written to docs/benchmarks.md)
#   ./bench.sh --list          the suites
set -euo pipefail
cd "$(dirname "$0")"
if [[ "${1:-}" == "--list" ]]; then exec dotnet run -c Release --project tests/Benchmarks -- --list; fi
dotnet build tests/Benchmarks -c Release -nologo -v quiet
exec dotnet run -c Release --no-build --project tests/Benchmarks -- --out docs/benchmarks.md "$@"
