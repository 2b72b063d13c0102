# probelog cells for the ufunc workload (issue 5: dynamic probes), sourced by
# bench/run.sh into ../shared/bench/peers.sh. wl_ufunc calls target_add(long,
# long) N times. $PROBELOG is the binary under test; $PROBELOG_FLOOR the
# bench-only helper that attaches an empty BPF program (the floor).
#   probelog-entry    uprobe only, one record per call (a, b)
#   probelog          uprobe + uretprobe, one record per call (a, b, ret, latency)
#   probelog-split    uprobe + uretprobe, an entry and a return record per call
#   probelog-buf256   as probelog-call, plus 256 bytes captured per call
#   floor-uprobe / floor-uprobe-ret   the same hooks with an empty program
PROBELOG_FLOOR=${PROBELOG_FLOOR:-$(dirname "$PROBELOG")/probelog-bench-floor}
export PROBELOG_FLOOR

cell probelog-entry ufunc 1 'lines:"probe":"wl_ufunc:target_add"' 're:Ctrl-C to stop' <<'CMD'
$PROBELOG -o json --pid {PID} --probe-mode entry --probe '{BIN}:target_add(long a, long b)'
CMD

cell probelog ufunc 1 'lines:"probe":"wl_ufunc:target_add"' 're:Ctrl-C to stop' <<'CMD'
$PROBELOG -o json --pid {PID} --probe '{BIN}:target_add(long a, long b) ret:long'
CMD

cell probelog-split ufunc 2 'lines:"probe":"wl_ufunc:target_add"' 're:Ctrl-C to stop' <<'CMD'
$PROBELOG -o json --pid {PID} --probe-mode split --probe '{BIN}:target_add(long a, long b) ret:long'
CMD

# The buffer is the 256 bytes at the stack pointer (target_add has no pointer argument).
cell probelog-buf256 ufunc 1 'lines:"probe":"wl_ufunc:target_add"' 're:Ctrl-C to stop' <<'CMD'
$PROBELOG -o json --pid {PID} --probe '{BIN}:target_add(buf stack[256]@rsp, long b) ret:long'
CMD

cell floor-uprobe ufunc - none 're:^floor: ' <<'CMD'
$PROBELOG_FLOOR {BIN} target_add {PID}
CMD

cell floor-uprobe-ret ufunc - none 're:^floor: ' <<'CMD'
$PROBELOG_FLOOR {BIN} target_add {PID} --ret
CMD

# ufunc_fp: the same function built by clang with frame pointers, whose first
# instruction (push) the kernel emulates instead of single-stepping: a cheaper
# uprobe, so what the program adds shows more. 150000 calls instead of the
# workload's 1000000 (a record per call).
cell probelog-entry ufunc_fp 1 'lines:"probe":"wl_ufunc_fp:target_add"' 're:Ctrl-C to stop' 150000 <<'CMD'
$PROBELOG -o json --pid {PID} --probe-mode entry --probe '{BIN}:target_add(long a, long b)'
CMD

cell probelog ufunc_fp 1 'lines:"probe":"wl_ufunc_fp:target_add"' 're:Ctrl-C to stop' 150000 <<'CMD'
$PROBELOG -o json --pid {PID} --probe '{BIN}:target_add(long a, long b) ret:long'
CMD

cell probelog-split ufunc_fp 2 'lines:"probe":"wl_ufunc_fp:target_add"' 're:Ctrl-C to stop' 150000 <<'CMD'
$PROBELOG -o json --pid {PID} --probe-mode split --probe '{BIN}:target_add(long a, long b) ret:long'
CMD

cell probelog-buf256 ufunc_fp 1 'lines:"probe":"wl_ufunc_fp:target_add"' 're:Ctrl-C to stop' 150000 <<'CMD'
$PROBELOG -o json --pid {PID} --probe '{BIN}:target_add(buf stack[256]@rsp, long b) ret:long'
CMD

cell floor-uprobe ufunc_fp - none 're:^floor: ' 150000 <<'CMD'
$PROBELOG_FLOOR {BIN} target_add {PID}
CMD

cell floor-uprobe-ret ufunc_fp - none 're:^floor: ' 150000 <<'CMD'
$PROBELOG_FLOOR {BIN} target_add {PID} --ret
CMD
