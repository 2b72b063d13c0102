#include "traces/aggregate_flip.hpp"

#include <thread>
#include <utility>

#include "common/clock.hpp"

namespace probelog {
namespace {

// BPF programs run with preemption disabled and take microseconds: once this
// much time has passed after a flip, nothing adds to the old slot any more.
constexpr auto kFlipGrace = std::chrono::milliseconds(10);

}  // namespace

void AggregateFlip::start(std::chrono::nanoseconds interval, SetSlot set_slot, Drain drain) {
    interval_ = interval;
    set_slot_ = std::move(set_slot);
    drain_ = std::move(drain);
    interval_start_ = Clock::now();
    next_flip_ = interval_start_ + interval_;
}

void AggregateFlip::flip(Clock::time_point now) {
    uint32_t next = 1 - slot_;
    if (!set_slot_(next)) return;
    slot_ = next;
    drain_pending_ = true;
    drain_at_ = now + kFlipGrace;
    drain_time_ns_ = realtime_now_ns();
    drain_interval_ns_ = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - interval_start_).count());
    interval_start_ = now;
    next_flip_ += interval_;
    if (next_flip_ <= now) next_flip_ = now + interval_;
}

void AggregateFlip::drain_old(Pipeline& pipeline) {
    drain_(1 - slot_, drain_time_ns_, drain_interval_ns_, pipeline);
    drain_pending_ = false;
}

void AggregateFlip::tick(Pipeline& pipeline) {
    if (!enabled()) return;
    auto now = Clock::now();
    if (drain_pending_ && now >= drain_at_) drain_old(pipeline);
    if (!drain_pending_ && now >= next_flip_) flip(now);
}

void AggregateFlip::finish(Pipeline& pipeline) {
    if (!enabled()) return;
    if (drain_pending_) {
        std::this_thread::sleep_until(drain_at_);
        drain_old(pipeline);
    }
    flip(Clock::now());
    if (!drain_pending_) return;  // the control map refused the flip
    std::this_thread::sleep_until(drain_at_);
    drain_old(pipeline);
}

}  // namespace probelog
