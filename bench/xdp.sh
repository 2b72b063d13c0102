#!/usr/bin/env bash
# XDP throughput through a veth pair between two network namespaces made here
# (and removed on exit): packets per second that reach the receiver with no XDP
# program, and with `probelog --xdp` attached, passing everything and dropping
# everything (blocklisted sender), in native and in generic mode.
#
#   bench/xdp.sh [-r RUNS] [-t SECONDS] [-s PAYLOAD_BYTES] [-c CASES]
#
# One sender process (tests/testprogs/udp_send --flood) sends 18-byte UDP
# payloads (60-byte frames) from one address as fast as it can; a UDP sink
# (udp_sink) listens in the receiver namespace. Per run and case:
#   sent/s      datagrams the sender's sendto() accepted
#   udp/s       datagrams that reached the receiver's UDP layer
#               (/proc/net/snmp Udp InDatagrams + RcvbufErrors, in its namespace)
#   xdp_pass/s, xdp_drop/s   what probelog's XDP program passed and dropped
# Cases run round-robin, RUNS times; the medians are printed as a Markdown table.
# Then the program's own cost per frame: BPF_PROG_TEST_RUN on the attached
# program (bpftool prog run ... repeat N), for a passed IPv4 frame, a dropped
# one (blocked source), an IPv6 one and an ARP frame; median of RUNS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD:-$root/build}
probelog=$build/probelog
send=$build/tests/testprogs/udp_send
sink=$build/tests/testprogs/udp_sink
runs=5
seconds=3
payload=18
cases="none native-pass native-drop generic-pass generic-drop"
while getopts "r:t:s:c:" opt; do
    case $opt in
        r) runs=$OPTARG ;;
        t) seconds=$OPTARG ;;
        s) payload=$OPTARG ;;
        c) cases=${OPTARG//,/ } ;;
        *) exit 2 ;;
    esac
done
for f in "$probelog" "$send" "$sink"; do
    [[ -x $f ]] || { echo "bench/xdp.sh: build first (make): $f missing" >&2; exit 1; }
done
((EUID == 0)) || { echo "bench/xdp.sh: needs root (network namespaces, XDP)" >&2; exit 1; }

id=$$
S=plxb-$id-s R=plxb-$id-r VS=plxbs$id VR=plxbr$id
SRC=10.78.1.10 DST=10.78.0.1 PORT=9
sock=/tmp/probelog-xdp-bench-$id.sock
agent_pid= sink_pid=

cleanup() {
    [[ -n $agent_pid ]] && kill -INT "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null || true
    [[ -n $sink_pid ]] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid" 2>/dev/null || true
    ip netns del "$S" 2>/dev/null || true
    ip netns del "$R" 2>/dev/null || true
    rm -f "/tmp/probelog-xdp-bench-$id.err" "$sock"
}
trap cleanup EXIT

ip netns add "$S"
ip netns add "$R"
ip link add "$VS" netns "$S" address 02:78:00:00:00:01 type veth peer name "$VR" netns "$R" address 02:78:00:00:00:02
ip -n "$S" addr add $SRC/16 dev "$VS"
ip -n "$R" addr add $DST/16 dev "$VR"
for ns_dev in "$S $VS" "$R $VR"; do
    set -- $ns_dev
    ip -n "$1" link set lo up
    ip -n "$1" link set "$2" up
done
ip -n "$S" neigh replace $DST lladdr 02:78:00:00:00:02 dev "$VS" nud permanent
ip -n "$R" neigh replace $SRC lladdr 02:78:00:00:00:01 dev "$VR" nud permanent

ip netns exec "$R" "$sink" $PORT 2>/dev/null >/dev/null &
sink_pid=$!
sleep 0.3

udp_in() {  # InDatagrams + RcvbufErrors in the receiver namespace
    ip netns exec "$R" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 } else { print $col["InDatagrams"] + $col["RcvbufErrors"] } }' /proc/net/snmp
}
xdp_totals() {  # "passed dropped" from probelog xdp stats, or "0 0"
    if [[ -z $agent_pid ]]; then echo "0 0"; return; fi
    "$probelog" xdp --socket "$sock" stats | awk '/^packets / { gsub(/[(),]/, ""); print $6, $10 }'
}
start_agent() {  # $1 = native|generic, $2 = pass|drop
    local block=()
    [[ $2 == drop ]] && block=(--xdp-block $SRC)
    [[ $2 == drop_other ]] && block=(--xdp-block 10.78.2.0/24)
    ip netns exec "$R" "$probelog" --xdp "$VR" --xdp-mode "$1" --xdp-socket "$sock" "${block[@]}" \
        -o json >/dev/null 2>/tmp/probelog-xdp-bench-$id.err &
    agent_pid=$!
    for _ in $(seq 100); do
        grep -q "Ctrl-C to stop" /tmp/probelog-xdp-bench-$id.err && return 0
        sleep 0.05
    done
    cat /tmp/probelog-xdp-bench-$id.err >&2
    exit 1
}
stop_agent() {
    kill -INT "$agent_pid"
    wait "$agent_pid" || true
    agent_pid=
    if ip -n "$R" link show dev "$VR" | grep -q xdp; then
        echo "bench/xdp.sh: XDP still attached after probelog exited" >&2
        exit 1
    fi
}

declare -A results  # "case metric" -> space-separated values
for run in $(seq "$runs"); do
    for c in $cases; do
        if [[ $c != none ]]; then start_agent "${c%-*}" "${c#*-}"; fi
        u0=$(udp_in)
        read -r p0 d0 < <(xdp_totals)
        t0=$(date +%s.%N)
        sent=$(ip netns exec "$S" "$send" --flood "$seconds" $SRC $DST $PORT "$payload")
        sleep 0.2
        t1=$(date +%s.%N)
        u1=$(udp_in)
        read -r p1 d1 < <(xdp_totals)
        if [[ $c != none ]]; then stop_agent; fi
        rate() { awk -v n="$1" -v s="$seconds" 'BEGIN { printf "%d", n / s }'; }
        results["$c sent"]+="$(rate "$sent") "
        results["$c udp"]+="$(rate $((u1 - u0))) "
        results["$c pass"]+="$(rate $((p1 - p0))) "
        results["$c drop"]+="$(rate $((d1 - d0))) "
        echo "run $run $c: sent/s $(rate "$sent") udp/s $(rate $((u1 - u0))) xdp_pass/s $(rate $((p1 - p0))) xdp_drop/s $(rate $((d1 - d0)))" >&2
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
spread() { tr ' ' '\n' | grep -v '^$' | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%d-%d", lo, hi }'; }
echo
echo "| case | sent/s median [min-max] | reached UDP/s median [min-max] | XDP passed/s | XDP dropped/s |"
echo "|---|---:|---:|---:|---:|"
for c in $cases; do
    printf "| %s | %s [%s] | %s [%s] | %s | %s |\n" "$c" \
        "$(median <<< "${results["$c sent"]}")" "$(spread <<< "${results["$c sent"]}")" \
        "$(median <<< "${results["$c udp"]}")" "$(spread <<< "${results["$c udp"]}")" \
        "$(median <<< "${results["$c pass"]}")" "$(median <<< "${results["$c drop"]}")"
done
echo
echo "runs=$runs seconds=$seconds payload=$payload frame=$((payload + 42)) bytes; $(nproc) cpus; load $(cut -d' ' -f1-3 /proc/loadavg)"

# The program's cost per frame, from the kernel's own test runner.
bpftool=$(command -v bpftool || echo /usr/sbin/bpftool)
frames=$(mktemp -d)
eth="\x02\x78\x00\x00\x00\x02\x02\x78\x00\x00\x00\x01"
udp="\x9c\x40\x00\x09\x00\x1a\x00\x00$(printf '\\x78%.0s' $(seq 18))"
printf "$eth\x08\x00\x45\x00\x00\x2e\x00\x01\x00\x00\x40\x11\x00\x00\x0a\x4e\x01\x0a\x0a\x4e\x00\x01$udp" >"$frames/pass4"
printf "$eth\x08\x00\x45\x00\x00\x2e\x00\x01\x00\x00\x40\x11\x00\x00\x0a\x4e\x01\x14\x0a\x4e\x00\x01$udp" >"$frames/drop4"
printf "$eth\x86\xdd\x60\x00\x00\x00\x00\x1a\x11\x40\xfd\x78$(printf '\\x00%.0s' $(seq 13))\x10\xfd\x78$(printf '\\x00%.0s' $(seq 13))\x01$udp" >"$frames/pass6"
printf "$eth\x08\x06$(printf '\\x00%.0s' $(seq 28))" >"$frames/arp"
start_agent native drop_other
prog_id=$(ip -n "$R" link show dev "$VR" | awk '/prog\/xdp id/ { print $3 }')
"$probelog" xdp --socket "$sock" block 10.78.1.20 >/dev/null
declare -A cost action
for run in $(seq "$runs"); do
    for f in pass4 drop4 pass6 arp; do
        out=$("$bpftool" prog run id "$prog_id" data_in "$frames/$f" repeat 1000000)
        cost[$f]+="$(awk '/duration/ { gsub(/ns/, "", $NF); print $NF }' <<< "$out") "
        action[$f]=$(awk '/Return value/ { sub(/,/, "", $3); print ($3 == 1 ? "XDP_DROP" : $3 == 2 ? "XDP_PASS" : $3) }' <<< "$out")
    done
done
stop_agent
# Baseline: the same runner on a program that only returns XDP_PASS.
clang=$(command -v clang-16 || command -v clang)
printf 'struct xdp_md;\n__attribute__((section("xdp"), used)) int pass(struct xdp_md* c) { return 2; }\nchar _license[] __attribute__((section("license"), used)) = "GPL";\n' >"$frames/pass.c"
"$clang" -O2 -target bpf -c "$frames/pass.c" -o "$frames/pass.o"
pin=/sys/fs/bpf/plxb_pass_$id
"$bpftool" prog load "$frames/pass.o" "$pin" type xdp
for run in $(seq "$runs"); do
    out=$("$bpftool" prog run pinned "$pin" data_in "$frames/pass4" repeat 1000000)
    cost[empty]+="$(awk '/duration/ { gsub(/ns/, "", $NF); print $NF }' <<< "$out") "
done
action[empty]=XDP_PASS
rm -f "$pin"
rm -rf "$frames"
echo
echo "| frame (BPF_PROG_TEST_RUN of the attached program, 1000000 repeats) | result | ns per frame, median [min-max] |"
echo "|---|---|---:|"
for f in empty pass4 drop4 pass6 arp; do
    printf "| %s | %s | %s [%s] |\n" "$f" "${action[$f]}" "$(median <<< "${cost[$f]}")" "$(spread <<< "${cost[$f]}")"
done
