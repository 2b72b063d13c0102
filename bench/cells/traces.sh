# probelog cells for the shared workloads that the built-in syscall and
# allocation traces cover (sourced by bench/run.sh into ../shared/bench/peers.sh).
# Each writes JSON lines to stdout (the harness sends stdout to a file), with
# the kernel-side pid filter on the workload, like the bpftrace cells'
# /pid == {PID}/ predicate.
#   open    --trace vfs      one record per openat (path, flags, fd)
#   signal  --trace signal   one record per kill (sender, target, result)
#   tcp     --trace tcp      a connect and an accept record per connection
#   bind    --trace bind     one record per bind (address, port, protocol)
#   malloc  --trace malloc   a malloc and a free record per op (libc uprobes,
#                            placed in the workload process only)

cell probelog open 1 'lines:"event_type":"vfs".*"path":"/tmp/bench_open_target"' 're:Ctrl-C to stop' <<'CMD'
$PROBELOG --trace vfs --pid {PID} -o json
CMD

cell probelog signal 1 'lines:"event_type":"signal".*"signal":10,.*"syscall":"kill"' 're:Ctrl-C to stop' <<'CMD'
$PROBELOG --trace signal --pid {PID} -o json
CMD

cell probelog tcp 2 'lines:"event_type":"(connect|accept)"' 're:Ctrl-C to stop' <<'CMD'
$PROBELOG --trace tcp --pid {PID} -o json
CMD

cell probelog bind 1 'lines:"event_type":"bind".*"addr":"127.0.0.1"' 're:Ctrl-C to stop' <<'CMD'
$PROBELOG --trace bind --pid {PID} -o json
CMD

cell probelog malloc 2 'lines:"event_type":"malloc".*"operation_name":"(malloc|free)"' 're:Ctrl-C to stop' <<'CMD'
$PROBELOG --trace malloc --pid {PID} -o json
CMD
