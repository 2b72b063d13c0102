# probelog cells for ../shared/bench/peers.sh (sourced by bench/run.sh).
# $PROBELOG is the binary under test. The exec workload's events come from its
# forked children (comm wl_exec at the time they call exec), so the kernel-side
# --comm filter selects them; the count keeps the /bin/true execs.

cell probelog exec 1 'lines:"event_type":"exec".*"filename":"/bin/true"' 're:Ctrl-C to stop' <<'CMD'
$PROBELOG --trace exec -o json --comm wl_exec
CMD
