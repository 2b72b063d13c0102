#!/usr/bin/env bash
# The static probelog against the dynamic one: size, and start-up time
# (docs/BENCHMARKS.md, "Static binary"). Root (the second measure attaches).
#
#   bench/static_startup.sh [BUILD [RUNS]]     (default: build 20)
#
# Needs $BUILD/probelog and $BUILD/static/probelog (make build static).
# Both are compared stripped (objcopy --strip-all), as they are shipped.
#   --version: exec to exit, the process's own start-up (dynamic loading of
#              its libraries, static constructors) and nothing else;
#   -- /bin/true with the default traces: exec to exit of a whole run
#              (attach 31 hooks, run the command, detach), and the attach
#              time probelog reports.
# Runs alternate between the two binaries; min and median of RUNS each.
set -euo pipefail
build=${1:-build}
runs=${2:-20}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
objcopy --strip-all "$build/probelog" "$dir/probelog-dynamic"
cp "$build/static/probelog" "$dir/probelog-static"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$dir" "$runs" <<'PY'
import os, re, statistics, subprocess, sys, time
d, runs = sys.argv[1], int(sys.argv[2])
bins = {"dynamic": f"{d}/probelog-dynamic", "static": f"{d}/probelog-static"}
for name, b in bins.items():
    libs = subprocess.run(["ldd", b], capture_output=True, text=True).stdout.count("=>")
    print(f"{name}: {os.path.getsize(b)} bytes stripped, {libs} shared libraries")

def timed(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return (time.perf_counter() - t) * 1000, p.stderr

def table(title, cmd_tail, n, attach=False):
    wall = {k: [] for k in bins}
    att = {k: [] for k in bins}
    for _ in range(n):
        for k, b in bins.items():
            ms, err = timed([b] + cmd_tail)
            wall[k].append(ms)
            m = re.search(r"attached in (\d+) ms", err)
            if m: att[k].append(int(m.group(1)))
    print(f"{title} (ms, min / median of {n}):")
    for k in bins:
        line = f"  {k}: {min(wall[k]):.1f} / {statistics.median(wall[k]):.1f}"
        if attach and att[k]:
            line += f"; attach {min(att[k])} / {statistics.median(att[k])}"
        print(line)

table("--version", ["--version"], runs * 5)
table("default traces -- /bin/true", ["-o", "null", "--", "/bin/true"], runs, attach=True)
PY
