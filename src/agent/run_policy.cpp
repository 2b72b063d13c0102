// Policies (docs/POLICIES.md): the set loaded at start is applied once the
// event loop exists; when a policy file changes (inotify on their
// directories) or on SIGHUP the files are read again, and the difference is
// applied: what is new or changed is attached before what is gone is
// detached, a changed probe is replaced make-before-break, and what did not
// change keeps running untouched. A set with any problem (in a file, or when
// attaching) is refused whole: the running set stays, the problems are said
// one line each, and the refusal is a record and a metric.
#include <fmt/format.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "agent/run.hpp"
#include "common/clock.hpp"
#include "common/option_def.hpp"

namespace probelog {
namespace {

// Files may be written in several steps: the reload waits for this much quiet.
constexpr auto kSettle = std::chrono::milliseconds(200);

const policy::Policy* find_policy(const policy::PolicySet& set, const std::string& name) {
    for (const policy::Policy& p : set.policies) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

const policy::TraceItem* find_trace_item(const policy::PolicySet& set, const policy::ItemKey& key) {
    if (const policy::Policy* p = find_policy(set, key.policy)) {
        for (const policy::TraceItem& t : p->traces) {
            if (t.name == key.name) return &t;
        }
    }
    return nullptr;
}

const policy::ProbeItem* find_probe_item(const policy::PolicySet& set, const policy::ItemKey& key) {
    if (const policy::Policy* p = find_policy(set, key.policy)) {
        for (const policy::ProbeItem& t : p->probes) {
            if (t.name == key.name) return &t;
        }
    }
    return nullptr;
}

std::string where(const policy::Location& at) {
    return fmt::format("{}:{}", at.file, at.line);
}

}  // namespace

// The filters of a set: those of the policies that have any, which must all
// be the same (they are the agent's kernel filter).
Result<policy::Filters> policy_filters(const policy::PolicySet& set) {
    const policy::Policy* first = nullptr;
    for (const policy::Policy& p : set.policies) {
        if (p.filters == policy::Filters{}) continue;
        if (first == nullptr) {
            first = &p;
        } else if (!(p.filters == first->filters)) {
            return make_error(
                ErrorKind::Usage,
                "{}: filters differ from those of policy '{}' ({}): the filters are the agent's "
                "kernel filter, one set for every policy; give them the same filters or run "
                "another agent",
                p.file, first->name, first->file);
        }
    }
    if (first == nullptr) return policy::Filters{};
    const policy::Filters& f = first->filters;
    if (f.comms.size() > 1 || f.cgroups.size() > 1) {
        return make_error(ErrorKind::Usage,
                          "{}: the kernel filter holds one comm and one cgroup; give one each",
                          first->file);
    }
    return f;
}

Status merge_policy_filters(const policy::PolicySet& set, Options& o) {
    auto f = policy_filters(set);
    if (!f) return f.error();
    o.pids.insert(o.pids.end(), f->pids.begin(), f->pids.end());
    if (!f->comms.empty()) {
        if (!o.comm.empty() && o.comm != f->comms[0]) {
            return make_error(ErrorKind::Usage, "--comm {} and a policy's comm {} disagree", o.comm,
                              f->comms[0]);
        }
        o.comm = f->comms[0];
    }
    if (!f->cgroups.empty()) {
        if (!o.cgroup.empty() && o.cgroup != f->cgroups[0]) {
            return make_error(ErrorKind::Usage, "--cgroup {} and a policy's cgroup {} disagree",
                              o.cgroup, f->cgroups[0]);
        }
        o.cgroup = f->cgroups[0];
    }
    for (const std::string& c : f->containers)
        o.containers.names_or_ids.push_back(c);
    return {};
}

Status Run::start_policies() {
    if (!has_policies()) return {};
    auto& reloads = registry_.counter("probelog_policy_reloads_total",
                                      "Policy sets applied or refused (a problem in a file, or "
                                      "in attaching), at start and at each change",
                                      {"result"});
    policy_applied_ = &reloads.labels({"applied"});
    policy_refused_ = &reloads.labels({"refused"});
    policy::PolicySet initial = std::move(policies_);
    policies_ = {};
    std::vector<std::string> problems = apply_policies(initial);
    if (!problems.empty()) {
        for (const std::string& p : problems)
            say(p);
        return make_error(ErrorKind::Usage,
                          "the policies could not be applied ({} problem(s) above)",
                          problems.size());
    }
    // Watch the directories: editors and ConfigMap updates replace files.
    policy_watch_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!policy_watch_.valid()) return errno_error(errno, "inotify: {}", std::strerror(errno));
    std::vector<std::string> dirs = o_.policy_dirs;
    for (const std::string& file : o_.policy_files) {
        size_t slash = file.rfind('/');
        dirs.push_back(slash == std::string::npos ? "." : file.substr(0, slash + 1));
    }
    for (const std::string& dir : dirs) {
        constexpr uint32_t kEvents =
            IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB;
        if (::inotify_add_watch(policy_watch_.get(), dir.c_str(), kEvents) < 0) {
            return errno_error(errno, "cannot watch {} for policy changes: {}", dir,
                               std::strerror(errno));
        }
    }
    if (Status st = loop_->add(policy_watch_.get()); !st) return st;
    report_policy(true, nullptr, {});
    return {};
}

// The watch saw a change: reload once the files have been quiet for kSettle.
void Run::poll_policy_watch() {
    if (policy_watch_.valid()) {
        char buf[4096];
        bool changed = false;
        while (::read(policy_watch_.get(), buf, sizeof(buf)) > 0)
            changed = true;
        if (changed) policy_reload_due_ = Clock::now() + kSettle;
    }
    if (Clock::now() >= policy_reload_due_) {
        policy_reload_due_ = Clock::time_point::max();
        reload_policies("a policy file changed");
    }
}

void Run::reload_policies(std::string_view why) {
    policy::Loaded loaded = policy::load_policies(o_.policy_files, o_.policy_dirs);
    std::vector<std::string> problems = loaded.problems;
    if (problems.empty()) {
        auto before = policy_filters(policies_);
        auto after = policy_filters(loaded.set);
        if (!after) {
            problems.push_back(after.error().message);
        } else if (before && !(*before == *after)) {
            problems.emplace_back(
                "the filters changed: they are the agent's kernel filter, read at start; "
                "restart probelog to change them");
        }
    }
    if (problems.empty()) {
        policy::Diff d = policy::diff(policies_, loaded.set);
        if (d.empty()) {
            policies_ = std::move(loaded.set);  // only locations moved
            return;
        }
        problems = apply_policies(loaded.set);
        if (problems.empty()) {
            say(fmt::format("policies applied ({}): {} added, {} changed, {} removed", why,
                            d.added.size(), d.changed.size(), d.removed.size()));
            report_policy(true, &d, {});
            return;
        }
    }
    for (const std::string& p : problems)
        say(p);
    say(fmt::format("policies refused ({}): {} problem(s); what runs is unchanged", why,
                    problems.size()));
    report_policy(false, nullptr, problems);
}

Result<TraceSettings*> Run::policy_trace_settings(const policy::TraceItem& item) {
    Options copy = o_;
    if (const TraceDef* def = find_trace_def(item.trace)) {
        for (const auto& [key, value] : item.options) {
            for (const OptionDef& opt : def->options) {
                if (config_key(opt) != key) continue;
                if (Status st = opt.apply(value, copy); !st) {
                    return make_error("{}: trace {}: {}: {}", where(item.at), item.trace, key,
                                      st.error().message);
                }
            }
        }
    }
    TraceSettings& s = policy_settings_[item.trace];
    s = copy.settings;
    ProbeSettings& probes = s.get<ProbeSettings>();
    probes.specs.clear();
    probes.live = true;
    return &s;
}

std::vector<std::string> Run::apply_policies(const policy::PolicySet& next) {
    policy::Diff d = policy::diff(policies_, next);
    std::vector<std::string> problems;
    // First what can be checked without touching the kernel.
    std::vector<policy::ItemKey> attach = d.added;
    attach.insert(attach.end(), d.changed.begin(), d.changed.end());
    bool any_probe = std::any_of(attach.begin(), attach.end(), [](const policy::ItemKey& k) {
        return k.kind == policy::ItemKind::Probe;
    });
    ProbeTrace* probes = nullptr;
    if (any_probe) {
        auto started = probe_trace(true);
        if (!started) return {fmt::format("probes: {}", started.error().message)};
        probes = *started;
    }
    for (const policy::ItemKey& key : attach) {
        if (key.kind == policy::ItemKind::Probe) {
            const policy::ProbeItem* item = find_probe_item(next, key);
            if (Status st = probes->check_probe(item->spec); !st) {
                problems.push_back(fmt::format("{}: probe {}: {}", where(item->at), item->name,
                                               st.error().message));
            }
            bool ours = find_probe_item(policies_, key) != nullptr;
            if (!ours && probes->has_probe(item->name)) {
                problems.push_back(fmt::format(
                    "{}: probe {}: the name is taken by a running probe (--probe, probelog ctl or "
                    "another policy); rename it",
                    where(item->at), item->name));
            }
        } else {
            const policy::TraceItem* item = find_trace_item(next, key);
            auto owner = trace_policy_.find(item->trace);
            bool ours = owner != trace_policy_.end() && owner->second == key.policy;
            if (!ours && running_trace(item->trace) != nullptr) {
                problems.push_back(fmt::format(
                    "{}: trace {} runs already (--trace, probelog ctl or another policy)",
                    where(item->at), item->trace));
            }
        }
    }
    if (!problems.empty()) return problems;

    // Then attach what is new or changed, undoing it all if anything fails.
    std::vector<std::function<void()>> undo;
    auto fail = [&](std::string problem) {
        for (auto it = undo.rbegin(); it != undo.rend(); ++it)
            (*it)();
        return std::vector<std::string>{std::move(problem)};
    };
    auto start_trace = [&](const policy::TraceItem& item, const std::string& owner) -> Status {
        auto settings = policy_trace_settings(item);
        if (!settings) return settings.error();
        if (Status st = start_trace_live(item.trace, *settings); !st) return st;
        trace_policy_[item.trace] = owner;
        if (const TraceInfo* info = find_trace(item.trace))
            pipeline_->set_trace_policy(info->id, owner);
        if (!item.enabled) {
            if (Status st = running_trace(item.trace)->stop_records(); !st) return st;
            paused_.insert(item.trace);
        }
        return {};
    };
    auto stop_trace = [&](const std::string& trace) {
        (void)stop_trace_live(trace);
        trace_policy_.erase(trace);
        if (const TraceInfo* info = find_trace(trace)) pipeline_->set_trace_policy(info->id, "");
    };
    for (const policy::ItemKey& key : attach) {
        bool changed = std::find(d.changed.begin(), d.changed.end(), key) != d.changed.end();
        if (key.kind == policy::ItemKind::Probe) {
            const policy::ProbeItem* item = find_probe_item(next, key);
            ProbeRequest req{item->spec, item->name, key.policy, item->enabled};
            auto added = probes->add_probe(req, changed);
            if (!added) {
                return fail(fmt::format("{}: probe {}: {}", where(item->at), item->name,
                                        added.error().message));
            }
            if (changed) {
                const policy::ProbeItem* old = find_probe_item(policies_, key);
                ProbeRequest back{old->spec, old->name, key.policy, old->enabled};
                undo.emplace_back([probes, back] { (void)probes->add_probe(back, true); });
            } else {
                undo.emplace_back(
                    [probes, name = item->name] { (void)probes->remove_probe(name); });
            }
        } else {
            const policy::TraceItem* item = find_trace_item(next, key);
            if (changed) {
                const policy::TraceItem* old = find_trace_item(policies_, key);
                stop_trace(old->trace);
                undo.emplace_back([&, old, owner = key.policy] { (void)start_trace(*old, owner); });
            }
            if (Status st = start_trace(*item, key.policy); !st) {
                return fail(fmt::format("{}: trace {}: {}", where(item->at), item->trace,
                                        st.error().message));
            }
            undo.emplace_back([&, trace = item->trace] { stop_trace(trace); });
        }
    }
    // Last, detach what is gone.
    for (const policy::ItemKey& key : d.removed) {
        if (key.kind == policy::ItemKind::Probe) {
            if (auto p = probe_trace(false)) (void)(*p)->remove_probe(key.name);
        } else if (const policy::TraceItem* item = find_trace_item(policies_, key)) {
            stop_trace(item->trace);
        }
    }
    policies_ = next;
    return {};
}

// A record of what happened (event_type "policy") and the metric.
void Run::report_policy(bool applied, const policy::Diff* diff,
                        const std::vector<std::string>& problems) {
    (applied ? policy_applied_ : policy_refused_)->inc();
    begin_record(policy_record_, "policy", PL_TRACE_NONE, realtime_now_ns());
    policy_record_.add_str("action", applied ? "applied" : "refused");
    size_t items = 0;
    for (const policy::Policy& p : policies_.policies)
        items += p.traces.size() + p.probes.size();
    policy_record_.add_uint("policies", policies_.policies.size());
    policy_record_.add_uint("items", items);
    if (diff != nullptr) {
        policy_record_.add_uint("added", diff->added.size());
        policy_record_.add_uint("changed", diff->changed.size());
        policy_record_.add_uint("removed", diff->removed.size());
    }
    if (!problems.empty()) {
        policy_record_.add_uint("problems", problems.size());
        policy_record_.add_str("problem", policy_record_.store(problems.front()));
    }
    pipeline_->emit(policy_record_);
}

}  // namespace probelog
