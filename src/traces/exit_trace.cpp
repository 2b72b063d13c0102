#include "traces/exit_trace.hpp"

namespace probelog {

const TraceInfo& ExitTrace::static_info() {
    static const TraceInfo info{
        .name = "exit",
        .summary = "every process exit (once per process): exit code or signal, lifetime",
        .hooks = "tp_btf:sched_process_exit (+ sched_process_free on kernels without group_dead)",
        .id = PL_TRACE_EXIT,
        .default_on = true,
    };
    return info;
}

Status ExitTrace::start_variant(const bpf::Runtime& runtime, Variant variant) {
    bool legacy = variant == Variant::LiveCount;
    return start_object(runtime, "exit", [&](bpf::Object& obj) -> Status {
        if (Status st = obj.set_autoload("pl_exit", !legacy); !st) return st;
        if (Status st = obj.set_autoload("pl_exit_legacy", legacy); !st) return st;
        return obj.set_autoload("pl_exit_legacy_free", legacy);
    });
}

Status ExitTrace::start(const bpf::Runtime& runtime, const TraceOptions& /*options*/) {
    if (variant_ != Variant::Auto) return start_variant(runtime, variant_);
    // A kernel whose tracepoint has no group_dead rejects pl_exit at load.
    if (Status st = start_variant(runtime, Variant::GroupDead); st) return st;
    return start_variant(runtime, Variant::LiveCount);
}

}  // namespace probelog
