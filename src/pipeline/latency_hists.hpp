#pragma once
// --hist: a log2 histogram of latencies per --probe and per io operation,
// filled from the records a pipeline tap sees, and printed as text
// (bpftrace's hist() layout). Cumulative since the start of the run.
//
//   probe records (trace probe): keyed by the probe (the record's source is
//     its id, the "probe" field its name); a record with "latency_ns" counts
//     (call records, and the return records of split mode)
//   io records (trace io): keyed by "operation" (read, write, ...)
// (--io-aggregate's io_aggregate records are made in user space, which taps do
// not see: they carry their own latency_hist.)

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "io.h"
#include "metrics/log2_hist.hpp"
#include "pipeline/record.hpp"

namespace probelog {

class LatencyHistograms {
  public:
    // Per record: no allocation but the first time a probe is seen (its name).
    void observe(const Record& record);

    bool empty() const;
    // Every non-empty histogram: a title line ("@probe_latency_ns[NAME]:",
    // "@io_latency_ns[read]:"), its rows and an empty line. Probes in the
    // order of their ids, then io operations in system call order.
    std::string render() const;

  private:
    struct Probe {
        std::string name;
        metrics::Log2Hist hist;
    };
    void observe_probe(const Record& record);
    void observe_io(const Record& record);

    std::vector<Probe> probes_;  // by probe id
    std::array<metrics::Log2Hist, PL_IO_OP_COUNT> io_{};
};

}  // namespace probelog
