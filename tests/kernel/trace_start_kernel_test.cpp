// One trace that cannot start leaves the others running: the agent's own start
// loop (start_traces, used by run_agent) given a trace that really fails to
// load on this kernel, next to the real exec and exit traces.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "agent/trace_start.hpp"
#include "bpf/ring_reader.hpp"
#include "bpf/runtime.hpp"
#include "bpf/system.hpp"
#include "pipeline/pipeline.hpp"
#include "support/trace_context.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

extern "C" {
#include "tcp.h"
}
#include "tcp.skel.h"

namespace probelog {
namespace {

// The real tcp object, with a correlation map the kernel refuses to create
// (0 entries): open and configure succeed, the load fails in the kernel.
class UnloadableTrace final : public ObjectTrace {
  public:
    const TraceInfo& info() const override { return info_; }
    Status start(const TraceContext& context) override {
        return start_skeleton<pl_tcp>(context.runtime, "tcp", [](bpf::Skeleton<pl_tcp>& skel) {
            return skel.object().set_map_max_entries(skel->maps.tcp_calls, 0);
        });
    }

  private:
    TraceInfo info_{.name = "unloadable", .id = PL_TRACE_TCP};
};

std::unique_ptr<Trace> factory(std::string_view name) {
    if (name == "unloadable") return std::make_unique<UnloadableTrace>();
    return make_trace(name);
}

class SeenSink final : public Sink {
  public:
    explicit SeenSink(std::vector<std::pair<std::string, uint64_t>>& out) : out_(out) {}
    void write(const Record& r) override {
        const Field* pid = r.find("pid");
        out_.emplace_back(std::string(r.event_type()), pid != nullptr ? pid->value.u : 0);
    }
    Status flush() override { return {}; }

  private:
    std::vector<std::pair<std::string, uint64_t>>& out_;
};

TEST(TraceStartKernel, OneFailingTraceLeavesTheOthersRunning) {
    PROBELOG_REQUIRE_ROOT();
    ASSERT_TRUE(bpf::ensure_tracefs().ok());
    bpf::configure_libbpf_logging(false);

    // A child that waits at a pipe, so its pid is in the filter before it runs.
    int gate[2];
    ASSERT_EQ(pipe(gate), 0);
    pid_t child = fork();
    if (child == 0) {
        close(gate[1]);
        char c;
        (void)!read(gate[0], &c, 1);
        execl("/bin/true", "/bin/true", nullptr);
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

    std::vector<std::string> reports;
    test::TraceStart start;
    StartedTraces started = start_traces(
        {"unloadable", "exec", "no-such-trace", "exit"}, start.context(*rt),
        [&](std::string_view line) { reports.emplace_back(line); }, &factory);

    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[0].rfind("trace 'unloadable' unavailable: ", 0), 0u) << reports[0];
    EXPECT_GT(reports[0].size(), std::string("trace 'unloadable' unavailable: ").size());
    EXPECT_EQ(reports[1], "trace 'no-such-trace' unavailable: not a built-in trace");
    EXPECT_EQ(started.names, (std::vector<std::string>{"exec", "exit"}));
    ASSERT_EQ(started.traces.size(), 2u);
    EXPECT_GE(started.hooks, 6u);  // exec's and exit's

    BootClock clock;
    Pipeline pipeline(clock);
    register_decoders(pipeline.decoder());
    std::vector<std::pair<std::string, uint64_t>> seen;
    pipeline.add_sink(std::make_unique<SeenSink>(seen));
    auto ring = bpf::RingReader::create(rt->ring_fd(), &Pipeline::on_sample_thunk, &pipeline);
    ASSERT_TRUE(ring.ok());
    close(gate[1]);
    ASSERT_EQ(test::wait_exit(child), 0);
    ring->consume();

    const auto c = static_cast<uint64_t>(child);
    EXPECT_EQ(seen, (std::vector<std::pair<std::string, uint64_t>>{{"exec", c}, {"exit", c}}));
}

}  // namespace
}  // namespace probelog
