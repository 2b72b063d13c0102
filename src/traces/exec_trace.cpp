#include "traces/exec_trace.hpp"

#include "agent/options.hpp"
#include "common/parse.hpp"
#include "decode/builtin.hpp"
#include "traces/trace.hpp"

extern "C" {
#include "exec.h"
}
#include "exec.skel.h"

namespace probelog {
namespace {

constexpr OptionDef kOptions[] = {
    {.flag = "--exec-args",
     .value = "N",
     .help = "exec: arguments captured per exec, 1 to 128 (default 32)",
     .apply = [](std::string_view value, Options& o) -> Status {
         auto n = parse_uint(value);
         if (!n || *n == 0 || *n > 128) {
             return make_error(ErrorKind::Usage, "'{}' is not a number from 1 to 128", value);
         }
         o.settings.get<ExecSettings>().args_max = static_cast<uint32_t>(*n);
         return {};
     }},
};

constexpr EventDef kEvents[] = {{PL_EVENT_EXEC, "exec", &decode::decode_exec}};

Status set_args_max(bpf::Skeleton<pl_exec>& skel, const TraceContext& context) {
    skel->rodata->exec_args_max = context.settings.value<ExecSettings>().args_max;
    return {};
}

}  // namespace

extern const TraceDef exec_trace{
    .info =
        {
            .name = "exec",
            .summary = "every execve/execveat attempt: filename, arguments, result",
            .hooks = "tp:syscalls:sys_{enter,exit}_execve{,at}, tp_btf:sched_process_exec",
            .id = PL_TRACE_EXEC,
            .default_on = true,
        },
    .options = kOptions,
    .events = kEvents,
    .make = &make_skeleton_trace<pl_exec, exec_trace, &set_args_max>,
};

}  // namespace probelog
