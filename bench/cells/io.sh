# io trace cells for ../shared/bench/peers.sh (sourced by bench/run.sh), on the
# `read` workload: read(fd, buf, 64) from /dev/zero, one thread, {PID} known.
# /dev/zero is a char device, so the trace's default (regular files only) skips
# it at entry; --io-all-files makes every read a traced call, exactly as a read
# of a regular file would be (same entry/exit path, same path walk).
#
#   probelog          every read correlated and emitted (--io-all-files)
#   probelog-minlat   every read correlated, none emitted: --io-min-latency 1ms
#                     drops them in the kernel at exit (the cost of the filter)
#   probelog-skip     default file types: /dev/zero rejected at entry, no map entry
#   io-floor          empty programs at the same 24 tracepoints (bench/floor/)
#   bt-io-corr        bpftrace doing the same entry/exit correlation (@s[tid])
#   bt-io-corr-minlat the same, printing only reads slower than 1 ms
# The ring buffer is 64 MiB for the emitting cell: ~150 bytes per event at a
# few hundred thousand events per second. Cells that emit nothing run 2M reads
# (their per-read cost is small; 200k reads would be over in tens of ms).

cell probelog read 1 'lines:"operation":"read".*"path":"/dev/zero"' 're:Ctrl-C to stop' <<'CMD'
$PROBELOG --trace io --io-all-files --pid {PID} -o json --ringbuf-size 64M
CMD

cell probelog-minlat read 1 none 're:Ctrl-C to stop' 2000000 <<'CMD'
$PROBELOG --trace io --io-all-files --io-min-latency 1ms --pid {PID} -o json
CMD

cell probelog-skip read 1 none 're:Ctrl-C to stop' 2000000 <<'CMD'
$PROBELOG --trace io --pid {PID} -o json
CMD

cell io-floor read 1 none 're:io_floor: attached' 2000000 <<'CMD'
"${PROBELOG%/*}/bench/io_floor"
CMD

cell bt-io-corr read 1 'lines:^[0-9]+ wl_read read fd=[0-9]+ count=64 ret=64 lat=[0-9]+$' perf:2 <<'CMD'
bpftrace -e 'tracepoint:syscalls:sys_enter_read /pid == {PID}/ { @s[tid] = (nsecs, args->fd, args->count); }
tracepoint:syscalls:sys_exit_read /@s[tid].0/ { $s = @s[tid]; printf("%d %s read fd=%d count=%d ret=%d lat=%d\n", pid, comm, $s.1, $s.2, args->ret, nsecs - $s.0); delete(@s[tid]); }'
CMD

cell bt-io-corr-minlat read 1 none perf:2 2000000 <<'CMD'
bpftrace -e 'tracepoint:syscalls:sys_enter_read /pid == {PID}/ { @s[tid] = (nsecs, args->fd, args->count); }
tracepoint:syscalls:sys_exit_read /@s[tid].0/ { $s = @s[tid]; if (nsecs - $s.0 >= 1000000) { printf("%d %s read fd=%d count=%d ret=%d lat=%d\n", pid, comm, $s.1, $s.2, args->ret, nsecs - $s.0); } delete(@s[tid]); }'
CMD
