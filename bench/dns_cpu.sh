#!/usr/bin/env bash
# What `--trace dns` costs: the kernel's own accounting of its pl_dns_*
# programs (kernel.bpf_stats_enabled: run_time_ns / run_cnt) while a workload
# makes N round trips, under the trace and under its floor
# (probelog-bench-floor --trace dns: the same hooks, every program returning
# at once). The hooks are syscall tracepoints of every send and receive
# (write and read included), so what matters most is what they add to the
# system calls that are not DNS:
#   pipe  write + read of 1 byte on a pipe (not a socket: stops at the file's mode)
#   udp   send + recv of 32 bytes on a connected UDP socket pair, port 9999
#         (a socket, not DNS: stops at the port check)
#   dns   a query to dnsmasq on 127.0.0.1:53 (in a netns) and its response:
#         one event each
#   bench/dns_cpu.sh [N]     (default 20000; as root; needs dnsmasq)
# The programs run for every process on the machine, so run_cnt counts other
# processes' calls too: the table shows the runs it saw next to 2N.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$(dirname "$here")/build}
probelog=${PROBELOG:-$build/probelog}
floor=${PROBELOG_FLOOR:-$build/probelog-bench-floor}
n=${1:-20000}
py=/usr/bin/python3
[[ $EUID == 0 ]] || { echo "needs root" >&2; exit 1; }
[[ -x $probelog && -x $floor ]] || { echo "build probelog and probelog-bench-floor first" >&2; exit 1; }
netns=pl-dns-bench-$$
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
out=$(mktemp)
cleanup() {
    sysctl -qw kernel.bpf_stats_enabled="$old_stats"
    [[ -n ${dnsmasq:-} ]] && kill "$dnsmasq" 2> /dev/null && wait "$dnsmasq" 2> /dev/null
    ip netns del "$netns" 2> /dev/null || true
    rm -f "$out"
}
trap cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1
ip netns add "$netns"
ip -n "$netns" link set lo up
ip netns exec "$netns" dnsmasq -k --no-resolv --no-hosts --listen-address=127.0.0.1 \
    --bind-interfaces --pid-file= --user=root --log-facility=/dev/null \
    --address=/bench.test/10.0.0.1 &
dnsmasq=$!
sleep 0.5

workload() {
    case $1 in
        pipe) $py -c '
import os, sys
r, w = os.pipe()
for _ in range(int(sys.argv[1])):
    os.write(w, b"x"); os.read(r, 1)' "$n" ;;
        udp) $py -c '
import socket, sys
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 9999))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.connect(("127.0.0.1", 9999))
m = b"y" * 32
for _ in range(int(sys.argv[1])):
    b.send(m); a.recv(64)' "$n" ;;
        dns) ip netns exec "$netns" $py -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(("127.0.0.1", 53))
q = b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05bench\x04test\x00\x00\x01\x00\x01"
for i in range(int(sys.argv[1])):
    s.send(struct.pack("!H", i & 0xffff) + q); s.recv(512)' "$n" ;;
    esac
}

# run_time_ns and run_cnt of each pl_dns_* program, as JSON.
prog_stats() {
    bpftool prog show -j | $py -c '
import json, sys
print(json.dumps({p["name"]: [p.get("run_time_ns", 0), p.get("run_cnt", 0)]
                  for p in json.load(sys.stdin) if p.get("name", "").startswith("pl_dns_")}))'
}

# The table's line for a workload, and one line per program that ran.
report() {
    $py -c '
import json, sys
config, w, calls, a, b = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4]), json.loads(sys.argv[5])
d = {k: (b[k][0] - a.get(k, [0, 0])[0], b[k][1] - a.get(k, [0, 0])[1]) for k in b}
ns = sum(v[0] for v in d.values()); cnt = sum(v[1] for v in d.values())
print("%-6s %-9s %10d %10d %10.0f %14.0f" % (config, w, calls, cnt, ns / max(cnt, 1), ns / calls))
for k, (pns, pcnt) in sorted(d.items()):
    if pcnt:
        print("         %-24s %10d runs %6.0f ns/run" % (k, pcnt, pns / pcnt))' "$@"
}

printf '%-6s %-9s %10s %10s %10s %14s\n' config workload calls runs ns_per_run bpf_ns_per_call
for config in floor dns; do
    tracer=$probelog
    [[ $config == floor ]] && tracer=$floor
    "$tracer" --trace dns -o json > /dev/null 2> "$out" &
    pid=$!
    for _ in $(seq 100); do grep -q 'Ctrl-C' "$out" && break; sleep 0.1; done
    for w in pipe udp dns; do
        s0=$(prog_stats)
        workload "$w"
        s1=$(prog_stats)
        report "$config" "$w" $((2 * n)) "$s0" "$s1"
    done
    kill -INT "$pid"
    wait "$pid" || true
done
