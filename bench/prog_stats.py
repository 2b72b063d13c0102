#!/usr/bin/env python3
"""What each BPF program of a tracer costs per run, measured by the kernel.

    bench/prog_stats.py [-n N] [-w WORKLOAD] -- TRACER-COMMAND...

Starts the workload behind a gate (so that its pid is known: {PID} in the
command), then the tracer command (its programs are the ones loaded while it
starts), turns on kernel.bpf_stats_enabled, opens the gate (wl_WORKLOAD does
N ops), and prints, per program that ran: runs, ns per run (run_time_ns /
run_cnt), and its size after verification (xlated instructions, JIT bytes).
{BIN} is the workload binary. bpf_stats itself adds ~20-40 ns
per run (two clock reads); compare programs with each other, and against the
floor (bench_floor: probelog-bench-floor ...) measured the same way.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WL_DIR = os.environ.get("WL_DIR", "/work/shared/bench/workloads")


def progs():
    out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True).stdout
    return {p["id"]: p for p in json.loads(out or "[]")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=200000)
    ap.add_argument("-w", default="read")
    ap.add_argument("--ready", default="Ctrl-C to stop|attached|floor:")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no tracer command")
    fifo = "/tmp/prog_stats.gate"
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    binary = os.path.join(WL_DIR, "wl_" + a.w)
    wl = subprocess.Popen(["bash", "-c", 'read -r _ < "$1"; exec "${@:2}"', "gate", fifo, binary, str(a.n)],
                          stdout=subprocess.PIPE, text=True)
    cmd = [c.replace("{PID}", str(wl.pid)).replace("{BIN}", binary) for c in cmd]
    before = set(progs())
    log = open("/tmp/prog_stats.tracer.log", "w+")
    tracer = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    import re
    deadline = time.time() + 60
    while time.time() < deadline:
        log.seek(0)
        if re.search(a.ready, log.read()):
            break
        if tracer.poll() is not None:
            log.seek(0)
            sys.exit("tracer exited: " + log.read())
        time.sleep(0.1)
    time.sleep(0.3)
    mine = [i for i in progs() if i not in before]
    old = open("/proc/sys/kernel/bpf_stats_enabled").read().strip()
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write("1")
    try:
        p0 = progs()
        t0 = time.time()
        with open(fifo, "w") as g:
            g.write("go\n")
        wl_out = wl.communicate()[0]
        t1 = time.time()
        p1 = progs()
    finally:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write(old)
    os.killpg(tracer.pid, signal.SIGINT)
    tracer.wait()
    os.unlink(fifo)
    print(f"workload wl_{a.w} {a.n}: {wl_out.strip()}  (wall {t1 - t0:.2f} s)")
    print(f"{'program':28} {'runs':>10} {'ns/run':>8} {'runs/op':>8} {'ns/op':>8} {'xlated':>7} {'jited':>6}")
    total = 0.0
    for i in sorted(mine):
        if i not in p0 or i not in p1:
            continue
        runs = p1[i].get("run_cnt", 0) - p0[i].get("run_cnt", 0)
        ns = p1[i].get("run_time_ns", 0) - p0[i].get("run_time_ns", 0)
        if runs == 0:
            continue
        per_op = ns / a.n
        total += per_op
        print(f"{p1[i]['name']:28} {runs:>10} {ns / runs:>8.0f} {runs / a.n:>8.2f} {per_op:>8.0f} "
              f"{p1[i]['bytes_xlated'] // 8:>7} {p1[i].get('bytes_jited', 0):>6}")
    print(f"{'total per workload op':28} {'':>10} {'':>8} {'':>8} {total:>8.0f}")


if __name__ == "__main__":
    main()
