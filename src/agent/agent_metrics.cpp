#include "agent/agent_metrics.hpp"

#include <algorithm>

namespace probelog {

AgentMetrics::AgentMetrics(metrics::Registry& reg,
                           const std::vector<std::unique_ptr<Trace>>& traces,
                           const Pipeline& pipeline, uint64_t ringbuf_bytes) {
    auto& generated = reg.counter("probelog_kernel_events_total",
                                  "Events that passed the kernel filters, by trace", {"trace"});
    auto& delivered = reg.counter("probelog_records_total",
                                  "Records delivered to the sinks, by trace", {"trace"});
    auto& lost = reg.counter("probelog_lost_events_total",
                             "Events lost, by trace and by stage: ring_buffer (kernel ring buffer "
                             "full), map_full (a correlation map full), decoder (malformed), "
                             "sink:NAME (lost by that sink: queue full, refused, unsent at exit)",
                             {"trace", "stage"});

    auto& throttled = reg.counter(
        "probelog_throttled_events_total",
        "Events a trace's --max-rate dropped in the kernel (not in kernel_events_total), by trace",
        {"trace"});

    generated_ = &generated;
    delivered_ = &delivered;
    lost_ = &lost;
    throttled_ = &throttled;
    for (const auto& t : traces)
        add_trace_series(t->info().id);
    lost_decoder_ = &lost.labels({"unknown", "decoder"});
    lost_by_cpu_ = &reg.counter("probelog_lost_events_by_cpu_total",
                                "Events the kernel ring buffer had no room for, by trace and by "
                                "the cpu whose sequence numbers have the gaps (a series appears "
                                "with a cpu's first loss)",
                                {"trace", "cpu"});

    auto& ring_size = reg.gauge("probelog_ringbuf_size_bytes",
                                "Size of the event ring buffers (one per trace), together");
    ring_size.get().set(static_cast<double>(ringbuf_bytes));
    ring_used_ = &reg.gauge("probelog_ringbuf_used_bytes",
                            "Ring buffer bytes waiting to be read (every trace's ring), sampled "
                            "before each drain")
                      .get();
    ring_peak_ = &reg.gauge("probelog_ringbuf_used_peak_bytes",
                            "Highest ring buffer fill seen before a drain since start")
                      .get();

    auto& s_accepted = reg.counter("probelog_sink_records_total",
                                   "Records given to each sink (after its Match)", {"sink"});
    auto& s_sent =
        reg.counter("probelog_sink_sent_records_total",
                    "Records each sink delivered (acknowledged, with acks on)", {"sink"});
    auto& s_dropped = reg.counter(
        "probelog_sink_dropped_records_total",
        "Records each sink lost: queue_full (destination down or slow, queue at its bound), "
        "rejected (refused by the destination), exit (still queued when probelog stopped)",
        {"sink", "reason"});
    auto& s_retries = reg.counter("probelog_sink_retries_total",
                                  "Failed connects or sends of each sink (each retried)", {"sink"});
    auto& s_queued =
        reg.gauge("probelog_sink_queued_records", "Records waiting in each sink's queue", {"sink"});
    auto& s_capacity = reg.gauge("probelog_sink_queue_capacity_records",
                                 "Bound of each sink's queue, in records", {"sink"});
    auto& s_up = reg.gauge("probelog_sink_up",
                           "1 when each network sink's last delivery worked, else 0", {"sink"});

    for (const auto& sink : pipeline.sinks()) {
        const SinkStats* st = sink->stats();
        if (st == nullptr) continue;
        PerSink p;
        p.stats = st;
        p.accepted = &s_accepted.labels({st->name});
        p.sent = &s_sent.labels({st->name});
        p.dropped_full = &s_dropped.labels({st->name, "queue_full"});
        p.dropped_rejected = &s_dropped.labels({st->name, "rejected"});
        p.dropped_exit = &s_dropped.labels({st->name, "exit"});
        p.retries = &s_retries.labels({st->name});
        if (st->queue_capacity != 0) {
            p.queued = &s_queued.labels({st->name});
            s_capacity.labels({st->name}).set(static_cast<double>(st->queue_capacity));
            p.up = &s_up.labels({st->name});
        }
        sinks_.push_back(std::move(p));
        for (const PerTrace& t : traces_)
            add_sink_series(sinks_.back(), t.id);
    }
}

void AgentMetrics::add_trace(uint16_t id) {
    for (const PerTrace& t : traces_) {
        if (t.id == id) return;  // started again: its series continue
    }
    add_trace_series(id);
    for (PerSink& s : sinks_)
        add_sink_series(s, id);
}

void AgentMetrics::add_trace_series(uint16_t id) {
    PerTrace p;
    p.id = id;
    std::string name = trace_name(id);
    p.generated = &generated_->labels({name});
    p.delivered = &delivered_->labels({name});
    p.lost_ring = &lost_->labels({name, "ring_buffer"});
    p.lost_map_full = &lost_->labels({name, "map_full"});
    p.lost_decoder = &lost_->labels({name, "decoder"});
    p.throttled = &throttled_->labels({name});
    traces_.push_back(p);
}

void AgentMetrics::add_sink_series(PerSink& sink, uint16_t id) {
    sink.lost_by_trace.emplace_back(id,
                                    &lost_->labels({trace_name(id), "sink:" + sink.stats->name}));
}

void AgentMetrics::sample_ring(uint64_t used_bytes) {
    ring_used_->set(static_cast<double>(used_bytes));
    if (used_bytes > ring_peak_bytes_) {
        ring_peak_bytes_ = used_bytes;
        ring_peak_->set(static_cast<double>(used_bytes));
    }
}

void AgentMetrics::publish(const bpf::Counters& kernel, const Pipeline& pipeline) {
    const PipelineCounters& pc = pipeline.counters();
    for (PerTrace& t : traces_) {
        t.generated->set(kernel[t.id].generated);
        t.delivered->set(pc.delivered[t.id]);
        t.lost_ring->set(kernel[t.id].lost);
        t.lost_map_full->set(kernel[t.id].map_full);
        t.throttled->set(kernel[t.id].throttled);
        t.lost_decoder->set(pc.invalid_by_trace[t.id]);
        if (t.lost_ring_by_cpu.size() < kernel.per_cpu.size())
            t.lost_ring_by_cpu.resize(kernel.per_cpu.size(), nullptr);
        for (size_t cpu = 0; cpu < kernel.per_cpu.size(); ++cpu) {
            uint64_t lost = kernel.per_cpu[cpu][t.id].lost;
            if (lost == 0) continue;
            if (t.lost_ring_by_cpu[cpu] == nullptr) {
                t.lost_ring_by_cpu[cpu] =
                    &lost_by_cpu_->labels({trace_name(t.id), std::to_string(cpu)});
            }
            t.lost_ring_by_cpu[cpu]->set(lost);
        }
    }
    lost_decoder_->set(pc.invalid_by_trace[0]);
    for (const PerSink& s : sinks_) {
        const SinkStats& st = *s.stats;
        s.accepted->set(st.accepted.load(std::memory_order_relaxed));
        s.sent->set(st.sent.load(std::memory_order_relaxed));
        s.dropped_full->set(st.dropped.load(std::memory_order_relaxed));
        s.dropped_rejected->set(st.rejected.load(std::memory_order_relaxed));
        s.dropped_exit->set(st.unsent.load(std::memory_order_relaxed));
        s.retries->set(st.retries.load(std::memory_order_relaxed));
        if (s.queued != nullptr) {
            s.queued->set(static_cast<double>(st.queued.load(std::memory_order_relaxed)));
            s.up->set(st.connected.load(std::memory_order_relaxed) ? 1 : 0);
        }
        for (const auto& [id, counter] : s.lost_by_trace)
            counter->set(st.lost_by_trace[id].load(std::memory_order_relaxed));
    }
}

}  // namespace probelog
