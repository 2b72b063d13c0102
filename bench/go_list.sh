#!/usr/bin/env bash
# How long --probe-list takes on a big stripped Go program (issue 14): its
# functions come from .gopclntab (tens of thousands), read on every run.
#   bench/go_list.sh [RUNS] [BINARY]     (defaults: 9, /usr/bin/prometheus)
# Prints, per query, the function count it listed and the minimum and median
# wall time of RUNS runs (noise only ever adds), next to the same command on
# /bin/true (probelog's own start-up and a small file).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=${1:-9}
bin=${2:-/usr/bin/prometheus}
probelog=${PROBELOG:-${BUILD:-$root/build}/probelog}

# time_ms ARGS...: one run's wall time in ms (output to /dev/null).
time_ms() {
    local t0 t1
    t0=$(date +%s%N)
    "$probelog" "$@" >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

measure() {
    local label=$1
    shift
    local count times=()
    count=$("$probelog" "$@" | sed -n 's/^# \([0-9]*\) functions\{0,1\};.*/\1/p')
    for ((i = 0; i < runs; i++)); do times+=("$(time_ms "$@")"); done
    mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
    printf '| %s | %s | %s | %s |\n' "$label" "$count" "${sorted[0]}" "${sorted[$((runs / 2))]}"
}

"$probelog" --probe-list "$bin" 'runtime.main' | head -1
echo "| query | functions listed | min ms | median ms |"
echo "|---|---:|---:|---:|"
measure "--probe-list /bin/true (start-up)" --probe-list /bin/true
measure "--probe-list $bin (all)" --probe-list "$bin"
measure "--probe-list $bin '*conn*serve*' (glob)" --probe-list "$bin" '*conn*serve*'
measure "--probe-list $bin 'net/http.(*conn).serve' (substring)" --probe-list "$bin" 'net/http.(*conn).serve'
