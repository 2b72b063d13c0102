#include "traces/exec_trace.hpp"

namespace probelog {

const TraceInfo& ExecTrace::static_info() {
    static const TraceInfo info{
        .name = "exec",
        .summary = "every execve/execveat attempt: filename, arguments, result",
        .hooks = "tp:syscalls:sys_{enter,exit}_execve{,at}, tp_btf:sched_process_exec",
        .id = PL_TRACE_EXEC,
        .default_on = true,
    };
    return info;
}

Status ExecTrace::start(const bpf::Runtime& runtime, const TraceOptions& options) {
    return start_object(runtime, "exec", [&](bpf::Object& obj) {
        return obj.set_const("exec_args_max", options.exec_args_max);
    });
}

}  // namespace probelog
