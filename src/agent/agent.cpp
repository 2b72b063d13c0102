// Wiring of one run: checks, kernel filters, traces, the event loop, the summary.
#include "agent/agent.hpp"

#include <fmt/format.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <algorithm>
#include <chrono>
#include <map>
#include <csignal>
#include <cstring>
#include <memory>
#include <optional>
#include <span>

#include "agent/agent_metrics.hpp"
#include "agent/cgroup.hpp"
#include "agent/child.hpp"
#include "agent/loss_report.hpp"
#include "agent/signals.hpp"
#include "agent/trace_start.hpp"
#include "bpf/ring_fill.hpp"
#include "bpf/ring_reader.hpp"
#include "bpf/runtime.hpp"
#include "bpf/system.hpp"
#include "common/clock.hpp"
#include "metrics/registry.hpp"
#include "metrics/server.hpp"
#include "pipeline/pipeline.hpp"
#include "probes/list.hpp"
#include "sinks/factory.hpp"
#include "traces/trace.hpp"

#include "core.skel.h"

namespace probelog {
namespace {

using Clock = std::chrono::steady_clock;

void say(std::string_view text) {
    fmt::print(stderr, "probelog: {}\n", text);
}

std::vector<std::string> selected_traces(const Options& o) {
    std::vector<std::string> names;
    if (o.traces.empty()) {
        for (const TraceDef* t : trace_defs()) {
            if (t->info.default_on) names.emplace_back(t->info.name);
        }
    } else {
        for (const std::string& t : o.traces) {
            std::string name(find_trace(t)->name);
            if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        }
    }
    return names;
}

Result<bpf::RuntimeConfig> runtime_config(const Options& o) {
    bpf::RuntimeConfig rc;
    rc.verbose = o.verbose;
    rc.ringbuf_bytes = bpf::ringbuf_size_for(o.ringbuf_size);
    rc.filter.self_tgid = static_cast<uint32_t>(::getpid());
    rc.filter.wakeup_bytes = rc.ringbuf_bytes / 4;
    if (!o.pids.empty() || !o.command.empty()) rc.filter.flags |= PL_FILTER_PID;
    if (!o.command.empty()) rc.filter.flags |= PL_FILTER_FOLLOW;
    if (o.bench_floor) rc.filter.flags |= PL_FILTER_FLOOR;
    if (!o.comm.empty()) {
        rc.filter.flags |= PL_FILTER_COMM;
        std::memcpy(rc.filter.comm, o.comm.data(),
                    std::min(o.comm.size(), sizeof(rc.filter.comm) - 1));
    }
    if (!o.cgroup.empty()) {
        auto cg = resolve_cgroup(o.cgroup);
        if (!cg) return cg.error();
        rc.filter.flags |= PL_FILTER_CGROUP;
        rc.filter.cgroup_id = cg->id;
        rc.filter.cgroup_level = cg->level;
    }
    return rc;
}

// The follow-children programs, needed only with -- CMD (the Object owns its links).
Result<bpf::Object> start_follow(const bpf::Runtime& rt) {
    auto skel = rt.open<pl_core>("core");
    if (!skel) return skel.error();
    if (Status st = skel->object().load(rt.verbose()); !st) return st.error();
    if (Status st = skel->object().attach_all(); !st) return st.error();
    return std::move(skel->object());
}

// The record outputs (each named kind.N unless it has an alias) and the
// metrics endpoints among o.outputs; stdout when there is no record output.
struct Outputs {
    std::vector<OutputSpec> sinks;
    std::vector<MetricsEndpoint> metrics;
};

Result<Outputs> split_outputs(const Options& o) {
    Outputs out;
    std::map<std::string, int> per_kind;
    for (const OutputSpec& spec : o.outputs) {
        std::string kind = canonical_kind(spec.kind);
        if (kind == "prometheus") {
            auto m = metrics_endpoint(spec);
            if (!m) return m.error();
            out.metrics.push_back(*m);
            continue;
        }
        OutputSpec named = spec;
        bool has_alias = false;
        for (const auto& [k, v] : spec.params)
            has_alias = has_alias || k == "alias" || k == "Alias";
        if (!has_alias) named.params["alias"] = fmt::format("{}.{}", kind, per_kind[kind]++);
        out.sinks.push_back(std::move(named));
    }
    if (out.sinks.empty()) {
        OutputSpec stdout_spec;
        stdout_spec.params["alias"] = "stdout.0";
        out.sinks.push_back(stdout_spec);
    }
    return out;
}

class EventLoop {
  public:
    static Result<EventLoop> create(const SignalFd& signals, const bpf::RingReader& ring) {
        EventLoop loop;
        loop.epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
        if (!loop.epoll_.valid()) return make_error("epoll_create1: {}", std::strerror(errno));
        for (int fd : {signals.fd(), ring.epoll_fd()}) {
            if (Status st = loop.add(fd); !st) return st.error();
        }
        return loop;
    }
    Status add(int fd) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
            return make_error("epoll_ctl: {}", std::strerror(errno));
        }
        return {};
    }
    // Waits until something is readable or the timeout passes; returns the
    // readable fds.
    std::span<const int> wait(int timeout_ms) {
        epoll_event events[kMaxEvents];
        int n = ::epoll_wait(epoll_.get(), events, kMaxEvents, timeout_ms);
        ready_count_ = 0;
        for (int i = 0; i < n; ++i)
            ready_[ready_count_++] = events[i].data.fd;
        return {ready_.data(), ready_count_};
    }

  private:
    static constexpr int kMaxEvents = 16;
    UniqueFd epoll_;
    std::array<int, kMaxEvents> ready_{};
    size_t ready_count_ = 0;
};

// The fds traces asked the loop to watch, and whose they are.
struct TraceFd {
    int fd;
    LoopParticipant* participant;
};

}  // namespace

std::string list_traces_text() {
    std::string out = fmt::format("{:<10} {:<8} {}\n", "TRACE", "DEFAULT", "WHAT IT RECORDS");
    for (const TraceDef* def : trace_defs()) {
        const TraceInfo& t = def->info;
        out += fmt::format("{:<10} {:<8} {}\n", t.name, t.default_on ? "yes" : "no", t.summary);
        out += fmt::format("{:<10} {:<8} hooks: {}\n", "", "", t.hooks);
    }
    return out;
}

int run_agent(const Options& o) {
    if (o.list_traces) {
        fmt::print("{}", list_traces_text());
        return 0;
    }
    if (!o.probe_list.empty()) {
        std::optional<int> pid;
        if (!o.pids.empty()) pid = static_cast<int>(o.pids[0]);
        auto text = probes::list_functions(o.probe_list[0],
                                           o.probe_list.size() > 1 ? o.probe_list[1] : "", pid);
        if (!text) {
            say(fmt::format("--probe-list {}: {}", o.probe_list[0], text.error().message));
            return 1;
        }
        fmt::print("{}", *text);
        return 0;
    }
    if (Status st = bpf::check_privileges(); !st) {
        say(st.error().message);
        return 1;
    }
    bpf::configure_libbpf_logging(o.verbose);
    if (auto note = bpf::ensure_tracefs(); !note) {
        say(note.error().message);
        return 1;
    } else if (!note->empty() && o.verbose) {
        say(*note);
    }
    for (uint32_t pid : o.pids) {
        if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
            say(fmt::format("--pid {}: no such process", pid));
            return 1;
        }
    }
    auto config = runtime_config(o);
    if (!config) {
        say(config.error().message);
        return 1;
    }
    auto outputs = split_outputs(o);
    if (!outputs) {
        say(outputs.error().message);
        return 1;
    }
    metrics::Registry registry;

    // Signals first, so that the child inherits the blocked mask only until it
    // resets it, and no signal is lost between here and the loop.
    (void)::signal(SIGPIPE, SIG_IGN);
    auto signals = SignalFd::create({SIGINT, SIGTERM, SIGCHLD, SIGHUP});
    if (!signals) {
        say(signals.error().message);
        return 1;
    }
    // After the signal mask (threads inherit it: a signal must reach the
    // signalfd, not kill the process in a server thread), before anything is
    // attached (a busy port fails the run cheaply).
    std::vector<std::unique_ptr<metrics::Server>> metrics_servers;
    for (const MetricsEndpoint& m : outputs->metrics) {
        auto server = metrics::Server::start(m.host, m.port, registry);
        if (!server) {
            say(server.error().message);
            return 1;
        }
        metrics_servers.push_back(std::move(*server));
    }
    std::optional<GatedChild> child;
    if (!o.command.empty()) {
        auto spawned = GatedChild::spawn(o.command);
        if (!spawned) {
            say(spawned.error().message);
            return 127;
        }
        child.emplace(std::move(*spawned));
    }

    auto runtime = bpf::Runtime::create(*config);
    if (!runtime) {
        say(runtime.error().message);
        return 1;
    }
    for (uint32_t pid : o.pids)
        (void)runtime->add_pid(pid);
    std::optional<bpf::Object> follow;
    if (child) {
        if (Status st = runtime->add_pid(static_cast<uint32_t>(child->pid())); !st) {
            say(st.error().message);
            return 1;
        }
        auto hooks = start_follow(*runtime);
        if (!hooks) {
            say(fmt::format("cannot follow the command's descendants: {}", hooks.error().message));
            return 1;
        }
        follow.emplace(std::move(*hooks));
    }

    auto started_at = Clock::now();
    std::vector<LoopParticipant*> participants;
    TraceContext context{.runtime = *runtime,
                         .settings = o.settings,
                         .uprobe_pids = uprobe_pids_for(o),
                         .metrics = &registry,
                         .loop = &participants};
    StartedTraces started = start_traces(selected_traces(o), context, &say);
    std::vector<std::unique_ptr<Trace>>& traces = started.traces;
    const std::vector<std::string>& running = started.names;
    const size_t hooks = started.hooks;
    if (started.fatal) {  // a trace configured explicitly could not start
        say(started.fatal->message);
        return 1;
    }
    if (traces.empty()) {
        say("no trace could start; nothing to do");
        return 1;
    }

    BootClock clock;
    Pipeline pipeline(clock);
    for (const OutputSpec& spec : outputs->sinks) {
        auto sink = make_sink(spec);
        if (!sink) {
            say(sink.error().message);
            return 1;
        }
        pipeline.add_sink(std::move(*sink));
    }
    pipeline.set_max_records(o.max_records);
    register_decoders(pipeline.decoder());
    for (LoopParticipant* p : participants)
        p->bind(pipeline);
    auto ring = bpf::RingReader::create(runtime->ring_fd(), &Pipeline::on_sample_thunk, &pipeline,
                                        runtime->wake_pending(), runtime->wakeup_bytes());
    if (!ring) {
        say(ring.error().message);
        return 1;
    }
    auto loop = EventLoop::create(*signals, *ring);
    if (!loop) {
        say(loop.error().message);
        return 1;
    }
    std::vector<TraceFd> trace_fds;
    for (LoopParticipant* p : participants) {
        for (int fd : p->watch_fds()) {
            if (Status st = loop->add(fd); !st) {
                say(st.error().message);
                return 1;
            }
            trace_fds.push_back({fd, p});
        }
    }
    LossReport losses(traces);
    AgentMetrics agent_metrics(registry, traces, pipeline, runtime->ringbuf_bytes());
    auto ring_fill = bpf::RingFill::map(runtime->ring_fd());
    if (!ring_fill && o.verbose) say(ring_fill.error().message);

    auto attach_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_at);
    for (const auto& server : metrics_servers)
        say(fmt::format("metrics at {}", server->url()));
    say(fmt::format("tracing {} ({} hooks, attached in {} ms); Ctrl-C to stop",
                    fmt::join(running, ", "), hooks, attach_ms.count()));
    if (child) {
        if (Status st = child->release(); !st) {
            say(st.error().message);
            return 127;
        }
    }

    // No --duration: a deadline that never comes (an optional trips gcc's maybe-uninitialized).
    const auto deadline =
        o.duration ? Clock::now() + std::chrono::duration_cast<Clock::duration>(*o.duration)
                   : Clock::time_point::max();
    std::optional<int> exit_code;
    bool stop = false;
    int interrupts = 0;
    while (!stop) {
        int timeout = static_cast<int>(o.poll_ms);
        if (deadline != Clock::time_point::max()) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            timeout = static_cast<int>(std::clamp<int64_t>(left.count(), 0, timeout));
        }
        for (int fd : loop->wait(timeout)) {
            for (const TraceFd& t : trace_fds) {
                if (t.fd == fd) t.participant->on_readable(fd, pipeline);
            }
        }
        while (auto sig = signals->read()) {
            if (*sig == SIGCHLD) continue;  // checked below
            if (*sig == SIGHUP) {
                // Traces with configuration files reload them; otherwise SIGHUP ends the run.
                bool reloaded = false;
                for (LoopParticipant* p : participants)
                    reloaded = p->reload(pipeline) || reloaded;
                if (reloaded) continue;
            }
            if (child) {
                // The command decides when the run ends; a second signal ends it now.
                if (*sig == SIGTERM || *sig == SIGHUP) child->send_signal(*sig);
                if (++interrupts >= 2) stop = true;
            } else {
                stop = true;
            }
        }
        if (child) {
            if (auto status = child->poll_exit()) {
                exit_code = exit_code_of(*status);
                stop = true;
            }
        }
        if (ring_fill) agent_metrics.sample_ring(ring_fill->used_bytes());
        ring->consume();
        for (LoopParticipant* p : participants)
            p->tick(pipeline);
        clock.refresh();
        auto counters = runtime->read_counters(losses.trace_ids());
        losses.report(counters, pipeline);
        losses.report_sinks(pipeline);
        agent_metrics.publish(counters, pipeline);
        if (Status st = pipeline.flush(); !st && !pipeline.any_sink_broken())
            say(st.error().message);
        if (pipeline.limit_reached() || pipeline.any_sink_broken()) stop = true;
        if (Clock::now() >= deadline) stop = true;
    }
    // Detach first, then drain: once no hook can fire, the last drain reads every
    // event the kernel generated, and generated = delivered + lost holds exactly.
    auto detach_started = Clock::now();
    std::vector<bpf::Link> released;
    for (auto& trace : traces)
        trace->detach(released);
    bpf::release_links(released);
    auto detach_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - detach_started);
    ring->consume();
    bpf::Counters final_counters = runtime->read_counters(losses.trace_ids());
    // A program that started before its hook went may commit after the drain
    // (link release does not wait for running programs): drain again until
    // the counts add up, for at most 100 ms.
    for (int i = 0; i < 100 && !losses.all_received(final_counters, pipeline); ++i) {
        ::usleep(1000);
        ring->consume();
        final_counters = runtime->read_counters(losses.trace_ids());
    }
    for (LoopParticipant* p : participants)
        p->finish(pipeline);
    losses.report(final_counters, pipeline);
    losses.report_sinks(pipeline);
    (void)pipeline.flush();
    // Network sinks deliver what they still hold (up to their grace period).
    if (Status st = pipeline.close_sinks(); !st && !pipeline.any_sink_broken())
        say(st.error().message);
    agent_metrics.publish(final_counters, pipeline);
    say(losses.summary(final_counters, pipeline, o.verbose));
    if (o.verbose) {
        say(fmt::format("detached {} hooks in {} ms; {} forced ring buffer wakeups", hooks,
                        detach_ms.count(), runtime->forced_wakeups()));
    }
    traces.clear();  // the objects go before the runtime's maps
    return exit_code.value_or(0);
}

}  // namespace probelog
