#!/usr/bin/env bash
# Checks a built wijkwacht package (scripts/package):
#   1. lintian reports no error and no warning (overrides, with reasons, in
#      debian/wijkwacht.lintian-overrides);
#   2. the file list is tests/package/files.txt, the conffile is the
#      configuration, Depends names the libraries and the dictionaries;
#   3. unpacked with dpkg-deb -x, the programs run, the installed
#      configuration passes --check with the installed packs (no source),
#      the man pages render without warnings, and systemd-analyze verify
#      passes on the packaged unit;
#   4. with --install (root, on a machine without wijkwacht): installed with
#      apt, the unit is enabled but nothing started, systemd-analyze verify
#      passes on the installed unit, removing keeps the state
#      and the configuration, purging removes the state and keeps the keys.
# Usage: tests/package/check.sh DEB [--install]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
deb=$(realpath "$1")
install=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "package check: $*" >&2; exit 1; }

echo "-- lintian"
status=0
lintian --fail-on error,warning "$deb" > "$work/lintian.txt" 2>&1 || status=$?
grep -v 'running with root privileges' "$work/lintian.txt" || true
[ "$status" -eq 0 ] || fail "lintian reports errors or warnings (above)"

echo "-- contents"
dpkg-deb -c "$deb" | awk '{print $6}' | sed -e 's|^\./|/|' -e 's|/$||' | grep -v '^$' | sort \
    > "$work/files.txt"
diff -u "$here/files.txt" "$work/files.txt" ||
    fail "the package's files differ from tests/package/files.txt (- expected, + packaged)"
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)" = /etc/wijkwacht/wijkwacht.toml ] ||
    fail "the configuration must be the one conffile"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libzmq5 libcurl4 libsqlite3-0 libvectorscan5 hunspell-nl hunspell-en-us hunspell-en-gb; do
    [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done

echo "-- unpacked"
root=$work/root
dpkg-deb -x "$deb" "$root"
"$root/usr/bin/wijkwacht" --version
"$root/usr/sbin/wijkwachtd" --version
# The installed configuration, with the unpacked tree's paths and a scratch state.
sed -e "s|\"/usr/share/wijkwacht/rules\"|\"$root/usr/share/wijkwacht/rules\"|" \
    -e "s|\"/etc/wijkwacht/rules.d\"|\"$root/etc/wijkwacht/rules.d\"|" \
    -e "s|\"/var/lib/wijkwacht\"|\"$work/state\"|" \
    "$root/etc/wijkwacht/wijkwacht.toml" > "$work/wijkwacht.toml"
grep -q "$root/usr/share/wijkwacht/rules" "$work/wijkwacht.toml" ||
    fail "the installed configuration does not list the packs in /usr/share/wijkwacht/rules"
"$root/usr/sbin/wijkwachtd" --config "$work/wijkwacht.toml" --check > "$work/check.txt" 2>&1 ||
    { cat "$work/check.txt"; fail "the installed configuration fails --check"; }
grep -q 'sources    0' "$work/check.txt" || fail "the installed configuration should have no source"
grep -Eq 'rules +[0-9]+ enabled' "$work/check.txt" || fail "the packs did not load"
"$root/usr/bin/wijkwacht" rules check "$root/usr/share/wijkwacht/rules"
for page in "$root"/usr/share/man/man*/*.gz; do
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null || true)
    [ -z "$warnings" ] || fail "$(basename "$page"): $warnings"
done
unit=$root/lib/systemd/system/wijkwachtd.service
grep -q '^ExecStart=/usr/sbin/wijkwachtd --config /etc/wijkwacht/wijkwacht.toml$' "$unit" ||
    fail "the unit does not run /usr/sbin/wijkwachtd"
# verify wants ExecStart's program where the unit says: point it into the unpacked tree.
sed "s|/usr/sbin/wijkwachtd|$root/usr/sbin/wijkwachtd|g" "$unit" > "$work/wijkwachtd.service"
out=$(systemd-analyze verify --man=no "$work/wijkwachtd.service" 2>&1 || true)
[ -z "$out" ] || fail "systemd-analyze verify on the packaged unit: $out"

[ "$install" = --install ] || { echo "package check: OK (not installed: give --install)"; exit 0; }

echo "-- installed"
status=$(dpkg-query -W -f='${Status}' wijkwacht 2>/dev/null || true)
if [[ $status == *" installed" || $status == *config-files ]] ||
    [ -e /var/lib/wijkwacht ] || [ -e /var/lib/private/wijkwacht ] || [ -e /etc/wijkwacht ]; then
    echo "package check: OK; install left out: this machine already has wijkwacht or its state"
    exit 0
fi
[ "$(id -u)" -eq 0 ] || fail "--install needs root"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "$deb" > "$work/apt.log" 2>&1 ||
    { cat "$work/apt.log"; fail "apt install failed"; }
trap 'dpkg --purge wijkwacht >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
wijkwacht --version
wijkwachtd --config /etc/wijkwacht/wijkwacht.toml --check > /dev/null
[ -L /etc/systemd/system/multi-user.target.wants/wijkwachtd.service ] ||
    fail "the unit is not enabled after installation"
out=$(systemd-analyze verify --man=no /lib/systemd/system/wijkwachtd.service 2>&1 || true)
[ -z "$out" ] || fail "systemd-analyze verify on the installed unit: $out"
if [ -d /run/systemd/system ]; then
    ! systemctl is-active --quiet wijkwachtd || fail "the unconfigured daemon was started"
fi
man -w wijkwachtd wijkwacht wijkwacht.toml wijkwacht-rules > /dev/null

# State made the way systemd's DynamicUser= keeps it, and an operator's key.
mkdir -p /var/lib/private/wijkwacht /etc/wijkwacht/keys
ln -s private/wijkwacht /var/lib/wijkwacht
echo journal > /var/lib/private/wijkwacht/state.db
echo key > /etc/wijkwacht/keys/server.key
apt-get remove -y -qq wijkwacht > "$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt remove failed"; }
[ -f /var/lib/wijkwacht/state.db ] || fail "removing the package removed the state"
[ -f /etc/wijkwacht/wijkwacht.toml ] || fail "removing the package removed the configuration"
[ ! -e /usr/sbin/wijkwachtd ] || fail "removing the package left the daemon"
dpkg --purge wijkwacht > "$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "dpkg --purge failed"; }
[ ! -e /var/lib/wijkwacht ] && [ ! -e /var/lib/private/wijkwacht ] || fail "purging left the state"
[ ! -e /etc/wijkwacht/wijkwacht.toml ] || fail "purging left the configuration"
[ ! -e /etc/systemd/system/multi-user.target.wants/wijkwachtd.service ] ||
    fail "purging left the unit enabled"
[ -f /etc/wijkwacht/keys/server.key ] || fail "purging removed the operator's keys"
rm -rf /etc/wijkwacht
echo "package check: OK (installed, removed and purged)"
