#!/usr/bin/env bash
# Cost per call of probing a Go function (issue 6: an entry uprobe and a uprobe
# on its RET, paired by goroutine) next to a C function's uprobe + uretprobe,
# on the same machine. Each variant runs RUNS times, alternating; the minimum
# and the median ns per call of each are printed (noise only ever adds), and
# for probelog variants the fewest records a run delivered (expected: N).
#   bench/go_probes.sh [RUNS] [N]          (defaults: 7, 100000; as root)
# Workloads: build/tests/testprogs/go_loop (a Go loop calling the noinline
# main.add(a, b int) int N times) and the shared C ufunc workloads
# (target_add(long, long): wl_ufunc starts with lea, which the kernel
# single-steps; wl_ufunc_fp with push, which it emulates).
# Variants per workload:
#   base         untraced (N_BASE calls, for a stable figure)
#   floor        an empty BPF program at the entry (probelog-bench-floor)
#   floor_ret    Go: the empty program at the entry and on every RET (--rets);
#                C: at the entry and as a uretprobe (--ret)
#   entry        probelog --probe-mode entry (a uprobe, one record per call)
#   call         probelog call mode (Go: entry + RET uprobes; C: uprobe +
#                uretprobe), one record per call with the return value and latency
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=${1:-7}
n=${2:-100000}
n_base=${N_BASE:-20000000}
build=${BUILD:-$root/build}
probelog=${PROBELOG:-$build/probelog}
floor=${PROBELOG_FLOOR:-$build/probelog-bench-floor}
wl_dir=${WORKLOAD_DIR:-$root/../shared/bench/workloads}
[[ -d $wl_dir ]] || wl_dir=/work/shared/bench/workloads  # from a worktree under /work/wt
go_wl=$build/tests/testprogs/go_loop
for f in "$probelog" "$floor" "$go_wl" "$wl_dir/wl_ufunc" "$wl_dir/wl_ufunc_fp"; do
    [[ -x $f ]] || { echo "need $f" >&2; exit 1; }
done
[[ $EUID == 0 ]] || { echo "needs root" >&2; exit 1; }
fifo=$(mktemp -u); mkfifo "$fifo"; out=$(mktemp)
trap 'rm -f "$fifo" "$out" "$out.records"' EXIT

ns_of() { sed -n 's/.*ops=\([0-9]*\) seconds=\([0-9.]*\).*/\2 \1/p' | awk '{ printf "%.1f\n", $1 * 1e9 / $2 }'; }

run_floor() {  # WL SYMBOL [--ret|--rets]
    local wl=$1 sym=$2; shift 2
    bash -c 'read -r _ < "$1"; exec "$2" "$3"' gate "$fifo" "$wl" "$n" > "$out" &
    local w=$!
    "$floor" "$wl" "$sym" "$w" "$@" 2>/dev/null &
    local f=$!
    sleep 0.5
    echo go > "$fifo"
    wait "$w"
    kill -INT "$f"; wait "$f" || true
    ns_of < "$out"
}
run_probelog() {  # WL probelog args...; also counts the records (in $out.records)
    local wl=$1; shift
    "$probelog" -o json "$@" -- "$wl" "$n" 2>/dev/null > "$out"
    grep -c '"event_type":"probe"' "$out" >> "$out.records" || true
    grep -a 'ops=' "$out" | ns_of
}

declare -A all recs
cases=()
for wl in go c_fp c; do
    for v in base floor floor_ret entry call; do cases+=("$wl/$v"); done
done
for ((r = 0; r < runs; r++)); do
    for c in "${cases[@]}"; do
        wl=${c%/*}; v=${c#*/}
        case $wl in
            go) bin=$go_wl; sym=main.add; rets=--rets
                spec="$bin:main.add(int a, int b)"; ret=" ret:int" ;;
            c_fp) bin=$wl_dir/wl_ufunc_fp; sym=target_add; rets=--ret
                spec="$bin:target_add(long a, long b)"; ret=" ret:long" ;;
            c) bin=$wl_dir/wl_ufunc; sym=target_add; rets=--ret
                spec="$bin:target_add(long a, long b)"; ret=" ret:long" ;;
        esac
        case $v in
            base) ns=$("$bin" "$n_base" | ns_of) ;;
            floor) ns=$(run_floor "$bin" "$sym") ;;
            floor_ret) ns=$(run_floor "$bin" "$sym" "$rets") ;;
            entry) ns=$(run_probelog "$bin" --probe-mode entry --probe "$spec") ;;
            call) ns=$(run_probelog "$bin" --probe "$spec$ret") ;;
        esac
        all[$c]="${all[$c]:-} $ns"
        if [[ -s $out.records ]]; then
            recs[$c]="${recs[$c]:-} $(cat "$out.records")"
            rm -f "$out.records"
        fi
    done
done

printf '%-6s %-10s %12s %12s %10s   %s\n' workload variant "min ns/call" "median" "records" "all runs"
for c in "${cases[@]}"; do
    sorted=$(tr ' ' '\n' <<< "${all[$c]}" | sed '/^$/d' | sort -g)
    min=$(head -1 <<< "$sorted")
    med=$(awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }' <<< "$sorted")
    # The fewest records of any run of a probelog variant (expected: N per run).
    fewest=$(tr ' ' '\n' <<< "${recs[$c]:-}" | sed '/^$/d' | sort -n | head -1)
    printf '%-6s %-10s %12s %12s %10s  %s\n' "${c%/*}" "${c#*/}" "$min" "$med" "${fewest:--}" \
        "$(tr '\n' ' ' <<< "$sorted")"
done
