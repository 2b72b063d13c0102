#include "pipeline/latency_hists.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "decode/io.hpp"

extern "C" {
#include "event_header.h"
#include "probe.h"
}

namespace probelog {
namespace {

const Field* uint_field(const Record& record, std::string_view name) {
    const Field* f = record.find(name);
    return f != nullptr && f->value.kind == ValueKind::Uint ? f : nullptr;
}

void append(std::string& out, std::string_view map, std::string_view key,
            const metrics::Log2Hist& hist) {
    if (hist.empty()) return;
    fmt::format_to(std::back_inserter(out), "@{}[{}]:\n{}\n", map, key, hist.render());
}

}  // namespace

void LatencyHistograms::observe(const Record& record) {
    if (record.trace() == PL_TRACE_PROBE) {
        observe_probe(record);
    } else if (record.trace() == PL_TRACE_IO) {
        observe_io(record);
    }
}

void LatencyHistograms::observe_probe(const Record& record) {
    const Field* latency = uint_field(record, "latency_ns");
    // Entry records (split and entry modes) carry no latency.
    if (latency == nullptr || record.source() >= PL_PROBE_CONFIG_MAX) return;
    if (record.source() >= probes_.size()) probes_.resize(record.source() + 1);
    Probe& probe = probes_[record.source()];
    if (probe.name.empty()) {
        const Field* name = record.find("probe");
        probe.name = name != nullptr && !name->value.str.empty()
                         ? std::string(name->value.str)
                         : fmt::format("probe#{}", record.source());
    }
    probe.hist.add(latency->value.u);
}

void LatencyHistograms::observe_io(const Record& record) {
    const Field* latency = uint_field(record, "latency_ns");
    const Field* op = record.find("operation");
    if (latency == nullptr || op == nullptr) return;
    // The decoder names operations from the same table.
    for (uint8_t i = 0; i < PL_IO_OP_COUNT; ++i) {
        if (decode::io_op_name(i) == op->value.str) {
            io_[i].add(latency->value.u);
            return;
        }
    }
}

bool LatencyHistograms::empty() const {
    auto empty = [](const metrics::Log2Hist& h) { return h.empty(); };
    return std::all_of(probes_.begin(), probes_.end(),
                       [](const Probe& p) { return p.hist.empty(); }) &&
           std::all_of(io_.begin(), io_.end(), empty);
}

std::string LatencyHistograms::render() const {
    std::string out;
    for (const Probe& probe : probes_)
        append(out, "probe_latency_ns", probe.name, probe.hist);
    for (uint8_t i = 0; i < PL_IO_OP_COUNT; ++i)
        append(out, "io_latency_ns", decode::io_op_name(i), io_[i]);
    return out;
}

}  // namespace probelog
