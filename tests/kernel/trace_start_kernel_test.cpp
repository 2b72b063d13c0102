// One trace that cannot start leaves the others running: the agent's own start
// loop (start_traces, used by run_agent) given a trace that really fails to
// load on this kernel, next to the real exec and exit traces.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "agent/trace_start.hpp"
#include "support/kernel_harness.hpp"
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

TEST(TraceStartKernel, OneFailingTraceLeavesTheOthersRunning) {
    PROBELOG_REQUIRE_ROOT();
    test::KernelHarness h;
    ASSERT_TRUE(test::succeeded(h.open(test::pid_filter())));
    // A child that waits at a gate, so its pid is in the filter before it runs.
    test::GatedChild child({"/bin/true"});
    ASSERT_TRUE(test::succeeded(h.follow(child.pid())));

    std::vector<std::string> reports;
    StartedTraces started = start_traces(
        {"unloadable", "exec", "no-such-trace", "exit"}, h.context(),
        [&](std::string_view line) { reports.emplace_back(line); }, &factory);

    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[0].rfind("trace 'unloadable' unavailable: ", 0), 0u) << reports[0];
    EXPECT_GT(reports[0].size(), std::string("trace 'unloadable' unavailable: ").size());
    EXPECT_EQ(reports[1], "trace 'no-such-trace' unavailable: not a built-in trace");
    EXPECT_EQ(started.names, (std::vector<std::string>{"exec", "exit"}));
    ASSERT_EQ(started.traces.size(), 2u);
    EXPECT_GE(started.hooks, 6u);  // exec's and exit's

    ASSERT_TRUE(test::succeeded(h.collect()));
    ASSERT_EQ(child.run(), 0);
    h.drain();

    std::vector<std::pair<std::string, uint64_t>> seen;
    for (const test::SeenRecord& r : h.records())
        seen.emplace_back(r.event_type(), r.u("pid"));
    const auto c = static_cast<uint64_t>(child.pid());
    EXPECT_EQ(seen, (std::vector<std::pair<std::string, uint64_t>>{{"exec", c}, {"exit", c}}));
}

}  // namespace
}  // namespace probelog
