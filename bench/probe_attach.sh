#!/usr/bin/env bash
# What a --probe costs at start-up: probelog's "attached in N ms" (open, load,
# verify and attach the generic uprobe programs, bpf/progs/uprobe.bpf.c), for
# a probe on libc's getpid (Debian's bpftool does not show verified_insns;
# bpf_prog_info has it). As root.
#   bench/probe_attach.sh [RUNS]        (default 5; PROBELOG=path picks the binary)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=${1:-5}
probelog=${PROBELOG:-$root/build/probelog}
libc=$(ldd /bin/true | sed -n 's/.*libc.so.6 => \([^ ]*\).*/\1/p')
[[ $EUID == 0 ]] || { echo "needs root" >&2; exit 1; }
err=$(mktemp)
trap 'rm -f "$err"' EXIT
all=()
for ((r = 0; r < runs; r++)); do
    "$probelog" -o null --probe "$libc:getpid() ret:int" 2> "$err" &
    pid=$!
    until grep -q 'Ctrl-C to stop' "$err"; do
        kill -0 "$pid" 2> /dev/null || { cat "$err" >&2; exit 1; }
        sleep 0.01
    done
    kill -INT "$pid"
    wait "$pid" || true
    ms=$(sed -n 's/.*attached in \([0-9]*\) ms.*/\1/p' "$err")
    echo "run $r: attached in $ms ms"
    all+=("$ms")
done
echo "median of $runs: $(printf '%s\n' "${all[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') ms"
