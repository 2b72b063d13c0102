#pragma once
// The clock of a double-buffered aggregate (io's and sched's aggregate modes):
// BPF adds to map[slot]; every interval user space flips the slot in the
// trace's control map, waits until no program can still be adding to the old
// map, then drains it into records. At the end the interval in progress is
// flipped and drained too, so no total is left unreported.

#include <chrono>
#include <cstdint>
#include <functional>

namespace probelog {

class Pipeline;

class AggregateFlip {
  public:
    // Writes the slot BPF adds to from now on; false if the write failed (the
    // flip is tried again at the next tick).
    using SetSlot = std::function<bool(uint32_t slot)>;
    // Reads and clears map `slot`: its totals cover `interval_ns` up to the
    // wall-clock time `time_ns`.
    using Drain =
        std::function<void(uint32_t slot, int64_t time_ns, uint64_t interval_ns, Pipeline&)>;

    void start(std::chrono::nanoseconds interval, SetSlot set_slot, Drain drain);
    bool enabled() const { return interval_.count() != 0; }

    // After every drain of the ring buffer: drains or flips when it is time.
    void tick(Pipeline& pipeline);
    // At the end: the pending drain, then the interval in progress.
    void finish(Pipeline& pipeline);

  private:
    using Clock = std::chrono::steady_clock;
    void flip(Clock::time_point now);
    void drain_old(Pipeline& pipeline);

    std::chrono::nanoseconds interval_{0};
    SetSlot set_slot_;
    Drain drain_;
    uint32_t slot_ = 0;
    Clock::time_point interval_start_;
    Clock::time_point next_flip_;
    bool drain_pending_ = false;
    Clock::time_point drain_at_;      // updates of the old slot are over by then
    int64_t drain_time_ns_ = 0;       // wall clock of the flip: the records' time
    uint64_t drain_interval_ns_ = 0;  // how long the drained slot collected
};

}  // namespace probelog
