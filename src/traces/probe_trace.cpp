#include "traces/probe_trace.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

#include "agent/options.hpp"
#include "bpf/map.hpp"
#include "common/parse.hpp"
#include "probes/compile.hpp"
#include "probes/resolve.hpp"
#include "probes/spec.hpp"
#include "probes/usdt_resolve.hpp"

extern "C" {
#include "probe.h"
}
#include "uprobe.skel.h"

namespace probelog {
namespace {

// How often the in-flight calls of threads that are gone (killed in a probed
// call) are removed. A sweep is a walk over the in-flight maps, one stat per
// entry: nothing while no call is in flight.
constexpr auto kSweepEvery = std::chrono::seconds(2);

struct Plan {
    probes::ResolvedProbe resolved;
    probes::CompiledProbe compiled;
};

// A spec's plans: one, or one per site of its USDT probes (each site has its
// own argument recipe, so its own config).
Result<std::vector<Plan>> plan_probe(const std::string& text, const probes::ResolveOptions& ro,
                                     const probes::CompileOptions& co, uint64_t default_rate) {
    auto spec = probes::parse_probe_spec(text);
    if (!spec) return spec.error();
    if (spec->clauses.rate_per_s == 0) spec->clauses.rate_per_s = default_rate;
    std::vector<probes::ResolvedProbe> sites;
    if (spec->usdt) {
        auto resolved = probes::resolve_usdt(*spec, ro);
        if (!resolved) return resolved.error();
        sites = std::move(*resolved);
    } else {
        auto resolved = probes::resolve_probe(*spec, ro);
        if (!resolved) return resolved.error();
        sites.push_back(std::move(*resolved));
    }
    std::vector<Plan> out;
    for (probes::ResolvedProbe& site : sites) {
        auto compiled = probes::compile_probe(site, co);
        if (!compiled) {
            if (!site.usdt) return compiled.error();
            return compiled.error().prefixed(
                fmt::format("USDT probe {} at 0x{:x}: ", site.function, site.vaddr));
        }
        out.push_back(Plan{std::move(site), std::move(*compiled)});
    }
    return out;
}

bool thread_exists(uint32_t pid, uint32_t tid) {
    struct stat st {};
    return ::stat(fmt::format("/proc/{}/task/{}", pid, tid).c_str(), &st) == 0;
}

bool process_exists(uint32_t pid) {
    struct stat st {};
    return ::stat(fmt::format("/proc/{}", pid).c_str(), &st) == 0;
}

Status set_byte_cap(std::string_view value, uint32_t max, uint32_t& out) {
    auto n = parse_size(value);
    if (!n || *n == 0 || *n > max) {
        return make_error(ErrorKind::Usage, "'{}' is not a byte count from 1 to {}", value, max);
    }
    out = static_cast<uint32_t>(*n);
    return {};
}

bool probe_selected(const Options& o) {
    return std::any_of(o.traces.begin(), o.traces.end(), [](const std::string& t) {
        const TraceInfo* info = find_trace(t);
        return info != nullptr && info->name == "probe";
    });
}

// A malformed spec is a usage error at once; finding files and functions waits
// for the run.
constexpr OptionDef kOptions[] = {
    {.flag = "--probe",
     .value = "SPEC",
     .help = "Probe a user-space function (repeatable): 'FILE:FUNCTION(TYPE NAME, ...) "
             "ret:TYPE'; see docs/PROBES.md",
     .apply = [](std::string_view value, Options& o) -> Status {
         auto spec = probes::parse_probe_spec(value);
         if (!spec) return Error{spec.error().message, ErrorKind::Usage};
         o.settings.get<ProbeSettings>().specs.emplace_back(value);
         return {};
     },
     .list = true,
     .error_names_value = true},
    {.flag = "--probe-mode",
     .value = "MODE",
     .help = "call: one record per call (default); split: entry and return records; "
             "entry: entry records only",
     .apply = [](std::string_view value, Options& o) -> Status {
         auto mode = probes::parse_probe_mode(value);
         if (!mode) return Error{mode.error().message, ErrorKind::Usage};
         o.settings.get<ProbeSettings>().mode = value;
         return {};
     }},
    {.flag = "--probe-str-max",
     .value = "N",
     .help = "Characters kept of a str value (default 128, at most 2046)",
     .apply =
         [](std::string_view value, Options& o) {
             return set_byte_cap(value, probes::kMaxStrMax,
                                 o.settings.get<ProbeSettings>().str_max);
         }},
    {.flag = "--probe-buf-max",
     .value = "N",
     .help = "Bytes kept of a buf value (default 256, at most 2048)",
     .apply =
         [](std::string_view value, Options& o) {
             return set_byte_cap(value, probes::kMaxBufMax,
                                 o.settings.get<ProbeSettings>().buf_max);
         }},
};

// --probe alone runs the probes only; with --trace, the probes as well.
Status finish_probe_options(Options& o) {
    bool selected = probe_selected(o);
    bool any = !o.settings.value<ProbeSettings>().specs.empty();
    if (selected && !any) {
        return make_error(ErrorKind::Usage, "--trace probe: needs at least one --probe SPEC");
    }
    if (any && !selected) o.traces.emplace_back("probe");
    return {};
}

}  // namespace

extern const TraceDef probe_trace{
    .info =
        {
            .name = "probe",
            .summary =
                "dynamic probes on user-space functions (--probe SPEC): args, return, latency",
            .hooks = "uprobe + uretprobe per --probe (one generic program pair); Go functions: "
                     "uprobes at the entry and at every RET, never a uretprobe",
            .id = PL_TRACE_PROBE,
            .default_on = false,
            .fail_run = true,
        },
    .options = kOptions,
    // Probe records are described at run time: the trace registers their
    // decoder with its table of probes (bind()).
    .make = []() -> std::unique_ptr<Trace> { return std::make_unique<ProbeTrace>(); },
    .finish_options = &finish_probe_options,
};

const TraceInfo& ProbeTrace::info() const {
    return probe_trace.info;
}

Status ProbeTrace::start(const TraceContext& context) {
    bpf::Runtime& runtime = context.runtime;
    ProbeSettings settings = context.settings.value<ProbeSettings>();
    if (settings.specs.empty()) {
        return make_error(ErrorKind::Usage, "--trace probe needs at least one --probe SPEC");
    }
    if (settings.specs.size() > PL_PROBE_CONFIG_MAX) {
        return make_error(ErrorKind::Usage, "at most {} --probe specs per run",
                          PL_PROBE_CONFIG_MAX);
    }
    auto mode = probes::parse_probe_mode(settings.mode);
    if (!mode) return mode.error();
    probes::CompileOptions co{*mode, settings.str_max, settings.buf_max};
    probes::ResolveOptions ro;
    if (!context.uprobe_pids.empty()) {
        ro.pid = static_cast<int>(context.uprobe_pids[0]);
    } else {
        ro.pid = context.files_pid;
    }

    // Everything is resolved before anything is attached.
    std::vector<Plan> plans;
    auto table = std::make_unique<decode::ProbeTable>();
    for (const std::string& text : settings.specs) {
        auto spec_plans = plan_probe(text, ro, co, settings.default_rate_per_s);
        if (!spec_plans) return make_error("--probe '{}': {}", text, spec_plans.error().message);
        if (plans.size() + spec_plans->size() > PL_PROBE_CONFIG_MAX) {
            return make_error(ErrorKind::Usage,
                              "--probe '{}': more than {} probes (USDT sites count one each)", text,
                              PL_PROBE_CONFIG_MAX);
        }
        // The sites of a USDT probe share one rate limit: the first site's.
        auto first_site = static_cast<uint16_t>(plans.size() + 1);
        for (Plan& plan : *spec_plans) {
            if (plan.resolved.usdt) plan.compiled.config.rate_shared = first_site;
            const probes::ResolvedProbe& r = plan.resolved;
            const probes::CompiledProbe& c = plan.compiled;
            for (const std::string& note : r.notes)
                fmt::print(stderr, "probelog: --probe '{}': note: {}\n", text, note);
            for (const std::string& note : c.notes)
                fmt::print(stderr, "probelog: --probe '{}': note: {}\n", text, note);
            if (r.go && r.spec.ret && !c.ret_probe_offsets.empty()) {
                fmt::print(
                    stderr,
                    "probelog: --probe '{}': note: {} is a Go function: its return is read by "
                    "uprobes on its {} RET instruction{}, not by a uretprobe (which would "
                    "crash the program when the Go runtime moves the goroutine's stack)\n",
                    text, r.function, c.ret_probe_offsets.size(),
                    c.ret_probe_offsets.size() == 1 ? "" : "s");
            }
            if (runtime.verbose()) {
                std::string how = c.attach_return ? ", with return" : "";
                if (r.go) {
                    how = fmt::format(
                        ", Go function ({}; g.stack.hi at +{} from {}), entry probe at +{}",
                        r.go_version.empty() ? "version unknown" : r.go_version, r.g_stack_hi,
                        r.g_stack_hi_from, r.entry_skip);
                    if (!c.ret_probe_offsets.empty()) {
                        how += fmt::format(", return at {} RET instruction(s)",
                                           c.ret_probe_offsets.size());
                    }
                }
                if (r.usdt) {
                    std::string recipe;
                    for (const probes::UsdtArg& a : r.usdt_args)
                        recipe += (recipe.empty() ? "" : " ") + a.text;
                    how = fmt::format(", USDT arguments '{}', semaphore {}", recipe,
                                      r.ref_ctr_offset != 0
                                          ? fmt::format("at file offset 0x{:x}", r.ref_ctr_offset)
                                          : std::string("none"));
                }
                fmt::print(
                    stderr,
                    "probelog: probe {}: {} at 0x{:x} (file offset 0x{:x}), values from {}{}\n",
                    r.name, r.binary, r.vaddr, r.file_offset, r.params_from, how);
            }
            table->probes.push_back(plan.compiled.info);
            plans.push_back(std::move(plan));
        }
    }

    auto skel = runtime.open<pl_uprobe>("uprobe", PL_TRACE_PROBE);
    if (!skel) return skel.error();
    if (Status st = skel->object().load(runtime.verbose()); !st) return st;
    pl_uprobe* s = skel->operator->();
    maps_ = Maps{s->maps.probe_calls, s->maps.probe_calls_data};
    bpf::Map<uint32_t, pl_probe_config> configs(s->maps.pl_probe_configs);
    for (uint32_t id = 0; id < plans.size(); ++id) {
        if (Status st = configs.update(id, plans[id].compiled.config); !st) return st;
    }
    bpf_program* entry_program = s->progs.pl_probe_entry;
    bpf_program* return_program = s->progs.pl_probe_return;
    object_.emplace(std::move(skel->object()));

    std::vector<int> pids;
    pids.reserve(context.uprobe_pids.size() + 1);
    for (uint32_t pid : context.uprobe_pids)
        pids.push_back(static_cast<int>(pid));
    if (pids.empty()) pids.push_back(-1);
    for (uint32_t id = 0; id < plans.size(); ++id) {
        const Plan& plan = plans[id];
        auto attach = [&](bpf_program* program, const bpf::UprobeTarget& target) -> Status {
            if (Status st = object_->attach_uprobe(program, target); !st) {
                return st.error().prefixed(fmt::format("--probe '{}': ", plan.resolved.spec.text));
            }
            return {};
        };
        for (int pid : pids) {
            bpf::UprobeTarget target{plan.resolved.binary, plan.resolved.file_offset, pid, false,
                                     id};
            target.ref_ctr_offset = plan.resolved.ref_ctr_offset;
            if (Status st = attach(entry_program, target); !st) return st;
            // Go: the return program as a plain uprobe on every RET.
            for (uint64_t ret_offset : plan.compiled.ret_probe_offsets) {
                bpf::UprobeTarget at{plan.resolved.binary, ret_offset, pid, false, id};
                if (Status st = attach(return_program, at); !st) return st;
            }
            if (!plan.compiled.attach_return) continue;
            target.retprobe = true;
            if (Status st = attach(return_program, target); !st) return st;
        }
    }
    for (const Plan& plan : plans)
        by_goroutine_.push_back(plan.resolved.go);
    std::vector<ProbeStats::Probe> stat_probes;
    for (const Plan& plan : plans) {
        const probes::ProbeClauses& clauses = plan.resolved.spec.clauses;
        stat_probes.push_back({plan.compiled.info.name, clauses.rate_per_s, !clauses.cond.empty()});
    }
    stats_.emplace(s->maps.probe_stats, std::move(stat_probes), context.metrics);
    if (context.metrics != nullptr) {
        auto& latency = context.metrics->histogram(
            "probelog_probe_latency_seconds", "Call latency per --probe (entry to return)",
            {"probe"}, metrics::exponential_buckets(1e-6, 4, 12));
        for (const decode::ProbeInfo& probe : table->probes)
            latency_metric_.push_back(&latency.labels({probe.name}));
    }
    table_ = std::move(table);
    next_sweep_ = std::chrono::steady_clock::now() + kSweepEvery;
    context.join_loop(this);
    return {};
}

void ProbeTrace::bind(Pipeline& pipeline) {
    if (table_) {
        pipeline.decoder().add(PL_EVENT_PROBE, "probe", &decode::decode_probe_thunk, table_.get());
    }
    // Observes every probe record: one count per call, and the
    // latency when the record has one (call and return records).
    pipeline.add_tap([this](const Record& r) {
        if (!stats_ || r.trace() != PL_TRACE_PROBE || r.event_type() != "probe") return;
        const Field* stage = r.find("stage");
        // Split mode: the entry record counts the call, the return record times it.
        if (stage == nullptr || stage->value.str != "return") stats_->delivered(r.source());
        if (r.source() >= latency_metric_.size()) return;
        if (const Field* lat = r.find("latency_ns"); lat != nullptr) {
            latency_metric_[r.source()]->observe(static_cast<double>(lat->value.u) / 1e9);
        }
    });
}

void ProbeTrace::finish(Pipeline& pipeline) {
    if (!stats_) return;
    stats_->update(pipeline, true);
    for (const std::string& line : stats_->summary())
        fmt::print(stderr, "probelog: {}\n", line);
}

void ProbeTrace::tick(Pipeline& pipeline) {
    if (stats_) stats_->update(pipeline, false);
    auto now = std::chrono::steady_clock::now();
    if (!object_ || now < next_sweep_) return;
    next_sweep_ = now + kSweepEvery;
    sweep_calls();
}

template <typename Value>
void ProbeTrace::sweep(bpf_map* map) {
    // The value starts with the event's fixed part, whose header names the thread.
    bpf::Map<pl_probe_call_key, Value> calls(map);
    std::vector<pl_probe_call_key> stale;
    calls.for_each([&](const pl_probe_call_key& key, const Value& value) {
        pl_event_header hdr{};
        std::memcpy(&hdr, &value, sizeof(hdr));
        // A goroutine moves between threads: its call is stale only when its
        // process is gone.
        bool go = key.probe_id < by_goroutine_.size() && by_goroutine_[key.probe_id];
        if (go ? !process_exists(hdr.pid) : !thread_exists(hdr.pid, hdr.tid)) stale.push_back(key);
    });
    for (const pl_probe_call_key& k : stale)
        calls.erase(k);
}

void ProbeTrace::sweep_calls() {
    sweep<pl_probe_call_head>(maps_.calls);
    sweep<pl_probe_event>(maps_.calls_data);
}

}  // namespace probelog
