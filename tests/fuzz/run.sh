#!/usr/bin/env bash
# Builds the fuzz targets with clang-14 and libFuzzer (ASan+UBSan) and runs
# one for a while. Usage: tests/fuzz/run.sh [SECONDS] [TARGET]
# Needs: apt-get install clang-14 libclang-rt-14-dev
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-300}
target=${2:-fuzz_query}
build=$root/build-fuzz
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 -DWIJKWACHT_FUZZ=ON -DWIJKWACHT_TESTS=OFF >/dev/null
cmake --build "$build" --target "$target"
work=$(mktemp -d)
cp "$root"/tests/fuzz/corpus/"${target#fuzz_}"/* "$work/"
"$build/tests/fuzz/$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -artifact_prefix="$build/" "$work"
