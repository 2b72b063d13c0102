// pipeline/latency_hists (--hist): which records count, under which key, and
// the text printed for them.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "pipeline/latency_hists.hpp"
#include "pipeline/record.hpp"

extern "C" {
#include "event_header.h"
}

namespace probelog {
namespace {

Record probe_record(uint32_t id, std::string_view name, std::string_view stage,
                    std::optional<uint64_t> latency) {
    Record r;
    begin_record(r, "probe", PL_TRACE_PROBE, 0);
    r.set_source(id);
    r.add_str("probe", name);
    r.add_str("stage", stage);
    if (latency) r.add_uint("latency_ns", *latency);
    return r;
}

Record io_record(std::string_view op, uint64_t latency) {
    Record r;
    begin_record(r, "io", PL_TRACE_IO, 0);
    r.add_str("operation", op);
    r.add_int("fd", 3);
    r.add_uint("latency_ns", latency);
    return r;
}

TEST(LatencyHists, OneHistogramPerProbeFromTheRecordsWithALatency) {
    LatencyHistograms h;
    EXPECT_TRUE(h.empty());
    EXPECT_EQ(h.render(), "");
    for (int i = 0; i < 3; ++i)
        h.observe(probe_record(1, "prog:slow", "call", 3'000'000));  // [2M, 4M)
    // Split mode: the entry record has no latency, the return record has it.
    h.observe(probe_record(0, "prog:fast", "entry", std::nullopt));
    h.observe(probe_record(0, "prog:fast", "return", 1500));  // [1K, 2K)
    // Other traces' records with a latency do not count.
    Record other;
    begin_record(other, "exec", PL_TRACE_EXEC, 0);
    other.add_uint("latency_ns", 5);
    h.observe(other);
    EXPECT_FALSE(h.empty());
    EXPECT_EQ(h.render(),
              "@probe_latency_ns[prog:fast]:\n"
              "[1K, 2K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
              "\n"
              "@probe_latency_ns[prog:slow]:\n"
              "[2M, 4M)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
              "\n");
}

TEST(LatencyHists, AProbeIdBeyondTheConfigTableIsIgnored) {
    LatencyHistograms h;
    h.observe(probe_record(1'000'000, "prog:x", "call", 10));
    EXPECT_TRUE(h.empty());
}

TEST(LatencyHists, IoByOperationInSystemCallOrder) {
    LatencyHistograms h;
    h.observe(io_record("write", 4096));  // [4K, 8K)
    h.observe(io_record("read", 100));    // [64, 128)
    h.observe(io_record("read", 200));    // [128, 256)
    h.observe(io_record("read", 127));    // [64, 128)
    h.observe(io_record("nonsense", 1));
    EXPECT_EQ(h.render(),
              "@io_latency_ns[read]:\n"
              "[64, 128)              2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
              "[128, 256)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
              "\n"
              "@io_latency_ns[write]:\n"
              "[4K, 8K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
              "\n");
}

}  // namespace
}  // namespace probelog
