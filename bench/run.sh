#!/usr/bin/env bash
# Runs the shared peer benchmark (../shared/bench/peers.sh) with probelog's cells
# (bench/cells/*.sh: probelog, its floor, more peer cells) next to bpftrace and
# libbpf-tools, in one run.
#   bench/run.sh                          every workload probelog has a cell for
#   bench/run.sh -w exec -r 3             peers.sh arguments pass through
# Results: ../shared/bench/results/<stamp>/ (summary.md, raw.tsv, sweep.tsv);
# bench/report.py turns raw.tsv into the tables of docs/BENCHMARKS.md.
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
if (($# == 0)); then
    workloads=$(grep -hoE '^cell (probelog|floor)[a-z0-9_-]* [a-z_]+' "$here"/cells/*.sh | awk '{print $3}' | sort -u | paste -sd,)
    set -- -w "$workloads" --no-extras
fi
EXTRA_TRACERS=$cells exec "$peers" "$@"
