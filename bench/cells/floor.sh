# The floor of every probelog cell (sourced by bench/run.sh): the same probelog
# command run by build/probelog-bench-floor, which attaches the same programs
# to the same hooks in the same way, each returning at once (PL_FILTER_FLOOR).
# What the workload pays under it is the price of the hooks themselves; what
# probelog adds above it is its own. No records (count: none).
PROBELOG_FLOOR=${PROBELOG_FLOOR:-$(dirname "$PROBELOG")/probelog-bench-floor}
export PROBELOG_FLOOR

cell floor exec - none 're:Ctrl-C to stop' <<'CMD'
$PROBELOG_FLOOR --trace exec --comm wl_exec -o json
CMD

cell floor open - none 're:Ctrl-C to stop' <<'CMD'
$PROBELOG_FLOOR --trace vfs --pid {PID} -o json
CMD

cell floor read - none 're:Ctrl-C to stop' <<'CMD'
$PROBELOG_FLOOR --trace io --io-all-files --pid {PID} -o json
CMD

cell floor ufunc - none 're:Ctrl-C to stop' <<'CMD'
$PROBELOG_FLOOR -o json --pid {PID} --probe '{BIN}:target_add(long a, long b) ret:long'
CMD

cell floor ufunc_fp - none 're:Ctrl-C to stop' 150000 <<'CMD'
$PROBELOG_FLOOR -o json --pid {PID} --probe '{BIN}:target_add(long a, long b) ret:long'
CMD

cell floor malloc - none 're:Ctrl-C to stop' <<'CMD'
$PROBELOG_FLOOR --trace malloc --pid {PID} -o json
CMD

cell floor tcp - none 're:Ctrl-C to stop' <<'CMD'
$PROBELOG_FLOOR --trace tcp --pid {PID} -o json
CMD

cell floor signal - none 're:Ctrl-C to stop' <<'CMD'
$PROBELOG_FLOOR --trace signal --pid {PID} -o json
CMD

cell floor bind - none 're:Ctrl-C to stop' <<'CMD'
$PROBELOG_FLOOR --trace bind --pid {PID} -o json
CMD
