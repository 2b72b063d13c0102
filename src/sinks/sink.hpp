#pragma once
// A sink receives every record that passed the pipeline. write() must not block
// for long (network sinks queue); flush() is called after each ring buffer drain.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "pipeline/record.hpp"

extern "C" {
#include "event_header.h"
}

namespace probelog {

// What a sink did with the records it was given, for the exit summary, `lost`
// records and metrics. Written by the sink (any thread), read by the agent.
struct SinkStats {
    std::string name;             // unique per run: the alias, or kind.N ("forward.0")
    std::string target;           // where it sends, for people ("127.0.0.1:24224")
    uint64_t queue_capacity = 0;  // records; 0 for sinks without a queue
    // What `rejected` means for this sink, for `lost` records and people.
    const char* rejected_means = "records refused by the destination";

    std::atomic<uint64_t> accepted{0};  // records taken in (queued, or written)
    std::atomic<uint64_t> sent{0};      // delivered (acknowledged when acks are on)
    std::atomic<uint64_t> dropped{0};   // queue full: never sent
    std::atomic<uint64_t> rejected{0};  // refused by the destination for good (OTLP 4xx)
    std::atomic<uint64_t> unsent{0};    // still queued when probelog exited
    std::atomic<uint64_t> retries{0};   // failed connects or sends (each retried later)
    std::atomic<uint64_t> queued{0};    // records waiting now
    std::atomic<bool> connected{false};
    // dropped + rejected + unsent, by the record's trace (enum pl_trace_id).
    std::array<std::atomic<uint64_t>, PL_TRACE_MAX> lost_by_trace{};

    uint64_t lost() const {
        return dropped.load(std::memory_order_relaxed) + rejected.load(std::memory_order_relaxed) +
               unsent.load(std::memory_order_relaxed);
    }
    void count_lost(uint16_t trace, uint64_t n = 1) {
        lost_by_trace[trace < PL_TRACE_MAX ? trace : 0].fetch_add(n, std::memory_order_relaxed);
    }
};

class Sink {
  public:
    virtual ~Sink() = default;
    virtual void write(const Record& record) = 0;
    virtual Status flush() = 0;
    // True once the sink cannot accept more (its reader went away).
    virtual bool broken() const { return false; }
    // Counters for sinks that can lose records (queues, destinations); nullptr otherwise.
    virtual const SinkStats* stats() const { return nullptr; }
    // Shutting down, in two steps so that all sinks drain at the same time: no
    // more writes after begin_close(); close() waits (up to the sink's grace
    // period) until what is queued has been delivered.
    virtual void begin_close() {}
    virtual Status close() { return flush(); }
};

}  // namespace probelog
