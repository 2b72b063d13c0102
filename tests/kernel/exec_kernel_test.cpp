// The exec trace loaded in-process through the library: runtime, trace,
// ring reader and decoder, against execs the test performs.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/kernel_harness.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "traces/exec_trace.hpp"

namespace probelog {
namespace {

TEST(ExecKernel, PidFilteredRecordsThroughTheLibrary) {
    PROBELOG_REQUIRE_ROOT();
    test::KernelHarness h;
    ASSERT_TRUE(test::succeeded(h.open(test::pid_filter())));
    // A child that waits at a gate, so its pid is in the filter before it execs.
    std::string token = test::unique_token("lib");
    test::GatedChild child({"/bin/true", token});
    ASSERT_TRUE(test::succeeded(h.follow(child.pid())));
    ASSERT_TRUE(test::succeeded(h.start_trace("exec")));
    ASSERT_TRUE(test::succeeded(h.collect()));

    // Another exec, from a process outside the filter.
    ASSERT_EQ(test::wait_exit(test::spawn({"/bin/true", token})), 0);
    ASSERT_EQ(child.run(), 0);
    h.drain();

    const auto& seen = h.records();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].event_type(), "exec");
    EXPECT_EQ(seen[0].u("pid"), static_cast<uint64_t>(child.pid()));
    EXPECT_EQ(seen[0].list("args"), (std::vector<std::string>{"/bin/true", token}));
    auto counters = h.runtime().read_counters();
    EXPECT_EQ(counters[PL_TRACE_EXEC].generated, 1u);
    EXPECT_EQ(counters[PL_TRACE_EXEC].lost, 0u);
}

TEST(ExecKernel, ArgumentCapCountsEveryArgument) {
    PROBELOG_REQUIRE_ROOT();
    test::KernelHarness h;
    ASSERT_TRUE(test::succeeded(h.open(test::comm_filter("true"))));
    h.settings().get<ExecSettings>().args_max = 3;
    ASSERT_TRUE(test::succeeded(h.start_trace("exec")));
    ASSERT_TRUE(test::succeeded(h.collect()));

    std::string token = test::unique_token("cap");
    std::vector<std::string> argv = {"/bin/true", token};
    for (int i = 0; i < 200; ++i)
        argv.push_back("a" + std::to_string(i));
    ASSERT_EQ(test::wait_exit(test::spawn(argv)), 0);
    h.drain();
    const auto& seen = h.records();
    auto mine = std::find_if(seen.begin(), seen.end(), [&](const test::SeenRecord& s) {
        auto args = s.list("args");
        return args.size() > 1 && args[1] == token;
    });
    ASSERT_NE(mine, seen.end());
    EXPECT_EQ(mine->list("args").size(), 3u);
}

}  // namespace
}  // namespace probelog
