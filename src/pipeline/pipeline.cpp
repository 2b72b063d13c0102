#include "pipeline/pipeline.hpp"

#include <cstddef>
#include <cstring>

namespace probelog {

namespace {

// The trace in a sample's header, or 0 when even that is unreadable.
uint16_t header_trace(std::span<const std::byte> sample) {
    uint16_t trace = 0;
    if (sample.size() >= offsetof(pl_event_header, trace) + sizeof(trace))
        std::memcpy(&trace, sample.data() + offsetof(pl_event_header, trace), sizeof(trace));
    return trace < PL_TRACE_MAX ? trace : 0;
}

}  // namespace

void Pipeline::on_sample(std::span<const std::byte> sample) {
    if (limit_reached()) {
        ++counters_.beyond_limit;
        ++counters_.beyond_limit_by_trace[header_trace(sample)];
        return;
    }
    if (const char* why = decoder_.decode(sample, clock_, record_); why != nullptr) {
        ++counters_.invalid;
        ++counters_.invalid_by_trace[header_trace(sample)];
        last_invalid_ = why;
        return;
    }
    if (enricher_ != nullptr) {
        // The decoder checked that the header is all there.
        pl_event_header h{};
        std::memcpy(&h, sample.data(), sizeof(h));
        if (h.pid != 0) enricher_->enrich(h.cgroup_id, h.ns_pid, record_);
    }
    uint16_t trace = record_.trace() < PL_TRACE_MAX ? record_.trace() : 0;
    if (!trace_policy_[trace].empty()) record_.add_str("policy", trace_policy_[trace]);
    for (const Tap& tap : taps_)
        tap(record_);
    for (auto& sink : sinks_)
        sink->write(record_);
    ++counters_.delivered[trace];
    ++total_delivered_;
}

void Pipeline::emit(const Record& record) {
    for (auto& sink : sinks_)
        sink->write(record);
}

void Pipeline::emit_except(const Record& record, const Sink* skip) {
    for (auto& sink : sinks_) {
        if (sink.get() != skip) sink->write(record);
    }
}

Status Pipeline::close_sinks() {
    for (auto& sink : sinks_)
        sink->begin_close();
    Status first;
    for (auto& sink : sinks_) {
        Status st = sink->close();
        if (!st && first.ok()) first = st;
    }
    return first;
}

Status Pipeline::flush() {
    Status first;
    for (auto& sink : sinks_) {
        Status st = sink->flush();
        if (!st && first.ok()) first = st;
    }
    return first;
}

bool Pipeline::any_sink_broken() const {
    for (const auto& sink : sinks_) {
        if (sink->broken()) return true;
    }
    return false;
}

}  // namespace probelog
