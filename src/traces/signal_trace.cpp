#include "traces/signal_trace.hpp"

namespace probelog {

const TraceInfo& SignalTrace::static_info() {
    static const TraceInfo info{
        .name = "signal",
        .summary =
            "every signal generated (kill calls, faults, SIGCHLD, timers): sender, target, result",
        .hooks =
            "tp_btf:signal_generate, "
            "tp:syscalls:sys_{enter,exit}_{kill,tkill,tgkill,rt_sigqueueinfo,rt_tgsigqueueinfo,"
            "pidfd_send_signal}",
        .id = PL_TRACE_SIGNAL,
        .default_on = true,
    };
    return info;
}

Status SignalTrace::start(const bpf::Runtime& runtime, const TraceOptions& /*options*/) {
    return start_object(runtime, "signal", [](bpf::Object& /*obj*/) { return Status{}; });
}

}  // namespace probelog
