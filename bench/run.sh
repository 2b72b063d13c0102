#!/usr/bin/env bash
# Every benchmark of docs/BENCHMARKS.md in one run (as root; `make bench`):
#   1. overhead per event: each shared workload untraced, under probelog's floor
#      (the same hooks, empty programs), probelog writing JSON, bpftrace and the
#      libbpf-tools that attach here (../shared/bench/peers.sh with bench/cells/*.sh)
#   2. throughput and loss: the read workload unthrottled on both cores (2 threads)
#   3. the user-space pipeline (Google Benchmark: decode -> filter -> JSON, table)
#   4. footprint: start-up, RSS, detach with every built-in trace (bench/footprint.sh)
#   bench/run.sh                  all four, into ../shared/bench/results/<stamp>/
#   bench/run.sh -w exec -r 3     only peers.sh, with these arguments
# Environment: REPS (3), QUIET_MAX (peers.sh: wait for a quiet machine), PEERS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
peers=${PEERS:-$root/../shared/bench/peers.sh}
[[ -x $peers ]] || peers=/work/shared/bench/peers.sh
[[ -x $peers ]] || { echo "bench/run.sh: no peer script at $peers (set PEERS=...)" >&2; exit 1; }
export PROBELOG=${PROBELOG:-$root/build/probelog}
[[ -x $PROBELOG ]] || { echo "bench/run.sh: build first (make): $PROBELOG missing" >&2; exit 1; }
# The tools' own loss reports: bpftrace "Lost N events", BCC "Possibly lost N
# samples", probelog's exit summary "N records delivered, M lost" (M counted).
export LOST_RE=${LOST_RE:-'([Ll]ost|[Dd]ropped) [0-9]+ (events|samples)|records delivered, [0-9]+ lost'}
cells=$(ls "$here"/cells/*.sh | paste -sd:)
if (($# > 0)); then
    EXTRA_TRACERS=$cells exec "$peers" "$@"
fi

# Everything. The workloads probelog has a cell for, the tracers compared.
workloads=$(grep -hoE '^cell (probelog|floor)[a-z0-9_-]* [a-z_]+' "$here"/cells/*.sh | awk '{print $3}' | sort -u | paste -sd,)
tracers=probelog,floor,bpftrace,lbt-execsnoop,lbt-opensnoop,lbt-sigsnoop,lbt-tcplife,lbt-funclatency
results=$(dirname "$peers")/results
export REPS=${REPS:-3}
EXTRA_TRACERS=$cells "$peers" --matrix -w "$workloads" -t "$tracers" --no-extras
out=$(ls -d "$results"/*/ | tail -1)
# Throughput: full speed, two threads (one per core), every read a record.
EXTRA_TRACERS=$cells SWEEP_RATES="0x2" "$peers" --sweep -t probelog,bpftrace
sweep=$(ls -d "$results"/*/ | tail -1)
cat "$sweep/summary.md" >> "$out/summary.md"
cp "$sweep/sweep.tsv" "$out/"
{
    echo "## User-space pipeline (one core; recorded exec events)"
    echo
    echo '```'
    taskset -c 1 "$root/build/bench/pipeline_bench" --benchmark_repetitions=5 \
        --benchmark_report_aggregates_only=true 2>&1 | grep -E 'Benchmark|---|_(median|min|max)'
    echo '```'
    echo
    echo "## Footprint (every built-in trace that needs no argument)"
    echo
    "$here/footprint.sh" 3 3
    echo
} >> "$out/summary.md"
echo "bench/run.sh: results in $out (summary.md)" >&2
