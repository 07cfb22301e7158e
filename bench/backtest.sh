#!/usr/bin/env bash
# Backtests as fast as grep: `wijkwacht rules test` and `rules stats` over the
# real corpus (../shared/corpora, as Post JSON lines) against ripgrep over the
# same texts with every word and phrase the packs look for as fixed strings
# (`wijkwacht rules explain --terms`), each on one core (taskset -c 0).
# Usage: bench/backtest.sh [BUILD_DIR] [CORPUS_DIR] [COPIES]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
corpus=${2:-$root/../shared/corpora}
copies=${3:-10}
dpkg-query -W -f='${Status}' ripgrep 2>/dev/null | grep -q 'install ok installed' ||
    { echo "bench/backtest.sh needs ripgrep: apt-get install ripgrep" >&2; exit 1; }
[ -d "$corpus" ] || { echo "bench/backtest.sh: no corpus directory $corpus" >&2; exit 1; }
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
wijkwacht=$build/cli/wijkwacht

"$build/bench/wijkwacht-bench-rules" corpus --from "$corpus" --dir "$data" --copies "$copies"
"$wijkwacht" rules explain --terms --rules "$root/rules/packs" > "$data/terms.txt"
echo "$(wc -l < "$data/terms.txt") words and phrases in the default packs"

one_core() { /usr/bin/time -f "%e s, %M KiB" taskset -c 0 "$@" > /dev/null; }
for run in 1 2 3; do
    echo "== run $run"
    echo -n "rg -j1 -c -i -w -F -f terms.txt posts.txt:       "
    one_core rg -j1 -c -i -w -F -f "$data/terms.txt" "$data/posts.txt" 2>&1 | tail -1
    echo -n "wijkwacht rules test --json posts.jsonl:        "
    one_core "$wijkwacht" rules test --json --rules "$root/rules/packs" "$data/posts.jsonl" 2>&1 | tail -1
    echo -n "wijkwacht rules stats --json labelled.jsonl:    "
    one_core "$wijkwacht" rules stats --json --rules "$root/rules/packs" "$data/labelled.jsonl" 2>&1 | tail -1
done
