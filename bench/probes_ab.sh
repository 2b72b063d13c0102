#!/usr/bin/env bash
# Quick A/B of the uprobe cost per call, less noisy than a median on a shared
# machine: each variant runs the ufunc workload RUNS times (alternating), and
# the minimum ns/op of each is printed (noise only ever adds).
#   bench/probes_ab.sh [RUNS] [N] [WORKLOAD]     (defaults: 9, 300000, wl_ufunc_fp)
# Variants: floor (empty uprobe), floor_ret (empty uprobe + uretprobe),
# probelog entry, call, split, buf256 (see bench/cells/probes.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=${1:-9}
n=${2:-300000}
wl=${WORKLOAD_DIR:-$root/../shared/bench/workloads}/${3:-wl_ufunc_fp}
probelog=${PROBELOG:-$root/build/probelog}
floor=${PROBELOG_FLOOR:-$root/build/probelog-bench-floor}
[[ -x $wl && -x $probelog && -x $floor ]] || { echo "need $wl, $probelog, $floor" >&2; exit 1; }
[[ $EUID == 0 ]] || { echo "needs root" >&2; exit 1; }
fifo=$(mktemp -u); mkfifo "$fifo"; out=$(mktemp)
trap 'rm -f "$fifo" "$out"' EXIT

ns_of() { sed -n 's/.*ops=\([0-9]*\) seconds=\([0-9.]*\).*/\2 \1/p' | awk '{ printf "%.0f\n", $1 * 1e9 / $2 }'; }

run_floor() {  # extra args for the floor helper
    bash -c 'read -r _ < "$1"; exec "$2" "$3"' gate "$fifo" "$wl" "$n" > "$out" &
    local w=$!
    "$floor" "$wl" target_add "$w" "$@" 2>/dev/null &
    local f=$!
    sleep 0.5
    echo go > "$fifo"
    wait "$w"
    kill -INT "$f"; wait "$f" || true
    ns_of < "$out"
}
run_probelog() {  # probelog args
    "$probelog" -o json "$@" -- "$wl" "$n" 2>/dev/null | grep -a 'ops=' | ns_of
}

declare -A best
variants=(floor floor_ret entry call split buf256)
for ((r = 0; r < runs; r++)); do
    for v in "${variants[@]}"; do
        case $v in
            floor) ns=$(run_floor) ;;
            floor_ret) ns=$(run_floor --ret) ;;
            entry) ns=$(run_probelog --probe-mode entry --probe "$wl:target_add(long a, long b)") ;;
            call) ns=$(run_probelog --probe "$wl:target_add(long a, long b) ret:long") ;;
            split) ns=$(run_probelog --probe-mode split --probe "$wl:target_add(long a, long b) ret:long") ;;
            buf256) ns=$(run_probelog --probe "$wl:target_add(buf stack[256]@rsp, long b) ret:long") ;;
        esac
        if [[ -z ${best[$v]:-} || $ns -lt ${best[$v]} ]]; then best[$v]=$ns; fi
    done
done
echo "$(basename "$wl") N=$n, min of $runs runs, ns per call:"
for v in "${variants[@]}"; do printf '  %-10s %6d\n' "$v" "${best[$v]}"; done
printf '  added: entry %d (vs floor), call %d, split %d, buf256 %d (vs floor_ret)\n' \
    $((best[entry] - best[floor])) $((best[call] - best[floor_ret])) \
    $((best[split] - best[floor_ret])) $((best[buf256] - best[floor_ret]))
