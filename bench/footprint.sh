#!/usr/bin/env bash
# Footprint of one probelog with every built-in trace that needs no argument
# attached (exec, exit, signal, bind, tcp, vfs, malloc, io): start-up time (exec
# to "Ctrl-C to stop", and the attach time probelog reports), RSS after a few
# seconds of ordinary activity, and the time to detach and exit on SIGINT.
#   bench/footprint.sh [RUNS (3)] [SECONDS (3)]     as root; prints a Markdown table
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PROBELOG=${PROBELOG:-$(dirname "$here")/build/probelog}
runs=${1:-3}
secs=${2:-3}
traces=exec,exit,signal,bind,tcp,vfs,malloc,io
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now_ms() { date +%s%3N; }

echo "| run | start-up: exec to ready (ms) | attach, as reported (ms) | hooks | VmRSS (MB) | VmHWM (MB) | detach (ms) | SIGINT to exit (ms) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for ((r = 1; r <= runs; r++)); do
    err=$tmp/err.$r
    t0=$(now_ms)
    "$PROBELOG" --trace "$traces" -o json -v >/dev/null 2>"$err" &
    pid=$!
    until grep -q 'Ctrl-C to stop' "$err" 2>/dev/null; do
        kill -0 $pid 2>/dev/null || { cat "$err" >&2; exit 1; }
        sleep 0.005
    done
    t_ready=$(($(now_ms) - t0))
    # Some activity for every trace while it runs (execs, files, a socket, signals).
    for ((i = 0; i < 20; i++)); do
        ls /proc/self >/dev/null; cat /etc/hostname >/dev/null; kill -0 $$
    done
    sleep "$secs"
    rss=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' /proc/$pid/status)
    hwm=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' /proc/$pid/status)
    t1=$(now_ms)
    kill -INT $pid
    wait $pid || true
    t_exit=$(($(now_ms) - t1))
    attach=$(sed -nE 's/.*hooks, attached in ([0-9]+) ms.*/\1/p' "$err")
    hooks=$(sed -nE 's/.*\(([0-9]+) hooks, attached in.*/\1/p' "$err")
    detach=$(sed -nE 's/.*detached [0-9]+ hooks in ([0-9]+) ms.*/\1/p' "$err")
    echo "| $r | $t_ready | $attach | $hooks | $rss | $hwm | $detach | $t_exit |"
done
