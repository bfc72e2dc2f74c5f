#!/usr/bin/env bash
# The whole test suite: unit, integration (real CPython 3.8-3.13 processes) and terminal (tmux) tests.
set -euo pipefail
cd "$(dirname "$0")"
# tmux for the terminal tests, chromium for the flame graph's browser test.
missing=""
command -v tmux >/dev/null 2>&1 || missing="$missing tmux"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
if [ -n "$missing" ]; then
  echo "test.sh: installing$missing" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq $missing >/dev/null
fi
# Build everything first. Terminal and integration tests run what users get: the NativeAOT `pytrace` that the
# README's ./pytrace publishes into artifacts/pytrace.
dotnet build pytrace.slnx --nologo -v quiet "-clp:ErrorsOnly;NoSummary"
./pytrace --version >/dev/null
dotnet test pytrace.slnx --nologo --no-build "$@"
