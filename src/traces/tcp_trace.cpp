// The tcp trace, declared once: one skeleton loaded and attached whole.
#include "decode/builtin.hpp"
#include "traces/trace.hpp"

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
    .make = &make_skeleton_trace<pl_tcp, tcp_trace>,
};

}  // namespace probelog
