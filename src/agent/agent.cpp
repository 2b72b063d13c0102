// One run: setup (checks, outputs, the command, the kernel side, the pipeline),
// the event loop, and the shutdown (detach, last drain, final reports, summary).
// Errors are values up to run_agent(), which prints them (say()) and returns
// the exit code.
#include "agent/agent.hpp"
#include "agent/run.hpp"

#include <fmt/format.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <span>

#include "agent/agent_metrics.hpp"
#include "agent/cgroup.hpp"
#include "agent/child.hpp"
#include "agent/hist_report.hpp"
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
#include "agent/container_filter.hpp"
#include "containers/host.hpp"
#include "pipeline/pipeline.hpp"
#include "probes/list.hpp"
#include "sinks/factory.hpp"
#include "traces/io_trace.hpp"
#include "traces/probe_trace.hpp"
#include "traces/trace.hpp"

// The follow-children programs (bpf/progs/core.bpf.c), after the headers that
// define the types of its read-only data.
#include "core.skel.h"

namespace probelog {

void say(std::string_view text) {
    fmt::print(stderr, "probelog: {}\n", text);
}

namespace {

// Prints why the run stopped; returns its exit code.
int stopped(const Stop& stop) {
    say(stop.error.message);
    return stop.exit_code;
}

// /healthz fails when the event loop has not turned for this long: it turns
// at least every --poll-ms.
std::chrono::milliseconds stall_limit(const Options& o) {
    return std::max(std::chrono::milliseconds(30'000), std::chrono::milliseconds(3 * o.poll_ms));
}

std::vector<std::string> selected_traces(const Options& o) {
    std::vector<std::string> names;
    bool policies = !o.policy_files.empty() || !o.policy_dirs.empty();
    if (o.traces.empty() && !policies) {
        for (const TraceDef* def : trace_defs()) {
            if (def->info.default_on) names.emplace_back(def->info.name);
        }
    } else {
        for (const std::string& t : o.traces) {
            std::string name(find_trace(t)->name);
            if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        }
    }
    return names;
}

// --list-traces and --probe-list: text for stdout instead of a run.
Result<std::string> listing(const Options& o) {
    if (o.list_traces) return list_traces_text();
    std::optional<int> pid;
    if (!o.pids.empty()) pid = static_cast<int>(o.pids[0]);
    auto text = probes::list_functions(o.probe_list[0],
                                       o.probe_list.size() > 1 ? o.probe_list[1] : "", pid);
    if (!text) return text.error().prefixed(fmt::format("--probe-list {}: ", o.probe_list[0]));
    return text;
}

// What the host must allow before anything is set up: privileges, tracefs,
// the --pid processes.
Status check_host(const Options& o) {
    if (Status st = bpf::check_privileges(); !st) return st;
    bpf::configure_libbpf_logging(o.verbose);
    auto note = bpf::ensure_tracefs();
    if (!note) return note.error();
    if (!note->empty() && o.verbose) say(*note);
    for (uint32_t pid : o.pids) {
        if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
            return make_error(ErrorKind::NotFound, "--pid {}: no such process", pid);
        }
    }
    return {};
}

Result<bpf::RuntimeConfig> runtime_config(const Options& o) {
    bpf::RuntimeConfig rc;
    rc.verbose = o.verbose;
    rc.ringbuf_bytes = bpf::ringbuf_size_for(o.ringbuf_size);
    rc.filter.self_tgid = static_cast<uint32_t>(::getpid());
    rc.filter.wakeup_bytes = rc.ringbuf_bytes / 4;
    for (const TraceDef* def : trace_defs()) {
        uint16_t id = def->info.id;
        if (id >= PL_TRACE_MAX || id == PL_TRACE_PROBE) continue;  // probes: each its own rate
        auto it = o.max_rate.find(std::string(def->info.name));
        if (it == o.max_rate.end()) it = o.max_rate.find("");
        if (it == o.max_rate.end()) continue;
        // GCRA: one record every interval, a second's worth at once at most.
        rc.rates.interval_ns[id] = 1000000000ULL / it->second;
        rc.rates.burst_ns[id] = it->second * rc.rates.interval_ns[id];
    }
    if (!o.pids.empty() || !o.command.empty()) rc.filter.flags |= PL_FILTER_PID;
    if (!o.command.empty()) rc.filter.flags |= PL_FILTER_FOLLOW;
    if (o.bench_floor) rc.filter.flags |= PL_FILTER_FLOOR;
    if (o.containers.active()) rc.filter.flags |= PL_FILTER_CONTAINER;
    if (auto root = containers::host_cgroup_root(); root && root->v1_memory)
        rc.filter.flags |= PL_CGROUP_V1_MEMORY;
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

// -- CMD: the programs that add the command's new descendants to the followed
// pid set. The object owns their links.
Result<bpf::Object> start_follow(bpf::Runtime& runtime) {
    auto skel = runtime.open<pl_core>("core", PL_TRACE_NONE);
    if (!skel) return skel.error();
    if (Status st = skel->object().load(runtime.verbose()); !st) return st.error();
    bpf::Object object = std::move(skel->object());
    if (Status st = object.attach_all(); !st) return st.error();
    return object;
}

// Probes name files as the selected container sees them (with --pid, as
// that process sees them).
bool probes_in_a_container(const Options& o) {
    return !o.settings.value<ProbeSettings>().specs.empty() && !o.containers.names_or_ids.empty() &&
           uprobe_pids_for(o).empty();
}

// The exit status of a run whose outputs lost records (docs/OUTPUTS.md).
constexpr int kExitOutputLost = 3;

bool output_lost_records(const Pipeline& pipeline) {
    for (const auto& sink : pipeline.sinks()) {
        const SinkStats* st = sink->stats();
        if (st != nullptr && st->lost() != 0) return true;
    }
    return false;
}

}  // namespace

Run::Run(const Options& o, policy::PolicySet policies) : o_(o), health_(stall_limit(o)) {
    policies_ = std::move(policies);
}

std::optional<Stop> Run::setup() {
    if (Status st = check_host(o_); !st) return Stop{st.error()};
    if (Status st = prepare(); !st) return Stop{st.error()};
    if (Status st = start_signals_and_servers(); !st) return Stop{st.error()};
    if (Status st = spawn_child(); !st) return Stop{st.error(), 127};
    if (Status st = start_kernel_side(); !st) return Stop{st.error()};
    if (Status st = start_containers_side(); !st) return Stop{st.error()};
    if (Status st = start_selected_traces(); !st) return Stop{st.error()};
    start_hist();
    if (Status st = make_pipeline(); !st) return Stop{st.error()};
    if (Status st = make_event_loop(); !st) return Stop{st.error()};
    make_accounting();
    if (Status st = start_control(); !st) return Stop{st.error()};
    if (Status st = start_policies(); !st) return Stop{st.error(), 2};
    announce();
    if (child_) {
        if (Status st = child_->release(); !st) return Stop{st.error(), 127};
    }
    return std::nullopt;
}

// The run's configuration that can be wrong: filters and outputs.
Status Run::prepare() {
    auto config = runtime_config(o_);
    if (!config) return config.error();
    runtime_config_ = *config;
    auto outputs = split_outputs(o_);
    if (!outputs) return outputs.error();
    outputs_ = std::move(*outputs);
    // Traces started live (probelog ctl) get the run's options; the probe
    // trace starts without a --probe, for the probes added to it.
    live_settings_ = o_.settings;
    ProbeSettings& probes = live_settings_.get<ProbeSettings>();
    probes.specs.clear();
    probes.live = true;
    return {};
}

// Signals first, so that the child inherits the blocked mask only until it
// resets it, and no signal is lost between here and the loop. The metrics
// servers after the signal mask (threads inherit it: a signal must reach the
// signalfd, not kill the process in a server thread), before anything is
// attached (a busy port fails the run cheaply).
Status Run::start_signals_and_servers() {
    (void)::signal(SIGPIPE, SIG_IGN);
    auto signals = SignalFd::create({SIGINT, SIGTERM, SIGCHLD, SIGHUP});
    if (!signals) return signals.error();
    signals_.emplace(std::move(*signals));
    for (const MetricsEndpoint& m : outputs_.metrics) {
        auto server = metrics::Server::start(m.host, m.port, registry_, health_);
        if (!server) return server.error();
        metrics_servers_.push_back(std::move(*server));
    }
    return {};
}

Status Run::spawn_child() {
    if (o_.command.empty()) return {};
    auto spawned = GatedChild::spawn(o_.command);
    if (!spawned) return spawned.error();
    child_.emplace(std::move(*spawned));
    return {};
}

// The shared maps, the pid filter, and with -- CMD the follow-children hooks.
Status Run::start_kernel_side() {
    auto runtime = bpf::Runtime::create(runtime_config_);
    if (!runtime) return runtime.error();
    runtime_.emplace(std::move(*runtime));
    for (uint32_t pid : o_.pids)
        (void)runtime_->add_pid(pid);
    if (!child_) return {};
    if (Status st = runtime_->add_pid(static_cast<uint32_t>(child_->pid())); !st) return st;
    auto follow = start_follow(*runtime_);
    if (!follow) return follow.error().prefixed("cannot follow the command's descendants: ");
    follow_.emplace(std::move(*follow));
    return {};
}

// Container fields: without a cgroup v2 hierarchy records simply go without
// (unless --container asked for containers). Before the traces: the selected
// containers are in the kernel's filter when they attach, and probes find
// their files in a selected container.
Status Run::start_containers_side() {
    std::string note;
    auto enricher =
        start_containers(o_.containers, *runtime_, &say, note, probes_in_a_container(o_));
    if (!enricher) return enricher.error();
    if (!note.empty() && o_.verbose) say(note);
    containers_ = std::move(*enricher);
    return {};
}

Status Run::start_selected_traces() {
    attach_started_ = Clock::now();
    TraceContext context{*runtime_, o_.settings, uprobe_pids_for(o_), &registry_, &participants_};
    if (probes_in_a_container(o_) && containers_) {
        auto task = container_files_task(o_.containers, *containers_);
        if (!task) return task.error();
        context.files_pid = *task;
    }
    started_ = start_traces(selected_traces(o_), context, &say);
    if (started_.fatal) return *started_.fatal;  // a trace configured explicitly could not start
    if (started_.traces.empty() && !has_policies()) {
        return make_error("no trace could start; nothing to do");
    }
    // The policies may start every trace later: a ring for the reader to
    // begin with.
    if (started_.traces.empty()) return runtime_->ensure_ring(PL_TRACE_NONE);
    return {};
}

// --hist: the histograms follow the traces that record latencies; with none
// running, a note instead of silence.
void Run::start_hist() {
    if (!o_.hist && !o_.hist_interval) return;
    bool any = std::any_of(started_.names.begin(), started_.names.end(),
                           [](const std::string& n) { return n == "probe" || n == "io"; });
    if (!any) {
        say("--hist: no probe or io trace is running: no latencies to histogram");
        return;
    }
    bool io = std::find(started_.names.begin(), started_.names.end(), "io") != started_.names.end();
    if (io && o_.settings.value<IoSettings>().aggregate_ns != 0) {
        // Aggregates are read from a map in user space, not records of calls.
        say("--hist: --io-aggregate records no per-call io latencies (the io_aggregate records "
            "have latency_hist): io is not histogrammed");
    }
    hist_.emplace(o_.hist_interval, stderr);
    participants_.push_back(&*hist_);
}

// Sinks and decoders, and the participants bound to the pipeline.
Status Run::make_pipeline() {
    clock_.emplace();
    pipeline_.emplace(*clock_);
    for (const OutputSpec& spec : outputs_.sinks) {
        auto sink = make_sink(spec);
        if (!sink) return sink.error();
        pipeline_->add_sink(std::move(*sink));
    }
    pipeline_->set_max_records(o_.max_records);
    if (containers_) pipeline_->set_enricher(containers_.get());
    register_decoders(pipeline_->decoder());
    for (LoopParticipant* p : participants_)
        p->bind(*pipeline_);
    return {};
}

// The ring reader, and epoll over the signals, the ring buffer and the
// participants' fds.
Status Run::make_event_loop() {
    auto ring = bpf::RingReader::create(*runtime_, &Pipeline::on_sample_thunk, &*pipeline_);
    if (!ring) return ring.error();
    ring_.emplace(std::move(*ring));
    auto loop = EventLoop::create(*signals_, *ring_);
    if (!loop) return loop.error();
    loop_.emplace(std::move(*loop));
    for (LoopParticipant* p : participants_) {
        for (int fd : p->watch_fds()) {
            if (Status st = loop_->add(fd); !st) return st;
            watches_.push_back({fd, p});
        }
    }
    return {};
}

// The loss report and probelog's own metrics over the running traces, and the
// ring buffers' fill (for a metric; a ring that cannot be mapped is left out).
void Run::make_accounting() {
    losses_.emplace(started_.traces);
    uint64_t ring_bytes = 0;
    for (const bpf::EventRing& ring : runtime_->rings()) {
        if (ring.trace == PL_TRACE_NONE) continue;  // -- CMD's follow object: emits nothing
        ring_bytes += ring.bytes;
        auto fill = bpf::RingFill::map(ring.fd.get());
        if (fill) {
            ring_fills_.push_back(std::move(*fill));
        } else if (o_.verbose) {
            say(fill.error().message);
        }
    }
    agent_metrics_.emplace(registry_, started_.traces, *pipeline_, ring_bytes);
}

void Run::announce() const {
    auto attach_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - attach_started_);
    for (const auto& server : metrics_servers_)
        say(fmt::format("metrics at {}", server->url()));
    if (control_ && o_.verbose)
        say(fmt::format("control socket at {} (probelog ctl)", control_->path()));
    say(fmt::format("tracing {} ({} hooks, attached in {} ms); Ctrl-C to stop",
                    fmt::join(started_.names, ", "), started_.hooks, attach_ms.count()));
}

void Run::loop() {
    // No --duration: a deadline that never comes (an optional trips gcc's maybe-uninitialized).
    const auto deadline =
        o_.duration ? Clock::now() + std::chrono::duration_cast<Clock::duration>(*o_.duration)
                    : Clock::time_point::max();
    health_.loop_started(selected_traces(o_), started_.names);
    for (bool stop = false; !stop;) {
        health_.loop_turned();
        for (int fd : loop_->wait(wait_ms(deadline)))
            dispatch(fd);
        stop = handle_signals();
        if (child_exited()) stop = true;
        drain();
        if (pipeline_->limit_reached() || pipeline_->any_sink_broken()) stop = true;
        if (Clock::now() >= deadline) stop = true;
    }
    health_.loop_stopped();
}

// --poll-ms, or less when the deadline comes sooner.
int Run::wait_ms(Clock::time_point deadline) const {
    int timeout = static_cast<int>(o_.poll_ms);
    if (deadline == Clock::time_point::max()) return timeout;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::clamp<int64_t>(left.count(), 0, timeout));
}

void Run::dispatch(int fd) {
    if (control_ && fd == control_->fd()) serve_control();
    if (policy_watch_.valid() && fd == policy_watch_.get()) poll_policy_watch();
    for (const Watch& w : watches_) {
        if (w.fd == fd) w.participant->on_readable(fd, *pipeline_);
    }
}

// Reads every pending signal; true if the run should end.
bool Run::handle_signals() {
    bool stop = false;
    while (auto sig = signals_->read()) {
        if (*sig == SIGCHLD) continue;  // child_exited() checks
        if (*sig == SIGHUP && reload()) continue;
        if (child_) {
            // The command decides when the run ends; a second signal ends it now.
            if (*sig == SIGTERM || *sig == SIGHUP) child_->send_signal(*sig);
            if (++interrupts_ >= 2) stop = true;
        } else {
            stop = true;
        }
    }
    return stop;
}

// SIGHUP: participants with configuration files reload them; false if there
// were none (then SIGHUP ends the run).
bool Run::reload() {
    bool reloaded = false;
    if (has_policies()) {
        reload_policies("SIGHUP");
        reloaded = true;
    }
    for (LoopParticipant* p : participants_)
        reloaded = p->reload(*pipeline_) || reloaded;
    return reloaded;
}

bool Run::child_exited() {
    if (!child_) return false;
    auto status = child_->poll_exit();
    if (!status) return false;
    exit_code_ = exit_code_of(*status);
    return true;
}

// One drain of the ring buffer and what follows it: the participants' timers,
// `lost` records for new losses, the metrics, a flush of the sinks.
void Run::drain() {
    uint64_t ring_used = 0;
    for (const bpf::RingFill& fill : ring_fills_)
        ring_used += fill.used_bytes();
    agent_metrics_->sample_ring(ring_used);
    ring_->consume();
    // Clients that connected and have not sent their request or taken the
    // answer yet move on without holding the loop.
    if (control_ && control_->clients() != 0) serve_control();
    if (policy_reload_due_ != Clock::time_point::max()) poll_policy_watch();
    // Containers found by the watch reach the kernel's filter even while it
    // lets no record through.
    if (containers_) containers_->poll();
    for (LoopParticipant* p : participants_)
        p->tick(*pipeline_);
    clock_->refresh();
    auto counters = runtime_->read_counters(losses_->trace_ids());
    losses_->report(counters, *pipeline_);
    losses_->report_sinks(*pipeline_);
    agent_metrics_->publish(counters, *pipeline_);
    if (Status st = pipeline_->flush(); !st && !pipeline_->any_sink_broken())
        say(st.error().message);
}

int Run::shutdown() {
    // The run ended before the command (--duration, --max-records, a broken
    // output, a second Ctrl-C): the command ends with it, as with bpftrace -c,
    // while the hooks still see it go.
    if (child_ && !exit_code_) {
        if (auto status = child_->stop(std::chrono::seconds(1))) {
            exit_code_ = exit_code_of(*status);
            say(fmt::format("the run ended before the command: stopped it (pid {}, exit status {})",
                            child_->pid(), *exit_code_));
        }
    }
    // Stop first, then drain: once no program generates a record, the last
    // drain reads every record the kernel counted, and generated = delivered +
    // lost holds exactly. The hooks go after the summary (hand_off_traces).
    auto stop_started = Clock::now();
    stop_traces();
    bpf::Counters final_counters = last_drain();
    auto stop_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stop_started);
    for (LoopParticipant* p : participants_)
        p->finish(*pipeline_);
    losses_->report(final_counters, *pipeline_);
    losses_->report_sinks(*pipeline_);
    (void)pipeline_->flush();
    // Network sinks deliver what they still hold (up to their grace period).
    if (Status st = pipeline_->close_sinks(); !st && !pipeline_->any_sink_broken())
        say(st.error().message);
    agent_metrics_->publish(final_counters, *pipeline_);
    say(losses_->summary(final_counters, *pipeline_, o_.verbose));
    if (o_.verbose) {
        say(fmt::format("stopped {} hooks and drained in {} ms; {} forced ring buffer wakeups",
                        started_.hooks, stop_ms.count(), runtime_->forced_wakeups()));
    }
    participants_.clear();
    hand_off_traces();
    started_.traces.clear();  // the objects go before the runtime's maps
    // A script must see that records were lost on the way out: exit status 3
    // (unless the traced command's own failure is the status to pass on).
    int code = exit_code_.value_or(0);
    if (code == 0 && output_lost_records(*pipeline_)) {
        say("exit status 3: an output lost records (see the summary above)");
        code = kExitOutputLost;
    }
    return code;
}

// No trace generates a record from here on (a trace that cannot stop its
// programs is detached instead: slower, as exact).
void Run::stop_traces() {
    std::vector<bpf::Link> released;
    for (auto& trace : started_.traces) {
        if (Status st = trace->stop_records(); !st) {
            if (o_.verbose) say(st.error().message);
            trace->detach(released);
        }
    }
    bpf::release_links(released);
}

// Every trace's hooks, without waiting for the kernel to remove them (seconds
// with every trace; bpf::hand_off_links).
void Run::hand_off_traces() {
    std::vector<bpf::Link> released;
    for (auto& trace : started_.traces)
        trace->detach(released);
    teardown_gate_ = bpf::hand_off_links(released);
}

// The drain after the hooks are gone; returns the final kernel counters.
bpf::Counters Run::last_drain() {
    ring_->consume();
    bpf::Counters counters = runtime_->read_counters(losses_->trace_ids());
    // A program that started before its hook went may commit after the drain
    // (link release does not wait for running programs): drain again until
    // the counts add up, for at most 100 ms.
    for (int i = 0; i < 100 && !losses_->all_received(counters, *pipeline_); ++i) {
        ::usleep(1000);
        ring_->consume();
        counters = runtime_->read_counters(losses_->trace_ids());
    }
    return counters;
}

std::string list_traces_text() {
    std::string out = fmt::format("{:<10} {:<8} {}\n", "TRACE", "DEFAULT", "WHAT IT RECORDS");
    for (const TraceDef* def : trace_defs()) {
        const TraceInfo& t = def->info;
        out += fmt::format("{:<10} {:<8} {}\n", t.name, t.default_on ? "yes" : "no", t.summary);
        out += fmt::format("{:<10} {:<8} hooks: {}\n", "", "", t.hooks);
        // The trace's own options, from the same table as its flags and keys.
        for (const OptionDef& opt : def->options) {
            std::string flag(opt.flag);
            if (!opt.value.empty()) flag += fmt::format(" {}", opt.value);
            out += fmt::format("{:<10} {:<8} option: {} (config key {}): {}\n", "", "", flag,
                               config_key(opt), opt.help);
        }
    }
    return out;
}

int run_agent(const Options& o) {
    if (o.list_traces || !o.probe_list.empty()) {
        auto text = listing(o);
        if (!text) return stopped(Stop{text.error()});
        fmt::print("{}", *text);
        return 0;
    }
    // Policy files: read and checked before anything starts; their filters
    // become the run's kernel filter.
    Options effective = o;
    policy::Loaded policies;
    if (!o.policy_files.empty() || !o.policy_dirs.empty()) {
        policies = policy::load_policies(o.policy_files, o.policy_dirs);
        for (const std::string& problem : policies.problems)
            say(problem);
        if (!policies.ok()) {
            say(fmt::format("the policies have {} problem(s) (above); nothing was started",
                            policies.problems.size()));
            return 2;
        }
        if (Status st = merge_policy_filters(policies.set, effective); !st) {
            return stopped(Stop{st.error(), 2});
        }
    }
    Run run(effective, std::move(policies.set));
    if (std::optional<Stop> stop = run.setup()) return stopped(*stop);
    run.loop();
    return run.shutdown();
}

}  // namespace probelog
