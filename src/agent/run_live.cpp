// What the control socket changes while the run goes on (`probelog ctl`):
// probes added, removed, disabled and enabled; traces paused, resumed,
// started and stopped. Every change is made between two drains, on the event
// loop's thread: a record is decoded by the table of the probe that made it.
#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "agent/ctl_command.hpp"
#include "agent/run.hpp"
#include "control/ctl_request.hpp"
#include "traces/xdp_trace.hpp"

namespace probelog {
namespace {

using CtlJsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void json_string(CtlJsonWriter& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

Status Run::start_control() {
    if (o_.control_socket == "none") return {};
    std::string path = o_.control_socket.empty() ? kDefaultControlSocket : o_.control_socket;
    auto server = control::ControlServer::listen(path, "--control-socket");
    if (!server) {
        // The default socket may belong to another agent on this machine: this
        // one runs on without one. A path asked for must work.
        if (!o_.control_socket.empty()) return server.error();
        say(fmt::format("no control socket ({}): probelog ctl cannot reach this agent",
                        server.error().message));
        return {};
    }
    control_.emplace(std::move(*server));
    return loop_->add(control_->fd());
}

void Run::serve_control() {
    if (control_) control_->serve([this](std::string_view line) { return handle_control(line); });
}

Trace* Run::running_trace(std::string_view name) {
    for (auto& t : started_.traces) {
        if (t->info().name == name) return t.get();
    }
    return nullptr;
}

Result<ProbeTrace*> Run::probe_trace(bool start) {
    Trace* t = running_trace("probe");
    if (t == nullptr && start) {
        if (Status st = start_trace_live("probe"); !st) return st.error();
        t = running_trace("probe");
    }
    if (t == nullptr) return make_error(ErrorKind::NotFound, "no probe is running");
    return static_cast<ProbeTrace*>(t);  // the "probe" trace is a ProbeTrace (probe_trace.cpp)
}

Status Run::start_trace_live(const std::string& name, const TraceSettings* settings) {
    const TraceInfo* info = find_trace(name);
    if (info == nullptr) {
        return make_error(ErrorKind::NotFound,
                          "no probe or trace named '{}' (see probelog ctl list, probelog "
                          "--list-traces)",
                          name);
    }
    if (running_trace(info->name) != nullptr) return make_error("{} is running", info->name);
    TraceContext context{*runtime_, settings != nullptr ? *settings : live_settings_,
                         uprobe_pids_for(o_), &registry_, &participants_};
    size_t rings_before = runtime_->rings().size();
    std::string why;
    StartedTraces started = start_traces({std::string(info->name)}, context,
                                         [&](std::string_view text) { why = text; });
    if (started.fatal) return *started.fatal;
    if (started.traces.empty()) return make_error("{}", why);
    // A trace's first start makes its ring: the reader takes it.
    for (size_t i = rings_before; i < runtime_->rings().size(); ++i) {
        const bpf::EventRing& ring = runtime_->rings()[i];
        if (Status st = ring_->add({ring.fd.get(), runtime_->wake_pending(ring.trace)}); !st)
            return st;
        if (auto fill = bpf::RingFill::map(ring.fd.get())) ring_fills_.push_back(std::move(*fill));
    }
    losses_->add_trace(info->id);
    agent_metrics_->add_trace(info->id);
    for (LoopParticipant* p : started.participants.front()) {
        p->bind(*pipeline_);
        for (int fd : p->watch_fds()) {
            if (Status st = loop_->add(fd); !st) return st;
            watches_.push_back({fd, p});
        }
    }
    started_.hooks += started.hooks;
    started_.names.push_back(started.names.front());
    started_.participants.push_back(std::move(started.participants.front()));
    started_.traces.push_back(std::move(started.traces.front()));
    return {};
}

Status Run::stop_trace_live(const std::string& name) {
    auto it = std::find_if(started_.traces.begin(), started_.traces.end(),
                           [&](const auto& t) { return t->info().name == name; });
    if (it == started_.traces.end())
        return make_error(ErrorKind::NotFound, "{} is not running", name);
    auto index = static_cast<size_t>(it - started_.traces.begin());
    Trace& trace = **it;
    // No record after this drain; then the hooks go.
    (void)trace.stop_records();
    ring_->consume();
    std::vector<bpf::Link> released;
    // Counted before detach() moves the links out.
    started_.hooks -= std::min(started_.hooks, trace.hook_count());
    trace.detach(released);
    bpf::release_links(released);
    for (LoopParticipant* p : started_.participants[index]) {
        p->finish(*pipeline_);
        std::erase(participants_, p);
        for (const Watch& w : watches_) {
            if (w.participant == p) loop_->remove(w.fd);
        }
        std::erase_if(watches_, [&](const Watch& w) { return w.participant == p; });
    }
    // The trace object stays (decoders and taps may point into it) until the
    // run ends; its counts stay in the loss report.
    retired_.push_back(std::move(*it));
    started_.traces.erase(it);
    started_.names.erase(started_.names.begin() + static_cast<std::ptrdiff_t>(index));
    started_.participants.erase(started_.participants.begin() + static_cast<std::ptrdiff_t>(index));
    paused_.erase(name);
    return {};
}

std::string Run::handle_control(std::string_view line) {
    auto req = control::decode_request(line);
    if (!req) return control::error_response(req.error().message);
    const std::string& name = req->name;
    switch (req->verb) {
        case control::CtlVerb::List:
            return control::ok_response(control_list(req->json, false));
        case control::CtlVerb::Stats:
            return control::ok_response(control_list(req->json, true));
        case control::CtlVerb::Add: {
            auto probes = probe_trace(true);
            if (!probes) return control::error_response(probes.error().message);
            auto added =
                (*probes)->add_probe(ProbeRequest{req->spec, name, {}, true}, req->replace);
            if (!added) return control::error_response(added.error().message);
            std::string_view what = req->replace ? "replaced" : "added";
            say(fmt::format("probe {} {} (probelog ctl)", *added, what));
            return control::ok_response(fmt::format("{} probe {}", what, *added));
        }
        case control::CtlVerb::Remove:
        case control::CtlVerb::Disable:
        case control::CtlVerb::Enable: {
            bool enable = req->verb == control::CtlVerb::Enable;
            bool remove = req->verb == control::CtlVerb::Remove;
            std::string_view verb = remove ? "removed" : enable ? "enabled" : "disabled";
            if (auto probes = probe_trace(false); probes && (*probes)->has_probe(name)) {
                Status st =
                    remove ? (*probes)->remove_probe(name) : (*probes)->enable_probe(name, enable);
                if (!st) return control::error_response(st.error().message);
                say(fmt::format("probe {} {} (probelog ctl)", name, verb));
                return control::ok_response(fmt::format("{} probe {}", verb, name));
            }
            const TraceInfo* info = find_trace(name);
            if (info == nullptr || info->name == "probe") {
                return control::error_response(
                    fmt::format("no probe or trace named '{}' (see probelog ctl list)", name));
            }
            std::string trace(info->name);
            Trace* running = running_trace(trace);
            Status st;
            if (remove) {
                st = stop_trace_live(trace);
            } else if (!enable) {
                // Paused: the hooks stay, their programs return at once.
                st = running == nullptr ? make_error("{} is not running", trace)
                                        : running->stop_records();
                if (st) paused_.insert(trace);
            } else if (running != nullptr) {
                st = paused_.contains(trace) ? running->resume_records()
                                             : make_error("{} is running", trace);
                if (st) paused_.erase(trace);
            } else {
                st = start_trace_live(trace);
            }
            if (!st) return control::error_response(st.error().message);
            if (!remove && !enable) verb = "paused";
            say(fmt::format("trace {} {} (probelog ctl)", trace, verb));
            return control::ok_response(fmt::format("{} trace {}", verb, trace));
        }
        case control::CtlVerb::Xdp: {
            Trace* xdp = running_trace("xdp");
            if (xdp == nullptr) return control::error_response("this agent runs no --xdp");
            std::string words;
            for (const std::string& a : req->args)
                words += (words.empty() ? "" : " ") + a;
            // The "xdp" trace is an XdpTrace (xdp_trace.cpp).
            return static_cast<XdpTrace*>(xdp)->handle_request(words, *pipeline_);
        }
    }
    return control::error_response("unknown request");
}

// `probelog ctl list` (and with counts `stats`): every trace and probe.
std::string Run::control_list(bool json, bool with_counts) {
    bpf::Counters counters = runtime_->read_counters(losses_->trace_ids());
    const PipelineCounters& pc = pipeline_->counters();
    std::vector<ProbeView> probes;
    if (auto p = probe_trace(false)) {
        (*p)->refresh(*pipeline_);
        probes = (*p)->probes();
    }
    auto trace_state = [&](const std::string& t) {
        return paused_.contains(t) ? "paused" : "running";
    };
    if (json) {
        rapidjson::StringBuffer buffer;
        CtlJsonWriter w(buffer);
        w.StartObject();
        w.Key("traces");
        w.StartArray();
        for (const auto& t : started_.traces) {
            std::string name(t->info().name);
            uint16_t id = t->info().id;
            w.StartObject();
            w.Key("name");
            json_string(w, name);
            w.Key("state");
            json_string(w, trace_state(name));
            w.Key("hooks");
            w.Uint64(t->hook_count());
            w.Key("generated");
            w.Uint64(counters[id].generated);
            w.Key("delivered");
            w.Uint64(pc.received(id));
            w.Key("lost");
            w.Uint64(counters[id].lost);
            w.EndObject();
        }
        w.EndArray();
        w.Key("probes");
        w.StartArray();
        for (const ProbeView& p : probes) {
            w.StartObject();
            w.Key("name");
            json_string(w, p.name);
            w.Key("state");
            json_string(w, p.enabled ? "enabled" : "disabled");
            w.Key("hooks");
            w.Uint64(p.hooks);
            w.Key("spec");
            json_string(w, p.spec);
            if (!p.policy.empty()) {
                w.Key("policy");
                json_string(w, p.policy);
            }
            w.Key("calls");
            w.Uint64(p.totals.kernel.calls);
            w.Key("delivered");
            w.Uint64(p.totals.delivered);
            w.Key("lost");
            w.Uint64(p.totals.kernel.lost);
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
        return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
    }
    std::string out;
    if (with_counts) {
        out += fmt::format("{:<6} {:<24} {:>12} {:>12} {:>10}\n", "KIND", "NAME", "GENERATED",
                           "DELIVERED", "LOST");
        for (const auto& t : started_.traces) {
            uint16_t id = t->info().id;
            out += fmt::format("{:<6} {:<24} {:>12} {:>12} {:>10}\n", "trace", t->info().name,
                               counters[id].generated, pc.received(id), counters[id].lost);
        }
        for (const ProbeView& p : probes) {
            out += fmt::format("{:<6} {:<24} {:>12} {:>12} {:>10}\n", "probe", p.name,
                               p.totals.kernel.calls, p.totals.delivered, p.totals.kernel.lost);
        }
        return out;
    }
    out += fmt::format("{:<6} {:<24} {:<9} {:>5}  {}\n", "KIND", "NAME", "STATE", "HOOKS", "SPEC");
    for (const auto& t : started_.traces) {
        std::string name(t->info().name);
        if (name == "probe") continue;  // its probes follow
        out += fmt::format("{:<6} {:<24} {:<9} {:>5}  {}\n", "trace", name, trace_state(name),
                           t->hook_count(), "-");
    }
    for (const ProbeView& p : probes) {
        out += fmt::format("{:<6} {:<24} {:<9} {:>5}  {}\n", "probe", p.name,
                           p.enabled ? "enabled" : "disabled", p.hooks, p.spec);
    }
    return out;
}

}  // namespace probelog
