# Peer cells beyond the shared ones: libbpf-tools cells beyond ../shared/bench/tracers/25-libbpf-tools.sh (which
# has execsnoop, opensnoop, sigsnoop), for the workloads where a tool attaches
# on this kernel (no kprobes: bindsnoop and tcpconnect cannot).
#   tcp    tcplife: sock:inet_sock_set_state, one line per closed socket (2 per
#          loopback connection, client and server)
#   ufunc  funclatency: uprobe + uretprobe on target_add, an in-kernel latency
#          histogram (no per-call output; count = the histogram's sum)

cell lbt-tcplife tcp 2 'lines:^[0-9]+ +wl_tcp +127\.0\.0\.1' perf:1 <<'CMD'
stdbuf -oL /usr/sbin/tcplife -p {PID}
CMD

cell lbt-funclatency ufunc 1 'awk:/->/ { s += $5 } END { print s + 0 }' perf:2 <<'CMD'
/usr/sbin/funclatency {BIN}:target_add
CMD

cell lbt-funclatency ufunc_fp 1 'awk:/->/ { s += $5 } END { print s + 0 }' perf:2 150000 <<'CMD'
/usr/sbin/funclatency {BIN}:target_add
CMD

# bpftrace on ufunc_fp, as its ufunc cell (printf at entry and at return).
cell bpftrace ufunc_fp 2 'lines:^[0-9]+ wl_ufunc_fp (enter|ret) ' perf:2 150000 <<'CMD'
bpftrace -e 'uprobe:{BIN}:target_add /pid == {PID}/ { printf("%d %s enter %d %d\n", pid, comm, arg0, arg1); } uretprobe:{BIN}:target_add /pid == {PID}/ { printf("%d %s ret %d\n", pid, comm, retval); }'
CMD
