// The sched trace, declared once: run-queue latency from sched_wakeup(_new)
// to sched_switch (bpf/progs/sched.bpf.c), as records of the waits that reach
// a threshold, or as per-process totals every interval (aggregate mode, a loop
// participant that flips and drains the BPF maps).
#include "traces/sched_trace.hpp"

#include "agent/options.hpp"
#include "bpf/map.hpp"
#include "decode/sched.hpp"
#include "traces/aggregate_flip.hpp"
#include "traces/option_values.hpp"
#include "traces/trace.hpp"

#include "sched.skel.h"

namespace probelog {
namespace {

constexpr OptionDef kOptions[] = {
    {.flag = "--sched-min-latency",
     .value = "TIME",
     .help = "sched: only waits in the run queue at least this long (default 1ms; 0: every "
             "context switch, as Fluent Bit), filtered in the kernel",
     .apply =
         [](std::string_view value, Options& o) {
             return set_duration_ns(value, o.settings.get<SchedSettings>().min_latency_ns);
         }},
    {.flag = "--sched-aggregate",
     .value = "TIME",
     .help = "sched: per-process wait counts and latency histogram every TIME instead of "
             "records",
     .apply =
         [](std::string_view value, Options& o) {
             return set_aggregate_interval_ns(value, o.settings.get<SchedSettings>().aggregate_ns);
         }},
    {.flag = "--sched-map-size",
     .value = "N",
     .help = "sched: processes per aggregate interval (default 10240; more are counted as "
             "map_full)",
     .apply =
         [](std::string_view value, Options& o) {
             return set_map_entries(value, o.settings.get<SchedSettings>().map_size);
         }},
};

constexpr EventDef kEvents[] = {{PL_EVENT_SCHED, "sched", &decode::decode_sched}};

}  // namespace

extern const TraceDef sched_trace;

namespace {

class SchedTrace final : public ObjectTrace, private LoopParticipant {
  public:
    const TraceInfo& info() const override;

    Status start(const TraceContext& context) override {
        SchedSettings settings = context.settings.value<SchedSettings>();
        bool aggregate = settings.aggregate_ns != 0;
        Status st = start_skeleton<pl_sched>(
            context.runtime, "sched", [&](bpf::Skeleton<pl_sched>& skel) -> Status {
                skel->rodata->sched_min_latency_ns = settings.min_latency_ns;
                skel->rodata->sched_aggregate = aggregate ? 1 : 0;
                agg_[0] = skel->maps.sched_agg0;
                agg_[1] = skel->maps.sched_agg1;
                agg_ctl_ = skel->maps.sched_agg_ctl;
                if (!aggregate) return {};
                for (bpf_map* map : agg_) {
                    if (Status s = skel.object().set_map_max_entries(map, settings.map_size); !s)
                        return s;
                }
                return {};
            });
        if (!st) return st;
        if (aggregate) {
            aggregate_.start(
                std::chrono::nanoseconds(settings.aggregate_ns),
                [this](uint32_t slot) {
                    pl_sched_agg_ctl ctl{};
                    ctl.slot = slot;
                    return static_cast<bool>(
                        bpf::Map<uint32_t, pl_sched_agg_ctl>(agg_ctl_).update(0, ctl));
                },
                [this](uint32_t slot, int64_t time_ns, uint64_t interval_ns, Pipeline& pipeline) {
                    drain(slot, time_ns, interval_ns, pipeline);
                });
            context.join_loop(this);
        }
        return {};
    }

  private:
    void tick(Pipeline& pipeline) override { aggregate_.tick(pipeline); }
    void finish(Pipeline& pipeline) override { aggregate_.finish(pipeline); }

    void drain(uint32_t slot, int64_t time_ns, uint64_t interval_ns, Pipeline& pipeline) {
        bpf::Map<pl_sched_agg_key, pl_sched_agg_value> map(agg_[slot]);
        map.for_each([&](const pl_sched_agg_key& key, const pl_sched_agg_value& value) {
            decode::sched_aggregate_record(key, value, time_ns, interval_ns, record_);
            pipeline.emit(record_);
            map.erase(key);
        });
    }

    bpf_map* agg_[2] = {nullptr, nullptr};
    bpf_map* agg_ctl_ = nullptr;
    AggregateFlip aggregate_;
    Record record_;
};

}  // namespace

extern const TraceDef sched_trace{
    .info =
        {
            .name = "sched",
            .summary = "run-queue latency: how long woken tasks wait for a cpu (threshold or "
                       "per-process aggregates)",
            .hooks = "tp_btf:sched_wakeup, tp_btf:sched_wakeup_new, tp_btf:sched_switch",
            .id = PL_TRACE_SCHED,
            .default_on = false,
        },
    .options = kOptions,
    .events = kEvents,
    .make = []() -> std::unique_ptr<Trace> { return std::make_unique<SchedTrace>(); },
};

const TraceInfo& SchedTrace::info() const {
    return sched_trace.info;
}

}  // namespace probelog
