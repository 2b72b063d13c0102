#include "traces/bind_trace.hpp"

namespace probelog {

const TraceInfo& BindTrace::static_info() {
    static const TraceInfo info{
        .name = "bind",
        .summary = "every bind() of an IPv4/IPv6 socket: address, port, device, result",
        .hooks = "tp:syscalls:sys_{enter,exit}_bind",
        .id = PL_TRACE_BIND,
        .default_on = true,
    };
    return info;
}

Status BindTrace::start(const bpf::Runtime& runtime, const TraceOptions& /*options*/) {
    return start_object(runtime, "bind", [](bpf::Object& /*obj*/) { return Status{}; });
}

}  // namespace probelog
