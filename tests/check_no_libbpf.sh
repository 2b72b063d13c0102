#!/usr/bin/env bash
# Checks that the executable BIN does not link libbpf: no NEEDED libbpf, and
# no libbpf function in it or imported by it (a static libbpf would not show
# as NEEDED). Exit 0: clean; 1: libbpf found (what is printed); 2: cannot tell.
set -uo pipefail
bin=${1:?usage: check_no_libbpf.sh BIN}

dynamic=$(readelf -d "$bin") || { echo "cannot read the dynamic section of $bin" >&2; exit 2; }
needed=$(grep -oE 'NEEDED.*\[libbpf[^]]*\]' <<<"$dynamic" | grep -oE 'libbpf[^]]*')
if [[ -n $needed ]]; then
    echo "$bin links libbpf: NEEDED $needed"
    exit 1
fi

symbols=$(nm "$bin" 2>/dev/null; nm -D "$bin") || { echo "cannot list the symbols of $bin" >&2; exit 2; }
api='(libbpf_|bpf_object__|bpf_program__|bpf_map__|bpf_link__|ring_buffer__|btf__)[A-Za-z0-9_]*'
found=$(grep -oE "[[:space:]]$api(@[^[:space:]]*)?\$" <<<"$symbols" | sort -u | head -5 | tr -d ' ' | tr '\n' ' ')
if [[ -n $found ]]; then
    echo "$bin links libbpf: functions $found"
    exit 1
fi
echo "$bin: no libbpf"
