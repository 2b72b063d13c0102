#pragma once
// A built-in trace: a named set of kernel hooks that produce one family of
// records. start() opens, loads and attaches; destruction detaches.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/object.hpp"
#include "bpf/runtime.hpp"
#include "common/result.hpp"
#include "pipeline/pipeline.hpp"
#include "xdp/options.hpp"

namespace probelog {

namespace metrics {
class Registry;
}

// Knobs of individual traces, set from the command line or config file.
struct TraceOptions {
    uint32_t exec_args_max = 32;  // arguments captured per exec (1..128)
    // --pid without -- CMD: the processes uprobe traces attach to (empty: every
    // process that maps the probed file; the kernel filters still apply).
    std::vector<uint32_t> uprobe_pids;
    xdp::Options xdp;  // --xdp IFACE and the --xdp-* options
    // Where a trace registers its own metrics (per-probe counters, histograms,
    // top-N sources); set by the agent, never null there (docs/OUTPUTS.md).
    metrics::Registry* metrics = nullptr;
    // io: entries of the per-thread correlation map (and of each aggregate map).
    uint32_t io_map_size = 10240;
    bool io_all_files = false;       // io: every fd type, not only regular files
    uint64_t io_min_latency_ns = 0;  // io: only calls at least this slow
    uint64_t io_aggregate_ns = 0;    // io: per (process, file) totals this often; 0 = per call
    // Dynamic probes (--probe): the specs as typed, the record shape (call,
    // split, entry) and capture caps (processes: uprobe_pids).
    std::vector<std::string> probes;
    std::string probe_mode = "call";
    uint32_t probe_str_max = 128;
    uint32_t probe_buf_max = 256;
};

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

// Moves every link of `from` to the end of `to`.
inline void move_links(std::vector<bpf::Link>& from, std::vector<bpf::Link>& to) {
    for (bpf::Link& link : from)
        to.push_back(std::move(link));
    from.clear();
}

class Trace {
  public:
    virtual ~Trace() = default;
    virtual const TraceInfo& info() const = 0;
    virtual Status start(const bpf::Runtime& runtime, const TraceOptions& options) = 0;
    // Attached hooks (for the start-up line).
    virtual size_t hook_count() const = 0;
    // Called after every ring buffer drain (at least every --poll-ms): for traces
    // that also report from maps (aggregates, periodic stats).
    virtual void tick(Pipeline& /*pipeline*/) {}

    // File descriptors the event loop also waits on for this trace (a control
    // socket, a file watch); on_readable() runs when one of them is readable.
    virtual std::vector<int> watch_fds() const { return {}; }
    virtual void on_readable(int /*fd*/, Pipeline& /*pipeline*/) {}
    // SIGHUP: re-read configuration files. Returns true if the trace has some
    // (then SIGHUP reloads instead of ending the run).
    virtual bool reload(Pipeline& /*pipeline*/) { return false; }
    // At the end of the run, before the last drain: removes every hook, so that
    // no event can follow the drain (the BPF objects and their maps stay until
    // destruction, for finish()). Links are moved to `released`, which the
    // caller destroys for every trace at once (bpf::release_links).
    virtual void detach(std::vector<bpf::Link>& /*released*/) {}
    // After the last drain: final reports (the hooks are detached).
    virtual void finish(Pipeline& /*pipeline*/) {}
    // Called once the pipeline exists, before any event is read: for traces
    // whose events are described at run time (decoders with context).
    virtual void configure_pipeline(Pipeline& /*pipeline*/) {}
};

// A trace made of one BPF object whose programs all attach where their SEC() says.
class ObjectTrace : public Trace {
  public:
    size_t hook_count() const override { return links_.size(); }
    void detach(std::vector<bpf::Link>& released) override { move_links(links_, released); }

  protected:
    // Opens `object_name`, lets `configure` set its constants, loads and attaches it.
    template <typename Configure>
    Status start_object(const bpf::Runtime& runtime, std::string_view object_name,
                        Configure&& configure) {
        auto obj = runtime.open(object_name);
        if (!obj) return obj.error();
        if (Status st = configure(*obj); !st) return st;
        if (Status st = obj->load(runtime.verbose()); !st) return st;
        object_ = std::make_unique<bpf::Object>(std::move(*obj));
        auto links = object_->attach_all();
        if (!links) return links.error();
        links_ = std::move(*links);
        return {};
    }

  private:
    std::unique_ptr<bpf::Object> object_;  // declared first: destroyed after the links
    std::vector<bpf::Link> links_;
};

// Every built-in trace, in --list-traces order.
const std::vector<TraceInfo>& trace_catalog();
const TraceInfo* find_trace(std::string_view name);
// The trace's name for an enum pl_trace_id (or "trace#N").
std::string trace_name(uint16_t id);
std::unique_ptr<Trace> make_trace(std::string_view name);

}  // namespace probelog
