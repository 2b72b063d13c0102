#!/usr/bin/env bash
# make test-deb: the package (make deb) in a fresh Debian 12 root with systemd
# as its init (a podman container made from mmdebstrap's root): install (the
# service starts), check it traces and is ready, systemd-analyze verify and
# security, stop, purge. Root; the first run needs Debian's mirror.
#
#   tests/ship/deb_test.sh DEB_DIR CACHE_DIR
#
# The root is bookworm's apt variant, systemd-sysv, man-db and the package's Depends
# (so installing the .deb needs no network: its dependencies are
# there, and dpkg -i installs it), cached in CACHE_DIR by that list.
set -euo pipefail
deb_dir=${1:?usage: deb_test.sh DEB_DIR CACHE_DIR}
cache=${2:?usage: deb_test.sh DEB_DIR CACHE_DIR}
deb=$(ls "$deb_dir"/probelog_*_amd64.deb)
deb=$(realpath "$deb")
name=probelog-deb-test-$$
start=$SECONDS
say() { echo "deb_test: [$((SECONDS - start)) s] $*"; }
fail() {
    echo "deb_test: FAIL: $*" >&2
    podman exec "$name" journalctl -u probelog --no-pager 2>&1 | tail -n 30 >&2 || true
    exit 1
}
in_root() { podman exec "$name" "$@"; }
log=$(mktemp)
cleanup() {
    podman rm -f "$name" >/dev/null 2>&1 || true
    rm -f "$log"
}
trap cleanup EXIT

# The root: Depends without versions, first of each alternative.
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$' | sort -u | paste -sd, -)
# man-db: systemd-analyze verify checks the unit's Documentation=man:probelog(8).
extra=systemd-sysv,man-db
key=$(echo "bookworm $extra $deps" | sha256sum | cut -c1-16)
image=localhost/probelog-deb-test:$key
if ! podman image exists "$image"; then
    mkdir -p "$cache"
    tar=$cache/bookworm-$key.tar
    if [[ ! -f $tar ]]; then
        say "mmdebstrap bookworm + $extra,$deps"
        # (mmdebstrap picks the format by the name's extension: .tar)
        mmdebstrap --quiet --variant=apt --include="$extra,$deps" bookworm "$tar.part.tar"
        mv "$tar.part.tar" "$tar"
    fi
    podman import --quiet "$tar" "$image" >/dev/null
fi
say "root: $image"

# systemd as the container's init. --privileged: the service's own sandbox
# (namespaces, read-only mounts) is systemd's to set up, and its capability
# bounding set is what probelog.service grants, not what podman would.
podman --runtime runc run -d --name "$name" --privileged --systemd=always \
    --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
    -v "$deb:/tmp/probelog.deb:ro" "$image" /sbin/init >/dev/null
for _ in $(seq 150); do
    state=$(in_root systemctl is-system-running 2>/dev/null || true)
    [[ $state == running || $state == degraded ]] && break
    sleep 0.2
done
say "systemd: ${state:-not running}"
[[ $state == running || $state == degraded ]] || fail "systemd did not come up"

# Install (its dependencies are in the root): debhelper's postinst enables
# and starts the service.
in_root dpkg -i /tmp/probelog.deb >"$log" 2>&1 || fail "dpkg -i: $(tail -n 5 "$log")"
say "installed $(in_root dpkg-query -W -f='${Package} ${Version}' probelog)"
in_root systemctl is-enabled probelog >/dev/null || fail "the service is not enabled"

# Ready: /readyz answers 200 once every configured trace is attached.
readyz() {
    in_root bash -c 'exec 3<>/dev/tcp/127.0.0.1/9464 && printf "GET /readyz HTTP/1.0\r\n\r\n" >&3 && cat <&3' 2>/dev/null |
        tr -d '\r' | sed -n '1p;$p' | paste -sd' ' -
}
ready=
for _ in $(seq 150); do
    ready=$(readyz || true)
    [[ $ready == "HTTP/1.1 200 OK ready: "* ]] && break
    sleep 0.2
done
[[ $ready == "HTTP/1.1 200 OK ready: "* ]] || fail "/readyz: '$ready'; service: $(in_root systemctl is-active probelog)"
say "active, /readyz: $ready"

# It traces: an exec with a unique argument, in its log file.
token="probelog-deb-$$-$RANDOM"
in_root /bin/sh -c "exec /bin/echo $token" >/dev/null
seen=
for _ in $(seq 50); do
    in_root grep -q "\"args\":\[\"/bin/echo\",\"$token\"\]" /var/log/probelog/probelog.jsonl && { seen=1; break; }
    sleep 0.2
done
[[ -n $seen ]] || fail "no exec record of /bin/echo $token in /var/log/probelog/probelog.jsonl"
say "exec record in /var/log/probelog/probelog.jsonl"

# The unit: systemd-analyze verify is clean; the security exposure.
verify=$(in_root systemd-analyze verify /lib/systemd/system/probelog.service 2>&1) || fail "systemd-analyze verify: $verify"
[[ -z $verify ]] || fail "systemd-analyze verify says: $verify"
say "systemd-analyze verify: clean"
exposure=$(in_root systemd-analyze security --no-pager probelog.service 2>&1 | tail -n 1)
say "systemd-analyze security: $exposure"

# Stop: the summary in the journal, the service inactive.
in_root systemctl stop probelog
[[ $(in_root systemctl is-active probelog || true) == inactive ]] || fail "not inactive after stop"
in_root journalctl -u probelog --no-pager | grep -q 'records delivered' || fail "no exit summary in the journal"
say "stopped: $(in_root journalctl -u probelog --no-pager -o cat | grep 'records delivered' | tail -n 1)"

# Purge: package, unit and configuration gone.
in_root apt-get purge -y -q probelog >"$log" 2>&1 || fail "apt-get purge: $(tail -n 5 "$log")"
in_root dpkg-query -W -f='${Status}' probelog 2>/dev/null | grep -q 'ok installed' && fail "still installed"
in_root test ! -e /lib/systemd/system/probelog.service || fail "the unit is still there"
in_root test ! -e /etc/probelog/probelog.yaml || fail "/etc/probelog/probelog.yaml is still there"
say "purged"
echo "deb_test: passed in $((SECONDS - start)) s"
