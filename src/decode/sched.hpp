#pragma once
// The sched trace's records: run-queue waits from the ring buffer
// (decode_sched) and, in aggregate mode, per-process totals read from the
// trace's BPF map (sched_aggregate_record).

#include <cstdint>
#include <string_view>

#include "decode/decoder.hpp"
#include "pipeline/record.hpp"

extern "C" {
#include "sched_event.h"
}

namespace probelog::decode {

inline constexpr std::string_view kSchedAggregateEventType = "sched_aggregate";

const char* decode_sched(Bytes event, Record& out);

// The letter ps shows for a task state as sched_switch passes it ("R", "S",
// "D", "I", "T", "t", "Z", "X", "P"); a preempted task is "R".
std::string_view task_state_letter(int64_t state, bool preempted);

// One aggregate record for the waits of `key`'s process over an interval that
// ended at `time_ns` (wall clock) and lasted `interval_ns`. The record points
// into `value`, which must outlive its dispatch.
void sched_aggregate_record(const pl_sched_agg_key& key, const pl_sched_agg_value& value,
                            int64_t time_ns, uint64_t interval_ns, Record& out);

}  // namespace probelog::decode
