#!/usr/bin/env bash
# The rule-engine benchmark: generates a corpus of 1,000,000 posts from
# Debian's Dutch word list and 1,000/10,000 generated rules, then measures
# wijkwacht, RE2::Set and a std::regex loop (bench/rules.cpp), and times
# `rg -c -i -w -F -f` against `wijkwacht rules test` over the same posts.
# Usage: bench/rules.sh [BUILD_DIR] [POSTS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
posts=${2:-1000000}
for p in wdutch ripgrep; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        { echo "bench/rules.sh needs $p: apt-get install $p" >&2; exit 1; }
done
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
bench=$build/bench/wijkwacht-bench-rules
wijkwacht=$build/cli/wijkwacht

echo "== corpus"
"$bench" generate --dir "$data" --posts "$posts"
echo "== default packs"
"$bench" measure --dir "$data" --rules "$root/rules/packs" --regex-sample 2000
echo "== 1,000 generated rules"
"$bench" measure --dir "$data" --rules "$data/rules-1000.toml" --regex-sample 500
echo "== 10,000 generated rules"
"$bench" measure --dir "$data" --rules "$data/rules-10000.toml" --regex-sample 50

seconds() { local start end; start=$(date +%s.%N); "$@" > /dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }
for n in 1000 10000; do
    echo "== $n rules: ripgrep over the texts vs wijkwacht rules test over the JSON lines"
    rg_time=$(seconds rg -c -i -w -F -f "$data/terms-$n.txt" "$data/posts.txt")
    ww_time=$(seconds "$wijkwacht" rules test --json --rules "$data/rules-$n.toml" "$data/posts.jsonl")
    echo "rg -c -i -w -F -f terms-$n.txt posts.txt: ${rg_time} s"
    echo "wijkwacht rules test --json --rules rules-$n.toml posts.jsonl: ${ww_time} s"
done
