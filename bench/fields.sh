#!/usr/bin/env bash
# Cost per call of field expressions (issue 15): a probe capturing four fields
# two pointers deep against the same probe with scalar arguments only, on
# bench/floor/wl_fields (bench_handle(struct pf_request* req, long a, long b,
# long c) called N times). Each variant runs RUNS times, alternating, so that
# the variants of one run share the machine's conditions; the minimum and the
# median ns per call are printed (noise only ever adds), the fewest records a
# probelog run delivered (expected: N), and the cost each probe adds to an
# untraced call, with its ratio to the scalar probe's.
#   bench/fields.sh [RUNS] [N]          (defaults: 7, 200000; as root)
# Variants:
#   base       untraced (N_BASE calls, for a stable figure)
#   floor_ret  an empty BPF program as uprobe and uretprobe
#              (probelog-bench-floor): what the kernel's traps cost alone
#   scalars    bench_handle(ptr req, long a, long b, long c) ret:long: four
#              scalar arguments and the return value (uprobe + uretprobe)
#   fields     bench_handle { req->conn->fd, req->conn->peer->port,
#              req->hdr.content_length, req->conn->peer->name }: the four
#              captures (two pointer loads for peer's fields, one for conn's,
#              a 16-byte string) and the return value
#   both       the four scalars and the four captures in one record
#   floor, scalars_entry, fields_entry: the same at the entry only (an empty
#              uprobe; --probe-mode entry, no return value): one trap per
#              call instead of two, so less of the kernel's noise
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
# A first instruction other than push is single-stepped: a second trap would dwarf the captures.
objdump -d --no-show-raw-insn "$wl" | grep -A1 '<bench_handle>:' | grep -q 'push *%rbp' ||
    { echo "$wl: bench_handle does not start with push %rbp" >&2; exit 1; }
fifo=$(mktemp -u); mkfifo "$fifo"; out=$(mktemp)
trap 'rm -f "$fifo" "$out" "$out.records"' EXIT

ns_of() { sed -n 's/.*ops=\([0-9]*\) seconds=\([0-9.]*\).*/\2 \1/p' | awk '{ printf "%.1f\n", $1 * 1e9 / $2 }'; }

run_floor() {  # the workload starts once the empty programs are attached
    bash -c 'read -r _ < "$1"; exec "$2" "$3"' gate "$fifo" "$wl" "$n" > "$out" &
    local w=$!
    "$floor" "$wl" bench_handle "$w" "$@" 2>/dev/null &
    local f=$!
    sleep 0.5
    echo go > "$fifo"
    wait "$w"
    kill -INT "$f"; wait "$f" || true
    ns_of < "$out"
}
run_probelog() {  # probelog args...; also counts the records (in $out.records)
    "$probelog" -o json "$@" -- "$wl" "$n" 2>/dev/null > "$out"
    grep -c '"event_type":"probe"' "$out" >> "$out.records" || true
    grep -a 'ops=' "$out" | ns_of
}

params="$wl:bench_handle(ptr req, long a, long b, long c) ret:long"
fields="{ req->conn->fd, req->conn->peer->port, req->hdr.content_length, req->conn->peer->name }"
# One record of each, to show what is measured.
if [[ ${SHOW:-1} == 1 ]]; then
    n_show=$n; n=1
    for spec in "$params" "$wl:bench_handle $fields"; do
        "$probelog" -o json --probe "$spec" -- "$wl" 1 2>/dev/null | grep -a '"probe"' |
            sed 's/.*"stage":"call",//' | sed 's/^/# /'
    done
    n=$n_show
fi

declare -A all recs
variants=(base floor_ret scalars fields both floor scalars_entry fields_entry)
for ((r = 0; r < runs; r++)); do
    for v in "${variants[@]}"; do
        case $v in
            base) ns=$("$wl" "$n_base" | ns_of) ;;
            floor_ret) ns=$(run_floor --ret) ;;
            floor) ns=$(run_floor) ;;
            scalars_entry) ns=$(run_probelog --probe-mode entry --probe "${params% ret:long}") ;;
            fields_entry) ns=$(run_probelog --probe-mode entry --probe "$wl:bench_handle $fields") ;;
            scalars) ns=$(run_probelog --probe "$params") ;;
            fields) ns=$(run_probelog --probe "$wl:bench_handle $fields") ;;
            both) ns=$(run_probelog --probe "$params $fields") ;;
        esac
        all[$v]="${all[$v]:-} $ns"
        if [[ -s $out.records ]]; then
            recs[$v]="${recs[$v]:-} $(cat "$out.records")"
            rm -f "$out.records"
        fi
    done
done

declare -A med
printf '%-10s %12s %12s %10s   %s\n' variant "min ns/call" "median" "records" "all runs"
for v in "${variants[@]}"; do
    sorted=$(tr ' ' '\n' <<< "${all[$v]}" | sed '/^$/d' | sort -g)
    min=$(head -1 <<< "$sorted")
    med[$v]=$(awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }' <<< "$sorted")
    fewest=$(tr ' ' '\n' <<< "${recs[$v]:-}" | sed '/^$/d' | sort -n | head -1)
    printf '%-10s %12s %12s %10s  %s\n' "$v" "$min" "${med[$v]}" "${fewest:--}" \
        "$(tr '\n' ' ' <<< "$sorted")"
done
# Added cost per call (medians): over an untraced call, and over the kernel's
# traps alone (what probelog's programs cost), with the field probes' ratio to
# the scalar one's.
awk -v b="${med[base]}" -v t="${med[floor_ret]}" -v s="${med[scalars]}" -v f="${med[fields]}" \
    -v a="${med[both]}" 'BEGIN {
    printf "added to an untraced call (medians): traps %.0f, scalars %.0f, fields %.0f (%.2fx scalars), both %.0f (%.2fx) ns\n",
        t - b, s - b, f - b, (f - b) / (s - b), a - b, (a - b) / (s - b)
    printf "added to the traps (probelog): scalars %.0f, fields %.0f (%.2fx), both %.0f (%.2fx) ns; fields - scalars %.0f ns\n",
        s - t, f - t, (f - t) / (s - t), a - t, (a - t) / (s - t), f - s }'
awk -v t="${med[floor]}" -v s="${med[scalars_entry]}" -v f="${med[fields_entry]}" 'BEGIN {
    printf "entry only, added to the trap (probelog): scalars %.0f, fields %.0f (%.2fx) ns; fields - scalars %.0f ns\n",
        s - t, f - t, (f - t) / (s - t), f - s }'
