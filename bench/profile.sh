#!/usr/bin/env bash
# Profiles one scenario: the server (1 worker) runs under `node --cpu-prof`, the bench drives the scenario,
# stops the server with SIGTERM (Node writes the .cpuprofile on exit) and prints the top self-time
# functions of the measured run only (warm-up and start-up left out), then the same time by package.
#   bench/profile.sh [SCENARIO] [more bench options]      e.g. bench/profile.sh me --db pg --duration 10
# The profile stays in the temp directory printed at the end; open it in Chrome DevTools (Performance) or
# re-read it with: npx tsx bench/cpuprofile-top.ts FILE.cpuprofile --top 40
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-me}"
shift || true
exec npx tsx bench/run.ts --scenario "$scenario" --workers 1 --profile --duration "${DURATION:-10}" "$@"
