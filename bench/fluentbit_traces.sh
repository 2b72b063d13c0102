#!/usr/bin/env bash
# probelog's sched, openssl and dns traces side by side with Fluent Bit's own
# (in_ebpf trace_sched, trace_openssl, trace_dns) on the same activity, in one
# run: the kernel's accounting of each tracer's BPF programs
# (kernel.bpf_stats_enabled: run_time_ns and run_cnt of the programs the
# tracer loaded), the tracer's own CPU time, and the records it delivered.
#   bench/fluentbit_traces.sh [TRACES]     (default "sched openssl dns"; root)
# FLUENT_BIT: the binary (default /opt/fluent-bit-build/bin/fluent-bit, made
# by ../shared/bench/build-fluentbit.sh). Workloads:
#   sched    bench/floor wl_pingpong (4 pipe ping-pong pairs, 5 s): a wakeup
#            and a switch per pass
#   openssl  a python3 ssl client and server over 127.0.0.1: N round trips of
#            64 bytes on one connection (SSL_write + SSL_read each side)
#   dns      dnsmasq in a network namespace, N queries sent with sendto and
#            read with recvfrom (the calls Fluent Bit's dns trace hooks)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$(dirname "$here")/build}
probelog=${PROBELOG:-$build/probelog}
fluentbit=${FLUENT_BIT:-/opt/fluent-bit-build/bin/fluent-bit}
traces=${1:-sched openssl dns}
py=/usr/bin/python3
[[ $EUID == 0 ]] || { echo "needs root" >&2; exit 1; }
[[ -x $probelog && -x $fluentbit ]] || { echo "needs $probelog and $fluentbit" >&2; exit 1; }
work=$(mktemp -d)
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
cleanup() {
    sysctl -qw kernel.bpf_stats_enabled="$old_stats"
    [[ -f $work/dnsmasq.pid ]] && kill "$(cat "$work/dnsmasq.pid")" 2>/dev/null
    ip netns del plfbbench 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

prog_ids() { bpftool prog show -j | $py -c 'import json,sys; print(" ".join(str(p["id"]) for p in json.load(sys.stdin)))'; }
# run_time_ns and run_cnt summed over the programs whose ids are in $1.
prog_totals() {
    bpftool prog show -j | $py -c '
import json, sys
ids = set(sys.argv[1].split())
ns = cnt = 0
for p in json.load(sys.stdin):
    if str(p["id"]) in ids:
        ns += p.get("run_time_ns", 0); cnt += p.get("run_cnt", 0)
print(ns, cnt)' "$1"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# --- workloads: each prints the number of operations it did --------------
wl_sched() { "$build/bench/wl_pingpong" 4 5 | sed -n 's/round_trips=\([0-9]*\).*/\1/p'; }

make_cert() {
    [[ -f $work/key.pem ]] && return
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
        -days 1 -subj /CN=localhost 2>/dev/null
}
wl_openssl() {
    make_cert
    $py - "$work" 20000 <<'PY'
import socket, ssl, sys, threading
work, n = sys.argv[1], int(sys.argv[2])
srv_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
srv_ctx.load_cert_chain(work + "/cert.pem", work + "/key.pem")
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
port = ls.getsockname()[1]
def serve():
    c, _ = ls.accept()
    s = srv_ctx.wrap_socket(c, server_side=True)
    for _ in range(n):
        s.sendall(s.recv(64))
    s.close()
t = threading.Thread(target=serve); t.start()
cli_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
cli_ctx.check_hostname = False; cli_ctx.verify_mode = ssl.CERT_NONE
s = cli_ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
msg = b"x" * 64
for _ in range(n):
    s.sendall(msg); s.recv(64)
s.close(); t.join()
print(n)
PY
}
start_dns() {
    [[ -f $work/dnsmasq.pid ]] && return
    ip netns add plfbbench
    ip -n plfbbench link set lo up
    ip netns exec plfbbench dnsmasq --no-resolv --no-hosts --listen-address=127.0.0.1 \
        --bind-interfaces --address=/bench.test/10.1.2.3 --pid-file="$work/dnsmasq.pid" \
        --cache-size=1000
    sleep 0.5
}
wl_dns() {
    start_dns
    ip netns exec plfbbench $py - 5000 <<'PY'
import socket, struct, sys
n = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
q = b"\x05bench\x04test\x00" + struct.pack(">HH", 1, 1)
for i in range(n):
    s.sendto(struct.pack(">HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0) + q, ("127.0.0.1", 53))
    s.recvfrom(512)
print(n)
PY
}

# --- one configuration: NAME, WORKLOAD, READY-REGEX, COMMAND... -----------
run_config() {
    local name=$1 wl=$2 ready=$3
    shift 3
    local before ids pid
    before=$(prog_ids)
    "$@" > "$work/out" 2> "$work/err" &
    pid=$!
    for _ in $(seq 300); do grep -qE "$ready" "$work/err" "$work/out" 2>/dev/null && break; sleep 0.1; done
    sleep 1  # Fluent Bit says its trace is configured before its collector runs
    ids=$(comm -13 <(tr ' ' '\n' <<< "$before" | sort) <(prog_ids | tr ' ' '\n' | sort) | tr '\n' ' ')
    read -r ns0 cnt0 < <(prog_totals "$ids")
    local t0 s0 n ns1 cnt1 t1 s1
    t0=$(cpu_ticks "$pid"); s0=$(date +%s.%N)
    n=$("$wl")
    s1=$(date +%s.%N)
    sleep 1  # let the tracer drain what the workload made
    read -r ns1 cnt1 < <(prog_totals "$ids")
    t1=$(cpu_ticks "$pid")
    kill -INT "$pid"; wait "$pid" || true
    local records
    records=$(grep -c '"event_type"' "$work/out" || true)
    $py -c "
n, ns, cnt, ticks, secs, hz, rec = $n, $ns1 - $ns0, $cnt1 - $cnt0, $t1 - $t0, $s1 - $s0, $(getconf CLK_TCK), $records
print('%-34s %9d %6d %10d %9.0f %11.0f %9.2f %9d' % ('$name', n, len('$ids'.split()), cnt, ns / max(cnt, 1),
      ns / max(n, 1), 100 * ticks / hz / secs, rec))"
}

fb() { exec "$fluentbit" -i ebpf -p "Trace=$1" -p poll_ms=100 -o stdout -p format=json_lines -f 1; }
untraced() { local n; n=$("$1"); printf '%-34s %9d\n' "untraced" "$n"; }

printf '%-34s %9s %6s %10s %9s %11s %9s %9s\n' config ops progs bpf_runs ns/run bpf_ns/op agent_cpu% records
for t in $traces; do
    echo "--- $t"
    case $t in
    sched)
        untraced wl_sched
        run_config "probelog --trace sched (1ms)" wl_sched 'Ctrl-C' "$probelog" --trace sched -o json
        run_config "probelog --sched-min-latency 0" wl_sched 'Ctrl-C' "$probelog" --trace sched --sched-min-latency 0 -o json
        run_config "fluent-bit trace_sched" wl_sched 'configuration completed' fb trace_sched ;;
    openssl)
        untraced wl_openssl
        run_config "probelog --trace openssl" wl_openssl 'Ctrl-C' "$probelog" --trace openssl -o json
        run_config "fluent-bit trace_openssl" wl_openssl 'configuration completed' fb trace_openssl ;;
    dns)
        untraced wl_dns
        run_config "probelog --trace dns" wl_dns 'Ctrl-C' "$probelog" --trace dns -o json
        run_config "fluent-bit trace_dns" wl_dns 'configuration completed' fb trace_dns ;;
    esac
done
