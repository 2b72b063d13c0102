#include "traces/exit_trace.hpp"

namespace probelog {

const TraceInfo& ExitTrace::static_info() {
    static const TraceInfo info{
        .name = "exit",
        .summary = "every process exit (once per process): exit code or signal, lifetime",
        .hooks = "tp_btf:sched_process_exit",
        .id = PL_TRACE_EXIT,
        .default_on = true,
    };
    return info;
}

Status ExitTrace::start(const bpf::Runtime& runtime, const TraceOptions& /*options*/) {
    return start_object(runtime, "exit", [](bpf::Object& /*obj*/) { return Status{}; });
}

}  // namespace probelog
