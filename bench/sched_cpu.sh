#!/usr/bin/env bash
# What `--trace sched` costs a busy machine, as a share of one cpu: the
# kernel's own accounting of the trace's BPF programs (kernel.bpf_stats_enabled:
# run_time_ns of pl_sched_*) plus probelog's CPU time, during a context-switch
# storm (bench/floor/wl_pingpong: PAIRS pipe ping-pongs, every pass a wakeup
# and a switch), and the storm's round trips with and without the trace.
#   bench/sched_cpu.sh [SECONDS] [PAIRS]     (defaults 10, 4; as root)
# Configurations: untraced; floor (the same programs returning at once:
# probelog-bench-floor); --trace sched (default 1ms threshold);
# --sched-min-latency 0 (every switch a record: Fluent Bit's behaviour);
# --sched-aggregate 1s.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$(dirname "$here")/build}
probelog=${PROBELOG:-$build/probelog}
floor=${PROBELOG_FLOOR:-$build/probelog-bench-floor}
wl=$build/bench/wl_pingpong
secs=${1:-10}
pairs=${2:-4}
[[ $EUID == 0 ]] || { echo "needs root" >&2; exit 1; }
[[ -x $wl && -x $probelog ]] || { echo "build probelog and wl_pingpong first" >&2; exit 1; }
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
out=$(mktemp)
trap 'sysctl -qw kernel.bpf_stats_enabled=$old_stats; rm -f "$out"' EXIT

# run_time_ns and run_cnt summed over the pl_sched_* programs.
prog_totals() {
    bpftool prog show -j | python3 -c '
import json, sys
ns = cnt = 0
for p in json.load(sys.stdin):
    if p.get("name", "").startswith("pl_sched_"):
        ns += p.get("run_time_ns", 0); cnt += p.get("run_cnt", 0)
print(ns, cnt)'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# PAIRS 0: no storm, the machine as it is (say, during a build) for SECONDS.
trips() {
    if [[ $pairs == 0 ]]; then sleep "$secs"; echo 1; return; fi
    "$wl" "$pairs" "$secs" | sed -n 's/round_trips=\([0-9]*\).*/\1/p'
}
ctxt() { awk '$1 == "ctxt" { print $2 }' /proc/stat; }

printf '%-14s %12s %8s %12s %14s %16s %12s %10s\n' config round_trips vs_base switches/s bpf_ns_per_run bpf_ns_per_switch bpf_cpu_pct probelog_cpu_pct
base=$(trips)
printf '%-14s %12s %8s\n' untraced "$base" 1.00
hz=$(getconf CLK_TCK)
for config in "floor:" "default:" "every-switch:--sched-min-latency 0" "aggregate:--sched-aggregate 1s"; do
    name=${config%%:*}
    args=${config#*:}
    tracer=$probelog
    [[ $name == floor ]] && tracer=$floor
    # shellcheck disable=SC2086
    "$tracer" --trace sched $args -o json > /dev/null 2> "$out" &
    pid=$!
    for _ in $(seq 100); do grep -q 'Ctrl-C' "$out" && break; sleep 0.1; done
    read -r ns0 cnt0 < <(prog_totals)
    t0=$(cpu_ticks "$pid")
    c0=$(ctxt)
    n=$(trips)
    c1=$(ctxt)
    read -r ns1 cnt1 < <(prog_totals)
    t1=$(cpu_ticks "$pid")
    kill -INT "$pid"; wait "$pid" || true
    python3 -c "
n, base, ns, cnt, ticks, secs, hz, sw = $n, $base, $ns1 - $ns0, $cnt1 - $cnt0, $t1 - $t0, $secs, $hz, $c1 - $c0
print('%-14s %12d %8.2f %12.0f %14.0f %16.0f %12.2f %10.2f' % ('$name', n, n / base, sw / secs,
      ns / max(cnt, 1), ns / max(sw, 1), 100 * ns / (secs * 1e9), 100 * ticks / hz / secs))"
done
