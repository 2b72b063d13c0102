#!/usr/bin/env bash
# make test-static: the static probelog has no dynamic dependency, and traces:
# it runs a command with a unique argument under --trace exec and must see
# that exec (and the command's exit) as JSON records. Root.
#
#   tests/ship/static_test.sh build/static/probelog
set -euo pipefail
bin=${1:?usage: static_test.sh PROBELOG_STATIC}
fail() { echo "static_test: FAIL: $*" >&2; exit 1; }

# 1. Statically linked: no program interpreter, no NEEDED library.
if readelf -lW "$bin" | grep -q 'INTERP'; then fail "$bin has a program interpreter"; fi
if readelf -dW "$bin" | grep -q 'NEEDED'; then
    fail "$bin needs shared libraries: $(readelf -dW "$bin" | grep NEEDED)"
fi
echo "static_test: $bin: static, $(stat -c %s "$bin") bytes"

# 2. It traces: an exec with a unique argument, from a clean environment.
token="probelog-static-$$-$RANDOM"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
env -i "$bin" --trace exec,exit -o json -- /bin/sh -c "exec /bin/echo $token" >"$out"
/usr/bin/python3 - "$out" "$token" <<'PY'
import json, sys
path, token = sys.argv[1], sys.argv[2]
records, echoed = [], False
for line in open(path):
    line = line.strip()
    if line == token:
        echoed = True  # the command's own output
        continue
    if line:
        records.append(json.loads(line))
execs = [r for r in records
         if r.get("event_type") == "exec" and any(token in a for a in r.get("args", []))]
if not echoed:
    sys.exit(f"static_test: FAIL: the command's output is missing:\n{open(path).read()}")
if len(execs) != 2:  # sh -c ..., then echo (sh execs it in place)
    sys.exit(f"static_test: FAIL: {len(execs)} exec records with {token}, want 2:\n{open(path).read()}")
echo = execs[-1]
if echo["filename"] != "/bin/echo" or echo["args"] != ["/bin/echo", token]:
    sys.exit(f"static_test: FAIL: the echo's exec record is wrong: {echo}")
exits = [r for r in records if r.get("event_type") == "exit" and r.get("pid") == echo["pid"]]
if len(exits) != 1 or exits[0].get("exit_code") != 0:
    sys.exit(f"static_test: FAIL: no exit record with code 0 for pid {echo['pid']}: {exits}")
print(f"static_test: exec and exit of pid {echo['pid']} seen ({len(records)} records)")
PY
echo "static_test: passed"
