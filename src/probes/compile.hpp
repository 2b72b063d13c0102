#pragma once
// From a resolved probe to what the generic BPF program pair needs (a
// struct pl_probe_config: where each value is, what to capture) and to what
// the decoder needs (field names and types). The x86-64 SysV calling
// convention lives here: parameters in rdi, rsi, rdx, rcx, r8, r9, then on the
// stack; the return value in rax. Go functions come with their words already
// placed (go_abi.hpp) and are paired by goroutine.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "decode/probe.hpp"
#include "probes/resolve.hpp"

extern "C" {
#include "probe.h"
}

namespace probelog::probes {

enum class ProbeMode {
    Call,   // one record per call, at return: parameters, return value, latency
    Split,  // an entry record with the parameters, a return record with ret and latency
    Entry,  // entry records only: no uretprobe
};

Result<ProbeMode> parse_probe_mode(std::string_view text);

constexpr uint32_t kDefaultStrMax = 128;
constexpr uint32_t kDefaultBufMax = 256;
constexpr uint32_t kMaxStrMax = PL_PROBE_CAP_MAX - 2;
constexpr uint32_t kMaxBufMax = PL_PROBE_CAP_MAX;

struct CompileOptions {
    ProbeMode mode = ProbeMode::Call;
    uint32_t str_max = kDefaultStrMax;  // characters kept of a str
    uint32_t buf_max = kDefaultBufMax;  // bytes kept of a buf
};

struct CompiledProbe {
    pl_probe_config config{};
    decode::ProbeInfo info;
    bool attach_return = true;  // a uretprobe at the function's return (never for Go)
    // Go: file offsets where the return program runs as a plain uprobe (every
    // RET of the function); entry and return pair by goroutine.
    std::vector<uint64_t> ret_probe_offsets;
    std::vector<std::string> notes;  // what compiling left out, and why
};

// Where the SysV ABI puts integer argument `index` at a function's entry.
pl_probe_loc sysv_argument(uint32_t index);

Result<CompiledProbe> compile_probe(const ResolvedProbe& probe, const CompileOptions& options);

}  // namespace probelog::probes
