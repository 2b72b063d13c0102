#!/usr/bin/env bash
# What a user waits for at the start and at the end of a run: the attach time
# (probelog's own "attached in N ms": opening, loading, verifying and attaching
# every trace) and the exit time (SIGINT, as Ctrl-C sends, until the process
# is gone: stop, last drain, summary, teardown). Each run also checks that the
# summary's counts add up: every trace's delivered + lost = generated. As root.
#   bench/exit_attach.sh [RUNS] [TRACES] [-- EXTRA PROBELOG ARGS]
#   (defaults: 5, every built-in trace but xdp and probe, which need targets)
# PROBELOG=path picks the binary (default build/probelog); SETTLE=seconds
# between the start line and the SIGINT (default 1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=${1:-5}
traces=${2:-exec,exit,signal,bind,tcp,vfs,malloc,io,sched,openssl,dns}
shift $(($# < 2 ? $# : 2))
[[ ${1:-} == -- ]] && shift
probelog=${PROBELOG:-$root/build/probelog}
[[ $EUID == 0 ]] || { echo "needs root" >&2; exit 1; }
err=$(mktemp)
trap 'rm -f "$err"' EXIT
ms() { echo $(($(date +%s%N) / 1000000)); }
attach_all=() exit_all=()
for ((r = 0; r < runs; r++)); do
    "$probelog" -v -t "$traces" -o null "$@" 2> "$err" &
    pid=$!
    until grep -q 'Ctrl-C to stop' "$err"; do
        kill -0 "$pid" 2> /dev/null || { cat "$err" >&2; exit 1; }
        sleep 0.01
    done
    sleep "${SETTLE:-1}"
    t0=$(ms)
    kill -INT "$pid"
    wait "$pid" || true
    t1=$(ms)
    attach=$(sed -n 's/.*attached in \([0-9]*\) ms.*/\1/p' "$err")
    hooks=$(sed -n 's/.*(\([0-9]*\) hooks, attached.*/\1/p' "$err")
    # Exact: every trace's "D delivered, L lost ... of G generated" has D + L = G.
    exact=$(grep -o '[a-z_]*: [0-9]* delivered, [0-9]* lost[^;)]* of [0-9]* generated' "$err" |
        awk '{ d = $2; l = $4; g = $(NF - 1); n++; if (d + l != g) bad = bad " " $0 }
             END { if (n == 0) print "no summary"; else if (bad != "") print "NO:" bad; else print "yes (" n " traces)" }')
    printf 'run %d: %s hooks, attach %s ms, exit %d ms, counts exact: %s\n' \
        "$r" "$hooks" "$attach" $((t1 - t0)) "$exact"
    attach_all+=("$attach") exit_all+=($((t1 - t0)))
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "median of $runs: attach $(median "${attach_all[@]}") ms, exit $(median "${exit_all[@]}") ms"
