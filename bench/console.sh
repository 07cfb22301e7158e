#!/usr/bin/env bash
# The console's latency from an alert's commit to its row in a real browser
# (bench/console_latency.mjs). Usage: bench/console.sh [BUILD_DIR] (ALERTS=N)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec "$root/tests/browser/run.sh" "${1:-$root/build}" --bench
