// The list of built-in traces. A new trace adds one line to kTraces.
#include <fmt/format.h>

#include "traces/bind_trace.hpp"
#include "traces/exec_trace.hpp"
#include "traces/exit_trace.hpp"
#include "traces/signal_trace.hpp"
#include "traces/tcp_trace.hpp"
#include "traces/malloc_trace.hpp"
#include "traces/io_trace.hpp"
#include "traces/probe_trace.hpp"
#include "traces/trace.hpp"
#include "traces/vfs_trace.hpp"
#include "traces/xdp_trace.hpp"

namespace probelog {
namespace {

struct Entry {
    const TraceInfo& (*info)();
    std::unique_ptr<Trace> (*make)();
};

template <typename T>
std::unique_ptr<Trace> make() {
    return std::make_unique<T>();
}

const std::vector<Entry>& entries() {
    static const std::vector<Entry> kTraces = {
        {&ExecTrace::static_info, &make<ExecTrace>},
        {&ExitTrace::static_info, &make<ExitTrace>},
        {&SignalTrace::static_info, &make<SignalTrace>},
        {&BindTrace::static_info, &make<BindTrace>},
        {&TcpTrace::static_info, &make<TcpTrace>},
        {&VfsTrace::static_info, &make<VfsTrace>},
        {&MallocTrace::static_info, &make<MallocTrace>},
        {&XdpTrace::static_info, &make<XdpTrace>},
        {&IoTrace::static_info, &make<IoTrace>},
        {&ProbeTrace::static_info, &make<ProbeTrace>},
    };
    return kTraces;
}

}  // namespace

const std::vector<TraceInfo>& trace_catalog() {
    static const std::vector<TraceInfo> catalog = [] {
        std::vector<TraceInfo> out;
        for (const Entry& e : entries())
            out.push_back(e.info());
        return out;
    }();
    return catalog;
}

const TraceInfo* find_trace(std::string_view name) {
    if (name.starts_with("trace_")) name.remove_prefix(6);  // Fluent Bit's spelling
    for (const TraceInfo& info : trace_catalog()) {
        if (info.name == name) return &info;
    }
    return nullptr;
}

std::string trace_name(uint16_t id) {
    for (const TraceInfo& info : trace_catalog()) {
        if (info.id == id) return std::string(info.name);
    }
    return fmt::format("trace#{}", id);
}

std::unique_ptr<Trace> make_trace(std::string_view name) {
    const TraceInfo* wanted = find_trace(name);
    if (wanted == nullptr) return nullptr;
    for (const Entry& e : entries()) {
        if (&e.info() == wanted || e.info().name == wanted->name) return e.make();
    }
    return nullptr;
}

}  // namespace probelog
