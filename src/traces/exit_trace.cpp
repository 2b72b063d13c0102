#include "traces/exit_trace.hpp"

#include "decode/builtin.hpp"

extern "C" {
#include "exit.h"
}
#include "exit.skel.h"

namespace probelog {
namespace {

constexpr EventDef kEvents[] = {{PL_EVENT_EXIT, "exit", &decode::decode_exit}};

}  // namespace

extern const TraceDef exit_trace{
    .info =
        {
            .name = "exit",
            .summary = "every process exit (once per process): exit code or signal, lifetime",
            .hooks =
                "tp_btf:sched_process_exit (+ sched_process_free on kernels without group_dead)",
            .id = PL_TRACE_EXIT,
            .default_on = true,
        },
    .events = kEvents,
    .make = []() -> std::unique_ptr<Trace> { return std::make_unique<ExitTrace>(); },
};

const TraceInfo& ExitTrace::info() const {
    return exit_trace.info;
}

Status ExitTrace::start_variant(bpf::Runtime& runtime, Variant variant) {
    bool legacy = variant == Variant::LiveCount;
    return start_skeleton<pl_exit>(runtime, "exit", [&](bpf::Skeleton<pl_exit>& skel) {
        bpf::Object& obj = skel.object();
        obj.set_autoload(skel->progs.pl_exit, !legacy);
        obj.set_autoload(skel->progs.pl_exit_legacy, legacy);
        obj.set_autoload(skel->progs.pl_exit_legacy_free, legacy);
        return Status{};
    });
}

Status ExitTrace::start(const TraceContext& context) {
    if (variant_ != Variant::Auto) return start_variant(context.runtime, variant_);
    // A kernel whose tracepoint has no group_dead argument rejects pl_exit in
    // the verifier: only that rejection selects the older variant; any other
    // error (permissions, memory, a busy resource) is reported as it is.
    Status st = start_variant(context.runtime, Variant::GroupDead);
    if (st || st.error().kind != ErrorKind::Rejected) return st;
    object_.reset();
    return start_variant(context.runtime, Variant::LiveCount);
}

}  // namespace probelog
