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
#include "probes/spec.hpp"
#include "traces/probe_plan.hpp"

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

ProbeTrace::ProbeTrace() = default;

ProbeTrace::~ProbeTrace() {
    // The links before the object that holds their programs.
    for (Live& probe : live_)
        probe.links.clear();
}

const TraceInfo& ProbeTrace::info() const {
    return probe_trace.info;
}

Status ProbeTrace::start(const TraceContext& context) {
    bpf::Runtime& runtime = context.runtime;
    ProbeSettings settings = context.settings.value<ProbeSettings>();
    if (settings.specs.empty() && !settings.live) {
        return make_error(ErrorKind::Usage, "--trace probe needs at least one --probe SPEC");
    }
    auto mode = probes::parse_probe_mode(settings.mode);
    if (!mode) return mode.error();
    compile_ = probes::CompileOptions{*mode, settings.str_max, settings.buf_max};
    if (!context.uprobe_pids.empty()) {
        resolve_.pid = static_cast<int>(context.uprobe_pids[0]);
    } else {
        resolve_.pid = context.files_pid;
    }
    default_rate_ = settings.default_rate_per_s;
    verbose_ = runtime.verbose();
    metrics_ = context.metrics;
    for (uint32_t pid : context.uprobe_pids)
        pids_.push_back(static_cast<int>(pid));
    if (pids_.empty()) pids_.push_back(-1);

    // Every --probe is resolved before anything is loaded or attached: a
    // mistake in one costs no kernel work.
    std::vector<Live> initial;
    for (const std::string& text : settings.specs) {
        auto prepared = prepare(ProbeRequest{text, {}, {}, true});
        if (!prepared) return make_error("--probe '{}': {}", text, prepared.error().message);
        initial.push_back(std::move(*prepared));
    }

    auto skel = runtime.open<pl_uprobe>("uprobe", PL_TRACE_PROBE);
    if (!skel) return skel.error();
    if (Status st = skel->object().load(runtime.verbose()); !st) return st;
    pl_uprobe* s = skel->operator->();
    calls_ = s->maps.probe_calls;
    calls_data_ = s->maps.probe_calls_data;
    configs_ = s->maps.pl_probe_configs;
    rates_ = s->maps.probe_rate;
    entry_program_ = s->progs.pl_probe_entry;
    return_program_ = s->progs.pl_probe_return;
    object_.emplace(std::move(skel->object()));
    table_ = std::make_unique<decode::ProbeTable>();
    table_->probes.resize(PL_PROBE_CONFIG_MAX);
    by_goroutine_.assign(PL_PROBE_CONFIG_MAX, false);
    latency_metric_.assign(PL_PROBE_CONFIG_MAX, nullptr);
    stats_.emplace(s->maps.probe_stats, context.metrics);

    // --probe specs keep their own names, shared by specs on one function
    // (one summary line, one set of series, as before probes came live).
    for (Live& probe : initial) {
        if (Status st = install(probe); !st) {
            return make_error("--probe '{}': {}", probe.request.spec, st.error().message);
        }
        live_.push_back(std::move(probe));
    }
    next_sweep_ = std::chrono::steady_clock::now() + kSweepEvery;
    context.join_loop(this);
    return {};
}

size_t ProbeTrace::hook_count() const {
    size_t n = 0;
    for (const Live& probe : live_)
        n += probe.links.size();
    return n;
}

Status ProbeTrace::stop_records() {
    return object_ ? object_->stop_records() : Status{};
}

Status ProbeTrace::resume_records() {
    return object_ ? object_->resume_records() : Status{};
}

void ProbeTrace::detach(std::vector<bpf::Link>& released) {
    for (Live& probe : live_) {
        for (bpf::Link& link : probe.links)
            released.push_back(std::move(link));
        probe.links.clear();
    }
}

bool ProbeTrace::has_probe(std::string_view name) const {
    return std::any_of(live_.begin(), live_.end(),
                       [&](const Live& p) { return p.request.name == name; });
}

ProbeTrace::Live* ProbeTrace::find(std::string_view name) {
    for (Live& probe : live_) {
        if (probe.request.name == name) return &probe;
    }
    return nullptr;
}

std::string ProbeTrace::unique_name(const std::string& wanted) const {
    if (!has_probe(wanted)) return wanted;
    for (int k = 2;; ++k) {
        std::string n = fmt::format("{}#{}", wanted, k);
        if (!has_probe(n)) return n;
    }
}

// Parses, resolves and compiles (no kernel work); the name is the request's,
// else the spec's own.
Result<ProbeTrace::Live> ProbeTrace::prepare(const ProbeRequest& request) {
    auto plans = plan_probe(request.spec, resolve_, compile_, default_rate_);
    if (!plans) return plans.error();
    for (const ProbePlan& plan : *plans) {
        for (const std::string& line : plan_notes(plan, verbose_)) {
            if (line.starts_with("note: ")) {
                fmt::print(stderr, "probelog: --probe '{}': {}\n", request.spec, line);
            } else {
                fmt::print(stderr, "probelog: {}\n", line);
            }
        }
    }
    Live probe;
    probe.request = request;
    probe.named = !request.name.empty();
    if (!probe.named) probe.request.name = plans->front().compiled.info.name;
    probe.plans = std::move(*plans);
    return probe;
}

// `n` probe ids: fresh ones first, then those of removed probes, oldest
// first (whose records have long been read).
Result<std::vector<uint32_t>> ProbeTrace::take_ids(size_t n) {
    size_t fresh = PL_PROBE_CONFIG_MAX - next_fresh_id_;
    if (n > fresh + free_ids_.size()) {
        return make_error(ErrorKind::Usage,
                          "{} probe site(s) asked for, {} left: at most {} at once (a USDT probe "
                          "counts one per site); remove a probe first",
                          n, fresh + free_ids_.size(), PL_PROBE_CONFIG_MAX);
    }
    std::vector<uint32_t> ids;
    while (ids.size() < n && next_fresh_id_ < PL_PROBE_CONFIG_MAX)
        ids.push_back(next_fresh_id_++);
    while (ids.size() < n) {
        ids.push_back(free_ids_.front());
        free_ids_.pop_front();
    }
    return ids;
}

// Gives the prepared probe its ids, writes their configs and the decoder's
// and metrics' view of them, and attaches it if enabled.
Status ProbeTrace::install(Live& probe) {
    auto ids = take_ids(probe.plans.size());
    if (!ids) return ids.error();
    probe.ids = std::move(*ids);
    bpf::Map<uint32_t, pl_probe_config> configs(configs_);
    bpf::Map<uint32_t, pl_probe_rate> rates(rates_);
    // The sites of a USDT probe share one rate limit: the first site's.
    auto first_site = static_cast<uint16_t>(probe.ids.front() + 1);
    for (size_t i = 0; i < probe.plans.size(); ++i) {
        ProbePlan& plan = probe.plans[i];
        uint32_t id = probe.ids[i];
        if (plan.resolved.usdt) plan.compiled.config.rate_shared = first_site;
        // A wildcard USDT spec's sites keep each their probe's name.
        if (probe.named) plan.compiled.info.name = probe.request.name;
        plan.compiled.info.policy = probe.request.policy;
        (void)rates.update(id, pl_probe_rate{});
        if (Status st = configs.update(id, plan.compiled.config); !st) {
            free_ids_.insert(free_ids_.end(), probe.ids.begin(), probe.ids.end());
            return st;
        }
        table_->probes[id] = plan.compiled.info;
        by_goroutine_[id] = plan.resolved.go;
        if (metrics_ != nullptr) {
            auto& latency = metrics_->histogram(
                "probelog_probe_latency_seconds", "Call latency per --probe (entry to return)",
                {"probe"}, metrics::exponential_buckets(1e-6, 4, 12));
            latency_metric_[id] = &latency.labels({probe.request.name});
        }
    }
    if (probe.request.enabled) {
        if (Status st = attach(probe); !st) {
            retire(probe);
            return st;
        }
    }
    const probes::ProbeClauses& clauses = probe.plans.front().resolved.spec.clauses;
    ProbeStats::Probe counted{{}, clauses.rate_per_s, !clauses.cond.empty()};
    // One group per record name, in site order.
    for (size_t i = 0; i < probe.plans.size();) {
        counted.name = probe.plans[i].compiled.info.name;
        std::vector<uint32_t> group_ids;
        for (; i < probe.plans.size() && probe.plans[i].compiled.info.name == counted.name; ++i)
            group_ids.push_back(probe.ids[i]);
        stats_->add(counted, group_ids);
    }
    return {};
}

// Every site's entry program (and return: a uretprobe, or for Go plain
// uprobes on every RET), for every --pid; all or nothing.
Status ProbeTrace::attach(Live& probe) {
    std::vector<bpf::Link> links;
    auto link = [&](bpf_program* program, const bpf::UprobeTarget& target) -> Status {
        auto made = object_->uprobe_link(program, target);
        if (!made) return made.error();
        links.push_back(std::move(*made));
        return {};
    };
    for (size_t i = 0; i < probe.plans.size(); ++i) {
        const ProbePlan& plan = probe.plans[i];
        uint32_t id = probe.ids[i];
        for (int pid : pids_) {
            bpf::UprobeTarget target{plan.resolved.binary, plan.resolved.file_offset, pid, false,
                                     id};
            target.ref_ctr_offset = plan.resolved.ref_ctr_offset;
            Status st = link(entry_program_, target);
            for (uint64_t ret_offset : plan.compiled.ret_probe_offsets) {
                if (!st) break;
                st = link(return_program_,
                          bpf::UprobeTarget{plan.resolved.binary, ret_offset, pid, false, id});
            }
            if (st && plan.compiled.attach_return) {
                target.retprobe = true;
                st = link(return_program_, target);
            }
            if (!st) {
                bpf::release_links(links);
                return st;
            }
        }
    }
    probe.links = std::move(links);
    return {};
}

// A probe is gone: its hooks are detached (waiting for the kernel, so that
// none of its programs runs after), its calls in flight dropped, and its ids
// wait at the end of the free list.
void ProbeTrace::retire(Live& probe) {
    bpf::release_links(probe.links);
    sweep_calls(probe.ids);
    free_ids_.insert(free_ids_.end(), probe.ids.begin(), probe.ids.end());
}

Result<std::string> ProbeTrace::add_probe(const ProbeRequest& request, bool replace) {
    if (!object_) return make_error("the probe trace is not running");
    Live* old = replace && !request.name.empty() ? find(request.name) : nullptr;
    if (!old && !request.name.empty() && has_probe(request.name)) {
        return make_error(ErrorKind::Usage,
                          "a probe named '{}' is running; remove it first or choose another name",
                          request.name);
    }
    auto prepared = prepare(request);
    if (!prepared) return prepared.error();
    Live probe = std::move(*prepared);
    if (old == nullptr && !probe.named) {
        // A second probe of a running one's name: told apart in records too.
        std::string unique = unique_name(probe.request.name);
        probe.named = unique != probe.request.name;
        probe.request.name = unique;
    }
    if (Status st = install(probe); !st) return st.error();
    std::string name = probe.request.name;
    if (old != nullptr) {
        // Make before break: the new hooks are attached; now the old ones go.
        retire(*old);
        *old = std::move(probe);
    } else {
        live_.push_back(std::move(probe));
    }
    return name;
}

Status ProbeTrace::remove_probe(std::string_view name) {
    auto it = std::find_if(live_.begin(), live_.end(),
                           [&](const Live& p) { return p.request.name == name; });
    if (it == live_.end()) return make_error(ErrorKind::NotFound, "no probe named '{}'", name);
    retire(*it);
    live_.erase(it);
    return {};
}

Status ProbeTrace::enable_probe(std::string_view name, bool enabled) {
    Live* probe = find(name);
    if (probe == nullptr) return make_error(ErrorKind::NotFound, "no probe named '{}'", name);
    if (probe->request.enabled == enabled) return {};
    if (enabled) {
        if (Status st = attach(*probe); !st) return st;
    } else {
        bpf::release_links(probe->links);
    }
    probe->request.enabled = enabled;
    return {};
}

Status ProbeTrace::check_probe(const std::string& spec) const {
    auto plans = plan_probe(spec, resolve_, compile_, default_rate_);
    if (!plans) return plans.error();
    return {};
}

std::vector<ProbeView> ProbeTrace::probes() const {
    std::vector<ProbeView> out;
    for (const Live& probe : live_) {
        ProbeView v{probe.request.name,    probe.request.spec, probe.request.policy,
                    probe.request.enabled, probe.links.size(), {}};
        if (stats_) v.totals = stats_->totals(probe.request.name).value_or(ProbeStats::Totals{});
        out.push_back(std::move(v));
    }
    return out;
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
        if (r.source() >= latency_metric_.size() || latency_metric_[r.source()] == nullptr) return;
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
void ProbeTrace::sweep(bpf_map* map, const std::vector<uint32_t>& removed_ids) {
    // The value starts with the event's fixed part, whose header names the thread.
    bpf::Map<pl_probe_call_key, Value> calls(map);
    std::vector<pl_probe_call_key> stale;
    calls.for_each([&](const pl_probe_call_key& key, const Value& value) {
        if (std::find(removed_ids.begin(), removed_ids.end(), key.probe_id) != removed_ids.end()) {
            stale.push_back(key);
            return;
        }
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

void ProbeTrace::sweep_calls(const std::vector<uint32_t>& removed_ids) {
    sweep<pl_probe_call_head>(calls_, removed_ids);
    sweep<pl_probe_event>(calls_data_, removed_ids);
}

}  // namespace probelog
