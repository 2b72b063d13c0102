#include "traces/probe_trace.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstddef>
#include <string>

#include "bpf/map.hpp"
#include "probes/compile.hpp"
#include "probes/resolve.hpp"
#include "probes/spec.hpp"

extern "C" {
#include "probe.h"
}

namespace probelog {
namespace {

constexpr auto kSweepEvery = std::chrono::seconds(10);

struct Plan {
    probes::ResolvedProbe resolved;
    probes::CompiledProbe compiled;
};

Result<Plan> plan_probe(const std::string& text, const probes::ResolveOptions& ro,
                        const probes::CompileOptions& co) {
    auto spec = probes::parse_probe_spec(text);
    if (!spec) return spec.error();
    auto resolved = probes::resolve_probe(*spec, ro);
    if (!resolved) return resolved.error();
    auto compiled = probes::compile_probe(*resolved, co);
    if (!compiled) return compiled.error();
    return Plan{std::move(*resolved), std::move(*compiled)};
}

bool thread_exists(uint32_t pid, uint32_t tid) {
    struct stat st {};
    return ::stat(fmt::format("/proc/{}/task/{}", pid, tid).c_str(), &st) == 0;
}

bool process_exists(uint32_t pid) {
    struct stat st {};
    return ::stat(fmt::format("/proc/{}", pid).c_str(), &st) == 0;
}

}  // namespace

const TraceInfo& ProbeTrace::static_info() {
    static const TraceInfo info{
        .name = "probe",
        .summary = "dynamic probes on user-space functions (--probe SPEC): args, return, latency",
        .hooks =
            "uprobe + uretprobe per --probe (one generic program pair); Go functions: uprobes "
            "at the entry and at every RET, never a uretprobe",
        .id = PL_TRACE_PROBE,
        .default_on = false,
        .fail_run = true,
    };
    return info;
}

Status ProbeTrace::start(const bpf::Runtime& runtime, const TraceOptions& options) {
    if (options.probes.empty()) return make_error("--trace probe needs at least one --probe SPEC");
    if (options.probes.size() > PL_PROBE_CONFIG_MAX) {
        return make_error("at most {} --probe specs per run", PL_PROBE_CONFIG_MAX);
    }
    auto mode = probes::parse_probe_mode(options.probe_mode);
    if (!mode) return mode.error();
    probes::CompileOptions co{*mode, options.probe_str_max, options.probe_buf_max};
    probes::ResolveOptions ro;
    if (!options.uprobe_pids.empty()) ro.pid = static_cast<int>(options.uprobe_pids[0]);

    // Everything is resolved before anything is attached.
    std::vector<Plan> plans;
    auto table = std::make_unique<decode::ProbeTable>();
    for (const std::string& text : options.probes) {
        auto plan = plan_probe(text, ro, co);
        if (!plan) return make_error("--probe '{}': {}", text, plan.error().message);
        const probes::ResolvedProbe& r = plan->resolved;
        const probes::CompiledProbe& c = plan->compiled;
        for (const std::string& note : r.notes)
            fmt::print(stderr, "probelog: --probe '{}': note: {}\n", text, note);
        for (const std::string& note : c.notes)
            fmt::print(stderr, "probelog: --probe '{}': note: {}\n", text, note);
        if (r.go && r.spec.ret && !c.ret_probe_offsets.empty()) {
            fmt::print(stderr,
                       "probelog: --probe '{}': note: {} is a Go function: its return is read by "
                       "uprobes on its {} RET instruction{}, not by a uretprobe (which would "
                       "crash the program when the Go runtime moves the goroutine's stack)\n",
                       text, r.function, c.ret_probe_offsets.size(),
                       c.ret_probe_offsets.size() == 1 ? "" : "s");
        }
        if (runtime.verbose()) {
            std::string how = c.attach_return ? ", with return" : "";
            if (r.go) {
                how =
                    fmt::format(", Go function ({}; g.stack.hi at +{} from {}), entry probe at +{}",
                                r.go_version.empty() ? "version unknown" : r.go_version,
                                r.g_stack_hi, r.g_stack_hi_from, r.entry_skip);
                if (!c.ret_probe_offsets.empty()) {
                    how += fmt::format(", return at {} RET instruction(s)",
                                       c.ret_probe_offsets.size());
                }
            }
            fmt::print(stderr,
                       "probelog: probe {}: {} at 0x{:x} (file offset 0x{:x}), values from {}{}\n",
                       r.name, r.binary, r.vaddr, r.file_offset, r.params_from, how);
        }
        table->probes.push_back(plan->compiled.info);
        plans.push_back(std::move(*plan));
    }

    auto obj = runtime.open("uprobe");
    if (!obj) return obj.error();
    if (Status st = obj->load(runtime.verbose()); !st) return st;
    object_ = std::make_unique<bpf::Object>(std::move(*obj));
    bpf::MapView configs(object_->map_fd("pl_probe_configs"));
    for (uint32_t id = 0; id < plans.size(); ++id) {
        if (Status st = configs.update(&id, &plans[id].compiled.config); !st) return st;
    }

    std::vector<int> pids;
    pids.reserve(options.uprobe_pids.size() + 1);
    for (uint32_t pid : options.uprobe_pids)
        pids.push_back(static_cast<int>(pid));
    if (pids.empty()) pids.push_back(-1);
    for (uint32_t id = 0; id < plans.size(); ++id) {
        const Plan& plan = plans[id];
        for (int pid : pids) {
            bpf::UprobeTarget target{plan.resolved.binary, plan.resolved.file_offset, pid, false,
                                     id};
            auto entry = object_->attach_uprobe("pl_probe_entry", target);
            if (!entry) {
                return make_error("--probe '{}': {}", plan.resolved.spec.text,
                                  entry.error().message);
            }
            links_.push_back(std::move(*entry));
            // Go: the return program as a plain uprobe on every RET.
            for (uint64_t ret_offset : plan.compiled.ret_probe_offsets) {
                bpf::UprobeTarget at{plan.resolved.binary, ret_offset, pid, false, id};
                auto ret = object_->attach_uprobe("pl_probe_return", at);
                if (!ret) {
                    return make_error("--probe '{}': {}", plan.resolved.spec.text,
                                      ret.error().message);
                }
                links_.push_back(std::move(*ret));
            }
            if (!plan.compiled.attach_return) continue;
            target.retprobe = true;
            auto ret = object_->attach_uprobe("pl_probe_return", target);
            if (!ret) {
                return make_error("--probe '{}': {}", plan.resolved.spec.text, ret.error().message);
            }
            links_.push_back(std::move(*ret));
        }
    }
    for (const Plan& plan : plans)
        by_goroutine_.push_back(plan.resolved.go);
    if (options.metrics != nullptr) {
        auto& calls = options.metrics->counter("probelog_probe_calls_total",
                                               "Calls recorded per --probe (lost records excluded: "
                                               "see probelog_lost_events_total)",
                                               {"probe"});
        auto& latency = options.metrics->histogram(
            "probelog_probe_latency_seconds", "Call latency per --probe (entry to return)",
            {"probe"}, metrics::exponential_buckets(1e-6, 4, 12));
        for (const decode::ProbeInfo& probe : table->probes) {
            calls_metric_.push_back(&calls.labels({probe.name}));
            latency_metric_.push_back(&latency.labels({probe.name}));
        }
    }
    table_ = std::move(table);
    next_sweep_ = std::chrono::steady_clock::now() + kSweepEvery;
    return {};
}

void ProbeTrace::configure_pipeline(Pipeline& pipeline) {
    if (table_) {
        pipeline.decoder().add(PL_EVENT_PROBE, "probe", &decode::decode_probe_thunk, table_.get());
    }
    if (calls_metric_.empty()) return;
    // Observes every probe record (and keeps it): one count per call, and the
    // latency when the record has one (call and return records).
    pipeline.add_filter([this](const Record& r) {
        if (r.trace() != PL_TRACE_PROBE || r.source() >= calls_metric_.size()) return true;
        const Field* stage = r.find("stage");
        // Split mode: the entry record counts the call, the return record times it.
        if (stage == nullptr || stage->value.str != "return") calls_metric_[r.source()]->inc();
        if (const Field* lat = r.find("latency_ns"); lat != nullptr) {
            latency_metric_[r.source()]->observe(static_cast<double>(lat->value.u) / 1e9);
        }
        return true;
    });
}

void ProbeTrace::tick(Pipeline& /*pipeline*/) {
    auto now = std::chrono::steady_clock::now();
    if (!object_ || now < next_sweep_) return;
    next_sweep_ = now + kSweepEvery;
    sweep_calls();
}

void ProbeTrace::sweep_calls() {
    // Both maps' values start with the event's fixed part, whose header names the thread.
    for (const char* name : {"probe_calls", "probe_calls_data"}) {
        bpf::MapView calls(object_->map_fd(name));
        if (!calls.valid()) continue;
        std::vector<pl_probe_call_key> stale;
        pl_probe_call_key key{};
        pl_probe_call_key next{};
        auto value = std::make_unique<pl_probe_event>();
        const void* prev = nullptr;
        while (calls.next_key(prev, &next)) {
            key = next;
            prev = &key;
            if (!calls.lookup(&key, value.get())) continue;
            // A goroutine moves between threads: its call is stale only when
            // its process is gone.
            bool go = key.probe_id < by_goroutine_.size() && by_goroutine_[key.probe_id];
            if (go ? !process_exists(value->hdr.pid)
                   : !thread_exists(value->hdr.pid, value->hdr.tid)) {
                stale.push_back(key);
            }
        }
        for (const pl_probe_call_key& k : stale)
            calls.erase(&k);
    }
}

}  // namespace probelog
