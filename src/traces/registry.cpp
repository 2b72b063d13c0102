// The list of built-in traces. A new trace adds one line to PL_BUILTIN_TRACES:
// X(name) names the TraceDef `name_trace` defined in traces/name_trace.cpp.
#include <fmt/format.h>

#include <array>

#include "traces/trace.hpp"

// In --list-traces order.
// clang-format off
#define PL_BUILTIN_TRACES(X) \
    X(exec)                  \
    X(exit)                  \
    X(signal)                \
    X(bind)                  \
    X(tcp)                   \
    X(vfs)                   \
    X(malloc)                \
    X(xdp)                   \
    X(io)                    \
    X(sched)                 \
    X(openssl)               \
    X(dns)                   \
    X(probe)
// clang-format on

namespace probelog {

#define PL_DECLARE_TRACE(name) extern const TraceDef name##_trace;
PL_BUILTIN_TRACES(PL_DECLARE_TRACE)
#undef PL_DECLARE_TRACE

namespace {

#define PL_TRACE_ENTRY(name) &name##_trace,
constexpr std::array kTraces = {PL_BUILTIN_TRACES(PL_TRACE_ENTRY)};
#undef PL_TRACE_ENTRY

}  // namespace

std::span<const TraceDef* const> trace_defs() {
    return kTraces;
}

const TraceDef* find_trace_def(std::string_view name) {
    if (name.starts_with("trace_")) name.remove_prefix(6);  // Fluent Bit's spelling
    for (const TraceDef* def : kTraces) {
        if (def->info.name == name) return def;
    }
    return nullptr;
}

const TraceInfo* find_trace(std::string_view name) {
    const TraceDef* def = find_trace_def(name);
    return def != nullptr ? &def->info : nullptr;
}

std::string trace_name(uint16_t id) {
    for (const TraceDef* def : kTraces) {
        if (def->info.id == id) return std::string(def->info.name);
    }
    return fmt::format("trace#{}", id);
}

std::unique_ptr<Trace> make_trace(std::string_view name) {
    const TraceDef* def = find_trace_def(name);
    return def != nullptr ? def->make() : nullptr;
}

void register_decoders(decode::Decoder& decoder) {
    for (const TraceDef* def : kTraces) {
        for (const EventDef& event : def->events)
            decoder.add(event.type, event.event_type, event.decode);
    }
}

}  // namespace probelog
