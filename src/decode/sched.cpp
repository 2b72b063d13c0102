// Decodes the sched trace (schema/sched_event.h): Fluent Bit's trace_sched fields
// (cpu, prev_pid, prev_prio, prev_state, next_pid, next_prio, runq_latency_ns,
// wakeup_tracked), then who was switched away from and who did the waking.
#include "decode/sched.hpp"

#include <cstring>

#include "decode/kernel_hist.hpp"

namespace probelog::decode {

std::string_view task_state_letter(int64_t state, bool preempted) {
    // The kernel's task state bits (include/linux/sched.h).
    constexpr int64_t kInterruptible = 0x1, kUninterruptible = 0x2, kStopped = 0x4, kTraced = 0x8,
                      kDead = 0x10, kZombie = 0x20, kParked = 0x40, kNoload = 0x400;
    if (preempted || state == 0) return "R";
    if ((state & (kUninterruptible | kNoload)) == (kUninterruptible | kNoload)) return "I";
    if ((state & kUninterruptible) != 0) return "D";
    if ((state & kInterruptible) != 0) return "S";
    if ((state & kStopped) != 0) return "T";
    if ((state & kTraced) != 0) return "t";
    if ((state & kZombie) != 0) return "Z";
    if ((state & kDead) != 0) return "X";
    if ((state & kParked) != 0) return "P";
    return "?";
}

const char* decode_sched(Bytes event, Record& out) {
    pl_sched_event e;
    if (event.size() != sizeof(e)) return "sched event size is not sizeof(pl_sched_event)";
    std::memcpy(&e, event.data(), sizeof(e));
    if (e.wakeup_tracked > 1 || e.preempt > 1 || e.wakeup_new > 1)
        return "sched event flag out of range";
    if (e.wakeup_tracked == 0 && (e.runq_latency_ns != 0 || e.waker_pid != 0))
        return "sched event has a latency without a wakeup";
    // The comms live in the event bytes, which outlive the record's dispatch.
    const auto* bytes = reinterpret_cast<const char*>(event.data());

    out.add_uint("runq_latency_ns", e.runq_latency_ns);
    out.add_bool("wakeup_tracked", e.wakeup_tracked != 0);
    out.add_uint("prev_pid", e.prev_pid);
    out.add_str("prev_comm", fixed_cstr(bytes + offsetof(pl_sched_event, prev_comm), PL_COMM_LEN));
    out.add_int("prev_prio", e.prev_prio, kHideInTable);
    out.add_int("prev_state", e.prev_state, kHideInTable);
    out.add_str("prev_state_name", task_state_letter(e.prev_state, e.preempt != 0));
    out.add_uint("prev_tgid", e.prev_tgid, kHideInTable);
    out.add_bool("preempt", e.preempt != 0, kHideInTable);
    out.add_uint("next_pid", e.hdr.pid, kHideInTable);
    out.add_int("next_prio", e.next_prio, kHideInTable);
    if (e.wakeup_tracked != 0) {
        out.add_uint("waker_pid", e.waker_pid);
        out.add_str("waker_comm",
                    fixed_cstr(bytes + offsetof(pl_sched_event, waker_comm), PL_COMM_LEN));
        if (e.wakeup_new != 0) out.add_bool("wakeup_new", true);
    }
    return nullptr;
}

void sched_aggregate_record(const pl_sched_agg_key& key, const pl_sched_agg_value& value,
                            int64_t time_ns, uint64_t interval_ns, Record& out) {
    begin_record(out, kSchedAggregateEventType, PL_TRACE_SCHED, time_ns);
    out.add_uint("pid", key.pid, kCommon);
    out.add_str("comm", fixed_cstr(value.comm, sizeof(value.comm)), kCommon);
    out.add_uint("interval_ms", interval_ns / 1'000'000);
    out.add_uint("wakeups", value.wakeups);
    out.add_uint("over_min_latency", value.over_min);
    out.add_uint("latency_avg_ns", value.wakeups ? value.latency_sum_ns / value.wakeups : 0);
    out.add_uint("latency_p50_ns",
                 kernel_hist_quantile(value.hist, value.wakeups, value.latency_max_ns, 0.50));
    out.add_uint("latency_p99_ns",
                 kernel_hist_quantile(value.hist, value.wakeups, value.latency_max_ns, 0.99));
    out.add_uint("latency_max_ns", value.latency_max_ns);
    add_kernel_hist(out, "latency_hist", value.hist);
}

}  // namespace probelog::decode
