#!/usr/bin/env bash
# Cost per call of conditions and rate limits (issue 16): a probe whose
# condition is false, one whose condition is true, one whose records a rate
# limit drops, against the kernel's traps alone (the floor) and the same probe
# without clauses, on bench/floor/wl_fields (bench_handle(struct pf_request*
# req, long a, long b, long c) called N times; b is the loop counter, c is 3).
# Each variant runs RUNS times, alternating, so that the variants of one run
# share the machine's conditions; the minimum and the median ns per call are
# printed (noise only ever adds), and the fewest records a run delivered.
#   bench/clauses.sh [RUNS] [N]          (defaults: 7, 200000; as root)
# Variants (call mode: uprobe + uretprobe, as a user gets by default):
#   base        untraced (N_BASE calls, for a stable figure)
#   floor_ret   an empty BPF program as uprobe and uretprobe (probelog-bench-floor)
#   plain       bench_handle { req->hdr.content_length } ret:long: every call a record
#   false_entry ... if c > 3: false at the entry (no call in flight, no record)
#   false_ret   ... if ret < 0: false at the return (the call was paired, no record)
#   true_entry  ... if c == 3 && req->hdr.content_length > 0: true, so every call a record
#   rate        ... rate 1/s: one record, every other call rate-limited at the return
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=${1:-7}
n=${2:-200000}
n_base=${N_BASE:-20000000}
build=${BUILD:-$root/build}
probelog=${PROBELOG:-$build/probelog}
floor=${PROBELOG_FLOOR:-$build/probelog-bench-floor}
wl=${WL_FIELDS:-$build/bench/wl_fields}
for f in "$probelog" "$floor" "$wl"; do
    [[ -x $f ]] || { echo "need $f (cmake --build $build --target probelog probelog-bench-floor wl_fields)" >&2; exit 1; }
done
[[ $EUID == 0 ]] || { echo "needs root" >&2; exit 1; }
fifo=$(mktemp -u); mkfifo "$fifo"; out=$(mktemp)
trap 'rm -f "$fifo" "$out" "$out.records"' EXIT

ns_of() { sed -n 's/.*ops=\([0-9]*\) seconds=\([0-9.]*\).*/\2 \1/p' | awk '{ printf "%.1f\n", $1 * 1e9 / $2 }'; }

run_floor() {  # the workload starts once the empty programs are attached
    bash -c 'read -r _ < "$1"; exec "$2" "$3"' gate "$fifo" "$wl" "$n" > "$out" &
    local w=$!
    "$floor" "$wl" bench_handle "$w" --ret 2>/dev/null &
    local f=$!
    sleep 0.5
    echo go > "$fifo"
    wait "$w"
    kill -INT "$f"; wait "$f" || true
    ns_of < "$out"
}
run_probelog() {  # SPEC; also counts the records (in $out.records)
    "$probelog" -o json --probe "$1" -- "$wl" "$n" 2>/dev/null > "$out"
    grep -c '"event_type":"probe"' "$out" >> "$out.records" || true
    grep -a 'ops=' "$out" | ns_of
}

p="$wl:bench_handle(ptr req, long a, long b, long c) ret:long"
declare -A all recs
variants=(base floor_ret plain false_entry false_ret true_entry rate)
for ((r = 0; r < runs; r++)); do
    for v in "${variants[@]}"; do
        case $v in
            base) ns=$("$wl" "$n_base" | ns_of) ;;
            floor_ret) ns=$(run_floor) ;;
            plain) ns=$(run_probelog "$p") ;;
            false_entry) ns=$(run_probelog "$p if c > 3") ;;
            false_ret) ns=$(run_probelog "$p if ret < 0") ;;
            true_entry) ns=$(run_probelog "$p if c == 3 && b >= 0") ;;
            rate) ns=$(run_probelog "$p rate 1/s") ;;
        esac
        all[$v]="${all[$v]:-} $ns"
        if [[ -s $out.records ]]; then
            recs[$v]="${recs[$v]:-} $(cat "$out.records")"
            rm -f "$out.records"
        fi
    done
done

declare -A med
printf '%-12s %12s %12s %10s   %s\n' variant "min ns/call" "median" "records" "all runs"
for v in "${variants[@]}"; do
    sorted=$(tr ' ' '\n' <<< "${all[$v]}" | sed '/^$/d' | sort -g)
    min=$(head -1 <<< "$sorted")
    med[$v]=$(awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }' <<< "$sorted")
    fewest=$(tr ' ' '\n' <<< "${recs[$v]:-}" | sed '/^$/d' | sort -n | head -1)
    printf '%-12s %12s %12s %10s  %s\n' "$v" "$min" "${med[$v]}" "${fewest:--}" \
        "$(tr '\n' ' ' <<< "$sorted")"
done
awk -v t="${med[floor_ret]}" -v p="${med[plain]}" -v fe="${med[false_entry]}" \
    -v fr="${med[false_ret]}" -v te="${med[true_entry]}" -v r="${med[rate]}" 'BEGIN {
    printf "added to the traps (medians, ns per call): plain %.0f; false at entry %.0f (%.2fx plain); false at return %.0f (%.2fx); true %.0f (%.2fx); rate-limited %.0f (%.2fx)\n",
        p - t, fe - t, (fe - t) / (p - t), fr - t, (fr - t) / (p - t), te - t, (te - t) / (p - t), r - t, (r - t) / (p - t) }'
