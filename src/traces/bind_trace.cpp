// The bind trace, declared once: one skeleton loaded and attached whole.
#include "decode/builtin.hpp"
#include "traces/trace.hpp"

extern "C" {
#include "bind.h"
}
#include "bind.skel.h"

namespace probelog {
namespace {

constexpr EventDef kEvents[] = {{PL_EVENT_BIND, "bind", &decode::decode_bind}};

}  // namespace

extern const TraceDef bind_trace{
    .info =
        {
            .name = "bind",
            .summary = "every bind() of an IPv4/IPv6 socket: address, port, device, result",
            .hooks = "tp:syscalls:sys_{enter,exit}_bind",
            .id = PL_TRACE_BIND,
            .default_on = true,
        },
    .events = kEvents,
    .make = &make_skeleton_trace<pl_bind, bind_trace>,
};

}  // namespace probelog
