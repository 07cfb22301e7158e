#!/usr/bin/env bash
# Checks the systemd unit: `systemd-analyze verify` must print nothing (it
# exits 0 on misspelled directives, see PITFALLS.md) and the offline
# security exposure must stay at or below 1.5.
# Usage: check_unit.sh UNIT INSTALLED_WIJKWACHTD WIJKWACHTD_BINARY
set -euo pipefail
unit=$1
installed=$2
binary=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# verify wants the ExecStart binaries to exist: point them at the build.
sed "s|$installed|$binary|g" "$unit" > "$work/wijkwachtd.service"
out=$(systemd-analyze verify --man=no "$work/wijkwachtd.service" 2>&1 || true)
if [ -n "$out" ]; then
    echo "systemd-analyze verify complained:"
    echo "$out"
    exit 1
fi
systemd-analyze security --offline=true --threshold=15 "$work/wijkwachtd.service" > "$work/security.txt" || {
    tail -n 30 "$work/security.txt"
    echo "exposure above 1.5"
    exit 1
}
grep 'Overall exposure level' "$work/security.txt"
