#pragma once
// One run of the agent (agent.cpp: setup, loop, shutdown; run_live.cpp: what
// the control socket changes while it runs). Internal to src/agent.

#include <chrono>
#include <memory>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/agent_metrics.hpp"
#include "agent/child.hpp"
#include "agent/event_loop.hpp"
#include "agent/hist_report.hpp"
#include "agent/loss_report.hpp"
#include "agent/options.hpp"
#include "agent/signals.hpp"
#include "agent/trace_start.hpp"
#include "bpf/ring_fill.hpp"
#include "bpf/ring_reader.hpp"
#include "bpf/runtime.hpp"
#include "common/clock.hpp"
#include "containers/enricher.hpp"
#include "control/socket.hpp"
#include "metrics/registry.hpp"
#include "metrics/server.hpp"
#include "pipeline/pipeline.hpp"
#include "policy/policy_set.hpp"
#include "sinks/factory.hpp"
#include "traces/probe_trace.hpp"
#include "traces/trace.hpp"

namespace probelog {

using Clock = std::chrono::steady_clock;

// Every message of a run goes through here.
void say(std::string_view text);

// The policies' filters are the agent's kernel filter (one set for all of
// them): merged into the run's options before it starts (run_policy.cpp).
Status merge_policy_filters(const policy::PolicySet& set, Options& o);

// Why a run ends before its event loop: what to tell the user and the exit
// code (127 when the command itself could not be started, as a shell says).
struct Stop {
    Error error;
    int exit_code = 1;
};

// The record outputs (each named kind.N unless it has an alias) and the
// metrics endpoints among o.outputs; stdout when there is no record output.
struct Outputs {
    std::vector<OutputSpec> sinks;
    std::vector<MetricsEndpoint> metrics;
};

// Everything a run holds, in the order it is set up; destroyed in reverse
// (the traces before the runtime's maps, the metrics servers after everything
// that publishes, the signal mask restored last). Not movable: the pipeline
// and the ring reader point into it.
class Run {
  public:
    // `policies`: the policy files' set as loaded at start (--policy, --policy-dir).
    Run(const Options& o, policy::PolicySet policies);
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

    // Everything up to the start-up line and the command's release; nothing
    // if the loop can start, else why not.
    std::optional<Stop> setup();
    // Until a signal, the command's exit, --duration, --max-records or a
    // broken sink.
    void loop();
    // Detach, last drain, final reports, summary; returns the exit code.
    int shutdown();

  private:
    Status prepare();
    Status start_signals_and_servers();
    Status spawn_child();
    Status start_kernel_side();
    Status start_containers_side();
    Status start_selected_traces();
    void start_hist();
    Status make_pipeline();
    Status make_event_loop();
    void make_accounting();
    void announce() const;

    int wait_ms(Clock::time_point deadline) const;
    void dispatch(int fd);
    bool handle_signals();
    bool reload();
    bool child_exited();
    void drain();

    void stop_traces();
    void hand_off_traces();
    bpf::Counters last_drain();

    // Live changes (run_live.cpp): the control socket and what it asks.
    Status start_control();
    void serve_control();
    std::string handle_control(std::string_view line);
    std::string control_list(bool json, bool with_counts);
    // Starts a built-in trace while the run goes on: its ring joins the reader,
    // its counts the loss report and metrics, its participants the loop.
    Status start_trace_live(const std::string& name, const TraceSettings* settings = nullptr);
    // Stops one: no more records, a drain, then its hooks go; its counts stay
    // in the summary.
    Status stop_trace_live(const std::string& name);
    // The probe trace, started (without probes) if it is not running.
    Result<ProbeTrace*> probe_trace(bool start);
    Trace* running_trace(std::string_view name);

    // Policies (run_policy.cpp): applied at start, and again when their files
    // change (inotify) or on SIGHUP; a set with any problem is refused whole.
    bool has_policies() const { return !o_.policy_files.empty() || !o_.policy_dirs.empty(); }
    Status start_policies();
    void reload_policies(std::string_view why);
    void poll_policy_watch();
    // Attaches what is new and changed, then detaches what is gone; on a
    // failure, undoes what it did and returns the problems.
    std::vector<std::string> apply_policies(const policy::PolicySet& next);
    Result<TraceSettings*> policy_trace_settings(const policy::TraceItem& item);
    void report_policy(bool applied, const policy::Diff* diff,
                       const std::vector<std::string>& problems);

    const Options& o_;
    // Destroyed last: the process that tears the hooks down waits for it
    // (bpf::hand_off_links).
    UniqueFd teardown_gate_;
    bpf::RuntimeConfig runtime_config_;
    Outputs outputs_;
    metrics::Registry registry_;
    metrics::Health health_;  // /healthz, /readyz: set by loop()
    std::optional<SignalFd> signals_;
    std::vector<std::unique_ptr<metrics::Server>> metrics_servers_;
    std::optional<GatedChild> child_;
    std::optional<bpf::Runtime> runtime_;
    std::optional<bpf::Object> follow_;  // -- CMD: the "core" object and its links
    Clock::time_point attach_started_;
    // What the running traces registered for the loop to drive (they own it).
    std::vector<LoopParticipant*> participants_;
    StartedTraces started_;
    std::optional<HistReport> hist_;  // --hist
    std::optional<BootClock> clock_;
    std::unique_ptr<containers::Enricher> containers_;  // outlives the pipeline's use
    std::optional<Pipeline> pipeline_;
    std::optional<bpf::RingReader> ring_;
    std::optional<EventLoop> loop_;
    std::vector<Watch> watches_;
    std::optional<LossReport> losses_;
    std::optional<AgentMetrics> agent_metrics_;
    std::vector<bpf::RingFill> ring_fills_;  // every trace's ring

    std::optional<control::ControlServer> control_;         // --control-socket
    TraceSettings live_settings_;                           // what traces started live get
    std::set<std::string> paused_;                          // traces paused live
    policy::PolicySet policies_;                            // the set that runs
    std::map<std::string, std::string> trace_policy_;       // trace -> the policy that runs it
    std::map<std::string, TraceSettings> policy_settings_;  // trace -> its policy's options
    UniqueFd policy_watch_;                                 // inotify on the policy files' dirs
    Clock::time_point policy_reload_due_ = Clock::time_point::max();
    metrics::Counter* policy_applied_ = nullptr;
    metrics::Counter* policy_refused_ = nullptr;
    Record policy_record_;
    // Traces stopped live: detached, kept until the run ends (decoders and
    // taps may point into them).
    std::vector<std::unique_ptr<Trace>> retired_;

    std::optional<int> exit_code_;  // the command's, once it has ended
    int interrupts_ = 0;            // signals that asked the command to end
};

}  // namespace probelog
