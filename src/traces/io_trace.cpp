#include "traces/io_trace.hpp"

#include "agent/options.hpp"
#include "bpf/map.hpp"
#include "decode/builtin.hpp"
#include "decode/io.hpp"
#include "traces/option_values.hpp"

extern "C" {
#include "io.h"
}
#include "io.skel.h"
#include "io_compat.skel.h"

namespace probelog {
namespace {

constexpr OptionDef kOptions[] = {
    {.flag = "--io-min-latency",
     .value = "TIME",
     .help = "io: only calls at least this slow (1ms, 250us), filtered in the kernel",
     .apply =
         [](std::string_view value, Options& o) {
             return set_duration_ns(value, o.settings.get<IoSettings>().min_latency_ns);
         }},
    {.flag = "--io-all-files",
     .help = "io: also pipes, sockets, ttys and other non-regular files",
     .apply = [](std::string_view value, Options& o) -> Status {
         o.settings.get<IoSettings>().all_files = value == "true";
         return {};
     }},
    {.flag = "--io-aggregate",
     .value = "TIME",
     .help = "io: per (process, file) totals every TIME instead of one record per call",
     .apply =
         [](std::string_view value, Options& o) {
             return set_aggregate_interval_ns(value, o.settings.get<IoSettings>().aggregate_ns);
         }},
    {.flag = "--io-map-size",
     .value = "N",
     .help = "io: calls in flight tracked at once (default 10240; more are counted as map_full)",
     .apply =
         [](std::string_view value, Options& o) {
             return set_map_entries(value, o.settings.get<IoSettings>().map_size);
         }},
};

constexpr EventDef kEvents[] = {{PL_EVENT_IO, "io", &decode::decode_io}};

}  // namespace

extern const TraceDef io_trace{
    .info =
        {
            .name = "io",
            .summary = "file I/O system calls with latency: read/write families, fsync (opt-in)",
            .hooks =
                "tp:syscalls:sys_{enter,exit}_{read,write,pread64,pwrite64,readv,writev,preadv,"
                "pwritev,preadv2,pwritev2,fsync,fdatasync}, tp_btf:sched_process_exit",
            .id = PL_TRACE_IO,
            .default_on = false,
        },
    .options = kOptions,
    .events = kEvents,
    .make = []() -> std::unique_ptr<Trace> { return std::make_unique<IoTrace>(); },
};

const TraceInfo& IoTrace::info() const {
    return io_trace.info;
}

template <typename Skel>
Status IoTrace::load(bpf::Runtime& runtime, const IoSettings& settings, std::string_view name) {
    auto skel = runtime.open<Skel>(name, info().id);
    if (!skel) return skel.error();
    Skel* s = skel->operator->();
    bool aggregate = settings.aggregate_ns != 0;
    s->rodata->io_all_files = settings.all_files ? 1 : 0;
    s->rodata->io_min_latency_ns = settings.min_latency_ns;
    s->rodata->io_aggregate = aggregate ? 1 : 0;
    bpf::Object& obj = skel->object();
    if (Status st = obj.set_map_max_entries(s->maps.io_inflight, settings.map_size); !st) return st;
    if (aggregate) {
        for (bpf_map* agg : {s->maps.io_agg0, s->maps.io_agg1}) {
            if (Status st = obj.set_map_max_entries(agg, settings.map_size); !st) return st;
        }
    }
    if (Status st = obj.load(runtime.verbose()); !st) return st;
    maps_ = Maps{s->maps.io_inflight, {s->maps.io_agg0, s->maps.io_agg1}, s->maps.io_agg_ctl};
    // Exit hooks (and the reaper) before entry hooks: an entry made while its
    // exit hook is not attached yet would stay in the map until the thread exits.
    std::vector<bpf_program*> order;
#define PL_IO_EXIT_PROGRAM(ENUM, name) order.push_back(s->progs.pl_io_exit_##name);
    PL_IO_SYSCALLS(PL_IO_EXIT_PROGRAM)
#undef PL_IO_EXIT_PROGRAM
    order.push_back(s->progs.pl_io_reap);
#define PL_IO_ENTER_PROGRAM(ENUM, name) order.push_back(s->progs.pl_io_enter_##name);
    PL_IO_SYSCALLS(PL_IO_ENTER_PROGRAM)
#undef PL_IO_ENTER_PROGRAM
    object_.emplace(std::move(obj));
    object_name_ = name;
    for (bpf_program* program : order) {
        if (Status st = object_->attach(program); !st) return st;
    }
    return {};
}

Status IoTrace::start(const TraceContext& context) {
    IoSettings settings = context.settings.value<IoSettings>();
    if (object_name_ == "io_compat") {
        if (Status st = load<pl_io_compat>(context.runtime, settings, "io_compat"); !st) return st;
    } else if (Status fast = load<pl_io>(context.runtime, settings, "io"); !fast) {
        // Kernels before 6.2 have no bpf_rdonly_cast: their verifier rejects
        // "io", and only that selects the probe-read variant io_compat.
        if (!object_name_.empty() || fast.error().kind != ErrorKind::Rejected) return fast;
        object_.reset();
        if (Status compat = load<pl_io_compat>(context.runtime, settings, "io_compat"); !compat) {
            return make_error("{}; and its probe-read variant io_compat: {}", fast.error().message,
                              compat.error().message);
        }
    }
    if (settings.aggregate_ns != 0) {
        aggregate_.start(
            std::chrono::nanoseconds(settings.aggregate_ns),
            [this](uint32_t slot) {
                pl_io_agg_ctl ctl{};
                ctl.slot = slot;
                return static_cast<bool>(
                    bpf::Map<uint32_t, pl_io_agg_ctl>(maps_.agg_ctl).update(0, ctl));
            },
            [this](uint32_t slot, int64_t time_ns, uint64_t interval_ns, Pipeline& pipeline) {
                drain(slot, time_ns, interval_ns, pipeline);
            });
        context.join_loop(this);
    }
    return {};
}

std::vector<uint32_t> IoTrace::inflight_tids() const {
    if (!object_) return {};
    return bpf::KeySet<uint32_t>(maps_.inflight).keys();
}

void IoTrace::drain(uint32_t slot, int64_t time_ns, uint64_t interval_ns, Pipeline& pipeline) {
    bpf::Map<pl_io_agg_key, pl_io_agg_value> map(maps_.agg[slot]);
    map.for_each([&](const pl_io_agg_key& key, const pl_io_agg_value& value) {
        if (decode::io_aggregate_record(key, value, time_ns, interval_ns, record_) == nullptr) {
            pipeline.emit(record_);
        }
        map.erase(key);
    });
}

void IoTrace::tick(Pipeline& pipeline) {
    if (object_) aggregate_.tick(pipeline);
}

void IoTrace::finish(Pipeline& pipeline) {
    if (object_) aggregate_.finish(pipeline);
}

}  // namespace probelog
