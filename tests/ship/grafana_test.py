#!/usr/bin/python3
"""deploy/grafana/probelog.json against a real probelog: every metric the
dashboard queries must be in /metrics scrapes of real runs, and every query
must be valid PromQL (promtool check rules). Root (the runs attach).

    grafana_test.py PROBELOG DASHBOARD

Two runs, as xdp runs alone: exec, exit and io with a --probe on libc's
getppid (called by a python3 command), a forward output to a closed port (the
output metrics) and a one-page ring buffer that dd's one-byte reads overflow
(the per-cpu loss series appear with a cpu's first loss); then --xdp on the
loopback of a network namespace of the test's own, in generic mode, blocking
127.0.0.3, with packets from 127.0.0.3 and 127.0.0.4 (the per-source and
dropped series).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

probelog, dashboard = sys.argv[1], sys.argv[2]
if os.geteuid() != 0:
    if os.environ.get("PROBELOG_REQUIRE_KERNEL_TESTS") == "1":
        sys.exit("grafana_test: FAIL: needs root")
    print("grafana_test: skipped: needs root")
    sys.exit(77)  # ctest's SKIP_RETURN_CODE


def fail(msg):
    sys.exit(f"grafana_test: FAIL: {msg}")


def queries(dash):
    out = []
    def walk(panels):
        for p in panels:
            walk(p.get("panels", []))
            out.extend(t["expr"] for t in p.get("targets", []) if "expr" in t)
    walk(dash["panels"])
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        if isinstance(q, dict) and "query" in q:
            out.append(q["query"])
    return out


def metric_names(expr):
    # probelog's metrics all start with probelog_.
    return set(re.findall(r"\bprobelog_[a-z0-9_]+", expr))


def scrape_names(text):
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            names.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
    return names


def run_and_scrape(args, act, netns=None):
    # In a network namespace: probelog, the activity and the scrape all run there.
    inside = ["ip", "netns", "exec", netns] if netns else []
    p = subprocess.Popen(inside + [probelog, "--metrics", "127.0.0.1:0", "-o", "null"] + args,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err, port = "", None
    deadline = time.time() + 30
    while time.time() < deadline:
        line = p.stderr.readline()
        if not line:
            break
        err += line
        m = re.search(r"metrics at http://127.0.0.1:(\d+)/metrics", line)
        if m:
            port = int(m.group(1))
        if "Ctrl-C to stop" in line:
            break
    if port is None or "Ctrl-C to stop" not in err:
        p.kill()
        fail(f"probelog {' '.join(args)} did not start:\n{err}{p.stderr.read()}")
    act(inside)
    time.sleep(2.5)  # two drains and an xdp interval: the counters are published
    text = subprocess.run(inside + ["curl", "-sf", f"http://127.0.0.1:{port}/metrics"],
                          capture_output=True, text=True, timeout=10).stdout
    p.send_signal(2)
    p.communicate(timeout=60)
    return text


def nothing(inside):
    pass


SEND = """
import socket
for src in ("127.0.0.3", "127.0.0.4"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    for _ in range(20):
        s.sendto(b"x" * 64, ("127.0.0.1", 9))
    s.close()
"""


def send_packets(inside):
    subprocess.run(inside + ["/usr/bin/python3", "-c", SEND], check=True)


dash = json.load(open(dashboard))
exprs = queries(dash)
if not exprs:
    fail("the dashboard has no query")
wanted = set().union(*(metric_names(e) for e in exprs))

# Valid PromQL: each query as a recording rule, Grafana's variables replaced.
with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as rules:
    rules.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        e = e.replace("$__rate_interval", "5m").replace("$instance", ".*")
        if e.startswith("label_values("):
            e = e[len("label_values("):].split(",")[0]
        rules.write(f"      - record: dashboard:q{i}\n        expr: {json.dumps(e)}\n")
check = subprocess.run(["/usr/bin/promtool", "check", "rules", rules.name], capture_output=True, text=True)
os.unlink(rules.name)
if check.returncode != 0:
    fail(f"promtool check rules:\n{check.stdout}{check.stderr}")

# dd's one-byte reads and writes of /dev/zero and /dev/null flood the io
# trace into a one-page ring buffer; python3 calls getppid and waits for the
# scrape.
command = ("dd if=/dev/zero of=/dev/null bs=1 count=100000 2>/dev/null; "
           "exec /usr/bin/python3 -c 'import os, time; os.getppid(); time.sleep(4)'")
t0 = time.time()
scraped = scrape_names(run_and_scrape(
    ["--trace", "exec,exit,io", "--io-all-files", "--ringbuf-size", "4096",
     "--probe", "libc:getppid", "-o", "forward://127.0.0.1:1?grace=100ms",
     "--", "/bin/sh", "-c", command], nothing))
print(f"grafana_test: run 1 took {time.time() - t0:.1f} s")
t0 = time.time()
# XDP on the loopback of a network namespace of its own (not the host's).
ns = f"pl-grafana-{os.getpid()}"
subprocess.run(["ip", "netns", "add", ns], check=True)
try:
    subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        scraped |= scrape_names(run_and_scrape(
            ["--xdp", "lo", "--xdp-mode", "generic", "--xdp-block", "127.0.0.3",
             "--xdp-interval", "1s", "--xdp-socket", f"{tmp}/xdp.sock"], send_packets, netns=ns))
finally:
    subprocess.run(["ip", "netns", "del", ns])
print(f"grafana_test: run 2 took {time.time() - t0:.1f} s")

# A histogram is queried by its series' names (_bucket), as scraped.
missing = sorted(wanted - scraped)
if missing:
    fail("the dashboard queries metrics no scrape has: " + ", ".join(missing))
print(f"grafana_test: {len(exprs)} queries valid, their {len(wanted)} metrics all in the scrapes: "
      + ", ".join(sorted(wanted)))
print("grafana_test: passed")
