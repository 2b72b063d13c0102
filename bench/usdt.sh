#!/usr/bin/env bash
# Cost per hit of a USDT probe (issue 17): probelog's against the floor (an
# empty BPF program on the same site) and against bpftrace's usdt: probe (one
# printf per hit, the nearest to a record), on wl_usdt_nop1 (the 1-byte `nop`
# <sys/sdt.h> writes, which the kernel emulates since 6.16) and wl_usdt_nop5
# (a 5-byte `nopl`, which 6.18 turns into a call: no trap). Each variant runs
# RUNS times, alternating; the minimum and the median ns per hit are printed.
#   bench/usdt.sh [RUNS] [N]          (defaults: 5, 200000; as root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=${1:-5}
n=${2:-200000}
n_base=${N_BASE:-20000000}
build=${BUILD:-$root/build}
probelog=${PROBELOG:-$build/probelog}
floor=${PROBELOG_FLOOR:-$build/probelog-bench-floor}
for f in "$probelog" "$floor" "$build/bench/wl_usdt_nop1" "$build/bench/wl_usdt_nop5"; do
    [[ -x $f ]] || { echo "need $f (cmake --build $build --target probelog probelog-bench-floor wl_usdt_nop1 wl_usdt_nop5)" >&2; exit 1; }
done
command -v bpftrace > /dev/null || { echo "need bpftrace" >&2; exit 1; }
[[ $EUID == 0 ]] || { echo "needs root" >&2; exit 1; }
fifo=$(mktemp -u); mkfifo "$fifo"; out=$(mktemp)
trap 'rm -f "$fifo" "$out"' EXIT

ns_of() { sed -n 's/.*ops=\([0-9]*\) seconds=\([0-9.]*\).*/\2 \1/p' | awk '{ printf "%.1f\n", $1 * 1e9 / $2 }'; }

run_floor() {  # WL: the workload starts once the empty program is attached
    bash -c 'read -r _ < "$1"; exec "$2" "$3"' gate "$fifo" "$1" "$n" > "$out" &
    local w=$!
    "$floor" "$1" usdt:wl:hit "$w" 2>/dev/null &
    local f=$!
    sleep 0.5
    echo go > "$fifo"
    wait "$w"
    kill -INT "$f"; wait "$f" || true
    ns_of < "$out"
}
run_probelog() {  # WL
    "$probelog" -o json --probe "usdt:$1:wl:hit(long i, long acc)" -- "$1" "$n" 2>/dev/null > "$out"
    grep -a 'ops=' "$out" | ns_of
}
run_bpftrace() {  # WL: bpftrace -c starts the workload once attached
    bpftrace -e "usdt:$1:wl:hit { printf(\"%d %d\\n\", arg0, arg1); }" -c "$1 $n" 2>/dev/null > "$out" || true
    grep -a 'ops=' "$out" | ns_of
}

declare -A all
variants=()
for nop in 1 5; do
    for v in base floor probelog bpftrace; do variants+=("nop${nop}_$v"); done
done
for ((r = 0; r < runs; r++)); do
    for v in "${variants[@]}"; do
        wl=$build/bench/wl_usdt_${v%%_*}
        case ${v#*_} in
            base) ns=$("$wl" "$n_base" | ns_of) ;;
            floor) ns=$(run_floor "$wl") ;;
            probelog) ns=$(run_probelog "$wl") ;;
            bpftrace) ns=$(run_bpftrace "$wl") ;;
        esac
        all[$v]="${all[$v]:-} $ns"
    done
done

declare -A med
printf '%-16s %12s %12s   %s\n' variant "min ns/hit" "median" "all runs"
for v in "${variants[@]}"; do
    sorted=$(tr ' ' '\n' <<< "${all[$v]}" | sed '/^$/d' | sort -g)
    min=$(head -1 <<< "$sorted")
    med[$v]=$(awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }' <<< "$sorted")
    printf '%-16s %12s %12s  %s\n' "$v" "$min" "${med[$v]}" "$(tr '\n' ' ' <<< "$sorted")"
done
for nop in 1 5; do
    awk -v nop="$nop" -v b="${med[nop${nop}_base]}" -v f="${med[nop${nop}_floor]}" \
        -v p="${med[nop${nop}_probelog]}" -v t="${med[nop${nop}_bpftrace]}" 'BEGIN {
        printf "%d-byte nop (medians, ns per hit): the trap %.0f; probelog adds %.0f to it, bpftrace %.0f\n",
            nop, f - b, p - f, t - f }'
done
