#!/usr/bin/env bash
# Builds dist/pytrace-<version>-<tags>.whl from the NativeAOT build: the pytrace command as the wheel's script,
# the pytrace package (with _native.so, SQLite and the private bootstrap). Needs the .NET SDK and python3;
# the wheel then installs with pip on machines that have neither .NET nor a compiler.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/pytrace" --version >/dev/null   # publishes artifacts/pytrace when it is missing or older than the sources
python3 "$root/packaging/wheel.py" "$root/artifacts/pytrace" "${1:-$root/dist}"
