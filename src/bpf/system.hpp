#pragma once
// The host checks a run needs before loading anything: privileges, tracefs,
// libbpf's diagnostics, and which optional kernel hooks exist.

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace probelog::bpf {

// CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN) in the effective set.
Status check_privileges();

// Makes sure tracefs is mounted (libbpf finds tracepoint ids there); mounts it
// at /sys/kernel/tracing if needed. Returns a note when it mounted something.
Result<std::string> ensure_tracefs();

// Whether the tracepoint category/name exists on this kernel (tracefs must be mounted).
bool tracepoint_exists(std::string_view category, std::string_view name);

// libbpf's own messages: silent unless verbose.
void configure_libbpf_logging(bool verbose);

struct KernelFeatures {
    bool kprobes = false;  // CONFIG_KPROBES (perf kprobe PMU present)
    bool fentry = false;   // fentry/fexit programs can load
};
KernelFeatures probe_kernel_features();

}  // namespace probelog::bpf
