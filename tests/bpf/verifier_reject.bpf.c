/* Built only for tests: a program the verifier must reject (it reads a map
 * value without checking the lookup's NULL), to test how load failures are
 * reported. Never embedded in probelog. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_HASH); /* a hash lookup can be NULL, provably */
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");

SEC("tp/syscalls/sys_enter_getpid")
int pl_test_reject(void* ctx) {
    __u32 key = 0;
    __u64* value = bpf_map_lookup_elem(&counts, &key);
    *value += 1; /* no NULL check: "invalid mem access 'map_value_or_null'" */
    return 0;
}
