#!/usr/bin/env bash
# The whole test suite: unit, integration (real CPython 3.8-3.13 processes) and terminal (tmux) tests.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v tmux >/dev/null 2>&1; then
  echo "test.sh: installing tmux for the terminal tests" >&2
  if [ "$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq tmux >/dev/null); else sudo apt-get install -y -qq tmux >/dev/null; fi
fi
# Build everything first. Terminal and integration tests run what users get: the NativeAOT `pytrace` that the
# README's ./pytrace publishes into artifacts/pytrace.
dotnet build pytrace.slnx --nologo -v quiet "-clp:ErrorsOnly;NoSummary"
./pytrace --version >/dev/null
dotnet test pytrace.slnx --nologo --no-build "$@"
