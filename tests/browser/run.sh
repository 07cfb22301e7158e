#!/usr/bin/env bash
# Runs the real-browser tests of `wijkwacht console` (console.test.mjs) with
# Debian's Chromium and puppeteer-core@24 from npm, installed into
# BUILD/browser-node on first use (tests only: nothing of this runs in
# wijkwacht). Usage: tests/browser/run.sh BUILD_DIR [SCREENSHOT_DIR | --bench]
# (--bench: bench/console_latency.mjs instead of the tests)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [SCREENSHOT_DIR]}" && pwd)
node_dir=$build/browser-node
if [ ! -d "$node_dir/node_modules/puppeteer-core" ]; then
    mkdir -p "$node_dir"
    # puppeteer-core never downloads a browser; pinned to 24 (25 needs Node 22).
    if ! npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error \
        puppeteer-core@24 >&2; then
        # Outside our reach (no npm registry): skipped, loudly (ctest: 77).
        echo "browser tests SKIPPED: npm could not install puppeteer-core@24" >&2
        exit 77
    fi
fi
export WIJKWACHT_BUILD=$build PUPPETEER_HOME=$node_dir
if [ "${2:-}" = --bench ]; then exec node "$here/../../bench/console_latency.mjs"; fi
if [ -n "${2:-}" ]; then export SCREENSHOTS=$2; fi
exec node --test --test-reporter=spec "$here/console.test.mjs"
