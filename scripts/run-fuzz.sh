#!/usr/bin/env bash
# Runs every fuzz target of a `make fuzz` build for SECONDS each, JOBS at a
# time (docs/DEVELOPING.md, "Fuzzing"):
#
#   scripts/run-fuzz.sh BUILD_DIR SECONDS JOBS [TARGET...]
#
# Each target starts from its seeds (tests/fuzz/TARGET/, the built ones in
# BUILD_DIR/tests/fuzz/seeds/TARGET/) and its regressions, and grows its own
# corpus in BUILD_DIR/fuzz/corpus/TARGET/ (kept between runs). Its log is
# BUILD_DIR/fuzz/TARGET.log; a crashing input goes to BUILD_DIR/fuzz/crashes/.
# One line per target: executions per second, corpus size, passed or FAILED.
# Exits non-zero if any target found a crash, a leak, a timeout or an OOM.
set -uo pipefail
build=${1:?build dir}
seconds=${2:?seconds}
jobs=${3:?jobs}
shift 3
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/tests/fuzz
targets=("$@")
if ((${#targets[@]} == 0)); then
    mapfile -t targets < <(cd "$src/tests/fuzz" && ls -- *_fuzz.cpp | sed 's/\.cpp$//')
fi
if ((seconds == 0)); then  # libFuzzer's 0 is "no limit"
    echo "run-fuzz: 0 seconds: no fuzzing"
    exit 0
fi
out=$build/fuzz
mkdir -p "$out/crashes"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
    local t=$1 log=$out/$1.log
    local corpus=$out/corpus/$t
    mkdir -p "$corpus"
    local inputs=("$corpus")
    for d in "$src/tests/fuzz/$t" "$src/tests/fuzz/regressions/$t" "$bin/seeds/$t"; do
        [[ -d $d ]] && inputs+=("$d")
    done
    # -timeout: an input that takes 10 s is a hang worth fixing.
    if "$bin/$t" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$out/crashes/$t-" "${inputs[@]}" >"$log" 2>&1; then
        status=passed
    else
        status=FAILED
    fi
    local execs per_s
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    per_s=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    printf '%-20s %8s execs/s %10s execs  corpus %5s  %s\n' "$t" "${per_s:-?}" "${execs:-?}" \
        "$(find "$corpus" -type f | wc -l)" "$status"
    if [[ $status == FAILED ]]; then
        grep -E -m1 -A30 'ERROR: |runtime error|fuzz check failed|==ERROR' "$log" || tail -30 "$log"
        return 1
    fi
}

failed=0
running=0
for t in "${targets[@]}"; do
    if ((running >= jobs)); then
        wait -n || failed=1
        ((running--))
    fi
    run_one "$t" &
    ((running++))
done
while ((running > 0)); do
    wait -n || failed=1
    ((running--))
done
exit "$failed"
