#pragma once
// What every in-process kernel test sets up, once: a runtime with a kernel
// filter, traces started with their settings, a pipeline with every built-in
// decoder whose records are copied out for assertions, and the ring buffer
// drained when the test says so.
//
//     test::KernelHarness h;
//     ASSERT_TRUE(test::succeeded(h.open(test::pid_filter())));
//     test::GatedChild child({"/bin/true", token});
//     ASSERT_TRUE(test::succeeded(h.follow(child.pid())));
//     ASSERT_TRUE(test::succeeded(h.start_trace("exec")));
//     ASSERT_TRUE(test::succeeded(h.collect()));
//     ASSERT_EQ(child.run(), 0);
//     h.drain();  // h.records() now holds the exec record

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/ring_reader.hpp"
#include "bpf/runtime.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "pipeline/pipeline.hpp"
#include "pipeline/record.hpp"
#include "support/trace_context.hpp"
#include "traces/trace.hpp"

namespace probelog::test {

using namespace std::chrono_literals;

// A status as a gtest assertion: on failure, the error's message.
::testing::AssertionResult succeeded(const Status& status);

// Runtime configurations (ring buffer of `ring_bytes`):
// every process but this one;
bpf::RuntimeConfig no_filter(uint32_t ring_bytes = 1 << 16);
// only the processes the test follows (KernelHarness::follow), not this one;
bpf::RuntimeConfig pid_filter(uint32_t ring_bytes = 1 << 16);
// only tasks named `comm`, this process's threads included (a test may name
// one of its own threads so).
bpf::RuntimeConfig comm_filter(std::string_view comm, uint32_t ring_bytes = 1 << 16);

// One field of a record, copied (records are views valid only while dispatched).
struct SeenField {
    std::string name;
    ValueKind kind = ValueKind::Int;
    int64_t i = 0;   // Int, Time (and Uint, Hex as signed)
    uint64_t u = 0;  // Uint, Hex (and Int, Time as unsigned)
    double f = 0;
    bool b = false;
    std::string str;                // Str, Bytes
    std::vector<std::string> list;  // StrList

    // Str as is, Int and Uint in decimal, other kinds "?".
    std::string text() const;
};

// One record, copied.
class SeenRecord {
  public:
    explicit SeenRecord(const Record& record);

    const std::string& event_type() const { return event_type_; }
    const std::vector<SeenField>& fields() const { return fields_; }
    const SeenField* find(std::string_view name) const;
    // The field's value, or 0 / "" / {} when the record has no such field.
    uint64_t u(std::string_view name) const;
    int64_t i(std::string_view name) const;
    std::string str(std::string_view name) const;
    std::vector<std::string> list(std::string_view name) const;
    // SeenField::text(), "-" when the record has no such field.
    std::string text(std::string_view name) const;

  private:
    std::string event_type_;
    std::vector<SeenField> fields_;
};

class KernelHarness {
  public:
    KernelHarness();
    KernelHarness(const KernelHarness&) = delete;
    KernelHarness& operator=(const KernelHarness&) = delete;
    ~KernelHarness();

    // Mounts tracefs if needed, keeps libbpf quiet, creates the runtime.
    Status open(const bpf::RuntimeConfig& config);
    bpf::Runtime& runtime() { return *runtime_; }
    // Adds a process to the pid filter (pid_filter()).
    Status follow(pid_t pid);

    // What traces are started with: their settings (as options set them), and
    // the loop participants they register (bound by collect()).
    TraceSettings& settings() { return start_.settings; }
    TraceContext context() { return start_.context(*runtime_); }
    // Starts the built-in trace `name` with settings(); the harness keeps it.
    Status start_trace(std::string_view name);
    // Starts a trace the test made itself (a variant) with settings().
    Status start_trace(Trace& trace);
    // The traces start_trace(name) made, in order.
    Trace& trace(size_t i) { return *owned_.at(i); }

    // From now on, records are collected: the pipeline, with every built-in
    // decoder and the started traces' loop participants bound, reads the ring.
    Status collect();
    // Drains the ring buffer into records(); returns the number of samples.
    size_t drain();
    Pipeline& pipeline() { return *pipeline_; }
    const std::vector<SeenRecord>& records() const { return records_; }
    void clear_records() { records_.clear(); }

  private:
    std::optional<bpf::Runtime> runtime_;
    TraceStart start_;
    std::vector<std::unique_ptr<Trace>> owned_;
    BootClock clock_;
    std::optional<Pipeline> pipeline_;
    std::optional<bpf::RingReader> ring_;
    std::vector<SeenRecord> records_;
};

// Polls `condition` every 10 ms until it holds (true) or `timeout` passes
// (false): for what the kernel does asynchronously to the test's waits.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s);

}  // namespace probelog::test
