// The probe trace loaded in-process through the library: runtime, trace,
// pipeline (with the trace's run-time decoder), against a test program the
// test starts and gates, so that its pid is in the filter before it runs.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "bpf/ring_reader.hpp"
#include "bpf/runtime.hpp"
#include "bpf/system.hpp"
#include "pipeline/pipeline.hpp"
#include "support/trace_context.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "testprogs/probes/probe_values.h"
#include "traces/probe_trace.hpp"
#include "traces/trace.hpp"

namespace probelog {
namespace {

class CaptureSink final : public Sink {
  public:
    struct Seen {
        std::string probe;
        uint64_t pid = 0;
        int64_t a = 0;
        int64_t ret = 0;
        uint64_t latency_ns = 0;
    };
    explicit CaptureSink(std::vector<Seen>& out) : out_(out) {}
    void write(const Record& r) override {
        Seen s;
        if (const Field* f = r.find("probe")) s.probe = std::string(f->value.str);
        if (const Field* f = r.find("pid")) s.pid = f->value.u;
        if (const Field* f = r.find("a")) s.a = f->value.i;
        if (const Field* f = r.find("ret")) s.ret = f->value.i;
        if (const Field* f = r.find("latency_ns")) s.latency_ns = f->value.u;
        out_.push_back(std::move(s));
    }
    Status flush() override { return {}; }

  private:
    std::vector<Seen>& out_;
};

TEST(ProbeKernel, OneGenericProgramPairServesEveryProbe) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(bpf::ensure_tracefs().ok());
    bpf::configure_libbpf_logging(false);
    std::string bin = test::testprog("probe_target");

    int gate[2];
    ASSERT_EQ(pipe(gate), 0);
    pid_t child = fork();
    if (child == 0) {
        close(gate[1]);
        char c;
        (void)!read(gate[0], &c, 1);
        execl(bin.c_str(), bin.c_str(), nullptr);
        _exit(127);
    }
    close(gate[0]);

    bpf::RuntimeConfig rc;
    rc.ringbuf_bytes = 1 << 16;
    rc.filter.self_tgid = static_cast<uint32_t>(getpid());
    rc.filter.flags = PL_FILTER_PID;
    auto rt = bpf::Runtime::create(rc);
    ASSERT_TRUE(rt.ok()) << rt.error().message;
    ASSERT_TRUE(rt->add_pid(static_cast<uint32_t>(child)).ok());
    auto trace = make_trace("probe");
    ASSERT_NE(trace, nullptr);
    test::TraceStart start;
    start.settings.get<ProbeSettings>().specs = {bin + ":pt_add_ints(int a, int b) ret:int",
                                                 bin + ":pt_sleep_ms(int a) ret:int",
                                                 bin + ":pt_recurse(int a) ret:int"};
    Status st = trace->start(start.context(*rt));
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(trace->hook_count(), 6u);  // three entry and three return attachments

    BootClock clock;
    Pipeline pipeline(clock);
    register_decoders(pipeline.decoder());
    std::vector<CaptureSink::Seen> seen;
    pipeline.add_sink(std::make_unique<CaptureSink>(seen));
    start.bind(pipeline);
    auto ring = bpf::RingReader::create(rt->ring_fd(), &Pipeline::on_sample_thunk, &pipeline);
    ASSERT_TRUE(ring.ok());

    // The same program outside the filter.
    ASSERT_EQ(test::wait_exit(test::spawn({bin})), 0);
    close(gate[1]);
    ASSERT_EQ(test::wait_exit(child), 0);
    ring->consume();

    ASSERT_EQ(seen.size(), 2u + PT_RECURSE_DEPTH + 1);
    EXPECT_EQ(seen[0].probe, "probe_target:pt_add_ints");
    EXPECT_EQ(seen[0].pid, static_cast<uint64_t>(child));
    EXPECT_EQ(seen[0].a, PT_ADD_A);
    EXPECT_EQ(seen[0].ret, PT_ADD_A + PT_ADD_B);
    EXPECT_EQ(seen[1].probe, "probe_target:pt_sleep_ms");
    EXPECT_GE(seen[1].latency_ns, uint64_t{PT_SLEEP_MS} * 1000000);
    for (size_t i = 2; i < seen.size(); ++i)
        EXPECT_EQ(seen[i].ret, seen[i].a);
    auto counters = rt->read_counters();
    EXPECT_EQ(counters[PL_TRACE_PROBE].generated, seen.size());
    EXPECT_EQ(counters[PL_TRACE_PROBE].lost, 0u);
    EXPECT_EQ(counters[PL_TRACE_PROBE].map_full, 0u);
    EXPECT_EQ(pipeline.counters().invalid, 0u);
}

TEST(ProbeKernel, ResolutionErrorsAttachNothing) {
    PROBELOG_REQUIRE_ROOT();
    bpf::RuntimeConfig rc;
    rc.ringbuf_bytes = 1 << 16;
    auto rt = bpf::Runtime::create(rc);
    ASSERT_TRUE(rt.ok());
    auto trace = make_trace("probe");
    test::TraceStart start;
    std::string bin = test::testprog("probe_target");
    start.settings.get<ProbeSettings>().specs = {bin + ":pt_add_ints", bin + ":pt_add_intz"};
    Status st = trace->start(start.context(*rt));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message, "--probe '" + bin +
                                      ":pt_add_intz': function 'pt_add_intz' not found in " + bin +
                                      " (did you mean pt_add_ints?)");
    EXPECT_EQ(trace->hook_count(), 0u);
}

}  // namespace
}  // namespace probelog
