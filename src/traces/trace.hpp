#pragma once
// A built-in trace, declared once (a TraceDef in its own file, one line in
// traces/registry.cpp): what it is (TraceInfo), its options, the event types it
// emits with their decoders, and how to make it. A Trace opens, loads and
// attaches its BPF object in start(); its Object owns the links.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/object.hpp"
#include "bpf/runtime.hpp"
#include "common/option_def.hpp"
#include "common/result.hpp"
#include "common/settings.hpp"
#include "decode/decoder.hpp"
#include "pipeline/pipeline.hpp"

namespace probelog {

namespace metrics {
class Registry;
}

struct TraceInfo {
    std::string_view name;     // --trace NAME
    std::string_view summary;  // one line for --list-traces
    std::string_view hooks;    // the kernel hooks used, for --list-traces and docs
    uint16_t id = 0;           // enum pl_trace_id
    bool default_on = false;   // runs when no --trace is given
    // A failure to start ends the run instead of being reported and skipped
    // (traces of targets the user named, such as --probe). Such traces start first.
    bool fail_run = false;
};

// An event type a trace emits, and its decoder.
struct EventDef {
    uint16_t type;                // enum pl_event_type
    std::string_view event_type;  // the records' event_type
    decode::DecodeFn decode;
};

// What the event loop drives besides the ring buffer, for the traces that need
// it (the XDP control socket and file watch, io aggregates, probe sweeps): a
// trace registers it in TraceContext::loop when it starts.
class LoopParticipant {
  public:
    virtual ~LoopParticipant() = default;
    // Once the pipeline exists, before any event is read (decoders with
    // context, metric taps).
    virtual void bind(Pipeline& /*pipeline*/) {}
    // File descriptors to watch; on_readable() runs when one is readable.
    virtual std::vector<int> watch_fds() const { return {}; }
    virtual void on_readable(int /*fd*/, Pipeline& /*pipeline*/) {}
    // After every ring buffer drain (at least every --poll-ms): timers.
    virtual void tick(Pipeline& /*pipeline*/) {}
    // SIGHUP: re-reads configuration files; true if there were any (then SIGHUP
    // reloads instead of ending the run).
    virtual bool reload(Pipeline& /*pipeline*/) { return false; }
    // After the last drain, hooks detached: final reports.
    virtual void finish(Pipeline& /*pipeline*/) {}
};

// What a trace is started with.
struct TraceContext {
    bpf::Runtime& runtime;
    const TraceSettings& settings;
    // --pid without -- CMD: the processes uprobe traces attach to (empty: every
    // process that maps the probed file; the kernel filters still apply).
    std::vector<uint32_t> uprobe_pids;
    // Where a trace registers its own metrics (per-probe counters, top-N
    // sources); null in tests that have none (docs/OUTPUTS.md).
    metrics::Registry* metrics = nullptr;
    // Where a trace registers what the event loop must drive; null: nothing is
    // driven (tests that call the trace themselves).
    std::vector<LoopParticipant*>* loop = nullptr;
    // Without --pid, the process whose root and memory maps give the probed
    // files their meaning: a task of the one --container (its file system).
    std::optional<int> files_pid;

    void join_loop(LoopParticipant* participant) const {
        if (loop != nullptr) loop->push_back(participant);
    }
};

class Trace {
  public:
    virtual ~Trace() = default;
    virtual const TraceInfo& info() const = 0;
    virtual Status start(const TraceContext& context) = 0;
    // Attached hooks (for the start-up line).
    virtual size_t hook_count() const = 0;
    // At the end of the run, before the last drain: no record may follow the
    // drain. The hooks may stay attached (their programs generate no more
    // records) until detach(); the BPF objects and their maps stay until
    // destruction, for LoopParticipant::finish.
    virtual Status stop_records() = 0;
    // Undoes stop_records() (a trace paused and resumed live); the hooks
    // stayed attached, so nothing else changes.
    virtual Status resume_records() = 0;
    // Removes every hook: the links are moved to `released`, which the caller
    // destroys for every trace at once (bpf::release_links, or after the
    // summary bpf::hand_off_links).
    virtual void detach(std::vector<bpf::Link>& released) = 0;
};

// A trace whose hooks all belong to one BPF object.
class ObjectTrace : public Trace {
  public:
    size_t hook_count() const override { return object_ ? object_->link_count() : 0; }
    Status stop_records() override { return object_ ? object_->stop_records() : Status{}; }
    Status resume_records() override { return object_ ? object_->resume_records() : Status{}; }
    void detach(std::vector<bpf::Link>& released) override {
        if (object_) object_->release_links_to(released);
    }

  protected:
    // Opens the skeleton's object, lets `configure` set its constants and
    // autoload flags, loads it and attaches every program where its SEC()
    // says. The object is kept (and owns the links) even if an attach fails.
    template <typename Skel, typename Configure>
    Status start_skeleton(bpf::Runtime& runtime, std::string_view name, Configure&& configure) {
        auto skel = runtime.open<Skel>(name, info().id);
        if (!skel) return skel.error();
        if (Status st = configure(*skel); !st) return st;
        if (Status st = skel->object().load(runtime.verbose()); !st) return st;
        object_.emplace(std::move(skel->object()));
        return object_->attach_all();
    }
    template <typename Skel>
    Status start_skeleton(bpf::Runtime& runtime, std::string_view name) {
        return start_skeleton<Skel>(runtime, name, [](bpf::Skeleton<Skel>&) { return Status{}; });
    }

    std::optional<bpf::Object> object_;
};

struct TraceDef {
    TraceInfo info;
    std::span<const OptionDef> options;  // this trace's options (--exec-args, ...)
    std::span<const EventDef> events;    // the event types it emits
    std::unique_ptr<Trace> (*make)() = nullptr;
    // After every option is applied (command line over config file): checks
    // that involve several options, and options that select the trace (--xdp,
    // --probe). Null: nothing to check.
    Status (*finish_options)(Options& options) = nullptr;
};

// A trace that is one skeleton, loaded and attached whole, needs no class of
// its own: its TraceDef's make is &make_skeleton_trace<Skel, its_def> or, when
// constants or autoload flags depend on the run, &make_skeleton_trace<Skel,
// its_def, configure>, where configure runs between open and load.
template <typename Skel>
using ConfigureSkeleton = Status (*)(bpf::Skeleton<Skel>& skel, const TraceContext& context);

template <typename Skel, const TraceDef& Def, ConfigureSkeleton<Skel> Configure = nullptr>
class SkeletonTrace final : public ObjectTrace {
  public:
    const TraceInfo& info() const override { return Def.info; }
    Status start(const TraceContext& context) override {
        return start_skeleton<Skel>(context.runtime, Def.info.name,
                                    [&](bpf::Skeleton<Skel>& skel) -> Status {
                                        if constexpr (Configure != nullptr) {
                                            return Configure(skel, context);
                                        } else {
                                            return {};
                                        }
                                    });
    }
};

template <typename Skel, const TraceDef& Def, ConfigureSkeleton<Skel> Configure = nullptr>
std::unique_ptr<Trace> make_skeleton_trace() {
    return std::make_unique<SkeletonTrace<Skel, Def, Configure>>();
}

// Every built-in trace, in --list-traces order (traces/registry.cpp).
std::span<const TraceDef* const> trace_defs();
const TraceDef* find_trace_def(std::string_view name);
// The TraceInfo of a trace by name ("exec" or Fluent Bit's "trace_exec").
const TraceInfo* find_trace(std::string_view name);
// The trace's name for an enum pl_trace_id (or "trace#N").
std::string trace_name(uint16_t id);
std::unique_ptr<Trace> make_trace(std::string_view name);
// Registers the decoder of every built-in event type.
void register_decoders(decode::Decoder& decoder);

}  // namespace probelog
