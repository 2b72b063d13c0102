/*
 * bench_floor: an empty uprobe program, for the benchmark's floor (what a
 * uprobe and a uretprobe cost with a BPF program that does nothing). Used by
 * bench/floor/bench_floor.cpp (its BIN SYMBOL PID form) only; probelog never loads it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("uprobe")
int pl_bench_empty(void* ctx) {
    return 0;
}
