#!/usr/bin/env bash
# The bash completion (packaging/bash-completion/probelog) completes options
# from --help, trace names from --list-traces (after a comma too), output
# kinds and the xdp subcommand. Needs the bash-completion package.
#
#   tests/ship/completion_test.sh BUILD_DIR     (where probelog is)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(realpath "${1:?usage: completion_test.sh BUILD_DIR}")
PATH=$build:$PATH bash -c '
source /usr/share/bash-completion/bash_completion
source packaging/bash-completion/probelog
compopt() { :; }  # outside a real completion; the test reads COMPREPLY only
failed=0
expect() {
    local want=$1; shift
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
    _probelog probelog "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
    if [[ "${COMPREPLY[*]}" != "$want" ]]; then
        echo "completion_test: FAIL: [$*] completes to [${COMPREPLY[*]}], want [$want]"
        failed=1
    fi
}
expect "--trace" probelog --tr
expect "exec exit" probelog --trace e
expect "exec,signal exec,sched" probelog --trace exec,s
expect "file:// forward://" probelog -o f
expect "--list-traces" probelog --list
expect "xdp" probelog x
exit $failed
'
echo "completion_test: passed"
