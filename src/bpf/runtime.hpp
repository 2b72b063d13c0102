#pragma once
// What all BPF objects of one probelog run share: the per-trace counters, the
// followed-pid set, the kernel filter and rate settings, and one event ring
// buffer per trace. The maps are created here once (a trace's ring when its
// first object opens); every object opened through the Runtime is given the
// same map fds, its trace's ring and the same constants before it loads.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>
#include <string_view>

#include "bpf/object.hpp"
#include "bpf/skeleton.hpp"
#include "bpf/unique_fd.hpp"
#include "common/result.hpp"

extern "C" {
#include "event_header.h"
}

namespace probelog::bpf {

struct RuntimeConfig {
    pl_filter_config filter{};
    pl_rate_config rates{};             // --max-rate, per trace id
    uint32_t ringbuf_bytes = 4u << 20;  // each trace's ring: a power of two, at least a page
    bool verbose = false;
};

// One trace's event ring buffer. A flood in one trace fills its own ring only:
// the records of the others keep their room.
struct EventRing {
    uint16_t trace;
    uint32_t bytes;
    UniqueFd fd;
};

// One trace's kernel counters (on one cpu, or summed over all cpus).
struct TraceCounters {
    uint64_t generated = 0;
    uint64_t lost = 0;
    uint64_t map_full = 0;
    uint64_t throttled = 0;  // over --max-rate: not in `generated`
};

// Every trace's counters, summed and per cpu. Sequence numbers are per (trace,
// cpu), so the per-cpu counts are what a consumer matches gaps against.
struct Counters {
    std::array<TraceCounters, PL_TRACE_MAX> total{};
    std::vector<std::array<TraceCounters, PL_TRACE_MAX>> per_cpu;  // [cpu][trace]

    const TraceCounters& operator[](size_t trace) const { return total[trace]; }
};

class Runtime {
  public:
    static Result<Runtime> create(const RuntimeConfig& config);

    // Opens a skeleton's object wired to the shared maps, the ring of `trace`
    // (the trace id its events carry; PL_TRACE_NONE for an object that emits
    // none) and the filter and rate constants (every object includes
    // pl/common.bpf.h, so every skeleton has them).
    template <typename Skel>
    Result<Skeleton<Skel>> open(std::string_view object_name, uint16_t trace) {
        auto ring = ring_for(trace);
        if (!ring) return ring.error();
        auto skel = Skeleton<Skel>::open(object_name);
        if (!skel) return skel.error();
        Skel* s = skel->operator->();
        if (Status st = share_maps(skel->object(),
                                   {s->maps.pl_events, s->maps.pl_stats, s->maps.pl_pids,
                                    s->maps.pl_ring_ctl, s->maps.pl_cgroups, s->maps.pl_rate},
                                   *ring);
            !st) {
            return st.error();
        }
        s->rodata->pl_filter = config_.filter;
        s->rodata->pl_rates = config_.rates;
        s->rodata->pl_ring_slot = trace;
        return skel;
    }

    // Creates the ring of `trace` now if it has none (a reader needs one
    // ring to start with before any trace has opened).
    Status ensure_ring(uint16_t trace) {
        auto ring = ring_for(trace);
        if (!ring) return ring.error();
        return {};
    }
    // Adds a process to the pid filter set.
    Status add_pid(uint32_t pid);
    // Adds a cgroup to the container filter set (PL_FILTER_CONTAINER).
    Status add_cgroup(uint64_t cgroup_id);
    // Removes one (its cgroup is gone: the map's room is for living ones).
    void remove_cgroup(uint64_t cgroup_id);

    // The counters of the given traces (every trace when empty); one map
    // lookup per trace.
    Counters read_counters(std::span<const uint16_t> traces = {}) const;

    // Every trace's ring, in the order the traces opened them.
    const std::vector<EventRing>& rings() const { return rings_; }
    // The ring of `trace` (-1 if it has none yet).
    int ring_fd(uint16_t trace) const;
    // pl_ring_ctl's wake_pending of `trace`'s ring, mapped: the ring reader
    // clears it when it drains (re-arming the one wakeup producers may force).
    // Null if unmapped.
    uint64_t* wake_pending(uint16_t trace) const {
        return ring_ctl_ && trace < PL_TRACE_MAX
                   ? reinterpret_cast<uint64_t*>(&ring_ctl_.get()[trace].wake_pending)
                   : nullptr;
    }
    // Wakeups the BPF side forced so far (every ring).
    uint64_t forced_wakeups() const;
    // The size of each trace's ring.
    uint32_t ringbuf_bytes() const { return config_.ringbuf_bytes; }
    // Bytes waiting in the ring past which producers claim a wakeup.
    uint64_t wakeup_bytes() const { return config_.filter.wakeup_bytes; }
    bool verbose() const { return config_.verbose; }
    const pl_filter_config& filter() const { return config_.filter; }

  private:
    explicit Runtime(const RuntimeConfig& config) : config_(config) {}

    struct SharedMaps {
        bpf_map* events;
        bpf_map* stats;
        bpf_map* pids;
        bpf_map* ring_ctl;
        bpf_map* cgroups;
        bpf_map* rate;
    };
    Status share_maps(Object& object, const SharedMaps& maps, int ring_fd) const;
    // The ring of `trace`, created on first use: one page for PL_TRACE_NONE
    // (an object that emits nothing still names the map), else ringbuf_bytes.
    Result<int> ring_for(uint16_t trace);

    struct Unmap {
        void operator()(pl_ring_ctl* p) const;
    };

    RuntimeConfig config_;
    std::vector<EventRing> rings_;
    UniqueFd ring_ctl_fd_;
    std::unique_ptr<pl_ring_ctl, Unmap> ring_ctl_;
    UniqueFd stats_;
    UniqueFd pids_;
    UniqueFd cgroups_;
    UniqueFd rate_;
};

// Rounds a requested ring buffer size up to what the kernel accepts.
uint32_t ringbuf_size_for(uint64_t requested);

}  // namespace probelog::bpf
