#!/usr/bin/env bash
# The ingest benchmark: N feeds of 20 items served by nginx on loopback,
# polled by `wijkwachtd --once` and by `newsboat -x reload`, three rounds
# each: cold (all new), unchanged (304s), changed (all items new).
# Reports wall time, CPU seconds and peak RSS (GNU time).
# Usage: [PORT=8790] [PEERS=1] bench/ingest.sh [BUILD_DIR] [FEEDS...]   (default: 1000 10000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
for p in nginx-light newsboat time; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        { echo "bench/ingest.sh needs $p: apt-get install $p" >&2; exit 1; }
done
port=${PORT:-8790}
peers=${PEERS:-1} # PEERS=0: wijkwachtd only
work=$(mktemp -d)
chmod 755 "$work" # nginx workers run unprivileged
cleanup() {
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

measure() { # label command...
    local label=$1
    shift
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" > "$work/out" 2>&1 || {
        echo "$label: failed"; tail -5 "$work/out"; return 1; }
    read -r wall user sys rss < "$work/time"
    printf '%-44s wall %6.2f s  cpu %6.2f s  peak RSS %6.1f MiB\n' "$label" "$wall" \
        "$(echo "$user + $sys" | bc)" "$(echo "scale=1; $rss / 1024" | bc)"
}

for n in "${sizes[@]}"; do
    dir=$work/$n
    "$build/bench/wijkwacht-bench-ingest" --dir "$dir" --feeds "$n" --round 1 --port $port \
        --rules "$root/rules/packs" > /dev/null
    cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port;
        root $dir/www;
    }
}
CONF
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null && sleep 0.5
    nginx -p "$work" -c "$work/nginx.conf"
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/feed-0.xml" > /dev/null && break; sleep 0.1; done
    printf 'urls "%s/urls"\n' "$dir" > /dev/null
    echo "== $n feeds"
    curl -fsS -o /dev/null "http://127.0.0.1:$port/feed-0.xml" || { echo "nginx does not answer on $port"; cat "$work/nginx-error.log"; exit 1; }
    measure "wijkwachtd --once, cold (all new)" "$build/daemon/wijkwachtd" --config "$dir/wijkwacht.toml" --once --log-level warning
    measure "wijkwachtd --once, unchanged (304)" "$build/daemon/wijkwachtd" --config "$dir/wijkwacht.toml" --once --log-level warning
    if [ "$peers" = 1 ]; then measure "newsboat -x reload, cold" newsboat -u "$dir/urls" -c "$dir/newsboat.db" -C /dev/null -x reload
    measure "newsboat -x reload, unchanged" newsboat -u "$dir/urls" -c "$dir/newsboat.db" -C /dev/null -x reload; fi
    "$build/bench/wijkwacht-bench-ingest" --dir "$dir" --feeds "$n" --round 2 --port $port \
        --rules "$root/rules/packs" > /dev/null
    measure "wijkwachtd --once, changed (all items new)" "$build/daemon/wijkwachtd" --config "$dir/wijkwacht.toml" --once --log-level warning
    if [ "$peers" = 1 ]; then measure "newsboat -x reload, changed" newsboat -u "$dir/urls" -c "$dir/newsboat.db" -C /dev/null -x reload; fi
done
