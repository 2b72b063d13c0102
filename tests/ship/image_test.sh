#!/usr/bin/env bash
# make test-image: the image (make image) runs as a host agent and sees exec
# records of host processes. Root, podman.
#
# The container gets the host's pid namespace, BTF, cgroups and tracefs, and
# the capabilities of docs/INSTALL.md (no --privileged): CAP_BPF, CAP_PERFMON,
# CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH. podman's
# default seccomp profile refuses bpf() and perf_event_open() without
# CAP_SYS_ADMIN, so the run is seccomp=unconfined (docs/INSTALL.md).
#
#   tests/ship/image_test.sh build/static/probelog
set -euo pipefail
bin=${1:?usage: image_test.sh PROBELOG_STATIC}
version=$("$bin" --version | awk '{print $NF}')
image=localhost/probelog:$version
name=probelog-image-test-$$
fail() {
    echo "image_test: FAIL: $*" >&2
    podman logs "$name" 2>&1 | grep -v '^{' | tail -n 20 >&2 || true
    exit 1
}
out=$(mktemp)
cleanup() {
    podman rm -f "$name" >/dev/null 2>&1 || true
    rm -f "$out"
}
trap cleanup EXIT

# tracefs on the host, for the container to mount (probelog mounts it itself
# when it runs on the host as root).
if [[ ! -d /sys/kernel/tracing/events ]]; then mount -t tracefs tracefs /sys/kernel/tracing; fi

podman --runtime runc run -d --name "$name" --pid=host --network=host \
    --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
    --cap-drop=all --cap-add=bpf,perfmon,sys_ptrace,dac_read_search \
    --security-opt seccomp=unconfined \
    -v /sys/kernel/btf:/sys/kernel/btf:ro -v /sys/fs/cgroup:/sys/fs/cgroup:ro \
    -v /sys/kernel/tracing:/sys/kernel/tracing:ro \
    "$image" >/dev/null

# Started: its start-up line. (The logs are read whole: with pipefail, a
# grep -q that stops reading would fail the pipeline.)
logs() { podman logs "$name" 2>&1; }
for _ in $(seq 100); do
    [[ $(logs) == *"Ctrl-C to stop"* ]] && break
    [[ $(podman inspect -f '{{.State.Running}}' "$name") == true ]] || fail "the container stopped"
    sleep 0.2
done
[[ $(logs) == *"Ctrl-C to stop"* ]] || fail "no start-up line in 20 s"
echo "image_test: $(logs | grep -o '^probelog: tracing.*')"

# A host process (outside the container) with a unique argument.
token="probelog-image-$$-$RANDOM"
/bin/sh -c "exec /bin/echo $token" >/dev/null &
host_pid=$!
wait "$host_pid"

# Its exec record, with its host pid, in the container's log.
found=
for _ in $(seq 50); do
    if podman logs "$name" 2>/dev/null >"$out" && /usr/bin/python3 -c '
import json, sys
token, pid = sys.argv[1], int(sys.argv[2])
for line in sys.stdin:
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("event_type") == "exec" and r.get("pid") == pid and r.get("args") == ["/bin/echo", token]:
        sys.exit(0)
sys.exit(1)' "$token" "$host_pid" <"$out"; then
        found=1
        break
    fi
    sleep 0.2
done
[[ -n $found ]] || fail "no exec record of host pid $host_pid (/bin/echo $token)"
echo "image_test: exec of host pid $host_pid seen from inside the container"

# Its /readyz, on the host's network (the image's configuration: port 9464).
ready=$(curl -s -w ' %{http_code}' http://127.0.0.1:9464/readyz | tr -d '\n') || fail "no /readyz on 127.0.0.1:9464"
[[ $ready == "ready: tracing exec, exit, signal, bind, tcp"*" 200" ]] || fail "/readyz: $ready"
echo "image_test: /readyz: $ready"

podman stop -t 10 "$name" >/dev/null
summary=$(logs | grep 'records delivered' || true)
[[ -n $summary ]] || fail "no exit summary after podman stop"
echo "image_test: $summary"
echo "image_test: passed"
