#pragma once
// The io trace's records: per-call events from the ring buffer (decode_io, in
// builtin.hpp) and aggregate records built from the (process, file) totals that
// aggregate mode keeps in a BPF map.

#include <cstdint>
#include <string_view>

#include "pipeline/record.hpp"

extern "C" {
#include "io.h"
}

namespace probelog::decode {

inline constexpr std::string_view kIoAggregateEventType = "io_aggregate";

// "read", "pwritev2", ...; "" for values out of range.
std::string_view io_op_name(uint8_t op);
// "regular", "pipe", "socket", ...; "" for values out of range.
std::string_view io_file_type_name(uint8_t type);

// One aggregate record for the totals of `key` over an interval that ended at
// `time_ns` (wall clock) and lasted `interval_ns`. The record points into
// `value`, which must outlive its dispatch. Returns nullptr, or what is malformed.
const char* io_aggregate_record(const pl_io_agg_key& key, const pl_io_agg_value& value,
                                int64_t time_ns, uint64_t interval_ns, Record& out);

}  // namespace probelog::decode
