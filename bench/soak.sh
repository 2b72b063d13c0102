#!/usr/bin/env bash
# Soak (issue 20; not CI): probelog under mixed load for DURATION seconds
# (default 3600) shipping to a Fluent Forward receiver (require_ack_response)
# that restarts every RESTART seconds (default 300), with a second agent
# counting packets with XDP on a veth pair that a ping flood crosses.
#
# Load, every second: wl_read READS (io records), wl_malloc MALLOCS (malloc
# records), wl_ufunc CALLS under a --probe on target_add, wl_exec EXECS; with
# the defaults ~100k records/s in all.
#
# It samples both agents' RSS and open fds every 10 s (soak.tsv), and at the
# end checks, from the main agent's exit summary (-v): for every trace
# delivered + lost = generated, and for the forward output sent + lost = the
# records it was given; and that the receivers acknowledged at least what was
# sent (at-least-once: a restart may repeat what was in flight).
#   bench/soak.sh                  an hour
#   DURATION=300 RESTART=60 bench/soak.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$(dirname "$here")/build}
PROBELOG=${PROBELOG:-$build/probelog}
WL=${WL:-/work/shared/bench/workloads}
DURATION=${DURATION:-3600}
RESTART=${RESTART:-300}
READS=${READS:-40000}
MALLOCS=${MALLOCS:-20000}
CALLS=${CALLS:-20000}
EXECS=${EXECS:-20}
PORT=${PORT:-24299}
OUT=${OUT:-/tmp/probelog-soak}

[[ -x $PROBELOG ]] || { echo "soak.sh: build first (make)" >&2; exit 1; }
[[ -x $WL/wl_read ]] || make -s -C "$WL" >/dev/null
/usr/bin/python3 -c 'import msgpack' 2>/dev/null ||
    apt-get install -y -qq python3-msgpack >/dev/null
rm -rf "$OUT" && mkdir -p "$OUT"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    ip netns del plsoak_a 2>/dev/null || true
    ip netns del plsoak_b 2>/dev/null || true
}
trap cleanup EXIT

# The receiver, restarted every RESTART seconds (its counts: receiver.jsonl).
receiver() { /usr/bin/python3 "$here/soak/receiver.py" "$PORT" "$OUT/receiver.jsonl" & rpid=$!; }
receiver

# The XDP agent's veth pair: plsoak_a (ping -f) -> plsoak_b (the program).
ip netns add plsoak_a && ip netns add plsoak_b
ip -n plsoak_a link add vsa type veth peer name vsb netns plsoak_b
ip -n plsoak_a addr add 10.77.0.1/24 dev vsa && ip -n plsoak_a link set vsa up
ip -n plsoak_b addr add 10.77.0.2/24 dev vsb && ip -n plsoak_b link set vsb up
ip netns exec plsoak_b "$PROBELOG" --xdp vsb -o json >"$OUT/xdp.jsonl" 2>"$OUT/xdp.err" &
xpid=$!
pids+=("$xpid")

"$PROBELOG" -v --trace exec,exit,io,malloc --io-all-files \
    --probe "$WL/wl_ufunc:target_add(long a, long b) ret:long" \
    -o "forward://127.0.0.1:$PORT?require_ack_response=true" >/dev/null 2>"$OUT/agent.err" &
apid=$!
pids+=("$apid")
sleep 5
ip netns exec plsoak_a ping -q -f 10.77.0.2 >/dev/null 2>&1 &
pids+=($!)

echo -e "t\tagent_rss_kb\tagent_fds\txdp_rss_kb\txdp_fds\tload" >"$OUT/soak.tsv"
sample() {
    local t=$1
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" \
        "$(awk '/VmRSS/ { print $2 }' /proc/$apid/status)" "$(ls /proc/$apid/fd | wc -l)" \
        "$(awk '/VmRSS/ { print $2 }' /proc/$xpid/status)" "$(ls /proc/$xpid/fd | wc -l)" \
        "$(cut -d' ' -f1 /proc/loadavg)" >>"$OUT/soak.tsv"
}
start=$SECONDS
last_restart=$start
while ((SECONDS - start < DURATION)); do
    tick=$SECONDS
    "$WL/wl_read" "$READS" >/dev/null &
    w1=$!
    "$WL/wl_malloc" "$MALLOCS" >/dev/null &
    w2=$!
    "$WL/wl_ufunc" "$CALLS" >/dev/null &
    w3=$!
    "$WL/wl_exec" "$EXECS" >/dev/null
    wait "$w1" "$w2" "$w3" || true
    if (((tick - start) % 10 == 0)); then sample $((tick - start)); fi
    if ((SECONDS - last_restart >= RESTART)); then
        kill "$rpid"; wait "$rpid" 2>/dev/null || true
        sleep 1
        receiver
        last_restart=$SECONDS
    fi
    while ((SECONDS == tick)); do sleep 0.05; done
done
sample $((SECONDS - start))
kill -INT "$apid"; wait "$apid" || true
kill -INT "$xpid"; wait "$xpid" || true
kill "$rpid"; wait "$rpid" 2>/dev/null || true

/usr/bin/python3 - "$OUT" <<'PY'
import json, re, sys
out = sys.argv[1]
err = open(f"{out}/agent.err").read()
ok = True
summary = [l for l in err.splitlines() if "records delivered" in l][-1]
print(summary)
for name, d, l, g in re.findall(r"(\w+): (\d+) delivered, (\d+) lost[^;)]*? of (\d+) generated", summary):
    good = int(d) + int(l) == int(g)
    ok &= good
    print(f"{name}: delivered {d} + lost {l} {'=' if good else '!='} generated {g}")
m = re.search(r"output (\S+) \([^)]*\): (\d+) sent, (\d+) lost", summary)
sent = int(m.group(2)) if m else 0
sink_lost = int(m.group(3)) if m else 0
acked = 0
for line in open(f"{out}/receiver.jsonl"):
    acked += sum(json.loads(line).values())
print(f"forward: {sent} sent + {sink_lost} lost; receivers counted {acked} entries "
      f"(>= sent: {'yes' if acked >= sent else 'NO'})")
ok &= acked >= sent
rows = [l.split("\t") for l in open(f"{out}/soak.tsv").read().splitlines()[1:]]
if rows:
    warm = [r for r in rows if int(r[0]) >= 60] or rows
    for col, label in ((1, "agent RSS kB"), (2, "agent fds"), (3, "xdp RSS kB"), (4, "xdp fds")):
        vals = [int(r[col]) for r in warm]
        print(f"{label} after warm-up: min {min(vals)} max {max(vals)} first {vals[0]} last {vals[-1]}")
print("soak:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
