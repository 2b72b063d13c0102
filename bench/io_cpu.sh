#!/usr/bin/env bash
# The io trace's cost per call as CPU time of the traced workload (perf stat
# task-clock: BPF programs run in the workload's context, so their time is in
# it), which a busy shared machine disturbs far less than wall time. Two loops:
#   read   ../shared/bench's wl_read: read(fd, buf, 64) on /dev/zero (a char device)
#   pread  bench/floor/wl_pread: pread(fd, buf, 64, 0) on a regular 4 KiB file
# Each configuration: the tracer attached (filtered to the workload's comm), the
# loop run REPS times, the median CPU ns per call printed.
#   bench/io_cpu.sh                 both loops, every configuration
#   REPS=9 bench/io_cpu.sh read     one loop
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$(dirname "$here")/build}
PROBELOG=${PROBELOG:-$build/probelog}
FLOOR=$build/bench/io_floor
WL_READ=${WL_READ:-$(dirname "$(dirname "$here")")/shared/bench/workloads/wl_read}
[[ -x $WL_READ ]] || WL_READ=/work/shared/bench/workloads/wl_read
WL_PREAD=$build/bench/wl_pread
REPS=${REPS:-5}
N_FAST=${N_FAST:-2000000}  # configurations that emit nothing
N_SLOW=${N_SLOW:-200000}   # configurations that emit a record per call
command -v perf >/dev/null || { echo "io_cpu.sh: needs perf (apt-get install linux-perf)" >&2; exit 1; }
[[ -x $WL_READ && -x $WL_PREAD && -x $FLOOR && -x $PROBELOG ]] || {
    echo "io_cpu.sh: build first (make), and ../shared/bench/workloads (make -C there)" >&2; exit 1; }
out=$(mktemp -d /tmp/io_cpu.XXXXXX)
trap 'rm -rf "$out"' EXIT

cpu_ns_per_op() {  # BIN N -> median task-clock ns per op
    local bin=$1 n=$2 i
    for ((i = 0; i < REPS; i++)); do
        perf stat -x, -e task-clock "$bin" "$n" 2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }'
    done | sort -n | awk -v n="$n" '{ a[NR] = $1 } END { printf "%.0f", a[int((NR + 1) / 2)] * 1e6 / n }'
}
loadavg() { cut -d' ' -f1 /proc/loadavg; }
# row LOOP NAME N READY-REGEX [CMD...]
row() {
    local loop=$1 name=$2 n=$3 ready=$4; shift 4
    local bin=$WL_READ pid="" ns lines=- i
    [[ $loop == pread ]] && bin=$WL_PREAD
    local load0; load0=$(loadavg)
    if (($#)); then
        "$@" > "$out/run.out" 2> "$out/run.err" &
        pid=$!
        for ((i = 0; i < 300; i++)); do
            grep -qE "$ready" "$out/run.out" "$out/run.err" 2>/dev/null && break
            sleep 0.1
        done
        sleep 0.3
    fi
    ns=$(cpu_ns_per_op "$bin" "$n")
    if [[ -n $pid ]]; then
        kill -INT "$pid"; wait "$pid" || true
        lines=$(grep -cE 'wl_p?read' "$out/run.out" || true)
    fi
    printf '| %s | %s | %s | %s | %s | %s |\n' "$loop" "$name" "$n" "$ns" "$lines" "$load0"
}

bt_corr() {  # SYSCALL COMM MIN_NS: bpftrace entry/exit correlation through @s[tid]
    local sc=$1 comm=$2 min=$3
    echo "tracepoint:syscalls:sys_enter_$sc /comm == \"$comm\"/ { @s[tid] = (nsecs, args->fd, args->count); }
tracepoint:syscalls:sys_exit_$sc /@s[tid].0/ { \$s = @s[tid]; if (nsecs - \$s.0 >= $min) { printf(\"%d %s $sc fd=%d count=%d ret=%d lat=%d\\n\", pid, comm, \$s.1, \$s.2, args->ret, nsecs - \$s.0); } delete(@s[tid]); }"
}

loops=("${@:-read pread}")
echo "| loop | configuration | N | CPU ns per call (median of $REPS) | records | load avg |"
echo "|---|---|---:|---:|---:|---:|"
for loop in ${loops[*]}; do
    comm=wl_$loop; sc=$loop; [[ $loop == pread ]] && sc=pread64
    all=(); [[ $loop == read ]] && all=(--io-all-files)  # /dev/zero is a char device
    label="probelog${all:+ ${all[*]}}"
    row "$loop" "baseline" "$N_FAST" ""
    row "$loop" "io-floor (empty programs, same 24 tracepoints)" "$N_FAST" 'attached' "$FLOOR"
    if [[ $loop == read ]]; then
        row "$loop" "probelog, default file types (skipped at entry)" "$N_FAST" 'Ctrl-C to stop' \
            "$PROBELOG" --trace io --comm "$comm" -o json
    fi
    row "$loop" "$label --io-min-latency 1ms (correlated, dropped at exit)" "$N_FAST" \
        'Ctrl-C to stop' "$PROBELOG" --trace io "${all[@]}" --io-min-latency 1ms --comm "$comm" -o json
    row "$loop" "$label (every call a record)" "$N_SLOW" 'Ctrl-C to stop' \
        "$PROBELOG" --trace io "${all[@]}" --comm "$comm" -o json --ringbuf-size 64M
    row "$loop" "bpftrace @s[tid] correlation, >= 1 ms printed" "$N_FAST" 'Attaching' \
        bpftrace -e "$(bt_corr "$sc" "$comm" 1000000)"
    row "$loop" "bpftrace @s[tid] correlation, every call printed" "$N_SLOW" 'Attaching' \
        bpftrace -e "$(bt_corr "$sc" "$comm" 0)"
    row "$loop" "baseline again" "$N_FAST" ""
done
