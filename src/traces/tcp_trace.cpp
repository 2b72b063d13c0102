#include "traces/tcp_trace.hpp"

#include "decode/builtin.hpp"

extern "C" {
#include "tcp.h"
}
#include "tcp.skel.h"

namespace probelog {
namespace {

constexpr EventDef kEvents[] = {{PL_EVENT_LISTEN, "listen", &decode::decode_tcp},
                                {PL_EVENT_ACCEPT, "accept", &decode::decode_tcp},
                                {PL_EVENT_CONNECT, "connect", &decode::decode_tcp}};

}  // namespace

extern const TraceDef tcp_trace{
    .info =
        {
            .name = "tcp",
            .summary = "listen, accept and connect on TCP sockets only: addresses, ports, result",
            .hooks = "tp:syscalls:sys_{enter,exit}_{listen,accept,accept4,connect}, "
                     "tp_btf:inet_sock_set_state",
            .id = PL_TRACE_TCP,
            .default_on = true,
        },
    .events = kEvents,
    .make = []() -> std::unique_ptr<Trace> { return std::make_unique<TcpTrace>(); },
};

const TraceInfo& TcpTrace::info() const {
    return tcp_trace.info;
}

Status TcpTrace::start(const TraceContext& context) {
    return start_skeleton<pl_tcp>(context.runtime, "tcp");
}

}  // namespace probelog
