#include "traces/tcp_trace.hpp"

namespace probelog {

const TraceInfo& TcpTrace::static_info() {
    static const TraceInfo info{
        .name = "tcp",
        .summary = "listen, accept and connect on TCP sockets only: addresses, ports, result",
        .hooks =
            "tp:syscalls:sys_{enter,exit}_{listen,accept,accept4,connect}, "
            "tp_btf:inet_sock_set_state",
        .id = PL_TRACE_TCP,
        .default_on = true,
    };
    return info;
}

Status TcpTrace::start(const bpf::Runtime& runtime, const TraceOptions& /*options*/) {
    return start_object(runtime, "tcp", [](bpf::Object& /*obj*/) { return Status{}; });
}

}  // namespace probelog
