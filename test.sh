#!/usr/bin/env bash
# The whole test suite: unit, integration (real CPython 3.8-3.13 processes) and terminal (tmux) tests.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v tmux >/dev/null 2>&1; then
  echo "test.sh: installing tmux for the terminal tests" >&2
  if [ "$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq tmux >/dev/null); else sudo apt-get install -y -qq tmux >/dev/null; fi
fi
# Build everything first: terminal and integration tests run the real `pytrace` binary, which no test project
# references directly enough to order the build.
dotnet build pytrace.slnx --nologo -v quiet "-clp:ErrorsOnly;NoSummary"
dotnet test pytrace.slnx --nologo --no-build "$@"
