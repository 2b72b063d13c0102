#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pipeline/record.hpp"
#include "traces/aggregate_flip.hpp"
#include "traces/trace.hpp"

struct bpf_map;

namespace probelog {

struct IoSettings {
    uint32_t map_size = 10240;    // --io-map-size: entries of the in-flight map (and aggregates)
    bool all_files = false;       // --io-all-files: every fd type, not only regular files
    uint64_t min_latency_ns = 0;  // --io-min-latency: only calls at least this slow
    uint64_t aggregate_ns =
        0;  // --io-aggregate: per (process, file) totals this often; 0: per call
};

// File I/O system calls with their latency (bpf/progs/io.bpf.c; the list is
// PL_IO_SYSCALLS in schema/io.h): one record per call, or with --io-aggregate,
// per (process, file) totals read from a BPF map every interval and at the end
// (the trace's loop participant).
class IoTrace final : public Trace, private LoopParticipant {
  public:
    // `object`: "io" (direct loads, kernel 6.2+), "io_compat" (probe reads), or
    // empty: "io" unless the verifier rejects it, then "io_compat".
    explicit IoTrace(std::string_view object = {}) : object_name_(object) {}

    const TraceInfo& info() const override;
    Status start(const TraceContext& context) override;
    size_t hook_count() const override { return object_ ? object_->link_count() : 0; }
    Status stop_records() override { return object_ ? object_->stop_records() : Status{}; }
    Status resume_records() override { return object_ ? object_->resume_records() : Status{}; }
    void detach(std::vector<bpf::Link>& released) override {
        if (object_) object_->release_links_to(released);
    }

    // Thread ids with an entry in the correlation map (calls between entry and
    // exit), for tests and diagnostics.
    std::vector<uint32_t> inflight_tids() const;
    // The BPF object that loaded ("io" or "io_compat").
    const std::string& object_name() const { return object_name_; }

    // The aggregate reports (LoopParticipant), public for tests that drive
    // the trace themselves.
    void tick(Pipeline& pipeline) override;
    void finish(Pipeline& pipeline) override;

  private:
    // The maps user space reads, from whichever skeleton loaded.
    struct Maps {
        bpf_map* inflight = nullptr;
        bpf_map* agg[2] = {nullptr, nullptr};
        bpf_map* agg_ctl = nullptr;
    };

    template <typename Skel>
    Status load(bpf::Runtime& runtime, const IoSettings& settings, std::string_view name);
    void drain(uint32_t slot, int64_t time_ns, uint64_t interval_ns, Pipeline& pipeline);

    std::string object_name_;
    std::optional<bpf::Object> object_;
    Maps maps_;
    AggregateFlip aggregate_;  // aggregate mode: when to flip and drain the maps
    Record record_;
};

}  // namespace probelog
