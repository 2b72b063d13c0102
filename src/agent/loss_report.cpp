#include "agent/loss_report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/clock.hpp"

namespace probelog {

LossReport::LossReport(const std::vector<std::unique_ptr<Trace>>& traces) {
    for (const auto& t : traces)
        ids_.push_back(t->info().id);
}

bool LossReport::all_received(const bpf::Counters& counters, const Pipeline& pipeline) const {
    const PipelineCounters& pc = pipeline.counters();
    return std::all_of(ids_.begin(), ids_.end(), [&](uint16_t id) {
        return pc.received(id) + counters[id].lost >= counters[id].generated;
    });
}

void LossReport::report(const bpf::Counters& counters, Pipeline& pipeline) {
    if (reported_.size() < counters.per_cpu.size()) reported_.resize(counters.per_cpu.size());
    for (uint16_t id : ids_) {
        std::string name;
        for (size_t cpu = 0; cpu < counters.per_cpu.size(); ++cpu) {
            const bpf::TraceCounters& c = counters.per_cpu[cpu][id];
            bpf::TraceCounters& r = reported_[cpu][id];
            if (c.lost == r.lost && c.map_full == r.map_full) continue;
            if (name.empty()) name = trace_name(id);
            int64_t now = realtime_now_ns();
            begin_record(record_, "lost", id, now);
            record_.add_str("trace", name);
            record_.add_str("stage", c.lost != r.lost ? "ring_buffer" : "map_full");
            record_.add_uint("cpu", cpu);
            record_.add_uint("lost", c.lost - r.lost);
            record_.add_uint("lost_total", c.lost);
            record_.add_uint("map_full", c.map_full - r.map_full);
            record_.add_uint("map_full_total", c.map_full);
            record_.add_uint("generated_total", c.generated);
            record_.add_str("reason",
                            c.lost != r.lost
                                ? "ring buffer full (raise --ringbuf-size or lower --poll-ms)"
                                : "correlation map full: calls not tracked (raise the trace's map "
                                  "size, e.g. --io-map-size)");
            pipeline.emit(record_);
            r = c;
        }
    }
    for (uint16_t id : ids_) {
        uint64_t throttled = counters[id].throttled;
        if (throttled == reported_throttled_[id]) continue;
        int64_t now = realtime_now_ns();
        const std::string name = trace_name(id);  // the record keeps a view of it
        begin_record(record_, "lost", id, now);
        record_.add_str("trace", name);
        record_.add_str("stage", "max_rate");
        record_.add_uint("lost", throttled - reported_throttled_[id]);
        record_.add_uint("lost_total", throttled);
        record_.add_str("reason",
                        "over the trace's --max-rate: dropped in the kernel (not in its seq)");
        pipeline.emit(record_);
        reported_throttled_[id] = throttled;
    }
    const PipelineCounters& pc = pipeline.counters();
    for (uint16_t id : ids_) {
        uint64_t invalid = pc.invalid_by_trace[id];
        if (invalid == reported_invalid_[id]) continue;
        int64_t now = realtime_now_ns();
        const std::string name = trace_name(id);  // the record keeps a view of it
        begin_record(record_, "lost", id, now);
        record_.add_str("trace", name);
        record_.add_str("stage", "decoder");
        record_.add_uint("lost", invalid - reported_invalid_[id]);
        record_.add_uint("lost_total", invalid);
        const char* why = pipeline.last_invalid_reason();
        record_.add_str("reason", why != nullptr ? why : "malformed event");
        pipeline.emit(record_);
        reported_invalid_[id] = invalid;
    }
}

void LossReport::report_sinks(Pipeline& pipeline) {
    const auto& sinks = pipeline.sinks();
    reported_sink_lost_.resize(sinks.size());
    for (size_t i = 0; i < sinks.size(); ++i) {
        const SinkStats* st = sinks[i]->stats();
        if (st == nullptr) continue;
        uint64_t lost = st->lost();
        if (lost == reported_sink_lost_[i]) continue;
        int64_t now = realtime_now_ns();
        begin_record(record_, "lost", PL_TRACE_NONE, now);
        record_.add_str("sink", st->name);
        record_.add_str("target", st->target);
        record_.add_uint("lost", lost - reported_sink_lost_[i]);
        record_.add_uint("lost_total", lost);
        record_.add_uint("queue_full_total", st->dropped.load());
        record_.add_uint("rejected_total", st->rejected.load());
        std::string reason =
            st->rejected.load() != 0
                ? fmt::format("{}{}", st->rejected_means,
                              st->dropped.load() != 0 ? ", or output queue full" : "")
                : "output queue full: destination down or slow (raise queue_size)";
        record_.add_str("reason", reason);
        pipeline.emit_except(record_, sinks[i].get());
        reported_sink_lost_[i] = lost;
    }
}

std::string LossReport::sinks_summary(const Pipeline& pipeline) {
    std::string out;
    for (const auto& sink : pipeline.sinks()) {
        const SinkStats* st = sink->stats();
        if (st == nullptr || (st->queue_capacity == 0 && st->lost() == 0)) continue;
        out += fmt::format("; output {} ({}): {} sent, {} lost", st->name, st->target,
                           st->sent.load(), st->lost());
        std::vector<std::string> why;
        if (st->dropped != 0) why.push_back(fmt::format("{} queue full", st->dropped.load()));
        if (st->rejected != 0) why.push_back(fmt::format("{} refused", st->rejected.load()));
        if (st->unsent != 0) why.push_back(fmt::format("{} unsent at exit", st->unsent.load()));
        if (!why.empty()) out += fmt::format(" ({})", fmt::join(why, ", "));
    }
    return out;
}

std::string LossReport::summary(const bpf::Counters& counters, const Pipeline& pipeline,
                                bool verbose) const {
    uint64_t delivered = 0;
    uint64_t lost = 0;
    std::string per_trace;
    for (uint16_t id : ids_) {
        uint64_t d = pipeline.counters().delivered[id];
        delivered += d;
        lost += counters[id].lost;
        per_trace += fmt::format("{}{}: {} delivered, {} lost", per_trace.empty() ? "" : "; ",
                                 trace_name(id), d, counters[id].lost);
        if (counters[id].map_full != 0)
            per_trace += fmt::format(", {} map full", counters[id].map_full);
        if (counters[id].throttled != 0)
            per_trace += fmt::format(", {} throttled (--max-rate)", counters[id].throttled);
        if (pipeline.counters().invalid_by_trace[id] != 0)
            per_trace += fmt::format(", {} malformed", pipeline.counters().invalid_by_trace[id]);
        if (verbose) per_trace += fmt::format(" of {} generated", counters[id].generated);
    }
    std::string out = fmt::format("{} records delivered, {} lost ({})", delivered, lost, per_trace);
    const PipelineCounters& pc = pipeline.counters();
    if (pc.invalid != 0) {
        out += fmt::format("; {} malformed events dropped (last: {})", pc.invalid,
                           pipeline.last_invalid_reason() ? pipeline.last_invalid_reason() : "?");
    }
    if (pc.beyond_limit != 0)
        out += fmt::format("; {} after --max-records not shown", pc.beyond_limit);
    out += sinks_summary(pipeline);
    return out;
}

}  // namespace probelog
