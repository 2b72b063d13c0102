#include "traces/bind_trace.hpp"

#include "decode/builtin.hpp"

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
    .make = []() -> std::unique_ptr<Trace> { return std::make_unique<BindTrace>(); },
};

const TraceInfo& BindTrace::info() const {
    return bind_trace.info;
}

Status BindTrace::start(const TraceContext& context) {
    return start_skeleton<pl_bind>(context.runtime, "bind");
}

}  // namespace probelog
