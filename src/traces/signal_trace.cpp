// The signal trace, declared once: one skeleton loaded and attached whole.
#include "decode/builtin.hpp"
#include "traces/trace.hpp"

extern "C" {
#include "signal_event.h"
}
#include "signal.skel.h"

namespace probelog {
namespace {

constexpr EventDef kEvents[] = {{PL_EVENT_SIGNAL, "signal", &decode::decode_signal}};

}  // namespace

extern const TraceDef signal_trace{
    .info =
        {
            .name = "signal",
            .summary = "every signal generated (kill calls, faults, SIGCHLD, timers): sender, "
                       "target, result",
            .hooks =
                "tp_btf:signal_generate, "
                "tp:syscalls:sys_{enter,exit}_{kill,tkill,tgkill,rt_sigqueueinfo,rt_tgsigqueueinfo,"
                "pidfd_send_signal}",
            .id = PL_TRACE_SIGNAL,
            .default_on = true,
        },
    .events = kEvents,
    .make = &make_skeleton_trace<pl_signal, signal_trace>,
};

}  // namespace probelog
