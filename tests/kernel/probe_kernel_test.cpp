// The probe trace loaded in-process through the library: runtime, trace,
// pipeline (with the trace's run-time decoder), against a test program the
// test starts and gates, so that its pid is in the filter before it runs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/kernel_harness.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "testprogs/probes/probe_values.h"
#include "traces/probe_trace.hpp"

namespace probelog {
namespace {

TEST(ProbeKernel, OneGenericProgramPairServesEveryProbe) {
    PROBELOG_REQUIRE_ROOT();
    test::KernelHarness h;
    ASSERT_TRUE(test::succeeded(h.open(test::pid_filter())));
    std::string bin = test::testprog("probe_target");
    test::GatedChild child({bin});
    ASSERT_TRUE(test::succeeded(h.follow(child.pid())));
    h.settings().get<ProbeSettings>().specs = {bin + ":pt_add_ints(int a, int b) ret:int",
                                               bin + ":pt_sleep_ms(int a) ret:int",
                                               bin + ":pt_recurse(int a) ret:int"};
    ASSERT_TRUE(test::succeeded(h.start_trace("probe")));
    EXPECT_EQ(h.trace(0).hook_count(), 6u);     // three entry and three return attachments
    ASSERT_TRUE(test::succeeded(h.collect()));  // binds the trace's run-time decoder

    // The same program outside the filter.
    ASSERT_EQ(test::wait_exit(test::spawn({bin})), 0);
    ASSERT_EQ(child.run(), 0);
    h.drain();

    const auto& seen = h.records();
    ASSERT_EQ(seen.size(), 2u + PT_RECURSE_DEPTH + 1);
    EXPECT_EQ(seen[0].str("probe"), "probe_target:pt_add_ints");
    EXPECT_EQ(seen[0].u("pid"), static_cast<uint64_t>(child.pid()));
    EXPECT_EQ(seen[0].i("a"), PT_ADD_A);
    EXPECT_EQ(seen[0].i("ret"), PT_ADD_A + PT_ADD_B);
    EXPECT_EQ(seen[1].str("probe"), "probe_target:pt_sleep_ms");
    EXPECT_GE(seen[1].u("latency_ns"), uint64_t{PT_SLEEP_MS} * 1000000);
    for (size_t i = 2; i < seen.size(); ++i)
        EXPECT_EQ(seen[i].i("ret"), seen[i].i("a"));
    auto counters = h.runtime().read_counters();
    EXPECT_EQ(counters[PL_TRACE_PROBE].generated, seen.size());
    EXPECT_EQ(counters[PL_TRACE_PROBE].lost, 0u);
    EXPECT_EQ(counters[PL_TRACE_PROBE].map_full, 0u);
    EXPECT_EQ(h.pipeline().counters().invalid, 0u);
}

TEST(ProbeKernel, ResolutionErrorsAttachNothing) {
    PROBELOG_REQUIRE_ROOT();
    test::KernelHarness h;
    ASSERT_TRUE(test::succeeded(h.open(test::no_filter())));
    std::string bin = test::testprog("probe_target");
    h.settings().get<ProbeSettings>().specs = {bin + ":pt_add_ints", bin + ":pt_add_intz"};
    Status st = h.start_trace("probe");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message, "--probe '" + bin +
                                      ":pt_add_intz': function 'pt_add_intz' not found in " + bin +
                                      " (did you mean pt_add_ints?)");
    EXPECT_EQ(h.trace(0).hook_count(), 0u);
}

}  // namespace
}  // namespace probelog
